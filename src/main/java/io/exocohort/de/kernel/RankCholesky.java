package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * The rank-revealing Cholesky decomposition of a Gram matrix X'X (or X'WX) that stands in for R's QR of X in the
 * kernels that only have the sums: X'X is scaled to unit diagonal, D^-1 X'X D^-1 with D = sqrt(diag(X'X)), and its
 * columns are taken in order; a column whose pivot (the squared norm of its part orthogonal to the columns already
 * kept, relative to its own) has a square root below dqrdc2's 1e-7 is dropped, as R's {@code lm.fit} drops it. The
 * kept columns J give L L' = D_J^-1 (X'X)_JJ D_J^-1, so Q1 = X_J D_J^-1 L^-T is an orthonormal basis of the column
 * space of X, and Q1'v = L^-1 D_J^-1 (X'v)_J ({@link #forward}) for any v.
 *
 * @param kept  the kept columns, ascending (R's pivot: the estimable ones)
 * @param scale D: sqrt of each column's diagonal entry (1 for a zero column), indexed by column
 * @param l     the lower factor, row q for kept column q (entries 0..q)
 */
record RankCholesky(int[] kept, double[] scale, double[][] l) {

  /** Decomposes the symmetric p x p matrix {@code a} (not modified). */
  static RankCholesky of(double[][] a) {
    int p = a.length;
    double[] d = new double[p];
    for (int j = 0; j < p; j++) d[j] = a[j][j] > 0 ? Math.sqrt(a[j][j]) : 1.0;
    int[] kept = new int[p];
    int r = 0;
    double[][] l = new double[p][];
    for (int j = 0; j < p; j++) {
      double[] row = new double[p];
      double diag = a[j][j] / (d[j] * d[j]);
      double ss = 0;
      for (int q = 0; q < r; q++) {
        int k = kept[q];
        double v = a[j][k] / (d[j] * d[k]);
        for (int m = 0; m < q; m++) v -= row[m] * l[q][m];
        v /= l[q][q];
        row[q] = v;
        ss += v * v;
      }
      double schur = diag - ss;
      // dqrdc2: the remaining norm against the column's own norm (1 after scaling; 1 for a zero column too)
      if (!(Math.sqrt(Math.max(schur, 0.0)) >= HouseholderQr.R_TOL)) continue;
      row[r] = Math.sqrt(schur);
      l[r] = row;
      kept[r] = j;
      r++;
    }
    return new RankCholesky(Arrays.copyOf(kept, r), d, Arrays.copyOf(l, r));
  }

  int rank() {
    return kept.length;
  }

  /** L^-1 D_J^-1 b_J: b indexed by the original columns, the result by the kept ones (Q1'v for b = X'v). */
  double[] forward(double[] b) {
    int r = kept.length;
    double[] z = new double[r];
    for (int q = 0; q < r; q++) z[q] = b[kept[q]] / scale[kept[q]];
    return solveLower(z);
  }

  /** L^-1 b in place, b indexed by the kept columns. */
  private double[] solveLower(double[] b) {
    for (int q = 0; q < b.length; q++) {
      double v = b[q];
      for (int m = 0; m < q; m++) v -= l[q][m] * b[m];
      b[q] = v / l[q][q];
    }
    return b;
  }

  /** D_J^-1 L^-T z: with z = {@link #forward}(X'y), the least-squares coefficients of the kept columns. */
  double[] backward(double[] z) {
    int r = kept.length;
    double[] bs = new double[r];
    for (int q = r - 1; q >= 0; q--) {
      double v = z[q];
      for (int m = q + 1; m < r; m++) v -= l[m][q] * bs[m];
      bs[q] = v / l[q][q];
    }
    for (int q = 0; q < r; q++) bs[q] /= scale[kept[q]];
    return bs;
  }

  /** (X'X)_JJ^-1 = D_J^-1 L^-T L^-1 D_J^-1, over the kept columns. */
  double[][] inverse() {
    int r = kept.length;
    double[][] linv = new double[r][r];
    for (int c = 0; c < r; c++) {
      linv[c][c] = 1 / l[c][c];
      for (int q = c + 1; q < r; q++) {
        double v = 0;
        for (int m = c; m < q; m++) v -= l[q][m] * linv[m][c];
        linv[q][c] = v / l[q][q];
      }
    }
    double[][] cov = new double[r][r];
    for (int i = 0; i < r; i++) {
      for (int k = 0; k <= i; k++) {
        double v = 0;
        for (int m = i; m < r; m++) v += linv[m][i] * linv[m][k];
        v /= scale[kept[i]] * scale[kept[k]];
        cov[i][k] = v;
        cov[k][i] = v;
      }
    }
    return cov;
  }

  /** L^-1 D_J^-1 S_JJ D_J^-1 L^-T for a symmetric p x p matrix S (e.g. Z'X's Gram: Q1'Z Z'Q1), symmetrised. */
  double[][] congruence(double[][] s) {
    int r = kept.length;
    // y[i][k]: L^-1 D_J^-1 S_J,kept[k] / d_kept[k], i.e. L^-1 D^-1 S D^-1, then each row times L^-T
    double[][] y = new double[r][r];
    for (int k = 0; k < r; k++) {
      int c = kept[k];
      double[] col = new double[r];
      for (int q = 0; q < r; q++) col[q] = s[kept[q]][c] / (scale[kept[q]] * scale[c]);
      solveLower(col);
      for (int i = 0; i < r; i++) y[i][k] = col[i];
    }
    for (int i = 0; i < r; i++) solveLower(y[i]);
    for (int i = 0; i < r; i++) {
      for (int k = i + 1; k < r; k++) {
        double v = (y[i][k] + y[k][i]) / 2;
        y[i][k] = v;
        y[k][i] = v;
      }
    }
    return y;
  }
}
