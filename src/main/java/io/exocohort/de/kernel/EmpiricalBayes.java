package io.exocohort.de.kernel;

/**
 * limma's empirical Bayes moderation ({@code eBayes} / {@code .ebayes}, {@code robust = FALSE}) and the
 * per-contrast table of {@code topTable(fit, coef, number = Inf, sort.by = "none")}, on per-feature arrays.
 *
 * <p>{@link #fit} squeezes the residual variances once per modality ({@link VarianceSqueeze}, optionally with
 * the trend on average expression), which does not depend on the contrast. {@link #test} then gives, for one
 * contrast: the moderated t = coefficient / stdev.unscaled / sqrt(s2.post); df.total = min(df + df.prior,
 * df.pooled) with df.pooled the sum of all residual df; the two-sided p-value on df.total; the BH adjusted
 * p-value over the features ({@code topTable}'s adj.P.Val, NaN-aware); and the B statistic (log-odds of
 * differential expression) with v0 from {@link TMixture} clipped to stdev.coef.lim^2 / median(s2.prior):
 * B = log(p/(1-p)) - log(r)/2 + (1 + df.total)/2 log((t^2 + df.total) / (t^2/r + df.total)), r = (su^2 + v0) /
 * su^2, or its limit t^2 (1 - 1/r) / 2 for the last term when df.prior &gt; 1e6.
 *
 * <p>Features whose coefficient is NaN (non-estimable, e.g. a group without values) get NaN t, p and B and do
 * not count in the BH m, as in limma.
 */
public final class EmpiricalBayes {
  public static final double DEFAULT_PROPORTION = 0.01;
  public static final double[] DEFAULT_STDEV_COEF_LIM = {0.1, 4};

  private final double[] aveExpr;
  private final double[] dfResidual;
  private final VarianceSqueeze squeeze;
  private final double[] dfTotal;
  private final double dfPooled;

  private EmpiricalBayes(double[] aveExpr, double[] dfResidual, VarianceSqueeze squeeze, double[] dfTotal,
                         double dfPooled) {
    this.aveExpr = aveExpr;
    this.dfResidual = dfResidual;
    this.squeeze = squeeze;
    this.dfTotal = dfTotal;
    this.dfPooled = dfPooled;
  }

  /**
   * @param sigma2     residual variance s^2 per feature (NaN where df = 0)
   * @param dfResidual residual df per feature
   * @param aveExpr    mean of the observed values per feature (limma's Amean); needed for trend
   * @param trend      {@code eBayes(trend = TRUE)}: prior variance as a function of aveExpr
   */
  public static EmpiricalBayes fit(double[] sigma2, double[] dfResidual, double[] aveExpr, boolean trend) {
    int n = sigma2.length;
    if (dfResidual.length != n || (aveExpr != null && aveExpr.length != n)) {
      throw new IllegalArgumentException("sigma2, dfResidual and aveExpr differ in length");
    }
    if (trend && aveExpr == null) throw new IllegalArgumentException("Need Amean component in fit to estimate trend");
    double maxDf = 0;
    boolean anyFinite = false;
    double dfPooled = 0;
    for (int i = 0; i < n; i++) {
      maxDf = Math.max(maxDf, dfResidual[i]);
      if (Double.isFinite(sigma2[i])) anyFinite = true;
      if (!Double.isNaN(dfResidual[i])) dfPooled += dfResidual[i];
    }
    if (maxDf == 0) throw new IllegalArgumentException("No residual degrees of freedom in linear model fits");
    if (!anyFinite) throw new IllegalArgumentException("No finite residual standard deviations");
    VarianceSqueeze sq = VarianceSqueeze.squeeze(sigma2, dfResidual, trend ? aveExpr : null);
    double[] dfTotal = new double[n];
    for (int i = 0; i < n; i++) dfTotal[i] = Math.min(dfResidual[i] + sq.dfPrior(), dfPooled);
    return new EmpiricalBayes(aveExpr, dfResidual.clone(), sq, dfTotal, dfPooled);
  }

  public double dfPrior() {
    return squeeze.dfPrior();
  }

  public double[] s2Prior() {
    return squeeze.varPrior().clone();
  }

  public double[] s2Post() {
    return squeeze.varPost().clone();
  }

  public double[] dfTotal() {
    return dfTotal.clone();
  }

  public double dfPooled() {
    return dfPooled;
  }

  /** One contrast with limma's defaults: proportion 0.01, stdev.coef.lim (0.1, 4). */
  public TopTable test(double[] coefficient, double[] stdevUnscaled) {
    return test(coefficient, stdevUnscaled, DEFAULT_PROPORTION, DEFAULT_STDEV_COEF_LIM);
  }

  public TopTable test(double[] coefficient, double[] stdevUnscaled, double proportion, double[] stdevCoefLim) {
    int n = dfTotal.length;
    if (coefficient.length != n || stdevUnscaled.length != n) {
      throw new IllegalArgumentException("coefficient and stdevUnscaled must have one value per feature");
    }
    double[] s2post = squeeze.varPost();
    double[] s2prior = squeeze.varPrior();
    double[] t = new double[n];
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      t[i] = coefficient[i] / stdevUnscaled[i] / Math.sqrt(s2post[i]);
      p[i] = Distributions.tTwoSided(t[i], dfTotal[i]);
    }
    double medianPrior = FDistFit.median(s2prior);
    double[] lim = {stdevCoefLim[0] * stdevCoefLim[0] / medianPrior, stdevCoefLim[1] * stdevCoefLim[1] / medianPrior};
    double v0 = TMixture.vector(t, stdevUnscaled, dfTotal, proportion, lim);
    if (Double.isNaN(v0)) v0 = 1 / s2prior[0];
    boolean infDf = squeeze.dfPrior() > 1e6;
    double[] b = new double[n];
    double logOdds = Math.log(proportion / (1 - proportion));
    for (int i = 0; i < n; i++) {
      double su2 = stdevUnscaled[i] * stdevUnscaled[i];
      double r = (su2 + v0) / su2;
      double t2 = t[i] * t[i];
      double kernel;
      if (infDf) {
        kernel = t2 * (1 - 1 / r) / 2;
      } else {
        double d = dfTotal[i];
        kernel = (1 + d) / 2 * Math.log((t2 + d) / (t2 / r + d));
      }
      b[i] = logOdds - Math.log(r) / 2 + kernel;
    }
    return new TopTable(coefficient.clone(), aveExpr == null ? null : aveExpr.clone(), t, p,
        BenjaminiHochberg.adjust(p), b, v0);
  }

  /**
   * limma's {@code treat} and {@code topTreat(number = Inf, sort.by = "none")} for one contrast (McCarthy and Smyth
   * 2009): the moderated t-test of |logFC| &gt; {@code lfc} instead of logFC = 0, with the same squeezed variances
   * and df.total as {@link #test}. With se = stdev.unscaled sqrt(s2.post), the p-value is P(T &gt; (|logFC| - lfc) /
   * se) + P(T &gt; (|logFC| + lfc) / se) on df.total; t is sign(logFC) max((|logFC| - lfc) / se, 0) where |logFC|
   * &gt; lfc, else 0; adj.P.Val is BH over the features. {@code lfc = 0} gives {@link #test}'s p-values and t.
   * A non-estimable (NaN) coefficient gives NaN t and p (limma 3.54's treat stops on one instead).
   *
   * @param lfc the log2 fold-change threshold (limma's {@code lfc}; its sign is ignored, as in limma)
   */
  public Treat treat(double[] coefficient, double[] stdevUnscaled, double lfc) {
    int n = dfTotal.length;
    if (coefficient.length != n || stdevUnscaled.length != n) {
      throw new IllegalArgumentException("coefficient and stdevUnscaled must have one value per feature");
    }
    if (!Double.isFinite(lfc)) throw new IllegalArgumentException("lfc must be finite: " + lfc);
    double threshold = Math.abs(lfc);
    double[] s2post = squeeze.varPost();
    double[] t = new double[n];
    double[] p = new double[n];
    for (int i = 0; i < n; i++) {
      double coef = coefficient[i];
      double se = stdevUnscaled[i] * Math.sqrt(s2post[i]);
      double acoef = Math.abs(coef);
      double right = (acoef - threshold) / se;
      double left = (acoef + threshold) / se;
      p[i] = Distributions.tUpper(right, dfTotal[i]) + Distributions.tUpper(left, dfTotal[i]);
      if (Double.isNaN(coef) || Double.isNaN(se)) {
        t[i] = Double.NaN;
      } else if (coef > threshold) {
        t[i] = Math.max(right, 0);
      } else if (coef < -threshold) {
        t[i] = -Math.max(right, 0);
      }
    }
    return new Treat(threshold, coefficient.clone(), t, p, BenjaminiHochberg.adjust(p));
  }

  /** limma's topTreat columns for one contrast, in feature order, and the threshold they test. */
  public record Treat(double lfc, double[] logFC, double[] t, double[] pValue, double[] adjPValue) {}

  /**
   * limma's topTable columns for one contrast, in feature order.
   *
   * @param varPrior the tmixture v0 of this contrast (eBayes' var.prior)
   */
  public record TopTable(double[] logFC, double[] aveExpr, double[] t, double[] pValue, double[] adjPValue,
                         double[] b, double varPrior) {}
}
