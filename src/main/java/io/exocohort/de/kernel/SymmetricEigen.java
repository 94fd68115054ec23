package io.exocohort.de.kernel;

/**
 * Eigenvalues and eigenvectors of a small dense symmetric matrix by cyclic Jacobi rotations (Rutishauser's
 * algorithm as in Numerical Recipes' {@code jacobi}): accurate to a few units of rounding relative to the matrix
 * norm, including the small eigenvalues, which is what {@link BlockReml} needs. For matrices of tens of rows, not
 * more (O(n^3) per sweep, a handful of sweeps).
 *
 * @param values  the eigenvalues, in no particular order
 * @param vectors the eigenvectors as columns: {@code vectors[i][k]} is entry i of the vector of {@code values[k]}
 */
record SymmetricEigen(double[] values, double[][] vectors) {
  private static final int MAX_SWEEPS = 100;

  /** Decomposes the symmetric matrix {@code a} (only its upper triangle is read; not modified). */
  static SymmetricEigen of(double[][] a) {
    int n = a.length;
    double[][] m = new double[n][n];
    double[][] v = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i; j < n; j++) {
        m[i][j] = a[i][j];
        m[j][i] = a[i][j];
      }
      v[i][i] = 1;
    }
    for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
      double off = 0;
      for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += Math.abs(m[p][q]);
      if (off == 0) break;
      for (int p = 0; p < n; p++) {
        for (int q = p + 1; q < n; q++) {
          double apq = m[p][q];
          if (apq == 0) continue;
          double g = 100 * Math.abs(apq);
          // after a few sweeps, an off-diagonal entry negligible against both diagonal entries is set to zero
          if (sweep > 3 && Math.abs(m[p][p]) + g == Math.abs(m[p][p]) && Math.abs(m[q][q]) + g == Math.abs(m[q][q])) {
            m[p][q] = 0;
            m[q][p] = 0;
            continue;
          }
          rotate(m, v, p, q);
        }
      }
    }
    double[] values = new double[n];
    for (int i = 0; i < n; i++) values[i] = m[i][i];
    return new SymmetricEigen(values, v);
  }

  /** One Jacobi rotation zeroing m[p][q]. */
  private static void rotate(double[][] m, double[][] v, int p, int q) {
    int n = m.length;
    double apq = m[p][q];
    double theta = (m[q][q] - m[p][p]) / (2 * apq);
    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
    if (theta == 0) t = 1;
    if (Double.isInfinite(theta * theta)) t = 1 / (2 * theta);
    double c = 1 / Math.sqrt(t * t + 1);
    double s = t * c;
    for (int k = 0; k < n; k++) {
      double mkp = m[k][p];
      double mkq = m[k][q];
      m[k][p] = c * mkp - s * mkq;
      m[k][q] = s * mkp + c * mkq;
    }
    for (int k = 0; k < n; k++) {
      double mpk = m[p][k];
      double mqk = m[q][k];
      m[p][k] = c * mpk - s * mqk;
      m[q][k] = s * mpk + c * mqk;
    }
    m[p][q] = 0;
    m[q][p] = 0;
    for (int k = 0; k < n; k++) {
      double vkp = v[k][p];
      double vkq = v[k][q];
      v[k][p] = c * vkp - s * vkq;
      v[k][q] = s * vkp + c * vkq;
    }
  }
}
