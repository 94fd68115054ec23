package io.exocohort.de.kernel;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * limma's {@code fitFDist(x, df1, covariate)}: moment estimation of a scaled F distribution for residual
 * variances, x ~ scale * F(df1, df2). Reproduces limma 3.54 line by line:
 * <ol>
 *   <li>features with non-finite or zero df1, or non-finite or negative x, are left out of the fit
 *       ("not ok");</li>
 *   <li>x is floored at 1e-5 times its median (median 0: 1, as limma with its warning);</li>
 *   <li>e = log(x) - digamma(df1/2) + log(df1/2);</li>
 *   <li>without covariate: mean and variance of e; with a covariate (the trend on average expression):
 *       least squares of e on {@code ns(covariate, df = splinedf, intercept = TRUE)}, splinedf = 1 + [nok &gt;= 3]
 *       + [nok &gt;= 6] + [nok &gt;= 30], at most the number of distinct covariate values (below 2: no trend),
 *       fitted values as the mean, the residual mean square as the variance, and the not-ok features get
 *       {@code predict()} of the basis at their covariate;</li>
 *   <li>evar = variance - mean(trigamma(df1/2)); evar &gt; 0: df2 = 2 trigammaInverse(evar),
 *       scale = exp(emean + digamma(df2/2) - log(df2/2)); else df2 = Inf and scale = mean(x) (no covariate)
 *       or exp(emean).</li>
 * </ol>
 *
 * @param scale s0^2 per feature (one value repeated when there is no covariate)
 * @param df2   the prior degrees of freedom d0 (may be +Inf; NaN when nothing could be estimated)
 */
public record FDistFit(double[] scale, double df2) {

  /** fitFDist(x, df1) without covariate. */
  public static FDistFit fit(double[] x, double[] df1) {
    return fit(x, df1, null);
  }

  /** fitFDist(x, df1, covariate); {@code covariate} null for no trend. */
  public static FDistFit fit(double[] x, double[] df1, double[] covariate) {
    int n = x.length;
    if (df1.length != n) throw new IllegalArgumentException("x and df1 have different lengths");
    if (n == 0) return new FDistFit(new double[0], Double.NaN);
    if (n == 1) return new FDistFit(new double[] {x[0]}, 0);
    double[] cov = covariate == null ? null : finiteCovariate(covariate, n);
    boolean[] ok = new boolean[n];
    int nok = 0;
    for (int i = 0; i < n; i++) {
      ok[i] = Double.isFinite(df1[i]) && df1[i] > 1e-15 && Double.isFinite(x[i]) && x[i] > -1e-15;
      if (ok[i]) nok++;
    }
    if (nok == 0) {
      // limma: median(numeric(0)) is NA and the fit fails downstream; report nothing estimable
      double[] s = new double[n];
      Arrays.fill(s, Double.NaN);
      return new FDistFit(s, Double.NaN);
    }
    if (nok == 1) {
      for (int i = 0; i < n; i++) if (ok[i]) return new FDistFit(new double[] {x[i]}, 0);
    }
    double[] xo = new double[nok];
    double[] d = new double[nok];
    double[] co = cov == null ? null : new double[nok];
    for (int i = 0, k = 0; i < n; i++) {
      if (!ok[i]) continue;
      xo[k] = x[i];
      d[k] = df1[i];
      if (co != null) co[k] = cov[i];
      k++;
    }
    int splinedf = 1;
    if (co != null) {
      splinedf = 1 + (nok >= 3 ? 1 : 0) + (nok >= 6 ? 1 : 0) + (nok >= 30 ? 1 : 0);
      Set<Double> distinct = new HashSet<>();
      for (double c : co) distinct.add(c == 0.0 ? 0.0 : c);
      splinedf = Math.min(splinedf, distinct.size());
      if (splinedf < 2) {
        FDistFit plain = fit(xo, d, null);
        double[] s = new double[n];
        Arrays.fill(s, plain.scale[0]);
        return new FDistFit(s, plain.df2);
      }
    }
    for (int k = 0; k < nok; k++) xo[k] = Math.max(xo[k], 0);
    double m = median(xo);
    if (m == 0) m = 1;
    double[] e = new double[nok];
    for (int k = 0; k < nok; k++) {
      xo[k] = Math.max(xo[k], 1e-5 * m);
      e[k] = Math.log(xo[k]) - Polygamma.digamma(d[k] / 2) + Math.log(d[k] / 2);
    }
    double[] emean = new double[n];
    double evar;
    if (co == null) {
      double mean = mean(e);
      double ss = 0;
      for (double v : e) ss += (v - mean) * (v - mean);
      evar = ss / (nok - 1);
      Arrays.fill(emean, mean);
    } else {
      evar = trend(e, co, cov, ok, splinedf, emean);
    }
    double tri = 0;
    for (double v : d) tri += Polygamma.trigamma(v / 2);
    evar -= tri / nok;
    double df2;
    double[] scale = new double[co == null ? 1 : n];
    if (evar > 0) {
      df2 = 2 * Polygamma.trigammaInverse(evar);
      double shift = Polygamma.digamma(df2 / 2) - Math.log(df2 / 2);
      for (int i = 0; i < scale.length; i++) scale[i] = Math.exp(emean[i] + shift);
    } else {
      df2 = Double.POSITIVE_INFINITY;
      if (co == null) scale[0] = mean(xo);
      else for (int i = 0; i < n; i++) scale[i] = Math.exp(emean[i]);
    }
    return new FDistFit(scale, df2);
  }

  /**
   * The covariate with infinite values replaced as limma does (below the finite minimum by 1, above the finite
   * maximum by 1; -1 / 1 when none is finite); NA is refused.
   */
  private static double[] finiteCovariate(double[] covariate, int n) {
    if (covariate.length != n) throw new IllegalArgumentException("x and covariate must be of same length");
    double[] cov = covariate.clone();
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    boolean anyFinite = false;
    for (double c : cov) {
      if (Double.isNaN(c)) throw new IllegalArgumentException("NA covariate values not allowed");
      if (Double.isFinite(c)) {
        anyFinite = true;
        lo = Math.min(lo, c);
        hi = Math.max(hi, c);
      }
    }
    for (int i = 0; i < n; i++) {
      if (cov[i] == Double.NEGATIVE_INFINITY) cov[i] = anyFinite ? lo - 1 : -1;
      if (cov[i] == Double.POSITIVE_INFINITY) cov[i] = anyFinite ? hi + 1 : 1;
    }
    return cov;
  }

  /**
   * The trend of {@code e} (over the usable values, {@code co}) on a natural spline of the covariate: fills
   * {@code emean} for every value (usable ones from the fit, the others from the coefficients) and returns the
   * residual variance.
   */
  private static double trend(double[] e, double[] co, double[] cov, boolean[] ok, int splinedf, double[] emean) {
    int nok = e.length;
    NaturalSplineBasis ns = NaturalSplineBasis.fit(co, splinedf);
    HouseholderQr qr = HouseholderQr.ofRows(ns.basis(co));
    double[] fitted = qr.fitted(e);
    double[] effects = qr.qty(e);
    int rank = qr.rank();
    double ss = 0;
    for (int k = rank; k < nok; k++) ss += effects[k] * effects[k];
    double[] coef = null;
    for (int i = 0, k = 0; i < emean.length; i++) {
      if (ok[i]) {
        emean[i] = fitted[k++];
      } else {
        if (coef == null) coef = qr.coefficients(e);
        double[] b = ns.basis(new double[] {cov[i]})[0];
        double s = 0;
        for (int j = 0; j < b.length; j++) s += b[j] * coef[j];
        emean[i] = s;
      }
    }
    return ss / (nok - rank);
  }

  /** scale for feature i (the single value when there was no covariate). */
  public double scale(int i) {
    return scale.length == 1 ? scale[0] : scale[i];
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    int n = s.length;
    if (n == 0) return Double.NaN;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    double m = s / v.length;
    // second pass as R's mean(): m + mean(x - m)
    double t = 0;
    for (double x : v) t += x - m;
    return m + t / v.length;
  }
}
