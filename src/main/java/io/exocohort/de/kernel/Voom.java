package io.exocohort.de.kernel;

import java.io.Serializable;
import java.util.Arrays;

/**
 * limma's {@code voom(counts, design, lib.size, span = 0.5)} (Law, Chen, Shi and Smyth 2014, Genome Biology
 * 15:R29): log-CPM values and precision weights for count data, so that the weighted limma pipeline ({@code
 * lmFit(v, design)}, {@code contrasts.fit}, {@code eBayes}) accounts for the mean-variance relationship of counts.
 *
 * <p>The steps, each a kernel here and each equal to limma 3.54.1 ({@code VoomGoldenTest}):
 * <ol>
 *   <li>{@link #logCpm}: E = log2((count + 0.5) / (lib.size + 1) * 1e6) per feature and sample, lib.size the
 *       effective library size (edgeR's lib.size * norm.factors, e.g. TMM);</li>
 *   <li>an unweighted fit of E ({@link LinearModel#fit} on sums of E), giving each feature's Amean and sigma; with
 *       {@code voom(counts, design, block = subject, correlation = rho)} limma fits by {@code lmFit(block,
 *       correlation)} instead, i.e. {@link LinearModel#fit} of {@link BlockedModel#glsSums} (GLS: its sigma enters the
 *       trend and its coefficients the fitted values; nothing else changes);</li>
 *   <li>{@link #trend}: the lowess ({@link Lowess}, span 0.5, 3 robustness iterations, delta 1% of the range) of
 *       sqrt(sigma) against the mean log2 count Amean + mean(log2(lib.size + 1)) - log2(1e6), over the features
 *       that are not all zero; then the interpolating function {@code approxfun(line, rule = 2, ties = mean)};</li>
 *   <li>{@link #weight}: for each feature and sample, w = 1 / f(fitted log2 count)^4, the fitted log2 count
 *       log2(2^fitted * (lib.size + 1) / 1e6) from the unweighted fit's fitted value ({@link #fittedValue});</li>
 *   <li>the weighted fit: {@link FeatureSums.Builder#add(double[], double, double)} sums X'WX, X'Wy, y'Wy with
 *       these weights and the unweighted sum of y (limma's Amean stays the plain mean of E).</li>
 * </ol>
 *
 * <p>An instance is the fitted trend: two sorted arrays, immutable and {@link Serializable} (a Spark task gets it
 * by closure or broadcast). {@link #weight} is a table lookup (a step or two from a grid cell) and a few floating point operations, no
 * allocation: it is meant to be called once per matrix entry.
 */
public final class Voom implements Serializable {
  private static final long serialVersionUID = 1L;

  /** voom's default lowess span. */
  public static final double DEFAULT_SPAN = 0.5;

  /** log2(1e6), the value R's log2 gives. */
  static final double LOG2_1E6 = 19.931568569324174;

  private static final double LN2 = Math.log(2);

  private final double[] lineX;
  private final double[] lineY;
  private final double[] x;
  private final double[] y;
  /**
   * The lookup grid of {@link #sqrtSd}: {@code cell[c]} is the last index i with x[i] <= x[0] + c * width, so a
   * value's interval is found from its cell by a step or two instead of a binary search (a branch mispredicted at
   * each of its ~10 steps, once per matrix entry).
   */
  private final int[] cell;
  private final double invWidth;

  private Voom(double[] lineX, double[] lineY, double[] x, double[] y) {
    this.lineX = lineX;
    this.lineY = lineY;
    this.x = x;
    this.y = y;
    int cells = Math.max(1, Math.min(1 << 16, 4 * x.length));
    double range = x[x.length - 1] - x[0];
    this.invWidth = range > 0 ? cells / range : 0;
    this.cell = new int[cells + 1];
    for (int c = 0, i = 0; c <= cells; c++) {
      double at = x[0] + c / invWidth;
      while (i + 1 < x.length && x[i + 1] <= at) i++;
      cell[c] = i;
    }
  }

  /** voom's log-CPM: log2((count + 0.5) / (libSize + 1) * 1e6), as R evaluates it. */
  public static double logCpm(double count, double libSize) {
    return log2((count + 0.5) / (libSize + 1) * 1e6);
  }

  /** mean(log2(lib.size + 1)) over the samples: the shift from log-CPM to log2 count that {@link #trend} needs. */
  public static double meanLog2LibSize(double[] libSizes) {
    if (libSizes.length == 0) throw new IllegalArgumentException("no library sizes");
    double[] v = new double[libSizes.length];
    for (int i = 0; i < v.length; i++) v[i] = log2(libSizes[i] + 1);
    return mean(v);
  }

  /** {@link #trend} with voom's default span 0.5. */
  public static Voom trend(double[] amean, double[] sigma, boolean[] allZero, double meanLog2LibSize) {
    return trend(amean, sigma, allZero, meanLog2LibSize, DEFAULT_SPAN);
  }

  /**
   * voom's mean-variance trend from the unweighted fit of the log-CPM values.
   *
   * @param amean           per feature, the mean of its log-CPM values (lmFit's Amean)
   * @param sigma           per feature, the residual standard deviation of the unweighted fit (lmFit's sigma)
   * @param allZero         per feature, whether all its counts are zero (such features are left out of the
   *                        lowess, as voom does; they still get weights)
   * @param meanLog2LibSize mean(log2(lib.size + 1)) ({@link #meanLog2LibSize})
   * @param span            the lowess span f (voom's {@code span}, default 0.5)
   * @throws IllegalArgumentException for a kept feature without finite Amean and sigma (no residual df: voom
   *     itself returns weights of 1 when fewer than two features have residual df, the caller's decision here)
   */
  public static Voom trend(double[] amean, double[] sigma, boolean[] allZero, double meanLog2LibSize, double span) {
    int n = amean.length;
    if (sigma.length != n || allZero.length != n) {
      throw new IllegalArgumentException("amean, sigma and allZero differ in length");
    }
    int kept = 0;
    for (int i = 0; i < n; i++) {
      if (allZero[i]) continue;
      kept++;
      if (!(sigma[i] >= 0) || !Double.isFinite(sigma[i]) || !Double.isFinite(amean[i])) {
        // voom sets all weights to 1 when fewer than two features have residual df (no replication)
        throw new IllegalArgumentException("feature " + i + " has no finite Amean and sigma (" + amean[i] + ", "
            + sigma[i] + "): no residual df? voom then uses weights of 1");
      }
    }
    double[] sx = new double[kept];
    double[] sy = new double[kept];
    for (int i = 0, k = 0; i < n; i++) {
      if (allZero[i]) continue;
      sx[k] = amean[i] + meanLog2LibSize - LOG2_1E6;
      sy[k] = Math.sqrt(sigma[i]);
      k++;
    }
    if (kept < 2) throw new IllegalArgumentException("need at least two features that are not all zero: " + kept);
    Lowess.Line line = Lowess.fit(sx, sy, span);
    return fromLine(line.x(), line.y());
  }

  /**
   * The trend from a lowess line already computed (x ascending), as {@code approxfun(x, y, rule = 2, ties =
   * list("ordered", mean))}: equal x values collapse to one point with the mean of their y.
   */
  public static Voom fromLine(double[] lineX, double[] lineY) {
    int n = lineX.length;
    if (lineY.length != n) throw new IllegalArgumentException("line x and y differ in length");
    double[] ux = new double[n];
    double[] uy = new double[n];
    int u = 0;
    for (int i = 0; i < n; ) {
      if (!Double.isFinite(lineX[i]) || !Double.isFinite(lineY[i])) {
        throw new IllegalArgumentException("line point " + i + " is not finite");
      }
      if (i > 0 && lineX[i] < lineX[i - 1]) throw new IllegalArgumentException("line x is not ascending at " + i);
      int j = i + 1;
      while (j < n && lineX[j] == lineX[i]) j++;
      ux[u] = lineX[i];
      uy[u] = j - i == 1 ? lineY[i] : mean(Arrays.copyOfRange(lineY, i, j));
      u++;
      i = j;
    }
    if (u < 2) throw new IllegalArgumentException("need at least two distinct x values to interpolate");
    return new Voom(lineX.clone(), lineY.clone(), Arrays.copyOf(ux, u), Arrays.copyOf(uy, u));
  }

  /** The lowess line's x (sorted; voom's {@code voom.line$x}). */
  public double[] lineX() {
    return lineX.clone();
  }

  /** The lowess line's y (voom's {@code voom.line$y}). */
  public double[] lineY() {
    return lineY.clone();
  }

  /**
   * The trend at a log2 count: R's {@code approx1} (linear, rule 2: the end values outside the line's range);
   * NaN for NaN.
   */
  public double sqrtSd(double log2Count) {
    if (Double.isNaN(log2Count)) return Double.NaN;
    int last = x.length - 1;
    if (log2Count < x[0]) return y[0];
    if (log2Count > x[last]) return y[last];
    // the last index i with x[i] <= log2Count (x strictly ascending): the grid's guess, corrected both ways so
    // that rounding in the cell's computation cannot change the interval a binary search would find
    int c = (int) ((log2Count - x[0]) * invWidth);
    int i = cell[Math.min(Math.max(c, 0), cell.length - 1)];
    while (i > 0 && x[i] > log2Count) i--;
    while (i < last && x[i + 1] <= log2Count) i++;
    if (i == last) return y[last];
    int j = i + 1;
    if (log2Count == x[i]) return y[i];
    return y[i] + (y[j] - y[i]) * ((log2Count - x[i]) / (x[j] - x[i]));
  }

  /** voom's fitted log2 count log2(1e-6 * 2^fittedLogCpm * (libSize + 1)), in R's order of operations. */
  public static double log2Count(double fittedLogCpm, double libSize) {
    return log2(1e-6 * (Math.pow(2, fittedLogCpm) * (libSize + 1)));
  }

  /**
   * voom's precision weight of one observation: 1 / f(log2 count)^4, f the trend ({@link #sqrtSd}).
   *
   * @param fittedLogCpm the unweighted fit's fitted value for this feature and sample ({@link #fittedValue})
   * @param libSize      the sample's effective library size (lib.size * norm.factors)
   */
  public double weight(double fittedLogCpm, double libSize) {
    return 1 / Math.pow(sqrtSd(log2Count(fittedLogCpm, libSize)), 4);
  }

  /**
   * A feature's fitted value at one sample, coefficients %*% design row over the estimable coefficients (voom
   * uses the pivot columns only when the design is rank deficient; their coefficients are the non-NaN ones).
   */
  public static double fittedValue(double[] coefficients, double[] designRow) {
    if (coefficients.length != designRow.length) {
      throw new IllegalArgumentException("coefficients and design row differ in length");
    }
    double v = 0;
    for (int j = 0; j < coefficients.length; j++) {
      if (!Double.isNaN(coefficients[j])) v += coefficients[j] * designRow[j];
    }
    return v;
  }

  static double log2(double v) {
    return Math.log(v) / LN2;
  }

  /** R's mean(): the sum over n, then corrected by the mean of the deviations from it (also {@link BlockedModel}'s). */
  static double mean(double[] v) {
    double s = 0;
    for (double d : v) s += d;
    s /= v.length;
    if (Double.isFinite(s)) {
      double t = 0;
      for (double d : v) t += d - s;
      s += t / v.length;
    }
    return s;
  }
}
