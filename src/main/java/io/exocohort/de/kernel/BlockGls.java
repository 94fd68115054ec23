package io.exocohort.de.kernel;

import java.io.Serializable;
import java.util.Arrays;

/**
 * limma's {@code lmFit(y, design, block = subject, correlation = rho, weights)} ({@code gls.series}, limma 3.54.1)
 * for one feature at a time: generalised least squares with the block-diagonal compound-symmetry correlation C (1 on
 * the diagonal, rho between two samples of the same block, 0 across blocks), scaled by the weights as limma does:
 * V = W^(-1/2) C W^(-1/2), so V^-1 = W^(1/2) C^-1 W^(1/2).
 *
 * <p>{@link #sums} whitens the feature's observed rows, x*_i = C_b^(-1/2) W^(1/2) x (and y* the same) with, for a
 * block b of m observed samples, C_b^(-1/2) = (I - (gamma_b / m) 1 1') / sqrt(1 - rho), gamma_b = 1 - sqrt((1 - rho) /
 * (1 - rho + m rho)), and sums X*'X*, X*'y*, y*'y* into a {@link FeatureSums}; {@link LinearModel#fit} then gives
 * gls.series' numbers: beta = (X'V^-1X)^-1 X'V^-1y, stdev.unscaled = sqrt(diag((X'V^-1X)^-1)), sigma^2 = the
 * whitened residual sum of squares / (n - rank), df.residual = n - rank, and Amean the plain mean of the observed
 * values (limma's Amean also counts values whose weight is dropped; voom's weights are all positive). A value that is
 * not finite, or whose weight is not finite or below 1e-15, is left out as gls.series does (the block's size is then
 * its observed samples'), so a feature with missing values is fitted on its own rows. The sums take a shift c like
 * {@link FeatureSums.Builder} (y - c is whitened; {@link LinearModel#centred} maps the fit back).
 *
 * <p>{@link #designGram}: X'C^-1X of the whole design, unweighted. gls.series' {@code cov.coefficients} is its inverse
 * ({@link LinearModel#designCovariance}) with or without weights, and {@link ContrastSet#limma} needs it.
 *
 * <p><b>For Spark.</b> An instance holds what all features share, the design rows and block ids of every sample
 * and the correlation, and is {@link Serializable}: a task holding one feature's values (and weights) calls {@link
 * #sums} in two passes over them, O(n p^2), and fits; a few doubles per feature go back. The correlation is the
 * consensus of {@link BlockCorrelation} over all features, so it is fixed before this pass.
 */
public final class BlockGls implements Serializable {
  private static final long serialVersionUID = 1L;

  /** gls.series treats a weight below this as missing. */
  public static final double MIN_WEIGHT = 1e-15;

  private final double[][] design;
  private final int[] block;
  private final int blocks;
  private final double correlation;

  private BlockGls(double[][] design, int[] block, int blocks, double correlation) {
    this.design = design;
    this.block = block;
    this.blocks = blocks;
    this.correlation = correlation;
  }

  /**
   * @param design      the design rows of all samples (n x p), centred as the {@link LinearModel} declares
   * @param block       the block id of each sample (any ints)
   * @param correlation the intra-block correlation (limma's {@code correlation}, e.g. {@link
   *                    BlockCorrelation#consensus}); C must be positive definite: |rho| &lt; 1 and 1 + (m - 1) rho
   *                    &gt; 0 for the largest block m
   */
  public static BlockGls of(double[][] design, int[] block, double correlation) {
    int n = design.length;
    if (n == 0) throw new IllegalArgumentException("no samples");
    if (block.length != n) throw new IllegalArgumentException("block needs one id per design row: " + n);
    if (!(Math.abs(correlation) < 1)) {
      throw new IllegalArgumentException("correlation is 1 or -1 (or NaN), so the model is degenerate: " + correlation);
    }
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
    if (!(1 + (max - 1) * correlation > 0)) {
      throw new IllegalArgumentException("correlation " + correlation + " is not positive definite for a block of "
          + max + " samples");
    }
    return new BlockGls(x, compact, ids.length, correlation);
  }

  public double correlation() {
    return correlation;
  }

  /** {@link #sums(double[], double[], double)} without weights or shift. */
  public FeatureSums sums(double[] y) {
    return sums(y, null, 0);
  }

  /**
   * The whitened sums of one feature, for {@link LinearModel#fit}: n and sum (y - c) of the observed values
   * (unweighted: Amean, df), and X*'X*, X*'(y - c)*, (y - c)*'(y - c)*.
   *
   * @param y       the feature's values of all samples in the design's order (NaN: missing)
   * @param weights its precision weights or null
   * @param yShift  c, subtracted from y before whitening (0, or near the feature's level)
   */
  public FeatureSums sums(double[] y, double[] weights, double yShift) {
    int n = design.length;
    int p = design[0].length;
    if (y.length != n) throw new IllegalArgumentException("y needs one value per sample: " + n);
    if (weights != null && weights.length != n) throw new IllegalArgumentException("weights need " + n + " values");
    int[] m = new int[blocks];
    double[][] bx = new double[blocks][p];
    double[] by = new double[blocks];
    for (int i = 0; i < n; i++) {
      if (!observed(y, weights, i)) continue;
      double a = weights == null ? 1 : Math.sqrt(weights[i]);
      int b = block[i];
      m[b]++;
      for (int j = 0; j < p; j++) bx[b][j] += a * design[i][j];
      by[b] += a * (y[i] - yShift);
    }
    double scale = 1 / Math.sqrt(1 - correlation);
    double[] kappa = new double[blocks];
    for (int b = 0; b < blocks; b++) {
      if (m[b] == 0) continue;
      // gamma = 1 - sqrt(1 - t), t = m rho / (1 - rho + m rho), without the cancellation for small t
      double t = m[b] * correlation / (1 - correlation + m[b] * correlation);
      kappa[b] = t / (1 + Math.sqrt(1 - t)) / m[b];
    }
    long nObs = 0;
    double sumY = 0;
    double yy = 0;
    double[] xty = new double[p];
    double[][] xtx = new double[p][p];
    double[] xs = new double[p];
    for (int i = 0; i < n; i++) {
      if (!observed(y, weights, i)) continue;
      double a = weights == null ? 1 : Math.sqrt(weights[i]);
      int b = block[i];
      double v = y[i] - yShift;
      nObs++;
      sumY += v;
      double ys = scale * (a * v - kappa[b] * by[b]);
      yy += ys * ys;
      for (int j = 0; j < p; j++) xs[j] = scale * (a * design[i][j] - kappa[b] * bx[b][j]);
      for (int j = 0; j < p; j++) {
        xty[j] += xs[j] * ys;
        for (int k = j; k < p; k++) xtx[j][k] += xs[j] * xs[k];
      }
    }
    for (int j = 0; j < p; j++) for (int k = 0; k < j; k++) xtx[j][k] = xtx[k][j];
    return new FeatureSums(nObs, sumY, yy, xty, xtx, yShift);
  }

  /** X'C^-1X over all samples, unweighted: the inverse of gls.series' cov.coefficients. */
  public double[][] designGram() {
    return sums(new double[design.length], null, 0).xtx();
  }

  private static boolean observed(double[] y, double[] w, int i) {
    return Double.isFinite(y[i]) && (w == null || (w[i] >= MIN_WEIGHT && w[i] < Double.POSITIVE_INFINITY));
  }
}
