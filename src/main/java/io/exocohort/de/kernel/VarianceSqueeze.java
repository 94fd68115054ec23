package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * limma's {@code squeezeVar(var, df, covariate, robust = FALSE)}: empirical Bayes posterior variances.
 * Features with df = 0 get var = 0 (limma does the same: their NA variance is not used), the prior comes from
 * {@link FDistFit}, and the posterior is {@code (df * var + df.prior * var.prior) / (df + df.prior)}, or
 * var.prior itself when df.prior is infinite. Only {@code robust = FALSE} is implemented.
 *
 * @param dfPrior  d0 (+Inf when the variances show no more spread than sampling alone)
 * @param varPrior s0^2 per feature (constant without a covariate)
 * @param varPost  the posterior (squeezed) variance per feature
 */
public record VarianceSqueeze(double dfPrior, double[] varPrior, double[] varPost) {

  /**
   * @param var       residual variances s^2 (NaN allowed where df = 0)
   * @param df        residual degrees of freedom
   * @param covariate average expression for {@code trend = TRUE}, or null
   */
  public static VarianceSqueeze squeeze(double[] var, double[] df, double[] covariate) {
    int n = var.length;
    if (n == 0) throw new IllegalArgumentException("var is empty");
    if (df.length != n) throw new IllegalArgumentException("var and df have different lengths");
    if (n == 1) return new VarianceSqueeze(0, var.clone(), var.clone());
    double[] v = var.clone();
    for (int i = 0; i < n; i++) if (df[i] == 0) v[i] = 0;
    FDistFit fit = FDistFit.fit(v, df, covariate);
    if (Double.isNaN(fit.df2())) throw new IllegalArgumentException("Could not estimate prior df");
    double[] prior = new double[n];
    for (int i = 0; i < n; i++) prior[i] = fit.scale(i);
    double d0 = fit.df2();
    double[] post = new double[n];
    if (Double.isInfinite(d0)) {
      post = Arrays.copyOf(prior, n);
    } else {
      for (int i = 0; i < n; i++) post[i] = (df[i] * v[i] + d0 * prior[i]) / (df[i] + d0);
    }
    return new VarianceSqueeze(d0, prior, post);
  }
}
