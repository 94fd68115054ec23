package io.exocohort.de;

import io.exocohort.common.BadInputException;
import io.exocohort.de.kernel.BenjaminiHochberg;
import io.exocohort.de.kernel.ContrastSet;
import io.exocohort.de.kernel.EmpiricalBayes;
import io.exocohort.de.kernel.FeatureFit;
import io.exocohort.de.kernel.FeatureSums;
import io.exocohort.de.kernel.GroupSums;
import io.exocohort.de.kernel.LinearModel;
import io.exocohort.de.kernel.OneWayAnova;
import io.exocohort.de.kernel.WelchTTest;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The driver side of a de run for one modality: from the per-feature sums and rank results ({@link DeStats}) to
 * the rows of {@code de_results}, with the plain-Java kernels (limma lmFit / contrasts.fit / eBayes / treat, Welch,
 * ANOVA, Mann-Whitney U, Kruskal-Wallis, Benjamini-Hochberg per contrast and method). Holds per-feature arrays
 * only.
 */
final class DeResults {
  static final String ALL_GROUPS = "all_groups";

  private DeResults() {}

  /** One result row before it becomes a Row: NaN is written as null. */
  record Result(String contrast, String method, String feature, long nCase, long nControl, double meanCase,
      double meanControl, double log2fc, double aveExpr, double statistic, double df, double p, double padj,
      double auc, double b) {
    Row toRow(String runId, String modality) {
      return RowFactory.create(runId, modality, contrast, method, feature, nCase < 0 ? null : nCase,
          nControl < 0 ? null : nControl, d(meanCase), d(meanControl), d(log2fc), d(aveExpr), d(statistic), d(df),
          d(p), d(padj), d(auc), d(b));
    }

    private static Double d(double v) {
      return Double.isNaN(v) ? null : v;
    }
  }

  /**
   * What limma's linear model fits per feature: the design's X'X that contrasts.fit's correlation comes from (the
   * unweighted one over the samples with values; with blocking, X'C^-1X) and each feature's own sums (plain,
   * voom-weighted, or generalised least squares with the block correlation).
   */
  record LmInput(double[][] designXtx, FeatureSums[] sums) {}

  /**
   * The linear model's input from a pass's sums: {@code s} the sums of the matrix values (the design's X'X),
   * {@code lm} the sums the model fits: {@code s} itself, voom's unweighted log-CPM sums, or voom's weighted sums
   * ({@code weighted}: each feature's own X'WX).
   */
  static LmInput lmInput(String modality, String[] features, DeDesign d, DeStats.Sums s, DeStats.Sums lm,
      boolean weighted) {
    int f = features.length;
    int p = d.p();
    int pp = p * (p + 1) / 2;
    double[][] shared = FeatureSums.unpackUpper(s.sharedXtx, p);
    long total = 0;
    for (long n : s.groupSamples) total += n;
    FeatureSums[] out = new FeatureSums[f];
    for (int i = 0; i < f; i++) {
      if (!weighted && !lm.perFeatureXtx && lm.n[i] != total) {
        throw new IllegalStateException(modality + " feature " + features[i] + " has missing values but its X'X "
            + "was not aggregated");
      }
      double[][] xtx = weighted || lm.perFeatureXtx && lm.n[i] != total
          ? FeatureSums.unpackUpper(java.util.Arrays.copyOfRange(lm.xtx, i * pp, (i + 1) * pp), p) : shared;
      out[i] = FeatureSums.of(lm.n[i], lm.sumY[i], lm.sumYY[i],
          java.util.Arrays.copyOfRange(lm.xty, i * p, (i + 1) * p), xtx);
    }
    return new LmInput(shared, out);
  }

  /**
   * The rows of the run's methods for one modality. {@code s}: the pass's sums of the matrix values (groups,
   * Welch, ANOVA); {@code lm}: what limma's model fits (moderated t and treat; null when neither is computed);
   * {@code ranks}: the rank scans (Wilcoxon and Kruskal-Wallis; empty when neither is computed).
   */
  static List<Result> analyse(String modality, String[] features, DeDesign d, List<DeDesign.Contrast> contrasts,
      DeStats.Sums s, LmInput lm, double[][] ranks, boolean trend, double lfcThreshold, DeMethods methods) {
    int f = features.length;
    int groups = d.groups.length;
    List<Result> out = new ArrayList<>();

    // group sums per feature
    GroupSums[][] gsum = new GroupSums[f][groups];
    for (int i = 0; i < f; i++) {
      for (int g = 0; g < groups; g++) {
        int k = i * groups + g;
        gsum[i][g] = new GroupSums(s.gn[k], s.gs[k], s.gss[k]);
      }
    }

    // moderated t
    Fits fx = methods.limma() ? fit(modality, d, contrasts, lm) : null;
    // the other methods' average expression: the mean of the matrix values (the fit's Amean but on voom's scale)
    double[] ave = new double[f];
    for (int i = 0; i < f; i++) ave[i] = s.n[i] == 0 ? Double.NaN : s.sumY[i] / s.n[i];
    EmpiricalBayes eb = fx == null ? null : EmpiricalBayes.fit(fx.sigma2(), fx.dfResidual(), fx.ave(), trend);

    for (int c = 0; c < contrasts.size(); c++) {
      DeDesign.Contrast con = contrasts.get(c);
      GroupSums[] caseSums = new GroupSums[f];
      GroupSums[] controlSums = new GroupSums[f];
      for (int i = 0; i < f; i++) {
        caseSums[i] = pool(gsum[i], con.caseGroups());
        controlSums[i] = pool(gsum[i], con.controlGroups());
      }
      if (eb != null) limma(con, c, features, fx, eb, caseSums, controlSums, methods, lfcThreshold, out);
      // Welch
      if (methods.has("welch_t")) welch(con, features, ave, caseSums, controlSums, out);
      // Wilcoxon
      if (methods.has("wilcoxon")) {
        int o = c * DeStats.PER_CONTRAST;
        double[] up = new double[f];
        for (int i = 0; i < f; i++) up[i] = ranks[i][o + 4];
        double[] uadj = BenjaminiHochberg.adjust(up);
        for (int i = 0; i < f; i++) {
          out.add(new Result(con.name(), "wilcoxon", features[i], caseSums[i].n(), controlSums[i].n(),
              caseSums[i].mean(), controlSums[i].mean(), caseSums[i].mean() - controlSums[i].mean(), ave[i],
              ranks[i][o + 2], Double.NaN, up[i], uadj[i], ranks[i][o + 3], Double.NaN));
        }
      }
    }
    acrossGroups(features, s, ranks, gsum, ave, contrasts.size() * DeStats.PER_CONTRAST, methods, out);
    return out;
  }

  /** One contrast's moderated t (and treat, above an lfc threshold) rows from the fits and eBayes. */
  private static void limma(DeDesign.Contrast con, int c, String[] features, Fits fx, EmpiricalBayes eb,
      GroupSums[] caseSums, GroupSums[] controlSums, DeMethods methods, double lfcThreshold, List<Result> out) {
    int f = features.length;
    double[] coef = new double[f];
    double[] su = new double[f];
    for (int i = 0; i < f; i++) {
      ContrastSet.Estimate e = fx.contrasts().estimate(fx.fits()[i], c);
      coef[i] = e.coefficient();
      su[i] = e.stdevUnscaled();
    }
    double[] dfTotal = eb.dfTotal();
    if (methods.has("moderated_t")) {
      EmpiricalBayes.TopTable tt = eb.test(coef, su);
      for (int i = 0; i < f; i++) {
        out.add(new Result(con.name(), "moderated_t", features[i], caseSums[i].n(), controlSums[i].n(),
            caseSums[i].mean(), controlSums[i].mean(), tt.logFC()[i], fx.ave()[i], tt.t()[i], dfTotal[i],
            tt.pValue()[i], tt.adjPValue()[i], Double.NaN, tt.b()[i]));
      }
    }
    if (methods.has("treat")) { // DeMethods: only with a threshold above 0
      // limma treat / topTreat: the same fit and squeezed variances, testing |logFC| > the threshold (no B)
      EmpiricalBayes.Treat tr = eb.treat(coef, su, lfcThreshold);
      for (int i = 0; i < f; i++) {
        out.add(new Result(con.name(), "treat", features[i], caseSums[i].n(), controlSums[i].n(),
            caseSums[i].mean(), controlSums[i].mean(), tr.logFC()[i], fx.ave()[i], tr.t()[i], dfTotal[i],
            tr.pValue()[i], tr.adjPValue()[i], Double.NaN, Double.NaN));
      }
    }
  }

  /** One contrast's Welch t rows from the groups' sums. */
  private static void welch(DeDesign.Contrast con, String[] features, double[] ave, GroupSums[] caseSums,
      GroupSums[] controlSums, List<Result> out) {
    int f = features.length;
    WelchTTest.Result[] w = new WelchTTest.Result[f];
    double[] wp = new double[f];
    for (int i = 0; i < f; i++) {
      w[i] = WelchTTest.test(caseSums[i], controlSums[i]);
      wp[i] = w[i].pValue();
    }
    double[] wadj = BenjaminiHochberg.adjust(wp);
    for (int i = 0; i < f; i++) {
      out.add(new Result(con.name(), "welch_t", features[i], caseSums[i].n(), controlSums[i].n(),
          caseSums[i].mean(), controlSums[i].mean(), w[i].meanDifference(), ave[i], w[i].t(), w[i].df(),
          wp[i], wadj[i], Double.NaN, Double.NaN));
    }
  }

  /** The per-feature linear model fits (lmFit from the sufficient statistics) and the contrasts' weights. */
  record Fits(ContrastSet contrasts, FeatureFit[] fits, double[] sigma2, double[] dfResidual, double[] ave) {}

  /** lmFit from each feature's sums, and contrasts.fit's weights on the design covariance. */
  static Fits fit(String modality, DeDesign d, List<DeDesign.Contrast> contrasts, LmInput in) {
    LinearModel model = LinearModel.of(d.columns).centred(d.shift, d.groupColumns);
    double[][] designCov;
    try {
      designCov = model.designCovariance(in.designXtx());
    } catch (IllegalArgumentException e) {
      throw new BadInputException(modality + ": the design " + String.join(" + ", d.columns)
          + " is not of full rank over the samples with values (a covariate confounded with the groups?)");
    }
    double[][] weights = new double[contrasts.size()][];
    String[] names = new String[contrasts.size()];
    for (int c = 0; c < weights.length; c++) {
      weights[c] = contrasts.get(c).weights();
      names[c] = contrasts.get(c).name();
    }
    ContrastSet cs = ContrastSet.limma(names, weights, designCov);
    int f = in.sums().length;
    FeatureFit[] fits = new FeatureFit[f];
    double[] sigma2 = new double[f];
    double[] dfRes = new double[f];
    double[] ave = new double[f];
    for (int i = 0; i < f; i++) {
      fits[i] = model.fit(in.sums()[i]);
      sigma2[i] = fits[i].sigma2();
      dfRes[i] = fits[i].dfResidual();
      ave[i] = fits[i].aveExpr();
    }
    return new Fits(cs, fits, sigma2, dfRes, ave);
  }

  /**
   * Kruskal-Wallis (from the rank scan at {@code o}) and one-way ANOVA across all groups, BH-adjusted, each when
   * the run computes it.
   */
  private static void acrossGroups(String[] features, DeStats.Sums s, double[][] ranks, GroupSums[][] gsum,
      double[] ave, int o, DeMethods methods, List<Result> out) {
    int f = features.length;
    boolean kruskal = methods.has("kruskal");
    boolean anova = methods.has("anova");
    double[] kp = new double[f];
    OneWayAnova.Result[] an = new OneWayAnova.Result[f];
    double[] ap = new double[f];
    for (int i = 0; i < f; i++) {
      if (kruskal) kp[i] = ranks[i][o + 2];
      if (anova) {
        an[i] = OneWayAnova.test(gsum[i]);
        ap[i] = an[i].pValue();
      }
    }
    double[] kadj = kruskal ? BenjaminiHochberg.adjust(kp) : null;
    double[] aadj = anova ? BenjaminiHochberg.adjust(ap) : null;
    for (int i = 0; i < f; i++) {
      long n = s.n[i];
      double mean = n == 0 ? Double.NaN : s.sumY[i] / n;
      if (kruskal) {
        out.add(new Result(ALL_GROUPS, "kruskal", features[i], n, -1, mean, Double.NaN, Double.NaN, ave[i],
            ranks[i][o], ranks[i][o + 1], kp[i], kadj[i], Double.NaN, Double.NaN));
      }
      if (anova) {
        out.add(new Result(ALL_GROUPS, "anova", features[i], n, -1, mean, Double.NaN, Double.NaN, ave[i],
            an[i].f(), an[i].df1(), ap[i], aadj[i], Double.NaN, Double.NaN));
      }
    }
  }

  private static GroupSums pool(GroupSums[] g, int[] set) {
    GroupSums s = GroupSums.EMPTY;
    for (int k : set) s = s.merge(g[k]);
    return s;
  }
}
