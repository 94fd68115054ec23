package io.exocohort.de.kernel;

import java.util.Arrays;
import java.util.Comparator;

/**
 * R's {@code stats::lowess(x, y, f, iter, delta)}: Cleveland's (1979, 1981) locally weighted linear regression
 * scatterplot smoother, a port of R's C {@code clowess} (src/library/stats/src/lowess.c) step for step, so the
 * numbers equal R's to rounding. limma's {@code voom} fits its mean-variance trend with it ({@link Voom}).
 *
 * <p>The algorithm: the points are sorted by x (stably: R's {@code order}). For each fitted point the
 * neighbourhood is the ns = max(2, min(n, (int) (f n + 1e-7))) nearest points (the window [nleft, nright] moves
 * right while that shrinks the radius h), widened by any points tied with its right end; the neighbours get
 * tricube weights (1 - (|x_j - x|/h)^3)^3, weight 1 within 0.001 h and 0 beyond 0.999 h, and the fit is the
 * weighted linear regression there (the weighted mean when the weighted spread of x is at most 0.001 of the
 * range of all x, or h = 0). Points within {@code delta} of the last fitted x are not fitted but interpolated
 * linearly between fitted points (the last point within delta is fitted next); a point tied with the last fitted
 * one gets its value. Then {@code iter} robustness iterations: bisquare weights (1 - (r/6m)^2)^2 of the
 * residuals r, with m the median |r| (weight 1 below 0.001 * 6m, 0 above 0.999 * 6m), multiplied into the
 * tricube weights; the iterations stop early when 6m &lt; 1e-7 times the mean |r| (residuals effectively zero).
 * Where all of a neighbourhood's weights are 0, the fitted value is the point's own y.
 */
public final class Lowess {
  private Lowess() {}

  /** The smoothed curve: x sorted ascending (ties kept, in input order) and the fitted y at each. */
  public record Line(double[] x, double[] y) {}

  /** {@code lowess(x, y, f)} with R's defaults: 3 robustness iterations, delta = 0.01 * diff(range(x)). */
  public static Line fit(double[] x, double[] y, double f) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return fit(x, y, f, 3, 0.01 * (max - min));
  }

  /**
   * {@code lowess(x, y, f, iter, delta)}.
   *
   * @param x     the x values, any order, finite
   * @param y     the y values, finite
   * @param f     the smoother span: the fraction of points in each neighbourhood, &gt; 0
   * @param iter  robustness iterations, &ge; 0
   * @param delta points closer than this in x to the last fitted one are interpolated, &ge; 0
   */
  public static Line fit(double[] x, double[] y, double f, int iter, double delta) {
    int n = x.length;
    if (n == 0 || y.length != n) throw new IllegalArgumentException("x and y need the same positive length");
    if (!Double.isFinite(f) || f <= 0) throw new IllegalArgumentException("'f' must be finite and > 0: " + f);
    if (iter < 0) throw new IllegalArgumentException("'iter' must be >= 0: " + iter);
    if (!Double.isFinite(delta) || delta < 0) throw new IllegalArgumentException("'delta' must be finite and >= 0");
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(x[i]) || !Double.isFinite(y[i])) {
        throw new IllegalArgumentException("x and y must be finite; point " + i + " is (" + x[i] + ", " + y[i] + ")");
      }
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingDouble(i -> x[i])); // stable, as R's order()
    double[] xs = new double[n];
    double[] ys = new double[n];
    for (int i = 0; i < n; i++) {
      xs[i] = x[order[i]];
      ys[i] = y[order[i]];
    }
    return new Line(xs, smoothSorted(xs, ys, f, iter, delta));
  }

  /** clowess on x sorted ascending: the fitted values. Indices are 1-based inside, as in the C code. */
  static double[] smoothSorted(double[] xSorted, double[] ySorted, double f, int nsteps, double delta) {
    int n = xSorted.length;
    if (n < 2) return ySorted.clone();
    double[] x = oneBased(xSorted);
    double[] y = oneBased(ySorted);
    double[] ys = new double[n + 1];
    double[] rw = new double[n + 1];
    double[] res = new double[n + 1]; // residuals; the local weights' workspace while fitting, as in C
    int ns = Math.max(2, Math.min(n, (int) (f * n + 1e-7)));
    for (int iter = 1; iter <= nsteps + 1; iter++) {
      fitPass(x, y, n, ns, delta, ys, rw, res, iter > 1);
      double sc = 0;
      for (int i = 1; i <= n; i++) {
        res[i] = y[i] - ys[i];
        sc += Math.abs(res[i]);
      }
      sc /= n;
      if (iter > nsteps) break;
      if (!robustnessWeights(res, n, sc, rw)) break;
    }
    return Arrays.copyOfRange(ys, 1, n + 1);
  }

  /** One pass over the points: fitted (or interpolated, or tie-copied) values into ys. */
  private static void fitPass(double[] x, double[] y, int n, int ns, double delta, double[] ys, double[] rw,
                              double[] w, boolean userw) {
    int nleft = 1;
    int nright = ns;
    int last = 0; // index of the previous estimated point
    int i = 1; // index of the current point
    for (;;) {
      if (nright < n) {
        // move nleft, nright to the right if the radius decreases
        double d1 = x[i] - x[nleft];
        double d2 = x[nright + 1] - x[i];
        if (d1 > d2) {
          nleft++;
          nright++;
          continue;
        }
      }
      if (!lowest(x, y, n, i, ys, nleft, nright, w, userw, rw)) ys[i] = y[i];
      if (last < i - 1) {
        // skipped points: interpolate
        double denom = x[i] - x[last];
        for (int j = last + 1; j < i; j++) {
          double alpha = (x[j] - x[last]) / denom;
          ys[j] = alpha * ys[i] + (1. - alpha) * ys[last];
        }
      }
      last = i;
      double cut = x[last] + delta;
      for (i = last + 1; i <= n; i++) {
        if (x[i] > cut) break;
        if (x[i] == x[last]) {
          ys[i] = ys[last];
          last = i;
        }
      }
      i = Math.max(last + 1, i - 1);
      if (last >= n) break;
    }
  }

  /**
   * C {@code lowest}: the fitted value at x[i] from the points nleft..nright (and ties to the right) into ys[i];
   * false when all weights are zero (ys[i] untouched).
   */
  private static boolean lowest(double[] x, double[] y, int n, int i, double[] ys, int nleft, int nright,
                                double[] w, boolean userw, double[] rw) {
    double xs = x[i];
    double range = x[n] - x[1];
    double h = fmax2(xs - x[nleft], x[nright] - xs);
    double h9 = 0.999 * h;
    double h1 = 0.001 * h;
    double a = 0.;
    int j = nleft;
    while (j <= n) {
      // weights, picking up all ties on the right
      w[j] = 0.;
      double r = Math.abs(x[j] - xs);
      if (r <= h9) {
        if (r <= h1) {
          w[j] = 1.;
        } else {
          w[j] = fcube(1. - fcube(r / h));
        }
        if (userw) w[j] *= rw[j];
        a += w[j];
      } else if (x[j] > xs) {
        break;
      }
      j = j + 1;
    }
    int nrt = j - 1; // rightmost point (may be greater than nright because of ties)
    if (a <= 0.) return false;
    for (j = nleft; j <= nrt; j++) w[j] /= a;
    if (h > 0.) {
      a = 0.;
      for (j = nleft; j <= nrt; j++) a += w[j] * x[j];
      double b = xs - a;
      double c = 0.;
      for (j = nleft; j <= nrt; j++) c += w[j] * fsquare(x[j] - a);
      if (Math.sqrt(c) > 0.001 * range) {
        // points spread out enough to compute a slope
        b /= c;
        for (j = nleft; j <= nrt; j++) w[j] *= (b * (x[j] - a) + 1.);
      }
    }
    double fitted = 0.;
    for (j = nleft; j <= nrt; j++) fitted += w[j] * y[j];
    ys[i] = fitted;
    return true;
  }

  /** Bisquare robustness weights on 6 * median |residual| into rw; false when that is effectively zero. */
  private static boolean robustnessWeights(double[] res, int n, double sc, double[] rw) {
    double[] abs = new double[n];
    for (int i = 1; i <= n; i++) abs[i - 1] = Math.abs(res[i]);
    Arrays.sort(abs);
    int m1 = n / 2;
    double cmad = n % 2 == 0 ? 3. * (abs[m1] + abs[n - m1 - 1]) : 6. * abs[m1];
    if (cmad < 1e-7 * sc) return false;
    double c9 = 0.999 * cmad;
    double c1 = 0.001 * cmad;
    for (int i = 1; i <= n; i++) {
      double r = Math.abs(res[i]);
      if (r <= c1) {
        rw[i] = 1.;
      } else if (r <= c9) {
        rw[i] = fsquare(1. - fsquare(r / cmad));
      } else {
        rw[i] = 0.;
      }
    }
    return true;
  }

  private static double[] oneBased(double[] v) {
    double[] out = new double[v.length + 1];
    System.arraycopy(v, 0, out, 1, v.length);
    return out;
  }

  private static double fmax2(double a, double b) {
    return a < b ? b : a;
  }

  private static double fsquare(double v) {
    return v * v;
  }

  private static double fcube(double v) {
    return v * v * v;
  }
}
