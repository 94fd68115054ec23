package io.exocohort.de.kernel;

import java.io.Serializable;
import java.util.Arrays;

/**
 * limma's {@code duplicateCorrelation(y, design, block = subject, weights)} (limma 3.54.1, statmod 1.5.0): the
 * correlation between samples of the same block (e.g. repeated samples of one subject), common to all features, that
 * {@code lmFit(y, design, block, correlation)} ({@link BlockGls}) then uses.
 *
 * <p><b>Per feature</b> ({@link #atanhCorrelation}): the REML fit of y = X beta + Z u + e with a random block effect
 * ({@link BlockReml}, statmod's {@code mixedModel2Fit}; with weights, y and X are multiplied by sqrt(w), Z is not)
 * gives the variance components s2_resid and s2_block, and rho_g = s2_block / (s2_resid + s2_block). Values that are
 * not finite, and values whose weight is not positive and finite, are left out (limma: NA). A feature is skipped
 * (NaN; limma's NA) unless its observed values number more than p + 2 (p = the design's columns, whatever its rank),
 * fall in more than one block and in fewer blocks than values - 1; also when the REML fit fails (statmod's error,
 * or no residual df). rho_g is clipped to [1 / (1 - max block size) + 0.01, 0.99], the maximum block size over
 * all samples, before atanh.
 *
 * <p><b>Consensus</b> ({@link #consensus}): tanh of the 15% trimmed mean (R's {@code mean(x, trim = 0.15, na.rm =
 * TRUE)}) of the atanh values, the NaN ones left out: limma's {@code consensus.correlation}.
 *
 * <p>limma returns 0 for every feature (and the consensus) when every block has one sample, or when the blocks are
 * already encoded in the design (every block indicator but the first lies in the design's column space; here: its
 * squared distance from it below 1e-12, limma: every coordinate of its residual below 1e-8); so does this class
 * ({@link #alwaysZero}).
 *
 * <p><b>For Spark.</b> An instance holds what all features share, the design rows and block ids of every sample
 * (n x p doubles and n ints), and is {@link Serializable}: a task holding one feature's whole value vector (and its
 * weights) calls {@link #atanhCorrelation} for it (O(n p^2) plus O(blocks x rank^2)), and only that one double goes
 * back; the driver takes the {@link #consensus} of all of them.
 */
public final class BlockCorrelation implements Serializable {
  private static final long serialVersionUID = 1L;

  /** duplicateCorrelation's default {@code trim}. */
  public static final double DEFAULT_TRIM = 0.15;

  /** duplicateCorrelation's upper clip of the per-feature correlations. */
  public static final double MAX_CORRELATION = 0.99;

  private static final double ENCODED_TOL = 1e-12;

  private final double[][] design;
  private final int[] block;
  private final int blocks;
  private final int maxBlockSize;
  private final boolean alwaysZero;

  private BlockCorrelation(double[][] design, int[] block, int blocks, int maxBlockSize, boolean alwaysZero) {
    this.design = design;
    this.block = block;
    this.blocks = blocks;
    this.maxBlockSize = maxBlockSize;
    this.alwaysZero = alwaysZero;
  }

  /**
   * @param design the design rows of all samples (n x p: limma's design matrix; a centred covariate column gives the
   *               same correlations when the design has an intercept or group indicators)
   * @param block  the block id of each sample (e.g. the subject); any ints, ordered as R's factor levels of the ids
   *               (the smallest id is the "first" block of the encoded-in-design check)
   */
  public static BlockCorrelation of(double[][] design, int[] block) {
    int n = design.length;
    if (n == 0) throw new IllegalArgumentException("no samples");
    if (block.length != n) throw new IllegalArgumentException("block needs one id per design row: " + n);
    int p = design[0].length;
    double[][] x = new double[n][];
    for (int i = 0; i < n; i++) {
      if (design[i].length != p) throw new IllegalArgumentException("design row " + i + " has not " + p + " values");
      x[i] = design[i].clone();
    }
    int[] ids = Arrays.stream(block).distinct().sorted().toArray();
    int[] compact = new int[n];
    int[] size = new int[ids.length];
    for (int i = 0; i < n; i++) {
      compact[i] = Arrays.binarySearch(ids, block[i]);
      size[compact[i]]++;
    }
    int max = Arrays.stream(size).max().orElse(0);
    boolean zero = max == 1 || encodedInDesign(x, compact, ids.length);
    return new BlockCorrelation(x, compact, ids.length, max, zero);
  }

  /** Whether every block indicator but the first lies in the column space of the design (limma's QtBlock check). */
  private static boolean encodedInDesign(double[][] x, int[] block, int blocks) {
    int n = x.length;
    int p = x[0].length;
    double[] a = new double[n * p];
    double[][] blockX = new double[blocks][p];
    int[] size = new int[blocks];
    for (int i = 0; i < n; i++) {
      size[block[i]]++;
      for (int j = 0; j < p; j++) {
        a[j * n + i] = x[i][j];
        blockX[block[i]][j] += x[i][j];
      }
    }
    HouseholderQr qr = HouseholderQr.decompose(a, n, p, HouseholderQr.R_TOL);
    int[] piv = qr.pivot();
    int rank = qr.rank();
    for (int b = 1; b < blocks; b++) {
      // |z_b - Q1 Q1' z_b|^2 = m_b - |Q1' z_b|^2, Q1' z_b = R11^-T (block sums of the pivoted columns)
      double[] c = new double[rank];
      double ss = 0;
      for (int j = 0; j < rank; j++) {
        double v = blockX[b][piv[j]];
        for (int k = 0; k < j; k++) v -= c[k] * qr.r(k, j);
        c[j] = v / qr.r(j, j);
        ss += c[j] * c[j];
      }
      if (!(size[b] - ss < ENCODED_TOL)) return false;
    }
    return true;
  }

  /** The largest block over all samples: sets the lower clip 1 / (1 - max) + 0.01. */
  public int maxBlockSize() {
    return maxBlockSize;
  }

  /** The lower clip of the per-feature correlations, 1 / (1 - max block size) + 0.01. */
  public double minCorrelation() {
    return 1.0 / (1 - maxBlockSize) + 0.01;
  }

  /** limma's zero cases: all blocks of one sample, or the blocks encoded in the design. */
  public boolean alwaysZero() {
    return alwaysZero;
  }

  /** {@link #atanhCorrelation(double[], double[])} without weights. */
  public double atanhCorrelation(double[] y) {
    return atanhCorrelation(y, null);
  }

  /**
   * One feature's entry of limma's {@code atanh.correlations}: atanh of its clipped REML correlation; NaN where
   * limma skips the feature; 0 when {@link #alwaysZero}.
   *
   * @param y       the feature's values of all samples, in the design's order (NaN: missing)
   * @param weights its precision weights (e.g. voom's) or null
   */
  public double atanhCorrelation(double[] y, double[] weights) {
    if (alwaysZero) return 0;
    double rho = correlation(y, weights);
    if (Double.isNaN(rho)) return Double.NaN;
    rho = Math.min(Math.max(rho, minCorrelation()), MAX_CORRELATION);
    return 0.5 * Math.log1p(2 * rho / (1 - rho));
  }

  /**
   * One feature's REML correlation s2_block / (s2_resid + s2_block) before limma's clipping (it may lie outside
   * [-1, 1]); NaN where limma skips the feature; 0 when {@link #alwaysZero}.
   */
  public double correlation(double[] y, double[] weights) {
    if (alwaysZero) return 0;
    double[] s = varianceComponents(y, weights);
    if (Double.isNaN(s[0])) return Double.NaN;
    return s[1] / (s[0] + s[1]);
  }

  /** statmod's {s2_resid, s2_block} of one feature as duplicateCorrelation fits it; NaN where it skips the feature. */
  double[] varianceComponents(double[] y, double[] weights) {
    double[] skipped = {Double.NaN, Double.NaN};
    int n = design.length;
    int p = design[0].length;
    if (y.length != n) throw new IllegalArgumentException("y needs one value per sample: " + n);
    if (weights != null && weights.length != n) throw new IllegalArgumentException("weights need " + n + " values");
    int nobs = 0;
    int[] local = new int[blocks];
    Arrays.fill(local, -1);
    int nblocks = 0;
    for (int i = 0; i < n; i++) {
      if (!observed(y, weights, i)) continue;
      nobs++;
      if (local[block[i]] < 0) local[block[i]] = nblocks++;
    }
    if (!(nobs > p + 2 && nblocks > 1 && nblocks < nobs - 1)) return skipped;
    double[] x = new double[nobs * p];
    double[] yw = new double[nobs];
    int[] b = new int[nobs];
    for (int i = 0, k = 0; i < n; i++) {
      if (!observed(y, weights, i)) continue;
      double sw = weights == null ? 1 : Math.sqrt(weights[i]);
      for (int j = 0; j < p; j++) x[j * nobs + k] = sw * design[i][j];
      yw[k] = sw * y[i];
      b[k] = local[block[i]];
      k++;
    }
    return BlockReml.varianceComponents(x, nobs, p, yw, b, nblocks);
  }

  private static boolean observed(double[] y, double[] w, int i) {
    return Double.isFinite(y[i]) && (w == null || (w[i] > 0 && w[i] < Double.POSITIVE_INFINITY));
  }

  /** limma's consensus correlation: tanh of the 15% trimmed mean of the atanh correlations, NaN left out. */
  public static double consensus(double[] atanhCorrelations) {
    return consensus(atanhCorrelations, DEFAULT_TRIM);
  }

  /** {@link #consensus(double[])} with another {@code trim}. */
  public static double consensus(double[] atanhCorrelations, double trim) {
    return Math.tanh(trimmedMean(atanhCorrelations, trim));
  }

  /**
   * R's {@code mean(x, trim, na.rm = TRUE)}: NaN left out; the lowest and highest floor(n trim) values dropped (the
   * median for trim &gt;= 0.5); the mean of the rest as R computes it (sum / n, then corrected by the mean deviation).
   * NaN for no values.
   */
  public static double trimmedMean(double[] x, double trim) {
    if (!(trim >= 0)) throw new IllegalArgumentException("trim must be non-negative: " + trim);
    double[] v = Arrays.stream(x).filter(d -> !Double.isNaN(d)).toArray();
    int n = v.length;
    if (n == 0) return Double.NaN;
    if (trim > 0) {
      Arrays.sort(v);
      if (trim >= 0.5) return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      int lo = (int) Math.floor(n * trim) + 1;
      int hi = n + 1 - lo;
      v = Arrays.copyOfRange(v, lo - 1, hi);
    }
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
