package io.exocohort.normalize;

import io.exocohort.common.BadInputException;
import io.exocohort.normalize.kernel.ComBat;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * Parametric ComBat ({@code sva::ComBat(dat, batch, mod = model.matrix(~grp), par.prior = TRUE)}) on a
 * {@link SampleMatrix}, from sufficient statistics: pass A aggregates per feature X'y (and, with missing values,
 * the feature's own X'X) and per (batch, feature) counts and ranges; the driver fits each feature; pass B
 * aggregates per (batch, feature) moments of the centred values; the driver runs the empirical-Bayes iteration per
 * batch; a last map adjusts every value. The protected covariate is {@code grp} (e.g. cancer_type), coded as
 * R's {@code model.matrix(~grp)} without the intercept (levels sorted, the first is the reference).
 */
public final class ComBatStep {
  private ComBatStep() {}

  /** Per-feature X'X is kept only while features x p x p stays below this many doubles. */
  static final long MAX_PER_FEATURE_XTX = 20_000_000L;

  public record Result(SampleMatrix adjusted, int batches, int featuresAdjusted, boolean meanOnly) {}

  public static Result adjust(SparkSession spark, SampleMatrix m, boolean meanOnly) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<scala.Tuple2<String, String>, Long> levels =
        m.rows.map(r -> new scala.Tuple2<>(r.batch(), r.grp() == null ? "" : r.grp())).countByValue();
    TreeMap<String, Integer> batches = new TreeMap<>();
    TreeMap<String, Integer> groups = new TreeMap<>();
    for (Map.Entry<scala.Tuple2<String, String>, Long> e : levels.entrySet()) {
      if (e.getKey()._1() == null) throw new BadInputException("ComBat: " + e.getValue() + " samples have no batch");
      batches.put(e.getKey()._1(), 0);
      groups.put(e.getKey()._2(), 0);
    }
    if (batches.size() < 2) throw new BadInputException("ComBat needs at least two batches, found " + batches.size());
    int bi = 0;
    for (var e : batches.entrySet()) e.setValue(bi++);
    int gi = 0;
    for (var e : groups.entrySet()) e.setValue(gi++);
    int nBatch = batches.size();
    int q = groups.size() - 1;
    int p = nBatch + q;
    int nf = m.features.length;
    long[] batchSizes = new long[nBatch];
    for (Map.Entry<scala.Tuple2<String, String>, Long> e : levels.entrySet()) {
      batchSizes[batches.get(e.getKey()._1())] += e.getValue();
    }
    boolean meanOnlyUsed = meanOnly || ComBat.meanOnlyForced(batchSizes);
    Broadcast<TreeMap<String, Integer>> bB = jsc.broadcast(batches);
    Broadcast<TreeMap<String, Integer>> gB = jsc.broadcast(groups);

    // Pass A: X'X (shared), per feature X'y, per-feature X'X for features with missing values, per (batch,
    // feature) n / missing / min / max.
    boolean perFeatureXtx = (long) nf * p * p <= MAX_PER_FEATURE_XTX;
    PassA a = m.aggregate(new PassA(nf, nBatch, p, perFeatureXtx), (acc, r) -> {
      int b = bB.value().get(r.batch());
      double[] x = ComBat.designRow(b, nBatch, covariates(r.grp(), gB.value(), q));
      acc.add(b, x, r.v());
      return acc;
    }, PassA::merge);
    ComBat.checkDesign(a.xtx, nBatch);
    boolean[] skip = new boolean[nf];
    boolean missing = false;
    for (int i = 0; i < nf; i++) {
      for (int b = 0; b < nBatch; b++) {
        skip[i] |= ComBat.uniformWithinBatch(batchSizes[b], a.missing[b][i], a.min[b][i], a.max[b][i]);
      }
      if (!skip[i]) for (int b = 0; b < nBatch; b++) missing |= a.missing[b][i] > 0;
    }
    if (missing && !perFeatureXtx) {
      throw new BadInputException("ComBat with missing values and " + p + " design columns over " + nf
          + " features is too large: impute first or use fewer batches");
    }
    ComBat.FeatureFit[] fits = new ComBat.FeatureFit[nf];
    for (int i = 0; i < nf; i++) {
      if (!skip[i]) fits[i] = ComBat.fitFeature(missing ? a.featureXtx[i] : a.xtx, a.xty[i], batchSizes);
    }
    Broadcast<ComBat.FeatureFit[]> fB = jsc.broadcast(fits);

    // Pass B: moments of the centred values per (batch, feature); then the empirical Bayes batch estimates.
    double[][][] mom = centredMoments(m, bB, gB, fB, q, nBatch, nf);
    Estimates est = estimate(mom, fits, skip, missing, meanOnlyUsed);
    double[][] gammaStar = est.gammaStar();
    double[][] deltaStar = est.deltaStar();
    double[] varPooled = est.varPooled();
    int adjusted = est.adjusted();
    Broadcast<double[][]> gsB = jsc.broadcast(gammaStar);
    Broadcast<double[][]> dsB = jsc.broadcast(deltaStar);
    Broadcast<double[]> vpB = jsc.broadcast(varPooled);

    SampleMatrix out = m.map(r -> {
      int b = bB.value().get(r.batch());
      double[] cov = covariates(r.grp(), gB.value(), q);
      double[] v = r.v();
      ComBat.FeatureFit[] fs = fB.value();
      double[] o = v.clone();
      for (int i = 0; i < v.length; i++) {
        if (fs[i] == null || Double.isNaN(v[i])) continue;
        o[i] = ComBat.adjust(v[i], ComBat.standardMean(fs[i], cov), vpB.value()[i], gsB.value()[b][i],
            dsB.value()[b][i]);
      }
      return r.with(o);
    });
    return new Result(out, nBatch, adjusted, meanOnlyUsed);
  }

  /** Per (batch, feature): count, sum and sum of squares of the values minus their standardised mean. */
  private static double[][][] centredMoments(SampleMatrix m, Broadcast<TreeMap<String, Integer>> bB,
      Broadcast<TreeMap<String, Integer>> gB, Broadcast<ComBat.FeatureFit[]> fB, int q, int nBatch, int nf) {
    return m.aggregate(new double[nBatch][nf][3], (acc, r) -> {
      int b = bB.value().get(r.batch());
      double[] cov = covariates(r.grp(), gB.value(), q);
      double[] v = r.v();
      ComBat.FeatureFit[] fs = fB.value();
      for (int i = 0; i < v.length; i++) {
        if (fs[i] == null || Double.isNaN(v[i])) continue;
        double c = v[i] - ComBat.standardMean(fs[i], cov);
        acc[b][i][0]++;
        acc[b][i][1] += c;
        acc[b][i][2] += c * c;
      }
      return acc;
    }, (x, y) -> {
      for (int b = 0; b < x.length; b++) {
        for (int i = 0; i < x[b].length; i++) for (int k = 0; k < 3; k++) x[b][i][k] += y[b][i][k];
      }
      return x;
    });
  }

  /** The pooled variances and the shrunken batch effects (per batch and feature), and how many features have them. */
  private record Estimates(double[] varPooled, double[][] gammaStar, double[][] deltaStar, int adjusted) {}

  /** From the centred moments: pooled variances, standardised moments, and per batch the empirical Bayes fit. */
  private static Estimates estimate(double[][][] mom, ComBat.FeatureFit[] fits, boolean[] skip, boolean missing,
      boolean meanOnly) {
    int nBatch = mom.length;
    int nf = fits.length;
    double[] varPooled = new double[nf];
    ComBat.Moments[][] std = new ComBat.Moments[nBatch][nf];
    int adjusted = 0;
    for (int i = 0; i < nf; i++) {
      if (skip[i]) continue;
      adjusted++;
      ComBat.Moments[] centred = new ComBat.Moments[nBatch];
      for (int b = 0; b < nBatch; b++) centred[b] = new ComBat.Moments((long) mom[b][i][0], mom[b][i][1], mom[b][i][2]);
      varPooled[i] = ComBat.pooledVariance(fits[i], centred, missing);
      for (int b = 0; b < nBatch; b++) std[b][i] = ComBat.standardize(centred[b], varPooled[i]);
    }
    int[] keptIdx = new int[adjusted];
    for (int i = 0, k = 0; i < nf; i++) if (!skip[i]) keptIdx[k++] = i;
    double[][] gammaStar = new double[nBatch][nf];
    double[][] deltaStar = new double[nBatch][nf];
    for (int b = 0; b < nBatch; b++) {
      ComBat.Moments[] mb = new ComBat.Moments[adjusted];
      for (int k = 0; k < adjusted; k++) mb[k] = std[b][keptIdx[k]];
      ComBat.BatchEstimate est = ComBat.estimateBatch(mb, meanOnly);
      for (int k = 0; k < adjusted; k++) {
        gammaStar[b][keptIdx[k]] = est.gammaStar()[k];
        deltaStar[b][keptIdx[k]] = est.deltaStar()[k];
      }
    }
    return new Estimates(varPooled, gammaStar, deltaStar, adjusted);
  }

  /** model.matrix(~grp) without the intercept: indicators of the non-reference levels. */
  static double[] covariates(String grp, TreeMap<String, Integer> levels, int q) {
    double[] c = new double[q];
    int l = levels.get(grp == null ? "" : grp);
    if (l > 0) c[l - 1] = 1;
    return c;
  }

  /** Sufficient statistics of pass A. */
  static final class PassA implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final double[][] xtx;
    final double[][] xty;
    final double[][][] featureXtx;
    final long[][] missing;
    final double[][] min;
    final double[][] max;

    PassA(int nf, int nBatch, int p, boolean perFeatureXtx) {
      xtx = new double[p][p];
      xty = new double[nf][p];
      featureXtx = perFeatureXtx ? new double[nf][][] : null;
      missing = new long[nBatch][nf];
      min = new double[nBatch][nf];
      max = new double[nBatch][nf];
      for (int b = 0; b < nBatch; b++) {
        java.util.Arrays.fill(min[b], Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(max[b], Double.NEGATIVE_INFINITY);
      }
    }

    void add(int b, double[] x, double[] v) {
      int p = x.length;
      for (int r = 0; r < p; r++) {
        if (x[r] == 0) continue;
        for (int c = 0; c < p; c++) xtx[r][c] += x[r] * x[c];
      }
      for (int i = 0; i < v.length; i++) {
        double y = v[i];
        if (Double.isNaN(y)) {
          missing[b][i]++;
          continue;
        }
        if (y < min[b][i]) min[b][i] = y;
        if (y > max[b][i]) max[b][i] = y;
        double[] t = xty[i];
        for (int r = 0; r < p; r++) if (x[r] != 0) t[r] += x[r] * y;
        if (featureXtx != null) {
          double[][] f = featureXtx[i];
          if (f == null) f = featureXtx[i] = new double[p][p];
          for (int r = 0; r < p; r++) {
            if (x[r] == 0) continue;
            for (int c = 0; c < p; c++) f[r][c] += x[r] * x[c];
          }
        }
      }
    }

    static PassA merge(PassA a, PassA b) {
      int p = a.xtx.length;
      for (int r = 0; r < p; r++) for (int c = 0; c < p; c++) a.xtx[r][c] += b.xtx[r][c];
      for (int i = 0; i < a.xty.length; i++) {
        for (int r = 0; r < p; r++) a.xty[i][r] += b.xty[i][r];
        if (a.featureXtx != null && b.featureXtx[i] != null) {
          if (a.featureXtx[i] == null) a.featureXtx[i] = new double[p][p];
          for (int r = 0; r < p; r++) for (int c = 0; c < p; c++) a.featureXtx[i][r][c] += b.featureXtx[i][r][c];
        }
      }
      for (int bb = 0; bb < a.missing.length; bb++) {
        for (int i = 0; i < a.missing[bb].length; i++) {
          a.missing[bb][i] += b.missing[bb][i];
          a.min[bb][i] = Math.min(a.min[bb][i], b.min[bb][i]);
          a.max[bb][i] = Math.max(a.max[bb][i], b.max[bb][i]);
        }
      }
      return a;
    }
  }
}
