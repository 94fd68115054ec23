package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * Contrasts of a feature's coefficients, as limma's {@code contrasts.fit(fit, contrasts)}: the estimate
 * c'beta and its unscaled standard deviation.
 *
 * <p>{@link #limma}: exactly what contrasts.fit computes. It does not use each feature's own (X'X)^-1 but the
 * feature's stdev.unscaled together with the correlation matrix of the whole design's coefficients
 * ({@code cov2cor(fit$cov.coefficients)}): sd = sqrt(sum_jk c_j su_j R_jk su_k c_k). For a feature without
 * missing values this is sqrt(c'(X'X)^-1 c) exactly; for a feature with missing values it is limma's
 * approximation. {@link #exact} uses the feature's own covariance, sqrt(c' V c), as a fit of its observed
 * rows alone would give.
 *
 * <p>A contrast that puts a non-zero weight on a non-estimable coefficient is NaN for that feature (limma:
 * NA), e.g. "X vs healthy" for a protein never observed in group X; zero weights on non-estimable coefficients
 * are ignored.
 *
 * <p>Our contrasts (documented choice): "X vs healthy" = beta_X - beta_healthy; "X vs other cancers" =
 * beta_X - mean(beta of the other cancer groups), an equal-weight average of the other groups' coefficients in
 * the one cell-means fit (not the pooled other-cancer samples, which would need a second design).
 */
public final class ContrastSet {
  private final String[] names;
  private final double[][] weights;
  private final double[][] correlation;

  private ContrastSet(String[] names, double[][] weights, double[][] correlation) {
    this.names = names;
    this.weights = weights;
    this.correlation = correlation;
  }

  /**
   * @param names            contrast names
   * @param weights          one row of p weights per contrast (the transpose of limma's contrast matrix)
   * @param designCovariance the whole design's (X'X)^-1 ({@link LinearModel#designCovariance}); unweighted also
   *                         for a weighted fit: limma's lm.series takes cov.coefficients from the unweighted design's
   *                         QR when the weights differ per feature, and contrasts.fit combines its correlation with
   *                         each feature's weighted stdev.unscaled
   */
  public static ContrastSet limma(String[] names, double[][] weights, double[][] designCovariance) {
    int p = designCovariance.length;
    check(names, weights, p);
    double[][] r = new double[p][p];
    for (int i = 0; i < p; i++) {
      for (int j = 0; j < p; j++) {
        r[i][j] = designCovariance[i][j] / Math.sqrt(designCovariance[i][i]) / Math.sqrt(designCovariance[j][j]);
      }
      r[i][i] = 1;
    }
    return new ContrastSet(names.clone(), deepCopy(weights), r);
  }

  /** Each feature's own covariance: sqrt(c' (X_obs' X_obs)^-1 c). */
  public static ContrastSet exact(String[] names, double[][] weights) {
    check(names, weights, weights.length == 0 ? 0 : weights[0].length);
    return new ContrastSet(names.clone(), deepCopy(weights), null);
  }

  private static void check(String[] names, double[][] weights, int p) {
    if (names.length != weights.length) throw new IllegalArgumentException("one name per contrast");
    for (double[] w : weights) {
      if (w.length != p) throw new IllegalArgumentException("contrast weights need " + p + " values");
    }
  }

  private static double[][] deepCopy(double[][] m) {
    double[][] c = new double[m.length][];
    for (int i = 0; i < m.length; i++) c[i] = m[i].clone();
    return c;
  }

  public int size() {
    return names.length;
  }

  public String name(int k) {
    return names[k];
  }

  /** One contrast of one feature: the estimate (logFC) and its unscaled standard deviation. */
  public record Estimate(double coefficient, double stdevUnscaled) {
    static final Estimate NA = new Estimate(Double.NaN, Double.NaN);
  }

  /** All contrasts of one feature. */
  public Estimate[] estimate(FeatureFit fit) {
    Estimate[] out = new Estimate[names.length];
    for (int k = 0; k < names.length; k++) out[k] = estimate(fit, k);
    return out;
  }

  public Estimate estimate(FeatureFit fit, int k) {
    double[] c = weights[k];
    double[] beta = fit.coefficients();
    int p = c.length;
    double est = 0;
    for (int j = 0; j < p; j++) {
      if (c[j] == 0) continue;
      if (Double.isNaN(beta[j])) return Estimate.NA;
      est += beta[j] * c[j];
    }
    double var = 0;
    if (correlation != null) {
      double[] su = fit.stdevUnscaled();
      double[] u = new double[p];
      for (int j = 0; j < p; j++) u[j] = c[j] == 0 ? 0 : c[j] * su[j];
      for (int i = 0; i < p; i++) {
        if (u[i] == 0) continue;
        for (int j = 0; j < p; j++) if (u[j] != 0) var += u[i] * correlation[i][j] * u[j];
      }
    } else {
      double[][] v = fit.covUnscaled();
      for (int i = 0; i < p; i++) {
        if (c[i] == 0) continue;
        for (int j = 0; j < p; j++) if (c[j] != 0) var += c[i] * v[i][j] * c[j];
      }
    }
    return new Estimate(est, Math.sqrt(var));
  }

  @Override
  public String toString() {
    return "ContrastSet" + Arrays.toString(names);
  }
}
