package io.exocohort.deconv.kernel;

import java.util.Arrays;

/**
 * Quantile normalisation with the semantics of Bioconductor's {@code preprocessCore::normalize.quantiles} (Bolstad et
 * al. 2003, Bioinformatics 19:185), as exosomePurity applies it to serum and reference EV profiles together.
 *
 * <p>On a features x samples matrix: the target distribution is the mean, over samples, of each sample's sorted
 * values (rank by rank), sorted. Each value is then replaced by the target at its rank within its sample. Ties are
 * handled as preprocessCore's C code does ({@code get_ranks} then {@code using_target}): the tied values of a sample
 * get their average rank r; when r is a whole number (an odd number of ties) they all get the target at r, and when
 * it is a half (an even number) they all get the mean of the targets at r - 1/2 and r + 1/2. This differs from
 * {@code limma::normalizeQuantiles}, which interpolates ties linearly. Missing values are not supported: every
 * value must be finite (preprocessCore's NA branch is not reproduced).
 *
 * <p>Checked against preprocessCore 1.60.2 on exosomePurity's 2,652 miRs x 94 EV libraries (about 2,100 zeros and
 * many other ties per library) within 1e-9: src/test/resources/golden/deconv/make_golden.R.
 */
public final class QuantileNormalization {
  private QuantileNormalization() {}

  /**
   * The target distribution of {@code x} ({@code x[feature][sample]}): per rank, the mean over samples of the sample's
   * value at that rank, in increasing order ({@code normalize.quantiles.determine.target}). The sums are compensated
   * (preprocessCore sums in long double when built with threads).
   */
  public static double[] target(double[][] x) {
    int n = checkMatrix(x);
    int m = x[0].length;
    double[] sum = new double[n];
    double[] comp = new double[n];
    double[] col = new double[n];
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < n; i++) col[i] = x[i][j];
      Arrays.sort(col);
      for (int i = 0; i < n; i++) {
        double t = sum[i] + col[i];
        comp[i] += Math.abs(sum[i]) >= Math.abs(col[i]) ? (sum[i] - t) + col[i] : (col[i] - t) + sum[i];
        sum[i] = t;
      }
    }
    for (int i = 0; i < n; i++) sum[i] = (sum[i] + comp[i]) / m;
    Arrays.sort(sum);
    return sum;
  }

  /** {@code x} quantile-normalised ({@code x[feature][sample]}, a new matrix; {@code x} is left as it is). */
  public static double[][] normalize(double[][] x) {
    double[] target = target(x);
    int n = x.length;
    int m = x[0].length;
    double[][] out = new double[n][m];
    double[] col = new double[n];
    for (int j = 0; j < m; j++) {
      for (int i = 0; i < n; i++) col[i] = x[i][j];
      int[] order = order(col);
      for (int a = 0; a < n; ) {
        int b = a;
        while (b + 1 < n && col[order[b + 1]] == col[order[a]]) b++;
        double v = atRank((a + b + 2) / 2.0, target);
        for (int t = a; t <= b; t++) out[order[t]][j] = v;
        a = b + 1;
      }
    }
    return out;
  }

  /**
   * The normalised value of a value whose average 1-based rank in its sample is {@code rank} (ties share it): the
   * target at that rank, or the mean of the two targets around it when the rank is a half (preprocessCore's
   * {@code using_target}).
   */
  public static double atRank(double rank, double[] target) {
    int fl = (int) Math.floor(rank);
    return rank - fl > 0.4 ? 0.5 * (target[fl - 1] + target[fl]) : target[fl - 1];
  }

  /**
   * The average 1-based ranks of {@code values} within a sample whose values, sorted increasingly, are {@code sorted}
   * (each value must be one of them): for a value tied t times from 0-based position a, (2a + t + 1) / 2. With
   * {@link #atRank} and the target of all samples this gives a value's normalised value without the whole sample:
   * what a distributed normalisation keeps per sample.
   */
  public static double[] averageRanks(double[] sorted, double[] values) {
    double[] out = new double[values.length];
    for (int k = 0; k < values.length; k++) {
      int a = lowerBound(sorted, values[k]);
      int b = lowerBound(sorted, Math.nextUp(values[k])) - 1;
      if (a > b || sorted[a] != values[k]) {
        throw new IllegalArgumentException("value " + values[k] + " is not one of the sample's values");
      }
      out[k] = (a + b + 2) / 2.0;
    }
    return out;
  }

  /**
   * Sorts the non-negative {@code x} into {@code out} (same length) and returns how many zeros lead it: the zeros are
   * counted, not sorted, so a sparse library (most miRs without reads) sorts only its non-zero values.
   */
  public static int sortNonNegative(double[] x, double[] out) {
    int z = 0;
    int k = x.length;
    for (double v : x) {
      if (v == 0) out[z++] = 0;
      else out[--k] = v;
    }
    Arrays.sort(out, z, x.length);
    return z;
  }

  /** The first position of {@code sorted} holding a value at least {@code v} ({@code sorted.length} if none). */
  private static int lowerBound(double[] sorted, double v) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The target's sufficient statistics, accumulated sample by sample and merged across partitions: per rank, the
   * compensated sum of the samples' sorted values, and the number of samples. {@link #target()} equals
   * {@link QuantileNormalization#target} of the same samples (to rounding of the compensated sums).
   */
  public static final class Accumulator implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final double[] sum;
    private final double[] comp;
    private long samples;

    public Accumulator(int features) {
      sum = new double[features];
      comp = new double[features];
    }

    /** Adds one sample's values, sorted increasingly (all finite, one per feature). */
    public void addSorted(double[] sorted) {
      addSorted(sorted, 0);
    }

    /**
     * {@link #addSorted(double[])} of a sample whose first {@code zeros} sorted values are 0: adding 0 leaves a
     * compensated sum as it is, so they are skipped (most of an EV library's miRs have no reads).
     */
    public void addSorted(double[] sorted, int zeros) {
      if (sorted.length != sum.length) {
        throw new IllegalArgumentException("a sample has " + sorted.length + " values, the target " + sum.length);
      }
      for (int i = zeros; i < sum.length; i++) add(i, sorted[i]);
      samples++;
    }

    private void add(int i, double v) {
      double t = sum[i] + v;
      comp[i] += Math.abs(sum[i]) >= Math.abs(v) ? (sum[i] - t) + v : (v - t) + sum[i];
      sum[i] = t;
    }

    /** Adds another accumulator's samples (of the same features); returns this. */
    public Accumulator merge(Accumulator o) {
      if (o.sum.length != sum.length) throw new IllegalArgumentException("accumulators of different lengths");
      for (int i = 0; i < sum.length; i++) {
        add(i, o.sum[i]);
        add(i, o.comp[i]);
      }
      samples += o.samples;
      return this;
    }

    public long samples() {
      return samples;
    }

    /** The target distribution of the samples added (sorted). */
    public double[] target() {
      if (samples == 0) throw new IllegalStateException("no sample in the target");
      double[] t = new double[sum.length];
      for (int i = 0; i < t.length; i++) t[i] = (sum[i] + comp[i]) / samples;
      Arrays.sort(t);
      return t;
    }
  }

  /** Indexes of {@code v} in increasing order of value (ties in any order: they get one value). */
  private static int[] order(double[] v) {
    int n = v.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    Arrays.sort(idx, (p, q) -> Double.compare(v[p], v[q]));
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = idx[i];
    return out;
  }

  /** Rows of a rectangular matrix of finite values, at least one row and one column; else IllegalArgumentException. */
  static int checkMatrix(double[][] x) {
    if (x == null || x.length == 0) throw new IllegalArgumentException("matrix has no rows (features)");
    if (x[0] == null || x[0].length == 0) throw new IllegalArgumentException("matrix has no columns (samples)");
    int m = x[0].length;
    for (int i = 0; i < x.length; i++) {
      if (x[i] == null || x[i].length != m) {
        throw new IllegalArgumentException("matrix is not rectangular: row " + i + " has "
            + (x[i] == null ? "no" : String.valueOf(x[i].length)) + " values, row 0 has " + m);
      }
      for (int j = 0; j < m; j++) {
        if (!Double.isFinite(x[i][j])) {
          throw new IllegalArgumentException("matrix value [" + i + "][" + j + "] is not finite: " + x[i][j]);
        }
      }
    }
    return x.length;
  }
}
