package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * Eigenvalues and eigenvectors of a small dense symmetric matrix: Householder reduction to tridiagonal form
 * (EISPACK's {@code tred2}, Bowdler, Martin, Reinsch and Wilkinson, Handbook for Automatic Computation II, as JAMA's
 * public-domain {@code EigenvalueDecomposition} ports it) and the implicit QL algorithm with a local deflation test
 * (EISPACK's {@code imtql2}), the algorithm of commons-math3's {@code EigenDecomposition}. Backward stable, the
 * eigenvectors orthonormal to rounding, and small eigenvalues of a graded positive semi-definite matrix (the Gram
 * matrices of {@link BlockedModel}, whose square roots it divides by) keep their relative accuracy.
 *
 * <p>The QL iterations run once, on the tridiagonal form alone, and record their plane rotations: {@link #vectors}
 * applies them to Q, {@link #project} to one vector c'Q, which gives its coordinates in the eigenbasis, U'c, in
 * O(n^2) without forming U. So {@link BlockedModel} decomposes a design's largest matrix once and projects each
 * feature's vector on it.
 */
final class SymmetricEigen {
  private static final int MAX_ITERATIONS = 60;

  /** Q of the reduction (null if it failed: a value that is not finite, or QL not converging). */
  private final double[][] q;
  /** The eigenvalues, ascending. */
  private final double[] values;
  /** The eigenvalue at position k comes from column order[k] of the rotated Q. */
  private final int[] order;
  /** QL's rotations in turn: columns (at, at + 1) of V become (c v_at - s v_at+1, s v_at + c v_at+1). */
  private final Rotations rotations;
  /** The eigenvectors, formed on the first call of {@link #vectors}. */
  private double[][] vectors;

  private SymmetricEigen(double[][] q, double[] values, int[] order, Rotations rotations) {
    this.q = q;
    this.values = values;
    this.order = order;
    this.rotations = rotations;
  }

  /** Decomposes the symmetric matrix {@code a} (its lower triangle is read; not modified). */
  static SymmetricEigen of(double[][] a) {
    int n = a.length;
    double[][] v = new double[n][];
    for (int i = 0; i < n; i++) {
      v[i] = a[i].clone();
      for (double x : v[i]) if (!Double.isFinite(x)) return failed(n);
    }
    double[] d = new double[n];
    double[] e = new double[n];
    if (n > 0) tred2(v, d, e);
    Rotations rot = new Rotations();
    if (!tql2(d, e, rot)) return failed(n);
    // the eigenvalues ascending: an insertion sort of their indexes (n is small; no boxing)
    int[] order = new int[n];
    for (int k = 0; k < n; k++) {
      int j = k;
      for (; j > 0 && d[order[j - 1]] > d[k]; j--) order[j] = order[j - 1];
      order[j] = k;
    }
    double[] values = new double[n];
    for (int k = 0; k < n; k++) values[k] = d[order[k]];
    return new SymmetricEigen(v, values, order, rot);
  }

  private static SymmetricEigen failed(int n) {
    double[] values = new double[n];
    Arrays.fill(values, Double.NaN);
    return new SymmetricEigen(null, values, null, null);
  }

  /** The eigenvalues, ascending (NaN if the decomposition failed). */
  double[] values() {
    return values;
  }

  /**
   * The eigenvectors as columns: {@code vectors()[i][k]} is entry i of the vector of {@code values()[k]} (NaN if the
   * decomposition failed). Formed once; the caller must not modify it.
   */
  double[][] vectors() {
    if (vectors != null) return vectors;
    int n = values.length;
    double[][] u = new double[n][n];
    if (q == null) {
      for (double[] row : u) Arrays.fill(row, Double.NaN);
    } else {
      for (int i = 0; i < n; i++) {
        double[] row = q[i].clone();
        rotations.apply(row);
        for (int k = 0; k < n; k++) u[i][k] = row[order[k]];
      }
    }
    vectors = u;
    return u;
  }

  /** The coordinates of {@code c} in the eigenbasis: entry k is u_k'c for the vector of {@code values()[k]}. */
  double[] project(double[] c) {
    int n = values.length;
    double[] w = new double[n];
    if (q == null) {
      Arrays.fill(w, Double.NaN);
      return w;
    }
    for (int i = 0; i < n; i++) {
      double ci = c[i];
      if (ci == 0) continue;
      double[] qi = q[i];
      for (int k = 0; k < n; k++) w[k] += ci * qi[k];
    }
    rotations.apply(w);
    double[] out = new double[n];
    for (int k = 0; k < n; k++) out[k] = w[order[k]];
    return out;
  }

  /** The plane rotations of QL, in order. */
  private static final class Rotations {
    private int size;
    private int[] at = new int[16];
    private double[] cos = new double[16];
    private double[] sin = new double[16];

    void add(int i, double c, double s) {
      if (size == at.length) {
        at = Arrays.copyOf(at, 2 * size);
        cos = Arrays.copyOf(cos, 2 * size);
        sin = Arrays.copyOf(sin, 2 * size);
      }
      at[size] = i;
      cos[size] = c;
      sin[size] = s;
      size++;
    }

    /** Applies the rotations to a row of V (tql2's "accumulate transformation" for that row). */
    void apply(double[] row) {
      for (int r = 0; r < size; r++) {
        int i = at[r];
        double c = cos[r];
        double s = sin[r];
        double h = row[i + 1];
        row[i + 1] = s * row[i] + c * h;
        row[i] = c * row[i] - s * h;
      }
    }
  }

  /** Householder tridiagonalisation; on return v holds Q, d the diagonal and e[1..n-1] the subdiagonal. */
  private static void tred2(double[][] v, double[] d, double[] e) {
    int n = d.length;
    for (int j = 0; j < n; j++) d[j] = v[n - 1][j];
    for (int i = n - 1; i > 0; i--) {
      double scale = 0;
      double h = 0;
      for (int k = 0; k < i; k++) scale += Math.abs(d[k]);
      if (scale == 0) {
        e[i] = d[i - 1];
        for (int j = 0; j < i; j++) {
          d[j] = v[i - 1][j];
          v[i][j] = 0;
          v[j][i] = 0;
        }
      } else {
        for (int k = 0; k < i; k++) {
          d[k] /= scale;
          h += d[k] * d[k];
        }
        double f = d[i - 1];
        double g = Math.sqrt(h);
        if (f > 0) g = -g;
        e[i] = scale * g;
        h -= f * g;
        d[i - 1] = f - g;
        for (int j = 0; j < i; j++) e[j] = 0;
        for (int j = 0; j < i; j++) {
          f = d[j];
          v[j][i] = f;
          g = e[j] + v[j][j] * f;
          for (int k = j + 1; k <= i - 1; k++) {
            g += v[k][j] * d[k];
            e[k] += v[k][j] * f;
          }
          e[j] = g;
        }
        f = 0;
        for (int j = 0; j < i; j++) {
          e[j] /= h;
          f += e[j] * d[j];
        }
        double hh = f / (h + h);
        for (int j = 0; j < i; j++) e[j] -= hh * d[j];
        for (int j = 0; j < i; j++) {
          f = d[j];
          g = e[j];
          for (int k = j; k <= i - 1; k++) v[k][j] -= f * e[k] + g * d[k];
          d[j] = v[i - 1][j];
          v[i][j] = 0;
        }
      }
      d[i] = h;
    }
    // accumulate the transformations into Q
    for (int i = 0; i < n - 1; i++) {
      v[n - 1][i] = v[i][i];
      v[i][i] = 1;
      double h = d[i + 1];
      if (h != 0) {
        for (int k = 0; k <= i; k++) d[k] = v[k][i + 1] / h;
        for (int j = 0; j <= i; j++) {
          double g = 0;
          for (int k = 0; k <= i; k++) g += v[k][i + 1] * v[k][j];
          for (int k = 0; k <= i; k++) v[k][j] -= g * d[k];
        }
      }
      for (int k = 0; k <= i; k++) v[k][i + 1] = 0;
    }
    for (int j = 0; j < n; j++) {
      d[j] = v[n - 1][j];
      v[n - 1][j] = 0;
    }
    v[n - 1][n - 1] = 1;
    e[0] = 0;
  }

  /**
   * Implicit QL with Wilkinson's shift on the tridiagonal form (d the diagonal, e[1..n-1] the subdiagonal), EISPACK's
   * {@code imtql2}: d becomes the eigenvalues (unsorted) and the rotations are recorded. An off-diagonal entry counts
   * as zero when it is below the rounding of its two diagonal neighbours (a local test, as commons-math3's: small
   * eigenvalues of a graded matrix keep their relative accuracy, which a test against the norm, as JAMA's tql2, loses).
   * False if an eigenvalue takes more than 60 iterations.
   */
  private static boolean tql2(double[] d, double[] e, Rotations rot) {
    int n = d.length;
    for (int i = 1; i < n; i++) e[i - 1] = e[i];
    if (n > 0) e[n - 1] = 0;
    for (int l = 0; l < n; l++) {
      int iter = 0;
      int m;
      do {
        for (m = l; m < n - 1; m++) {
          double dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
          if (Math.abs(e[m]) + dd == dd) break;
        }
        if (m == l) break;
        if (++iter > MAX_ITERATIONS) return false;
        double g = (d[l + 1] - d[l]) / (2 * e[l]);
        double r = hypot(g, 1);
        g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
        double s = 1;
        double c = 1;
        double p = 0;
        int i;
        for (i = m - 1; i >= l; i--) {
          double f = s * e[i];
          double b = c * e[i];
          r = hypot(f, g);
          e[i + 1] = r;
          if (r == 0) {
            // underflow: deflate and start again
            d[i + 1] -= p;
            e[m] = 0;
            break;
          }
          s = f / r;
          c = g / r;
          g = d[i + 1] - p;
          r = (d[i] - g) * s + 2 * c * b;
          p = s * r;
          d[i + 1] = g + p;
          g = c * r - b;
          rot.add(i, c, s);
        }
        if (r == 0 && i >= l) continue;
        d[l] -= p;
        e[l] = g;
        e[m] = 0;
      } while (true);
    }
    return true;
  }

  /** sqrt(a^2 + b^2) without overflow (JAMA's; Math.hypot is exact to the last bit but several times slower). */
  private static double hypot(double a, double b) {
    double aa = Math.abs(a);
    double ab = Math.abs(b);
    if (aa > ab) {
      double r = b / a;
      return aa * Math.sqrt(1 + r * r);
    }
    if (b != 0) {
      double r = a / b;
      return ab * Math.sqrt(1 + r * r);
    }
    return 0;
  }
}
