package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.ComBat.BatchEstimate;
import io.exocohort.normalize.kernel.ComBat.Moments;
import io.exocohort.normalize.kernel.Golden.Deviation;
import io.exocohort.normalize.kernel.Golden.Matrix;
import io.exocohort.normalize.kernel.Golden.Table;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code sva::ComBat(dat, batch, mod = model.matrix(~group), par.prior = TRUE)}. */
class ComBatTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "synthetic_logcpm.tsv, synthetic_combat.tsv",
      "synthetic_protein_log2.tsv, synthetic_protein_combat.tsv"})
  void matchesSva(String input, String output) {
    Matrix in = Golden.matrix(input);
    Matrix expected = Golden.matrix(output);
    assertArrayEquals(expected.rowNames(), in.rowNames());
    Table samples = Golden.table("synthetic_samples.tsv");
    assertArrayEquals(in.columnNames(), samples.strings("sample"));
    double[][] actual = ComBat.combat(in.values(), samples.strings("batch"), modelMatrix(samples.strings("group")),
        false);
    new Deviation("ComBat " + input).check(expected, actual).report();
  }

  /**
   * The Spark-shaped path, written out: pass A (min/max per batch, X'y and, with missing values, X'X per feature),
   * driver fits, pass B (per (batch, feature) n, sum, sum of squares of the centred values, plain double sums as
   * Spark's sum() gives), driver variance and empirical Bayes, then elementwise adjustment.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "synthetic_logcpm.tsv, synthetic_combat.tsv",
      "synthetic_protein_log2.tsv, synthetic_protein_combat.tsv"})
  void stepApiFromPlainSumsMatchesSva(String input, String output) {
    Matrix in = Golden.matrix(input);
    Table samples = Golden.table("synthetic_samples.tsv");
    String[] batchLabel = samples.strings("batch");
    String[] levels = new TreeSet<>(Arrays.asList(batchLabel)).toArray(String[]::new);
    int nBatch = levels.length;
    int nSamples = batchLabel.length;
    int[] batch = Arrays.stream(batchLabel).mapToInt(b -> Arrays.asList(levels).indexOf(b)).toArray();
    double[][] mod = modelMatrix(samples.strings("group"));
    double[][] cov = new double[nSamples][];
    for (int j = 0; j < nSamples; j++) cov[j] = Arrays.copyOfRange(mod[j], 1, mod[j].length); // drop intercept
    long[] batchSizes = new long[nBatch];
    for (int b : batch) batchSizes[b]++;
    double[][] x = new double[nSamples][];
    for (int j = 0; j < nSamples; j++) x[j] = ComBat.designRow(batch[j], nBatch, cov[j]);
    double[][] xtxShared = ComBat.crossProduct(x);
    ComBat.checkDesign(xtxShared, nBatch);
    int p = x[0].length;
    double[][] y = in.values();
    int nFeatures = y.length;

    // pass A
    boolean[] skip = new boolean[nFeatures];
    boolean missing = false;
    double[][][] xtx = new double[nFeatures][][];
    double[][] xty = new double[nFeatures][p];
    for (int i = 0; i < nFeatures; i++) {
      long[] nMissing = new long[nBatch];
      double[] min = new double[nBatch];
      double[] max = new double[nBatch];
      Arrays.fill(min, Double.POSITIVE_INFINITY);
      Arrays.fill(max, Double.NEGATIVE_INFINITY);
      xtx[i] = new double[p][p];
      for (int j = 0; j < nSamples; j++) {
        if (Double.isNaN(y[i][j])) {
          nMissing[batch[j]]++;
          continue;
        }
        min[batch[j]] = Math.min(min[batch[j]], y[i][j]);
        max[batch[j]] = Math.max(max[batch[j]], y[i][j]);
        for (int r = 0; r < p; r++) {
          xty[i][r] += x[j][r] * y[i][j];
          for (int c = 0; c < p; c++) xtx[i][r][c] += x[j][r] * x[j][c];
        }
      }
      for (int b = 0; b < nBatch; b++) {
        skip[i] |= ComBat.uniformWithinBatch(batchSizes[b], nMissing[b], min[b], max[b]);
      }
      if (!skip[i]) missing |= Arrays.stream(nMissing).sum() > 0;
    }
    ComBat.FeatureFit[] fit = new ComBat.FeatureFit[nFeatures];
    for (int i = 0; i < nFeatures; i++) {
      if (!skip[i]) fit[i] = ComBat.fitFeature(missing ? xtx[i] : xtxShared, xty[i], batchSizes);
    }

    // pass B
    double[] varPooled = new double[nFeatures];
    Moments[][] standardized = new Moments[nBatch][nFeatures];
    for (int i = 0; i < nFeatures; i++) {
      if (skip[i]) continue;
      Moments[] centred = new Moments[nBatch];
      Arrays.fill(centred, Moments.EMPTY);
      for (int j = 0; j < nSamples; j++) {
        if (Double.isNaN(y[i][j])) continue;
        double c = y[i][j] - ComBat.standardMean(fit[i], cov[j]);
        centred[batch[j]] = centred[batch[j]].plus(new Moments(1, c, c * c));
      }
      varPooled[i] = ComBat.pooledVariance(fit[i], centred, missing);
      for (int b = 0; b < nBatch; b++) standardized[b][i] = ComBat.standardize(centred[b], varPooled[i]);
    }
    int[] kept = java.util.stream.IntStream.range(0, nFeatures).filter(i -> !skip[i]).toArray();
    BatchEstimate[] est = new BatchEstimate[nBatch];
    for (int b = 0; b < nBatch; b++) {
      int bb = b;
      est[b] = ComBat.estimateBatch(Arrays.stream(kept).mapToObj(i -> standardized[bb][i]).toArray(Moments[]::new),
          ComBat.meanOnlyForced(batchSizes));
    }

    double[][] out = adjusted(y, skip, batch, cov, fit, varPooled, est);
    new Deviation("ComBat step API, plain sums " + input).check(Golden.matrix(output), out).report();
  }

  /** The elementwise adjustment of the step API (features skipped at pass A keep their values). */
  static double[][] adjusted(double[][] y, boolean[] skip, int[] batch, double[][] cov, ComBat.FeatureFit[] fit,
      double[] varPooled, BatchEstimate[] est) {
    double[][] out = new double[y.length][];
    for (int k = 0, i = 0; i < y.length; i++) {
      out[i] = y[i].clone();
      if (skip[i]) continue;
      for (int j = 0; j < batch.length; j++) {
        if (Double.isNaN(y[i][j])) continue;
        BatchEstimate e = est[batch[j]];
        out[i][j] = ComBat.adjust(y[i][j], ComBat.standardMean(fit[i], cov[j]), varPooled[i], e.gammaStar()[k],
            e.deltaStar()[k]);
      }
      k++;
    }
    return out;
  }

  @Test
  void meanOnlyMatchesSva() {
    Matrix all = Golden.matrix("synthetic_protein_log2.tsv");
    Matrix expected = Golden.matrix("synthetic_protein_combat_meanonly.tsv");
    double[][] in = Arrays.copyOf(all.values(), expected.rowNames().length);
    assertArrayEquals(expected.rowNames(), Arrays.copyOf(all.rowNames(), in.length));
    Table samples = Golden.table("synthetic_samples.tsv");
    double[][] actual = ComBat.combat(in, samples.strings("batch"), modelMatrix(samples.strings("group")), true);
    new Deviation("ComBat mean.only, 40 proteins").check(expected, actual).report();
  }

  @Test
  void featureConstantWithinABatchIsLeftAsItIs() {
    Matrix in = Golden.matrix("synthetic_protein_log2.tsv");
    Table samples = Golden.table("synthetic_samples.tsv");
    double[][] out = ComBat.combat(in.values(), samples.strings("batch"), modelMatrix(samples.strings("group")), false);
    int p7 = Arrays.asList(in.rowNames()).indexOf("P00007");
    assertArrayEquals(in.values()[p7], out[p7]);
  }

  @Test
  void confoundedDesignsStopWithSvaMessages() {
    String[] batch = {"a", "a", "a", "b", "b", "b"};
    double[][] y = {{1, 2, 3, 4, 5, 7}, {2, 1, 3, 3, 6, 5}};
    double[][] sameAsBatch = {{1, 1}, {1, 1}, {1, 1}, {1, 0}, {1, 0}, {1, 0}};
    var e1 = assertThrows(IllegalArgumentException.class, () -> ComBat.combat(y, batch, sameAsBatch, false));
    assertTrue(e1.getMessage().startsWith("The covariate is confounded with batch!"), e1.getMessage());
    double[][] twoCollinear = {{1, 1, 2}, {1, 0, 0}, {1, 1, 2}, {1, 0, 0}, {1, 1, 2}, {1, 0, 0}};
    var e2 = assertThrows(IllegalArgumentException.class, () -> ComBat.combat(y, batch, twoCollinear, false));
    assertTrue(e2.getMessage().startsWith("The covariates are confounded!"), e2.getMessage());
    double[][] oneWithBatch = {{1, 1, 0}, {1, 1, 1}, {1, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 0, 1}};
    var e3 = assertThrows(IllegalArgumentException.class, () -> ComBat.combat(y, batch, oneWithBatch, false));
    assertTrue(e3.getMessage().startsWith("At least one covariate is confounded with batch!"), e3.getMessage());
  }

  @Test
  void stepsOnSufficientStatisticsFollowSvaFormulas() {
    // one batch of standardised values for three features: check gamma.hat, delta.hat, priors and it.sol's fixed
    // point: gamma* = postmean(gamma.hat, gamma.bar, n, delta*, t2), delta* = postvar(sum((s - gamma*)^2), n, a, b)
    double[][] s = {{0.1, -0.4, 0.9, 0.3}, {1.2, 0.8, 1.9, 1.1}, {-0.5, -0.9, 0.2, -1.4}};
    Moments[] m = Arrays.stream(s).map(Moments::of).toArray(Moments[]::new);
    BatchEstimate est = ComBat.estimateBatch(m, false);
    for (int i = 0; i < 3; i++) {
      assertEquals(RNumerics.mean(s[i]), est.gammaHat()[i], 1e-15);
      assertEquals(RNumerics.var(s[i]), est.deltaHat()[i], 1e-14);
      double g = est.gammaStar()[i];
      double d = est.deltaStar()[i];
      double sum2 = 0;
      for (double v : s[i]) sum2 += (v - g) * (v - g);
      // converged to 1e-4 relative change, so the fixed point holds to about that
      assertEquals(ComBat.postMean(est.gammaHat()[i], est.gammaBar(), 4, d, est.tau2()), g, 1e-3 * Math.abs(g));
      assertEquals(ComBat.postVar(sum2, 4, est.aPrior(), est.bPrior()), d, 1e-3 * d);
    }
    assertEquals(RNumerics.mean(est.gammaHat()), est.gammaBar(), 1e-15);
    assertTrue(est.iterations() > 0);
  }

  /** {@code model.matrix(~group)}: intercept, then an indicator per level after the first (levels sorted). */
  static double[][] modelMatrix(String[] group) {
    String[] levels = new TreeSet<>(Arrays.asList(group)).toArray(String[]::new);
    double[][] mod = new double[group.length][levels.length];
    for (int j = 0; j < group.length; j++) {
      mod[j][0] = 1;
      for (int l = 1; l < levels.length; l++) mod[j][l] = group[j].equals(levels[l]) ? 1 : 0;
    }
    return mod;
  }
}
