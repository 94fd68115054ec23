package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * The natural cubic spline basis of R's {@code splines::ns(x, df = df, intercept = TRUE)}, as limma's
 * {@code fitFDist} uses it to regress log residual variances on average expression ({@code eBayes(trend =
 * TRUE)}), and its {@code predict(basis, newx)}.
 *
 * <p>Construction, as {@code ns}: boundary knots at the range of x; {@code df - 2} interior knots at the
 * quantiles (R type 7) of x at probabilities 1/(df-1), ..., (df-2)/(df-1); the cubic B-spline basis on the
 * knots with the boundary knots repeated four times ({@code splineDesign}); then the two constraints "second
 * derivative zero at each boundary" are removed by projecting the basis on the orthogonal complement of the
 * constraint matrix with R's Householder QR ({@code qr.qty(qr(t(const)), t(basis))[-(1:2), ]}). Points outside
 * the boundary knots are extrapolated linearly from the boundary value and slope, as {@code ns} does.
 * The result equals R's basis to rounding, column signs included.
 */
public final class NaturalSplineBasis {
  private static final int ORD = 4;

  private final double[] boundary;
  private final double[] interior;
  private final double[] aknots;
  private final int ncoef;
  private final HouseholderQr constraint;

  private NaturalSplineBasis(double[] boundary, double[] interior) {
    this.boundary = boundary;
    this.interior = interior;
    this.aknots = new double[8 + interior.length];
    for (int i = 0; i < 4; i++) {
      aknots[i] = boundary[0];
      aknots[aknots.length - 1 - i] = boundary[1];
    }
    System.arraycopy(interior, 0, aknots, 4, interior.length);
    Arrays.sort(aknots);
    this.ncoef = aknots.length - ORD;
    double[][] constT = new double[ncoef][2];
    for (int b = 0; b < 2; b++) {
      double[] d2 = bsplines(boundary[b], 2);
      for (int j = 0; j < ncoef; j++) constT[j][b] = d2[j];
    }
    this.constraint = HouseholderQr.ofRows(constT);
  }

  /**
   * {@code ns(x, df = df, intercept = TRUE)}: knots from x. {@code df} below 2 is raised to 2 (ns warns and
   * does the same).
   */
  public static NaturalSplineBasis fit(double[] x, int df) {
    if (x.length == 0) throw new IllegalArgumentException("ns: empty x");
    double[] sorted = x.clone();
    Arrays.sort(sorted);
    if (Double.isNaN(sorted[sorted.length - 1])) throw new IllegalArgumentException("ns: NaN in x");
    int nIknots = Math.max(df - 2, 0);
    double[] interior = new double[nIknots];
    double by = 1.0 / (nIknots + 1);
    for (int k = 1; k <= nIknots; k++) interior[k - 1] = quantile7(sorted, k * by);
    double[] boundary = {sorted[0], sorted[sorted.length - 1]};
    if (sorted.length == 1) boundary = new double[] {x[0] * 7 / 8, x[0] * 9 / 8};
    return new NaturalSplineBasis(boundary, interior);
  }

  /** R's quantile(x, prob, type = 7) of sorted values. */
  static double quantile7(double[] sorted, double prob) {
    int n = sorted.length;
    double index = 1 + Math.max(n - 1, 0) * prob;
    int lo = (int) Math.floor(index);
    int hi = (int) Math.ceil(index);
    double qs = sorted[lo - 1];
    if (index > lo && sorted[hi - 1] != qs) {
      double h = index - lo;
      qs = (1 - h) * qs + h * sorted[hi - 1];
    }
    return qs;
  }

  public int df() {
    return ncoef - 2;
  }

  public double[] interiorKnots() {
    return interior.clone();
  }

  public double[] boundaryKnots() {
    return boundary.clone();
  }

  /** The basis at x: rows x.length, columns {@link #df()} (R's ns(...) for the fitting x, predict() else). */
  public double[][] basis(double[] x) {
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) out[i] = row(x[i]);
    return out;
  }

  private double[] row(double x) {
    double[] b;
    if (Double.isNaN(x)) {
      double[] nan = new double[df()];
      Arrays.fill(nan, Double.NaN);
      return nan;
    } else if (x < boundary[0] || x > boundary[1]) {
      double pivot = x < boundary[0] ? boundary[0] : boundary[1];
      double[] v = bsplines(pivot, 0);
      double[] d = bsplines(pivot, 1);
      b = new double[ncoef];
      for (int j = 0; j < ncoef; j++) b[j] = v[j] + (x - pivot) * d[j];
    } else {
      b = bsplines(x, 0);
    }
    double[] q = constraint.qty(b);
    return Arrays.copyOfRange(q, 2, ncoef);
  }

  /** All ncoef cubic B-splines (or their deriv-th derivatives) at x in [boundary[0], boundary[1]]. */
  private double[] bsplines(double x, int deriv) {
    double[] t = aknots;
    int nk = t.length;
    // the interval [t[left], t[left+1]) holding x, as splines' set_cursor (left limit at the right boundary)
    int curs = -1;
    for (int i = 0; i < nk; i++) {
      if (t[i] >= x) curs = i;
      if (t[i] > x) break;
    }
    if (curs > nk - ORD) {
      int lastLegit = nk - ORD;
      if (x == t[lastLegit]) curs = lastLegit;
    }
    int left = curs - 1;
    double[][] b = new double[ORD + 1][];
    b[1] = new double[nk - 1];
    if (left >= 0 && left < nk - 1) b[1][left] = 1.0;
    for (int k = 2; k <= ORD; k++) {
      b[k] = new double[nk - k];
      for (int i = 0; i < nk - k; i++) {
        double d1 = t[i + k - 1] - t[i];
        double d2 = t[i + k] - t[i + 1];
        double v = 0;
        if (d1 > 0) v += (x - t[i]) / d1 * b[k - 1][i];
        if (d2 > 0) v += (t[i + k] - x) / d2 * b[k - 1][i + 1];
        b[k][i] = v;
      }
    }
    double[] out = new double[ncoef];
    for (int i = 0; i < ncoef; i++) out[i] = derivative(b, ORD, i, deriv);
    return out;
  }

  private double derivative(double[][] b, int k, int i, int d) {
    if (d == 0) return b[k][i];
    double[] t = aknots;
    double d1 = t[i + k - 1] - t[i];
    double d2 = t[i + k] - t[i + 1];
    double v = 0;
    if (d1 > 0) v += derivative(b, k - 1, i, d - 1) / d1;
    if (d2 > 0) v -= derivative(b, k - 1, i + 1, d - 1) / d2;
    return (k - 1) * v;
  }
}
