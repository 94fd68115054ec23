package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * R's default QR decomposition: a port of LINPACK {@code dqrdc2} (Householder with R's limited column pivoting:
 * a column whose remaining norm falls below {@code tol} times its original norm is moved to the end and not
 * counted in the rank) and of the {@code dqrsl} operations R uses ({@code qr.qty}, {@code qr.qy},
 * {@code qr.coef}). It reproduces {@code qr(x)} and {@code lm.fit(x, y)} including the signs of Q, which
 * {@link NaturalSplineBasis} needs to give the very basis {@code splines::ns} gives. For the small dense
 * matrices of this package (a spline design, a constraint matrix); not for samples-sized problems.
 */
final class HouseholderQr {
  static final double R_TOL = 1e-7;

  private final int n;
  private final int p;
  /** Column-major n x p: R in the upper triangle, the Householder vectors below (LINPACK layout). */
  private final double[] qr;
  private final double[] qraux;
  private final int[] pivot;
  private final int rank;

  private HouseholderQr(int n, int p, double[] qr, double[] qraux, int[] pivot, int rank) {
    this.n = n;
    this.p = p;
    this.qr = qr;
    this.qraux = qraux;
    this.pivot = pivot;
    this.rank = rank;
  }

  /** Decomposes {@code x} (given by rows: x[i][j], n rows, p columns) with R's tolerance 1e-7. */
  static HouseholderQr ofRows(double[][] x) {
    int n = x.length;
    int p = n == 0 ? 0 : x[0].length;
    double[] a = new double[n * p];
    for (int i = 0; i < n; i++) for (int j = 0; j < p; j++) a[j * n + i] = x[i][j];
    return decompose(a, n, p, R_TOL);
  }

  /** dqrdc2 on the column-major n x p array {@code a} (consumed). */
  static HouseholderQr decompose(double[] a, int n, int p, double tol) {
    double[] qraux = new double[p];
    double[] work1 = new double[p];
    double[] work2 = new double[p];
    int[] jpvt = new int[p];
    for (int j = 0; j < p; j++) {
      jpvt[j] = j;
      qraux[j] = norm(a, j * n, n);
      work1[j] = qraux[j];
      work2[j] = qraux[j] == 0.0 ? 1.0 : qraux[j];
    }
    int lup = Math.min(n, p);
    int k = p + 1; // 1-based as in the Fortran
    for (int l = 1; l <= lup; l++) {
      int lc = l - 1;
      // cycle negligible columns to the end
      while (!(l >= k || qraux[lc] >= work2[lc] * tol)) {
        for (int i = 0; i < n; i++) {
          double t = a[lc * n + i];
          for (int j = l; j < p; j++) a[(j - 1) * n + i] = a[j * n + i];
          a[(p - 1) * n + i] = t;
        }
        int ii = jpvt[lc];
        double t = qraux[lc];
        double tt = work1[lc];
        double ttt = work2[lc];
        for (int j = l; j < p; j++) {
          jpvt[j - 1] = jpvt[j];
          qraux[j - 1] = qraux[j];
          work1[j - 1] = work1[j];
          work2[j - 1] = work2[j];
        }
        jpvt[p - 1] = ii;
        qraux[p - 1] = t;
        work1[p - 1] = tt;
        work2[p - 1] = ttt;
        k--;
      }
      if (l == n) break;
      int ll = lc * n + lc;
      double nrmxl = norm(a, ll, n - lc);
      if (nrmxl == 0.0) continue;
      if (a[ll] != 0.0) nrmxl = Math.copySign(nrmxl, a[ll]);
      for (int i = lc; i < n; i++) a[lc * n + i] /= nrmxl;
      a[ll] = 1.0 + a[ll];
      for (int j = l; j < p; j++) {
        int jc = j * n;
        double dot = 0;
        for (int i = lc; i < n; i++) dot += a[lc * n + i] * a[jc + i];
        double t = -dot / a[ll];
        for (int i = lc; i < n; i++) a[jc + i] += t * a[lc * n + i];
        if (qraux[j] != 0.0) {
          double tt = 1.0 - Math.pow(Math.abs(a[jc + lc]) / qraux[j], 2);
          tt = Math.max(tt, 0.0);
          if (Math.abs(tt) < 1e-6) {
            qraux[j] = norm(a, jc + lc + 1, n - lc - 1);
            work1[j] = qraux[j];
          } else {
            qraux[j] = qraux[j] * Math.sqrt(tt);
          }
        }
      }
      qraux[lc] = a[ll];
      a[ll] = -nrmxl;
    }
    int rank = Math.min(k - 1, n);
    return new HouseholderQr(n, p, a, qraux, jpvt, rank);
  }

  private static double norm(double[] a, int from, int len) {
    // scaled two-norm as BLAS dnrm2
    double scale = 0;
    double ssq = 1;
    for (int i = from; i < from + len; i++) {
      double v = a[i];
      if (v != 0) {
        double av = Math.abs(v);
        if (scale < av) {
          ssq = 1 + ssq * (scale / av) * (scale / av);
          scale = av;
        } else {
          ssq += (av / scale) * (av / scale);
        }
      }
    }
    return scale * Math.sqrt(ssq);
  }

  int rank() {
    return rank;
  }

  /** 0-based pivot: column i of the decomposition is column pivot()[i] of the input. */
  int[] pivot() {
    return pivot.clone();
  }

  /** Q'y (R's qr.qty). */
  double[] qty(double[] y) {
    double[] out = y.clone();
    int ju = Math.min(rank, n - 1);
    for (int j = 0; j < ju; j++) applyReflector(j, out);
    return out;
  }

  /** Qy (R's qr.qy). */
  double[] qy(double[] y) {
    double[] out = y.clone();
    int ju = Math.min(rank, n - 1);
    for (int j = ju - 1; j >= 0; j--) applyReflector(j, out);
    return out;
  }

  private void applyReflector(int j, double[] v) {
    if (qraux[j] == 0.0) return;
    double diag = qraux[j];
    double dot = diag * v[j];
    for (int i = j + 1; i < n; i++) dot += qr[j * n + i] * v[i];
    double t = -dot / diag;
    v[j] += t * diag;
    for (int i = j + 1; i < n; i++) v[i] += t * qr[j * n + i];
  }

  /** Least-squares coefficients in input column order, NaN for the columns not in the rank (as lm.fit). */
  double[] coefficients(double[] y) {
    double[] qty = qty(y);
    double[] b = Arrays.copyOf(qty, rank);
    for (int j = rank - 1; j >= 0; j--) {
      b[j] /= qr[j * n + j];
      double t = -b[j];
      for (int i = 0; i < j; i++) b[i] += t * qr[j * n + i];
    }
    double[] out = new double[p];
    Arrays.fill(out, Double.NaN);
    for (int j = 0; j < rank; j++) out[pivot[j]] = b[j];
    return out;
  }

  /** The fitted values of the least-squares fit of y (R's lm.fit()$fitted.values). */
  double[] fitted(double[] y) {
    // lm.fit: residuals = qr.resid (Q with the first rank effects zeroed), fitted = y - residuals
    double[] e = qty(y);
    for (int i = 0; i < Math.min(rank, n); i++) e[i] = 0;
    double[] resid = qy(e);
    double[] fitted = new double[n];
    for (int i = 0; i < n; i++) fitted[i] = y[i] - resid[i];
    return fitted;
  }
}
