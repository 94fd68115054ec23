package io.exocohort.normalize.kernel;

import java.util.Arrays;

/**
 * Quantile normalisation as {@code limma::normalizeQuantiles(A, ties = TRUE)} (limma 3.54; Bolstad et al. 2003,
 * Bioinformatics 19:185), missing values allowed.
 *
 * <p>limma's algorithm for an n x m matrix (n features, m samples), with the grid {@code g_k = k/(n-1)},
 * k = 0..n-1:
 * <ol>
 *   <li>each sample's quantile function on the grid: its sorted observed values {@code x_(1..o)} placed at
 *       {@code (0..o-1)/(o-1)} and linearly interpolated at the grid ({@code approx}); when the sample has no
 *       missing value ({@code o = n}) this is just its sorted values;</li>
 *   <li>the target distribution {@code m_k}: the mean over samples of those quantile functions;</li>
 *   <li>each observed value is replaced by the target at its own quantile: with {@code r} its rank among the
 *       sample's observed values (ties averaged), {@code approx(g, m, (r-1)/(o-1))}. Tied values thus get the
 *       target interpolated at their average rank; missing values stay missing.</li>
 * </ol>
 * A single sample is returned unchanged; a sample with fewer than two observed values (or a matrix with one
 * feature) makes limma stop ("need at least two non-NA values to interpolate"), and so do these methods.
 *
 * <p><b>For Spark: the target as an aggregation of fixed-length arrays.</b> Step 1 depends only on the sample's own
 * values and on n, the number of features of the matrix (rows; features missing in this sample count). So:
 * <pre>
 *   per sample:   q_j = quantilesOnGrid(observedValues_j, n)        // double[n]
 *   aggregate:    sum over samples of q_j (elementwise), and the number of samples m
 *   driver:       target = target(sum, m)                           // double[n], broadcast
 *   per sample:   normalised_j = mapToTarget(values_j, target)      // elementwise, by rank within the sample
 * </pre>
 * The per-sample arrays have the same length n however many values each sample is missing, which is exactly how
 * limma handles unequal numbers of observations. With m = 1 skip the whole thing (limma returns the input).
 */
public final class QuantileNormalization {
  private QuantileNormalization() {}

  /** The grid {@code (0:(n-1))/(n-1)} of limma, as R computes it. */
  public static double[] grid(int n) {
    double[] g = new double[n];
    for (int k = 0; k < n; k++) g[k] = (double) k / (n - 1);
    return g;
  }

  /**
   * Step 1, per sample: the sample's quantile function evaluated on the common grid of length {@code nFeatures}.
   *
   * @param values the sample's values; NaN (missing) values are ignored, so the array may be the full column or
   *     just the observed values
   * @param nFeatures n, the number of features (rows) of the matrix being normalised
   */
  public static double[] quantilesOnGrid(double[] values, int nFeatures) {
    double[] x = observedSorted(values);
    int o = x.length;
    if (o > nFeatures) {
      throw new IllegalArgumentException(o + " observed values for " + nFeatures + " features");
    }
    if (nFeatures < 2 || o < 2) throw tooFew(o);
    if (o == nFeatures) return x;
    double[] at = grid(o);
    double[] g = grid(nFeatures);
    double[] out = new double[nFeatures];
    for (int k = 0; k < nFeatures; k++) out[k] = RNumerics.approx(at, x, g[k]);
    return out;
  }

  /** Step 2, driver: the target distribution from the elementwise sums of {@link #quantilesOnGrid} over samples. */
  public static double[] target(double[] sumOfQuantiles, long nSamples) {
    double[] m = new double[sumOfQuantiles.length];
    for (int k = 0; k < m.length; k++) m[k] = sumOfQuantiles[k] / nSamples;
    return m;
  }

  /**
   * Step 3, per sample: each observed value replaced by the target at its rank; NaN stays NaN. {@code values} may be
   * the full column or just the observed values (the result is aligned with {@code values}).
   */
  public static double[] mapToTarget(double[] values, double[] target) {
    int n = target.length;
    double[] r = RNumerics.averageRanks(values);
    int o = 0;
    for (double v : values) if (!Double.isNaN(v)) o++;
    if (o > n) throw new IllegalArgumentException(o + " observed values for " + n + " features");
    if (n < 2 || o < 2) throw tooFew(o);
    double[] g = grid(n);
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Double.isNaN(values[i]) ? Double.NaN : RNumerics.approx(g, target, (r[i] - 1) / (o - 1));
    }
    return out;
  }

  /**
   * {@code limma::normalizeQuantiles(A)} on a features x samples matrix (NaN = NA), composed from the three steps.
   * Returns a new matrix.
   */
  public static double[][] normalizeQuantiles(double[][] featuresBySamples) {
    int n = featuresBySamples.length;
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) out[i] = featuresBySamples[i].clone();
    if (n == 0) return out;
    int m = featuresBySamples[0].length;
    if (m == 1) return out;
    double[] sum = new double[n];
    RNumerics.Sum[] sums = new RNumerics.Sum[n];
    for (int k = 0; k < n; k++) sums[k] = new RNumerics.Sum();
    double[][] columns = new double[m][n];
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < n; i++) columns[j][i] = featuresBySamples[i][j];
      double[] q = quantilesOnGrid(columns[j], n);
      for (int k = 0; k < n; k++) sums[k].add(q[k]);
    }
    for (int k = 0; k < n; k++) sum[k] = sums[k].value();
    double[] target = target(sum, m);
    for (int j = 0; j < m; j++) {
      double[] col = mapToTarget(columns[j], target);
      for (int i = 0; i < n; i++) out[i][j] = col[i];
    }
    return out;
  }

  private static double[] observedSorted(double[] values) {
    double[] x = new double[values.length];
    int o = 0;
    for (double v : values) if (!Double.isNaN(v)) x[o++] = v;
    x = Arrays.copyOf(x, o);
    Arrays.sort(x);
    return x;
  }

  private static IllegalArgumentException tooFew(int observed) {
    return new IllegalArgumentException(
        "need at least two non-NA values to interpolate (limma's error): a sample has " + observed
            + " observed values, or the matrix has fewer than two features");
  }
}
