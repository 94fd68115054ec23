package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * limma's {@code lmFit} (ordinary least squares, {@code lm.series}) for one feature at a time, from the
 * feature's sufficient statistics ({@link FeatureSums}) rather than its values: beta = (X'X)^-1 X'y,
 * s^2 = (y'y - beta'X'y) / (n - rank), stdev.unscaled = sqrt(diag((X'X)^-1)), Amean = mean of y. Missing values
 * are handled as lmFit does: the rows of a missing value are dropped for that feature, i.e. the caller passes
 * that feature's own X'X over its observed rows.
 *
 * <p><b>Weights</b> (limma's {@code lmFit(object, design, weights)}, {@code lm.wfit} per feature, e.g. voom's
 * precision weights): the same fit fed weighted sums X'WX, X'Wy, y'Wy and the unweighted n and sum y ({@link
 * FeatureSums}): beta = (X'WX)^-1 X'Wy, s^2 = (y'Wy - beta'X'Wy) / (n - rank) = sum w r^2 / (n - rank),
 * stdev.unscaled = sqrt(diag((X'WX)^-1)), Amean the unweighted mean. The rank decision is lm.wfit's, on the
 * columns of W^(1/2) X. limma's {@code cov.coefficients} of such a fit is still the unweighted design's (X'X)^-1
 * ({@link #designCovariance} of the unweighted X'X), and {@link ContrastSet#limma} combines it with each feature's
 * weighted stdev.unscaled, as contrasts.fit does.
 *
 * <p><b>Rank deficiency</b> follows R's {@code lm.fit} (LINPACK dqrdc2 with tolerance 1e-7): columns are taken
 * in order, and a column whose part orthogonal to the columns already kept has norm below 1e-7 of its own norm
 * is not estimable; its coefficient is NaN (lmFit's NA) and the others are the fit without it. Here the
 * orthogonal part's squared norm is the pivot of a Cholesky decomposition of X'X, so the decisions are the
 * same (exact for the common case, a column that is all zero over the observed rows: a group without values).
 *
 * <p><b>Numerics.</b> X'X is scaled to unit diagonal before the Cholesky decomposition. Two sources of error
 * remain that a QR of X would not have: the conditioning of X'X is the square of that of X, and y'y - beta'X'y
 * cancels when the values are large relative to their residual spread. Both go away when the sums are
 * centred, which the Spark side can do at no cost: subtract a constant from each covariate column (e.g. 60
 * from age, or its cohort mean) and a per-feature constant from y (e.g. a previous run's mean, or any value
 * near the feature's level) before summing, and declare the shifts here ({@link #centred}). The fit is then
 * mapped back exactly to the raw parametrisation (coefficients, covariance and Amean as lmFit reports them for
 * the raw design). This needs columns that sum to one on every row (the group indicators of a cell-means
 * design, or an intercept column): shifting y or a covariate moves only their coefficients.
 */
public final class LinearModel {
  private final String[] columns;
  private final double[] columnShift;
  private final boolean[] ones;

  private LinearModel(String[] columns, double[] columnShift, boolean[] ones) {
    this.columns = columns;
    this.columnShift = columnShift;
    this.ones = ones;
  }

  /** A design with these columns, sums of the raw design values. */
  public static LinearModel of(String... columns) {
    if (columns.length == 0) throw new IllegalArgumentException("design has no columns");
    return new LinearModel(columns.clone(), new double[columns.length], new boolean[columns.length]);
  }

  /**
   * The same design, but the sums are of centred columns: column j of the aggregated design is x_j -
   * {@code columnShift[j]} (0 for the indicator and intercept columns), and the columns {@code onesColumns}
   * sum to 1 on every row (the group indicators of {@code ~0 + group}, or the intercept of {@code ~group}).
   * Required for {@link FeatureSums#yShift()} other than 0.
   */
  public LinearModel centred(double[] columnShift, int... onesColumns) {
    int p = columns.length;
    if (columnShift.length != p) throw new IllegalArgumentException("columnShift needs " + p + " values");
    boolean[] o = new boolean[p];
    for (int j : onesColumns) {
      if (j < 0 || j >= p) throw new IllegalArgumentException("ones column out of range: " + j);
      o[j] = true;
    }
    for (int j = 0; j < p; j++) {
      if (o[j] && columnShift[j] != 0) {
        throw new IllegalArgumentException("column " + columns[j] + " is one of the ones columns: shift must be 0");
      }
    }
    boolean anyShift = false;
    for (double v : columnShift) anyShift |= v != 0;
    if (anyShift && onesColumns.length == 0) {
      throw new IllegalArgumentException("shifted covariates need the ones columns (intercept or group indicators)");
    }
    return new LinearModel(columns, columnShift.clone(), o);
  }

  public int p() {
    return columns.length;
  }

  public String[] columns() {
    return columns.clone();
  }

  /** Fits one feature. */
  public FeatureFit fit(FeatureSums s) {
    int p = columns.length;
    if (s.xty().length != p) throw new IllegalArgumentException("sums have " + s.xty().length + " columns, design " + p);
    boolean anyOnes = false;
    for (boolean b : ones) anyOnes |= b;
    if (s.yShift() != 0 && !anyOnes) {
      throw new IllegalArgumentException("yShift needs the ones columns declared (LinearModel.centred)");
    }
    double[] coef = new double[p];
    double[] su = new double[p];
    double[][] cov = new double[p][p];
    Arrays.fill(coef, Double.NaN);
    Arrays.fill(su, Double.NaN);
    for (double[] row : cov) Arrays.fill(row, Double.NaN);
    if (s.n() == 0) return new FeatureFit(0, 0, 0, coef, su, cov, Double.NaN, Double.NaN);

    Solved sol = solve(s.xtx(), s.xty());
    int rank = sol.kept.length;
    long df = s.n() - rank;
    double rss = Math.max(s.sumYY() - sol.explained, 0.0);
    double sigma2 = df > 0 ? rss / df : Double.NaN;

    // centred -> raw parametrisation: beta = T beta~ + c w, cov = T cov~ T', T = I - w s'
    double[] bt = new double[p];
    double[][] vt = new double[p][p];
    for (int a = 0; a < rank; a++) {
      bt[sol.kept[a]] = sol.beta[a];
      for (int b = 0; b < rank; b++) vt[sol.kept[a]][sol.kept[b]] = sol.cov[a][b];
    }
    double shiftDotBeta = 0;
    for (int j = 0; j < p; j++) shiftDotBeta += columnShift[j] * bt[j];
    double[][] tm = new double[p][p];
    for (int i = 0; i < p; i++) {
      tm[i][i] = 1;
      if (ones[i]) for (int j = 0; j < p; j++) tm[i][j] -= columnShift[j];
    }
    double[][] v = multiply(multiply(tm, vt), transpose(tm));
    boolean[] est = new boolean[p];
    for (int j : sol.kept) est[j] = true;
    for (int j = 0; j < p; j++) {
      if (!est[j]) continue;
      coef[j] = ones[j] ? bt[j] - shiftDotBeta + s.yShift() : bt[j];
      su[j] = Math.sqrt(v[j][j]);
      for (int k = 0; k < p; k++) if (est[k]) cov[j][k] = v[j][k];
    }
    double amean = s.yShift() + s.sumY() / s.n();
    return new FeatureFit(s.n(), rank, df, coef, su, cov, sigma2, amean);
  }

  /**
   * (X'X)^-1 of the whole design (all samples), in the raw parametrisation: what limma keeps as
   * {@code fit$cov.coefficients} and {@link ContrastSet#limma} needs. {@code xtx} is aggregated as for
   * {@link #fit} (centred columns if {@link #centred} was used). The design must have full rank.
   */
  public double[][] designCovariance(double[][] xtx) {
    int p = columns.length;
    FeatureFit f = fit(new FeatureSums(Long.MAX_VALUE / 2, 0, 0, new double[p], xtx, 0));
    if (f.rank() < p) {
      throw new IllegalArgumentException("the design is not of full rank (rank " + f.rank() + " of " + p + ")");
    }
    return f.covUnscaled();
  }

  private record Solved(int[] kept, double[] beta, double[][] cov, double explained) {}

  /** Rank-revealing Cholesky of the unit-diagonal scaled X'X, columns in order, dqrdc2's tolerance. */
  private static Solved solve(double[][] a, double[] b) {
    RankCholesky c = RankCholesky.of(a);
    double[] z = c.forward(b);
    double explained = 0;
    for (double v : z) explained += v * v;
    return new Solved(c.kept(), c.backward(z), c.inverse(), explained);
  }

  private static double[][] multiply(double[][] x, double[][] y) {
    int n = x.length;
    int m = y[0].length;
    int k = y.length;
    double[][] out = new double[n][m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double v = 0;
        for (int q = 0; q < k; q++) v += x[i][q] * y[q][j];
        out[i][j] = v;
      }
    }
    return out;
  }

  private static double[][] transpose(double[][] x) {
    double[][] t = new double[x[0].length][x.length];
    for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) t[j][i] = x[i][j];
    return t;
  }
}
