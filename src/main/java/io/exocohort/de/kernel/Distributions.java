package io.exocohort.de.kernel;

import org.apache.commons.math3.special.Beta;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.special.Gamma;
import org.apache.commons.math3.util.ContinuedFraction;

/**
 * Tail probabilities and quantiles the DE kernels need, written so that small tail probabilities keep their
 * relative accuracy (commons-math3's distribution classes compute {@code 1 - cdf} for upper tails).
 *
 * <ul>
 *   <li>{@link #tTwoSided}: R {@code 2 * pt(-abs(t), df)}, scipy {@code 2 * stdtr(df, -abs(t))}.</li>
 *   <li>{@link #tUpperLog}: R {@code pt(t, df, lower.tail = FALSE, log.p = TRUE)}.</li>
 *   <li>{@link #tUpperQuantileLog}: R {@code qt(logp, df, lower.tail = FALSE, log.p = TRUE)};
 *       {@link #tUpperQuantile} the same for a plain probability.</li>
 *   <li>{@link #normalUpper}: R {@code pnorm(z, lower.tail = FALSE)}, scipy {@code norm.sf(z)}.</li>
 *   <li>{@link #chiSquareUpper}: R {@code pchisq(x, df, lower.tail = FALSE)}, scipy {@code chi2.sf}.</li>
 *   <li>{@link #fUpper}: R {@code pf(f, df1, df2, lower.tail = FALSE)}, scipy {@code fdtrc(df1, df2, f)}.</li>
 * </ul>
 * All are built on the regularized incomplete beta function I_x(a, b) evaluated by commons-math3's continued
 * fraction, with both x and 1 - x passed in so that neither is formed by a cancelling subtraction.
 */
public final class Distributions {
  private static final double EPS = 1e-15;
  private static final double LOG_HALF = Math.log(0.5);

  private Distributions() {}

  /** Two-sided p-value of a t statistic: P(|T| &gt;= |t|) on {@code df} degrees of freedom (df = +Inf: normal). */
  public static double tTwoSided(double t, double df) {
    if (Double.isNaN(t) || Double.isNaN(df) || df <= 0) return Double.NaN;
    if (Double.isInfinite(t)) return 0.0;
    if (Double.isInfinite(df)) return 2.0 * normalUpper(Math.abs(t));
    return Math.exp(logTwoSided(t, df));
  }

  /**
   * log P(|T| &gt;= |t|) = log I_{df/(df+t^2)}(df/2, 1/2), with the logs of x and 1 - x formed without loss. For
   * large df the continued fraction cancels (its leading terms are 1 - x (a+b)/(a+1) with x near 1), so from
   * df = {@value #LARGE_DF} on, where t^2 is not small, the asymptotic expansion of TOMS 708 ({@code bgrat},
   * what R's pt uses there) is used instead.
   */
  private static double logTwoSided(double t, double df) {
    double t2 = t * t;
    double logX = -Math.log1p(t2 / df);
    if (df >= LARGE_DF && t2 >= 0.5) return logTailBgrat(0.5 * df, logX);
    double x = df / (df + t2);
    double y = t2 / (df + t2);
    return logRegularizedBeta(x, y, logX, Math.log(t2) - Math.log(df + t2), 0.5 * df, 0.5);
  }

  static final double LARGE_DF = 1e4;
  private static final double LOG_GAMMA_HALF = 0.5 * Math.log(Math.PI);

  /**
   * log I_x(a, 1/2) for large a by the asymptotic expansion of Didonato and Morris (1992, TOMS 708, section 9;
   * R's {@code bgrat}): with nu = a - 1/4 and z = -nu log x, I = u (sum_n d_n J_n), u = exp(-z) z^b / Gamma(b) *
   * Gamma(a + b) / (Gamma(a) nu^b), J_0 = Q(b, z) / r, b = 1/2.
   */
  static double logTailBgrat(double a, double lnx) {
    final double b = 0.5;
    final double bm1 = b - 1;
    double nu = a + bm1 * 0.5;
    double z = -nu * lnx;
    if (z <= 0) return 0.0;
    // log r = log(z^b exp(-z) / Gamma(b))
    double logR = b * Math.log(z) + nu * lnx - LOG_GAMMA_HALF;
    // algdiv(b, a) = log(Gamma(a) / Gamma(a + b))
    double algdiv = Beta.logBeta(a, b) - LOG_GAMMA_HALF;
    double logU = logR - (algdiv + b * Math.log(nu));
    double qr = gammaQHalfOverR(z);
    double v = 0.25 / (nu * nu);
    double t2 = lnx * 0.25 * lnx;
    double j = qr;
    double sum = j;
    double t = 1.0;
    double cn = 1.0;
    double n2 = 0;
    double[] c = new double[30];
    double[] d = new double[30];
    for (int n = 1; n <= 30; n++) {
      double bp2n = b + n2;
      j = (bp2n * (bp2n + 1) * j + (z + bp2n + 1) * t) * v;
      n2 += 2;
      t *= t2;
      cn /= n2 * (n2 + 1);
      c[n - 1] = cn;
      double s = 0;
      if (n > 1) {
        double coef = b - n;
        for (int i = 1; i <= n - 1; i++) {
          s += coef * c[i - 1] * d[n - 1 - i];
          coef += b;
        }
      }
      d[n - 1] = bm1 * cn + s / n;
      double dj = d[n - 1] * j;
      sum += dj;
      if (Math.abs(dj) <= 1e-16 * sum) break;
    }
    return logU + Math.log(sum);
  }

  /** Q(1/2, z) / (exp(-z) z^(1/2) / Gamma(1/2)) = sqrt(pi) erfcx(sqrt(z)) / sqrt(z). */
  private static double gammaQHalfOverR(double z) {
    if (z < 1) {
      double sz = Math.sqrt(z);
      return Erf.erfc(sz) * Math.exp(z) * Math.sqrt(Math.PI) / sz;
    }
    // Legendre's continued fraction for Q(a, z) / r (modified Lentz), a = 1/2
    final double a = 0.5;
    final double tiny = 1e-300;
    double bb = z + 1 - a;
    double cc = 1 / tiny;
    double dd = 1 / bb;
    double h = dd;
    for (int i = 1; i < 10000; i++) {
      double an = -i * (i - a);
      bb += 2;
      dd = an * dd + bb;
      if (Math.abs(dd) < tiny) dd = tiny;
      cc = bb + an / cc;
      if (Math.abs(cc) < tiny) cc = tiny;
      dd = 1 / dd;
      double del = dd * cc;
      h *= del;
      if (Math.abs(del - 1) < 1e-16) break;
    }
    return h;
  }

  /** P(T &gt; t) on {@code df} degrees of freedom, for any t (R's pt(t, df, lower.tail = FALSE)). */
  public static double tUpper(double t, double df) {
    double both = tTwoSided(t, df);
    return t >= 0 ? 0.5 * both : 1 - 0.5 * both;
  }

  /** log P(T &gt; t) on {@code df} degrees of freedom, for any t (R's pt(t, df, FALSE, TRUE)). */
  public static double tUpperLog(double t, double df) {
    if (Double.isNaN(t) || Double.isNaN(df) || df <= 0) return Double.NaN;
    if (t == Double.POSITIVE_INFINITY) return Double.NEGATIVE_INFINITY;
    if (t == Double.NEGATIVE_INFINITY) return 0.0;
    if (Double.isInfinite(df)) {
      return t >= 0 ? Math.log(normalUpper(t)) : Math.log1p(-normalUpper(-t));
    }
    double logBoth = logTwoSided(t, df);
    return t >= 0 ? logBoth + LOG_HALF : Math.log1p(-0.5 * Math.exp(logBoth));
  }

  /** log of the t density at t. */
  static double tLogDensity(double t, double df) {
    return -0.5 * Math.log(df) - Beta.logBeta(0.5 * df, 0.5) - 0.5 * (df + 1) * Math.log1p(t * t / df);
  }

  /** The t such that P(T &gt; t) = p, for p in (0, 1). */
  public static double tUpperQuantile(double p, double df) {
    if (Double.isNaN(p) || p < 0 || p > 1) return Double.NaN;
    if (p == 0) return Double.POSITIVE_INFINITY;
    if (p == 1) return Double.NEGATIVE_INFINITY;
    if (p > 0.5) return -tUpperQuantileLog(Math.log1p(-p), df);
    return tUpperQuantileLog(Math.log(p), df);
  }

  /**
   * The t such that log P(T &gt; t) = {@code logp} (R's qt(logp, df, lower.tail = FALSE, log.p = TRUE)), found by
   * Newton's method on the log tail, bracketed, to full double precision; works far into the tail (p = 1e-300
   * and beyond) where the log probability still has meaning.
   */
  public static double tUpperQuantileLog(double logp, double df) {
    if (Double.isNaN(logp) || logp > 0 || Double.isNaN(df) || df <= 0) return Double.NaN;
    if (logp == Double.NEGATIVE_INFINITY) return Double.POSITIVE_INFINITY;
    if (logp == 0) return Double.NEGATIVE_INFINITY;
    if (logp > LOG_HALF) {
      // upper tail above one half: t < 0, and P(T > -t) = 1 - p
      return -tUpperQuantileLog(Math.log1p(-Math.exp(logp)), df);
    }
    if (logp == LOG_HALF) return 0.0;
    double lo = 0.0;
    double hi = 1.0;
    while (tUpperLog(hi, df) > logp) {
      lo = hi;
      hi *= 2;
      if (hi > 1e300) return Double.POSITIVE_INFINITY;
    }
    double t = 0.5 * (lo + hi);
    for (int iter = 0; iter < 200; iter++) {
      double g = tUpperLog(t, df) - logp;
      if (g == 0) return t;
      if (g > 0) lo = t; else hi = t;
      double dg = -Math.exp(tLogDensity(t, df) - tUpperLog(t, df));
      double next = t - g / dg;
      if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      if (Math.abs(next - t) <= 1e-15 * Math.abs(next) || hi - lo <= 1e-15 * hi) return next;
      t = next;
    }
    return t;
  }

  /** P(Z &gt; z) for a standard normal Z. */
  public static double normalUpper(double z) {
    if (Double.isNaN(z)) return Double.NaN;
    return 0.5 * Erf.erfc(z / Math.sqrt(2.0));
  }

  /** P(X &gt; x) for X chi-square on {@code df} degrees of freedom (1 for x &lt;= 0). */
  public static double chiSquareUpper(double x, double df) {
    if (Double.isNaN(x) || Double.isNaN(df)) return Double.NaN;
    if (x <= 0) return 1.0;
    if (Double.isInfinite(x)) return 0.0;
    return Gamma.regularizedGammaQ(0.5 * df, 0.5 * x, EPS, Integer.MAX_VALUE);
  }

  /** P(F &gt; f) for F on (df1, df2) degrees of freedom. */
  public static double fUpper(double f, double df1, double df2) {
    if (Double.isNaN(f) || Double.isNaN(df1) || Double.isNaN(df2)) return Double.NaN;
    if (f <= 0) return 1.0;
    if (Double.isInfinite(f)) return 0.0;
    double den = df2 + df1 * f;
    double y = df1 * f / den;
    return Math.exp(logRegularizedBeta(df2 / den, y, -Math.log1p(df1 * f / df2), Math.log(y), 0.5 * df2, 0.5 * df1));
  }

  /**
   * log I_x(a, b), the regularized incomplete beta function, given x, y = 1 - x, log x and log y each formed
   * without cancellation (with a in the millions, a log x must not come from a rounded x near 1). The continued
   * fraction is commons-math3's (Beta.regularizedBeta), evaluated on the side of (a+1)/(a+b+2) where it
   * converges, and kept in logs so that tiny values do not underflow.
   */
  static double logRegularizedBeta(double x, double y, double logX, double logY, double a, double b) {
    if (Double.isNaN(x) || Double.isNaN(a) || Double.isNaN(b)) return Double.NaN;
    if (x <= 0) return Double.NEGATIVE_INFINITY;
    if (y <= 0) return 0.0;
    if (x > (a + 1) / (2 + b + a) && y <= (b + 1) / (2 + b + a)) {
      return Math.log1p(-Math.exp(logRegularizedBetaCf(y, logY, logX, b, a)));
    }
    return logRegularizedBetaCf(x, logX, logY, a, b);
  }

  private static double logRegularizedBetaCf(double x, double logX, double logY, double a, double b) {
    ContinuedFraction fraction = new ContinuedFraction() {
      @Override
      protected double getB(int n, double xx) {
        if (n % 2 == 0) {
          double m = n / 2.0;
          return (m * (b - m) * xx) / ((a + (2 * m) - 1) * (a + (2 * m)));
        }
        double m = (n - 1.0) / 2.0;
        return -((a + m) * (a + b + m) * xx) / ((a + (2 * m)) * (a + (2 * m) + 1.0));
      }

      @Override
      protected double getA(int n, double xx) {
        return 1.0;
      }
    };
    double cf = fraction.evaluate(x, EPS, Integer.MAX_VALUE);
    return a * logX + b * logY - Math.log(a) - Beta.logBeta(a, b) - Math.log(cf);
  }
}
