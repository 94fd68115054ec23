package io.exocohort.deconv.kernel;

/**
 * Least squares on the probability simplex: for a features x components matrix A (the reference profiles as columns)
 * and a sample profile b, the weights w minimising ||A w - b||^2 subject to w >= 0 and sum(w) = 1. This is the
 * quadratic programme exosomePurity solves per serum sample with {@code quadprog::solve.QP(Dmat = crossprod(X), dvec =
 * t(X) y, ...)}; the weight of the cancer-cell profile is the sample's tumour-exosome fraction.
 *
 * <p>Solved exactly (up to rounding) by a primal active-set method on the k x k problem min 1/2 w'Gw - c'w, G = A'A, c
 * = A'b (Nocedal and Wright, Numerical Optimization, 2nd ed., algorithm 16.3): start at the best vertex, solve the
 * sum-constrained problem on the free components by Cholesky, step back to the first bound it crosses, and free a
 * bound whose multiplier (G w - c)_i - mu is negative, until none is. A convex problem with G positive definite, so
 * the point found is the unique optimum and equals quadprog's (Goldfarb-Idnani) solution.
 *
 * <p><b>Singular or near-singular A'A.</b> quadprog needs a positive definite D and exosomePurity adds nothing (no
 * ridge, no nearPD): with two cell-line median profiles over 48 miRs, A'A is well conditioned. Here, when a Cholesky
 * pivot of A'A is at most 1e-10 x its largest diagonal entry (collinear or duplicate profiles, fewer features than
 * components, an all-zero profile), the kernel adds delta = 1e-9 x that largest diagonal entry to the diagonal: it
 * then minimises ||A w - b||^2 + delta ||w||^2, which among the least-squares weights (no longer unique) picks,
 * up to O(delta), the one of smallest norm (two identical profiles share their weight equally). {@link Fit#ridge}
 * reports delta (0 when none was needed). Otherwise nothing is added and the result is quadprog's.
 *
 * <p>Build one instance per reference ({@link #of}) and call {@link #fit} per sample: the Gram matrix and its check are
 * computed once. Instances are immutable and thread-safe.
 */
public final class SimplexLeastSquares {
  /** A Cholesky pivot at most this times the largest diagonal entry of A'A counts as singular. */
  public static final double SINGULAR_PIVOT = 1e-10;
  /** The ridge added to a singular A'A, relative to its largest diagonal entry. */
  public static final double RIDGE = 1e-9;

  private final double[][] a;
  private final double[][] gram;
  private final double ridge;
  private final double tol;

  /**
   * The weights of one sample: {@code weights[j]} the share of component j (>= 0, summing to 1 up to rounding);
   * {@code rmsResidual} the root-mean-square residual sqrt(sum_i (A w - b)_i^2 / n) over the n features; {@code
   * ridge} the delta added to A'A's diagonal (0 when A'A was positive definite); {@code iterations} active-set steps.
   */
  public record Fit(double[] weights, double rmsResidual, double ridge, int iterations) {}

  private SimplexLeastSquares(double[][] a, double[][] gram, double ridge, double tol) {
    this.a = a;
    this.gram = gram;
    this.ridge = ridge;
    this.tol = tol;
  }

  /**
   * A solver for the reference profiles {@code a} ({@code a[feature][component]}, copied): at least one feature and
   * two components, every value finite (IllegalArgumentException otherwise).
   */
  public static SimplexLeastSquares of(double[][] a) {
    int n = QuantileNormalization.checkMatrix(a);
    int k = a[0].length;
    if (k < 2) throw new IllegalArgumentException("need at least 2 components (reference profiles), got " + k);
    double[][] copy = new double[n][];
    for (int i = 0; i < n; i++) copy[i] = a[i].clone();
    double[][] g = new double[k][k];
    for (int p = 0; p < k; p++) {
      for (int q = p; q < k; q++) {
        double s = 0;
        for (int i = 0; i < n; i++) s += copy[i][p] * copy[i][q];
        g[p][q] = s;
        g[q][p] = s;
      }
    }
    double maxDiag = 0;
    for (int p = 0; p < k; p++) maxDiag = Math.max(maxDiag, g[p][p]);
    double ridge = 0;
    if (cholesky(g, allFree(k), SINGULAR_PIVOT * maxDiag) == null) {
      ridge = maxDiag > 0 ? RIDGE * maxDiag : 1;
      for (int p = 0; p < k; p++) g[p][p] += ridge;
    }
    return new SimplexLeastSquares(copy, g, ridge, 1e-12 * Math.max(maxDiag, Double.MIN_NORMAL));
  }

  /** One-off convenience: {@code of(a).fit(b)}. */
  public static Fit solve(double[][] a, double[] b) {
    return of(a).fit(b);
  }

  /** Number of components k. */
  public int components() {
    return gram.length;
  }

  /** The weights for sample profile {@code b} (one finite value per feature of A; IllegalArgumentException otherwise). */
  public Fit fit(double[] b) {
    int n = a.length;
    int k = gram.length;
    if (b == null || b.length != n) {
      throw new IllegalArgumentException("sample profile has " + (b == null ? "no" : String.valueOf(b.length))
          + " values, the reference profiles have " + n + " features");
    }
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(b[i])) throw new IllegalArgumentException("sample value [" + i + "] is not finite: " + b[i]);
    }
    double[] c = new double[k];
    for (int p = 0; p < k; p++) {
      double s = 0;
      for (int i = 0; i < n; i++) s += a[i][p] * b[i];
      c[p] = s;
    }
    int[] iterations = new int[1];
    double[] w = activeSet(c, iterations);
    double ss = 0;
    for (int i = 0; i < n; i++) {
      double r = -b[i];
      for (int p = 0; p < k; p++) r += a[i][p] * w[p];
      ss += r * r;
    }
    return new Fit(w, Math.sqrt(ss / n), ridge, iterations[0]);
  }

  /** The primal active-set iteration (see the class comment); {@code iterations[0]} gets the number of steps. */
  private double[] activeSet(double[] c, int[] iterations) {
    int k = gram.length;
    int start = 0;
    for (int j = 1; j < k; j++) {
      if (0.5 * gram[j][j] - c[j] < 0.5 * gram[start][start] - c[start]) start = j;
    }
    boolean[] free = new boolean[k];
    free[start] = true;
    double[] w = new double[k];
    w[start] = 1;
    int maxIter = 50 * k + 100;
    for (int iter = 1; iter <= maxIter; iter++) {
      iterations[0] = iter;
      double[] z = new double[k + 1];
      subproblem(c, free, z);
      double mu = z[k];
      int leave = -1;
      double alpha = 1;
      for (int i = 0; i < k; i++) {
        if (free[i] && z[i] < 0) {
          double t = w[i] / (w[i] - z[i]);
          if (leave < 0 || t < alpha) {
            alpha = t;
            leave = i;
          }
        }
      }
      if (leave >= 0) {
        for (int i = 0; i < k; i++) w[i] += alpha * (z[i] - w[i]);
        w[leave] = 0;
        free[leave] = false;
        continue;
      }
      System.arraycopy(z, 0, w, 0, k);
      int enter = mostNegativeMultiplier(w, c, free, mu);
      if (enter < 0) return w;
      free[enter] = true;
    }
    throw new IllegalStateException("simplex least squares: no convergence in " + maxIter + " active-set steps");
  }

  /** The bound at zero whose multiplier (G w - c)_i - mu is most negative (below -tol), or -1: w is optimal. */
  private int mostNegativeMultiplier(double[] w, double[] c, boolean[] free, double mu) {
    int k = gram.length;
    int enter = -1;
    double most = -tol;
    for (int i = 0; i < k; i++) {
      if (free[i]) continue;
      double gi = -c[i] - mu;
      for (int p = 0; p < k; p++) gi += gram[i][p] * w[p];
      if (gi < most) {
        most = gi;
        enter = i;
      }
    }
    return enter;
  }

  /**
   * The minimiser of 1/2 z'Gz - c'z over the free components with sum(z) = 1 (the others 0), into z[0..k-1], and its
   * multiplier mu (G z - c = mu on the free components) into z[k]: z = G^-1 (c + mu 1) with mu from the sum.
   */
  private void subproblem(double[] c, boolean[] free, double[] z) {
    int k = gram.length;
    double[][] l = cholesky(gram, free, 0);
    if (l == null) throw new IllegalStateException("simplex least squares: Gram matrix lost positive definiteness");
    double[] u = new double[k];
    double[] v = new double[k];
    double[] one = new double[k];
    for (int i = 0; i < k; i++) one[i] = free[i] ? 1 : 0;
    cholSolve(l, free, c, u);
    cholSolve(l, free, one, v);
    double su = 0;
    double sv = 0;
    for (int i = 0; i < k; i++) {
      if (free[i]) {
        su += u[i];
        sv += v[i];
      }
    }
    double mu = (1 - su) / sv;
    for (int i = 0; i < k; i++) z[i] = free[i] ? u[i] + mu * v[i] : 0;
    z[k] = mu;
  }

  private static boolean[] allFree(int k) {
    boolean[] free = new boolean[k];
    java.util.Arrays.fill(free, true);
    return free;
  }

  /**
   * Lower Cholesky factor of G restricted to the {@code free} rows and columns (in a k x k array, other entries 0), or
   * null when a pivot (before its square root) is at most {@code minPivot}.
   */
  static double[][] cholesky(double[][] g, boolean[] free, double minPivot) {
    int k = g.length;
    double[][] l = new double[k][k];
    for (int j = 0; j < k; j++) {
      if (!free[j]) continue;
      double d = g[j][j];
      for (int p = 0; p < j; p++) if (free[p]) d -= l[j][p] * l[j][p];
      if (!(d > minPivot)) return null;
      l[j][j] = Math.sqrt(d);
      for (int i = j + 1; i < k; i++) {
        if (!free[i]) continue;
        double s = g[i][j];
        for (int p = 0; p < j; p++) if (free[p]) s -= l[i][p] * l[j][p];
        l[i][j] = s / l[j][j];
      }
    }
    return l;
  }

  /** Solves L L' x = r on the free components (x elsewhere left 0). */
  private static void cholSolve(double[][] l, boolean[] free, double[] r, double[] x) {
    int k = l.length;
    double[] y = new double[k];
    for (int i = 0; i < k; i++) {
      if (!free[i]) continue;
      double s = r[i];
      for (int p = 0; p < i; p++) if (free[p]) s -= l[i][p] * y[p];
      y[i] = s / l[i][i];
    }
    for (int i = k - 1; i >= 0; i--) {
      if (!free[i]) continue;
      double s = y[i];
      for (int p = i + 1; p < k; p++) if (free[p]) s -= l[p][i] * x[p];
      x[i] = s / l[i][i];
    }
  }
}
