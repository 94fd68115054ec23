package io.exocohort.normalize.kernel;

import java.util.Arrays;

/**
 * {@code edgeR::calcNormFactors.default} (edgeR 3.40) on a features x samples count matrix, for methods "TMM",
 * "upperquartile" and "none", composed from the per-sample kernels in {@link UpperQuartile} and {@link TmmFactors}.
 * This is the reference composition the Spark side mirrors (and what the tests check against edgeR):
 * <ol>
 *   <li>{@code lib.size} defaults to the column sums;</li>
 *   <li>features with no positive count in any sample are dropped;</li>
 *   <li>with no feature left or a single sample the method becomes "none";</li>
 *   <li>TMM: per-sample {@code f75} ({@link UpperQuartile#upperQuartile}), the reference
 *       ({@link UpperQuartile#chooseReference}), per-sample {@link TmmFactors#tmmFactor} against it;
 *       upperquartile: {@code quantile(counts, p) / lib.size}; none: 1;</li>
 *   <li>{@link TmmFactors#scaleToGeometricMeanOne}.</li>
 * </ol>
 * Holds the whole matrix: for tests and small cohorts, not for the production path.
 */
public final class NormFactors {
  /** The supported {@code method} values of {@code calcNormFactors}. */
  public enum Method { TMM, UPPER_QUARTILE, NONE }

  private NormFactors() {}

  /** {@code calcNormFactors(counts, method = "TMM")} with library sizes = column sums and edgeR's defaults. */
  public static double[] calcNormFactors(double[][] countsFeaturesBySamples) {
    return calcNormFactors(countsFeaturesBySamples, null, Method.TMM);
  }

  /**
   * @param countsFeaturesBySamples counts, {@code [feature][sample]}; NaN is not allowed (edgeR: "NA counts not
   *     permitted")
   * @param libSizes per-sample library sizes, or null for the column sums
   * @param method TMM, UPPER_QUARTILE (p = 0.75) or NONE
   * @return the scaled normalisation factors, one per sample
   */
  public static double[] calcNormFactors(double[][] countsFeaturesBySamples, double[] libSizes, Method method) {
    int nFeatures = countsFeaturesBySamples.length;
    int nSamples = nFeatures == 0 ? (libSizes == null ? 0 : libSizes.length) : countsFeaturesBySamples[0].length;
    for (double[] row : countsFeaturesBySamples) {
      if (row.length != nSamples) throw new IllegalArgumentException("ragged count matrix");
      for (double c : row) if (Double.isNaN(c)) throw new IllegalArgumentException("NA counts not permitted");
    }
    double[] lib = libSizes == null ? columnSums(countsFeaturesBySamples, nSamples) : libSizes.clone();
    if (lib.length != nSamples) {
      throw new IllegalArgumentException("lib.size has " + lib.length + " values for " + nSamples + " samples");
    }
    for (double l : lib) if (Double.isNaN(l)) throw new IllegalArgumentException("NA lib.sizes not permitted");

    double[][] columns = retainedColumns(countsFeaturesBySamples, nSamples);
    if (columns.length == 0 || columns[0].length == 0 || nSamples == 1) method = Method.NONE;

    double[] f = new double[nSamples];
    switch (method) {
      case TMM -> {
        double[] f75 = new double[nSamples];
        double[] sumSqrt = new double[nSamples];
        for (int j = 0; j < nSamples; j++) {
          f75[j] = UpperQuartile.upperQuartile(columns[j], lib[j]);
          sumSqrt[j] = UpperQuartile.sumSqrt(columns[j]);
        }
        int ref = UpperQuartile.chooseReference(f75, sumSqrt);
        TmmFactors.Reference r = TmmFactors.Reference.of(columns[ref], lib[ref]);
        for (int j = 0; j < nSamples; j++) f[j] = TmmFactors.tmmFactor(columns[j], lib[j], r);
      }
      case UPPER_QUARTILE -> {
        for (int j = 0; j < nSamples; j++) f[j] = UpperQuartile.upperQuartile(columns[j], lib[j]);
      }
      case NONE -> Arrays.fill(f, 1.0);
      default -> throw new IllegalStateException(method.toString());
    }
    return TmmFactors.scaleToGeometricMeanOne(f);
  }

  /** Column sums of a features x samples matrix ({@code colSums}). */
  public static double[] columnSums(double[][] countsFeaturesBySamples, int nSamples) {
    double[] s = new double[nSamples];
    RNumerics.Sum[] sums = new RNumerics.Sum[nSamples];
    for (int j = 0; j < nSamples; j++) sums[j] = new RNumerics.Sum();
    for (double[] row : countsFeaturesBySamples) for (int j = 0; j < nSamples; j++) sums[j].add(row[j]);
    for (int j = 0; j < nSamples; j++) s[j] = sums[j].value();
    return s;
  }

  /** The columns ({@code [sample][feature]}) over the features with a positive count in at least one sample. */
  private static double[][] retainedColumns(double[][] counts, int nSamples) {
    int kept = 0;
    boolean[] keep = new boolean[counts.length];
    for (int i = 0; i < counts.length; i++) {
      for (double c : counts[i]) {
        if (c > 0) {
          keep[i] = true;
          break;
        }
      }
      if (keep[i]) kept++;
    }
    double[][] cols = new double[nSamples][kept];
    int k = 0;
    for (int i = 0; i < counts.length; i++) {
      if (!keep[i]) continue;
      for (int j = 0; j < nSamples; j++) cols[j][k] = counts[i][j];
      k++;
    }
    return cols;
  }
}
