package io.exocohort.deconv.kernel;

import java.util.Arrays;

/**
 * The rest of exosomePurity's preparation of a deconvolution (its 03purity_mode.R): after {@link QuantileNormalization}
 * of serum and reference libraries together, log2(x + 1), then per reference group the median profile of its
 * libraries over the signature features ({@code apply(m, 1, median)}).
 */
public final class ReferenceProfiles {
  private ReferenceProfiles() {}

  /** log2(x + 1) of every value (a new matrix). */
  public static double[][] log2PlusOne(double[][] x) {
    QuantileNormalization.checkMatrix(x);
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      out[i] = new double[x[i].length];
      for (int j = 0; j < x[i].length; j++) out[i][j] = Math.log(x[i][j] + 1) / Math.log(2);
    }
    return out;
  }

  /**
   * Per row of {@code x} ({@code x[feature][sample]}), the median of its values in {@code columns} (R's median: the
   * mean of the two middle values when there is an even number). At least one column, each a column of x.
   */
  public static double[] rowMedians(double[][] x, int[] columns) {
    QuantileNormalization.checkMatrix(x);
    if (columns == null || columns.length == 0) throw new IllegalArgumentException("a group needs at least 1 column");
    for (int c : columns) {
      if (c < 0 || c >= x[0].length) {
        throw new IllegalArgumentException("column " + c + " is not in the matrix (" + x[0].length + " columns)");
      }
    }
    double[] out = new double[x.length];
    double[] v = new double[columns.length];
    int h = v.length / 2;
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < columns.length; j++) v[j] = x[i][columns[j]];
      Arrays.sort(v);
      out[i] = v.length % 2 == 1 ? v[h] : (v[h - 1] + v[h]) / 2;
    }
    return out;
  }
}
