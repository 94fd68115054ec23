package io.exocohort.deconv.kernel;

import io.exocohort.de.kernel.EmpiricalBayes;
import io.exocohort.normalize.kernel.FilterByExpr;
import io.exocohort.normalize.kernel.LogCpm;
import io.exocohort.normalize.kernel.NormFactors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * exosomePurity's steps 1 and 2 (its 01signature_DEGS.r and 02signature_Var_Exp.r) on exocohort's own DE engine: the
 * miRs that differ between two groups of reference EV profiles (case, e.g. cancer cell lines, and control, e.g.
 * healthy cells) and are stably expressed within each group.
 *
 * <ol>
 *   <li><b>Differential.</b> edgeR {@code filterByExpr(y, group)} on the counts (library sizes then recomputed from
 *       the kept miRs, {@code keep.lib.sizes = FALSE}), TMM factors, {@code cpm(log = TRUE, prior.count = 2)},
 *       limma {@code lmFit(~ group)} and {@code eBayes()}: a miR is differential when its Benjamini-Hochberg adjusted
 *       p-value is below {@code fdr} and |logFC| above {@code minLog2fc}. (exosomePurity used DESeq2 after RUVg; the
 *       limma path is the one exocohort's de runs, and its kernels are checked against limma.)</li>
 *   <li><b>Stable.</b> Within each group separately: CPM over every miR of the profile, log2(CPM + 1), quantile
 *       normalisation of the group's profiles ({@code normalize.quantiles}), then a miR is kept when its variance over
 *       the group's profiles (R's {@code var}) is below {@code maxVariance} and its sum over them is at least
 *       {@code minExpression} (exosomePurity: variance below 2, sum at least 20). The signature is the differential
 *       miRs stable in both groups, ranked by p-value.</li>
 * </ol>
 * All on the driver: reference sets are tens to hundreds of profiles. Checked against edgeR, limma and
 * preprocessCore on exosomePurity's cell-line counts: src/test/resources/golden/deconv/make_golden.R.
 */
public final class SignatureSelection {
  private SignatureSelection() {}

  /** The thresholds: exosomePurity's values by default. */
  public record Params(double fdr, double minLog2fc, double maxVariance, double minExpression) {
    public static Params defaults() {
      return new Params(0.01, 1, 2, 20);
    }
  }

  /** One miR of the result: its index in the input, limma's figures, and the larger within-group variance. */
  public record Feature(int index, double log2fc, double aveExpr, double t, double pValue, double padj,
      double maxWithinVariance) {}

  /** What the selection did: the kept miRs after filterByExpr, the differential ones, and the signature. */
  public record Result(int filtered, List<Feature> differential, List<Feature> signature) {}

  /**
   * @param counts {@code counts[feature][profile]}, non-negative, every profile's every miR (absent = 0)
   * @param isCase per profile: true for the case group, false for the control group
   */
  public static Result select(double[][] counts, boolean[] isCase, Params p) {
    int nf = counts.length;
    int np = isCase.length;
    int n1 = 0;
    for (boolean c : isCase) if (c) n1++;
    int n0 = np - n1;
    if (n0 < 2 || n1 < 2) {
      throw new IllegalArgumentException("each group needs at least 2 profiles (case " + n1 + ", control " + n0 + ")");
    }
    double[] lib = NormFactors.columnSums(counts, np);
    // 1. filterByExpr
    FilterByExpr.Thresholds th = FilterByExpr.thresholds(lib, new long[] {n0, n1});
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < nf; i++) {
      long at = 0;
      double total = 0;
      for (int j = 0; j < np; j++) {
        if (FilterByExpr.atOrAboveCutoff(counts[i][j], lib[j], th)) at++;
        total += counts[i][j];
      }
      if (FilterByExpr.keepFeature(at, total, th)) kept.add(i);
    }
    int nk = kept.size();
    if (nk < 2) throw new IllegalArgumentException("only " + nk + " miR(s) pass filterByExpr");
    double[][] k = new double[nk][];
    for (int r = 0; r < nk; r++) k[r] = counts[kept.get(r)];
    double[] libK = NormFactors.columnSums(k, np);
    double[] nfac = NormFactors.calcNormFactors(k, libK, NormFactors.Method.TMM);
    double[][] lc = LogCpm.logCpm(k, libK, nfac, LogCpm.PRIOR_COUNT);
    // 2. lmFit(~ group) and eBayes: per miR, the difference of the group means, the pooled variance
    double[] coef = new double[nk];
    double[] ave = new double[nk];
    double[] s2 = new double[nk];
    double[] df = new double[nk];
    double[] unscaled = new double[nk];
    double su = Math.sqrt(1.0 / n0 + 1.0 / n1);
    for (int r = 0; r < nk; r++) {
      double m0 = 0;
      double m1 = 0;
      for (int j = 0; j < np; j++) {
        if (isCase[j]) m1 += lc[r][j];
        else m0 += lc[r][j];
      }
      ave[r] = (m0 + m1) / np;
      m0 /= n0;
      m1 /= n1;
      double ss = 0;
      for (int j = 0; j < np; j++) {
        double d = lc[r][j] - (isCase[j] ? m1 : m0);
        ss += d * d;
      }
      coef[r] = m1 - m0;
      s2[r] = ss / (np - 2);
      df[r] = np - 2;
      unscaled[r] = su;
    }
    EmpiricalBayes eb = EmpiricalBayes.fit(s2, df, ave, false);
    EmpiricalBayes.TopTable tt = eb.test(coef, unscaled);
    // 3. within-group stability
    double[] var0 = withinVariance(counts, isCase, false, p);
    double[] var1 = withinVariance(counts, isCase, true, p);
    List<Feature> de = new ArrayList<>();
    List<Feature> sig = new ArrayList<>();
    for (int r = 0; r < nk; r++) {
      int i = kept.get(r);
      if (!(tt.adjPValue()[r] < p.fdr() && Math.abs(tt.logFC()[r]) > p.minLog2fc())) continue;
      Feature f = new Feature(i, tt.logFC()[r], ave[r], tt.t()[r], tt.pValue()[r], tt.adjPValue()[r],
          Math.max(var0[i], var1[i]));
      de.add(f);
      if (!Double.isNaN(var0[i]) && !Double.isNaN(var1[i])) sig.add(f);
    }
    Comparator<Feature> byP = Comparator.comparingDouble(Feature::pValue).thenComparingInt(Feature::index);
    de.sort(byP);
    sig.sort(byP);
    return new Result(nk, de, sig);
  }

  /**
   * Per miR, its variance over the group's profiles of quantile-normalised log2(CPM + 1), or NaN when the miR is not
   * stable there (variance at least maxVariance, or sum below minExpression).
   */
  private static double[] withinVariance(double[][] counts, boolean[] isCase, boolean group, Params p) {
    int nf = counts.length;
    int[] cols = new int[isCase.length];
    int m = 0;
    for (int j = 0; j < isCase.length; j++) if (isCase[j] == group) cols[m++] = j;
    cols = Arrays.copyOf(cols, m);
    double[][] x = new double[nf][m];
    for (int c = 0; c < m; c++) {
      double lib = 0;
      for (double[] row : counts) lib += row[cols[c]];
      for (int i = 0; i < nf; i++) x[i][c] = Math.log(counts[i][cols[c]] / lib * 1e6 + 1) / Math.log(2);
    }
    double[][] q = QuantileNormalization.normalize(x);
    double[] out = new double[nf];
    for (int i = 0; i < nf; i++) {
      double mean = 0;
      for (double v : q[i]) mean += v;
      double sum = mean;
      mean /= m;
      double ss = 0;
      for (double v : q[i]) ss += (v - mean) * (v - mean);
      double var = ss / (m - 1);
      out[i] = var < p.maxVariance() && sum >= p.minExpression() ? var : Double.NaN;
    }
    return out;
  }
}
