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
        double rank = (a + b + 2) / 2.0;
        int fl = (int) Math.floor(rank);
        double v = rank - fl > 0.4 ? 0.5 * (target[fl - 1] + target[fl]) : target[fl - 1];
        for (int t = a; t <= b; t++) out[order[t]][j] = v;
        a = b + 1;
      }
    }
    return out;
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
