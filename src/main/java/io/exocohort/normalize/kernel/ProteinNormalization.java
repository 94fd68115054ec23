package io.exocohort.normalize.kernel;

import java.util.Arrays;

/**
 * Protein intensities: log2 transform and per-sample median centring.
 *
 * <p><b>log2.</b> Linear intensities (MaxQuant/DIA-NN style) become {@code log2(x)}; an intensity that is zero,
 * negative or not a number is a missing value (MaxQuant writes 0 for "not quantified"), returned as NaN.
 *
 * <p><b>Median centring, with the global median added back.</b> Each sample's observed log2 values are shifted by
 * {@code -median_j + globalMedian}, where {@code median_j} is the sample's median over its observed values and
 * {@code globalMedian} is the median of the per-sample medians. This is MSstats' default normalisation
 * ({@code dataProcess(normalization = "equalizeMedians")}: {@code ABUNDANCE - median(run) + median(all run
 * medians)}), which keeps values on the familiar log2-intensity scale, so intensity thresholds and the down-shifted
 * imputation ({@link DownshiftImputation}) stay interpretable. Perseus' "Normalization → Subtract → Median" is the
 * same without the add-back; pass {@code globalMedian = 0} to get it. Missing values stay missing; the shift is the
 * same for every value of a sample, so ranks, within-sample spread and differences between samples' centred values
 * do not depend on the choice.
 *
 * <p><b>For Spark.</b> Per sample: {@link #sampleMedian} of its observed log2 values (group by sample). Driver:
 * {@link #globalMedian} of those (one number per sample). Per value: {@link #centre}.
 */
public final class ProteinNormalization {
  private ProteinNormalization() {}

  /** {@code log2(intensity)}, NaN (missing) for an intensity that is not a positive finite number. */
  public static double log2Intensity(double linearIntensity) {
    if (linearIntensity > 0 && linearIntensity < Double.POSITIVE_INFINITY) return RNumerics.log2(linearIntensity);
    return Double.NaN;
  }

  /** The median of a sample's observed (non-NaN) log2 values, NaN if it has none. */
  public static double sampleMedian(double[] log2Values) {
    double[] obs = Arrays.stream(log2Values).filter(v -> !Double.isNaN(v)).toArray();
    return RNumerics.median(obs);
  }

  /** The median of the per-sample medians (samples without observed values, NaN, are ignored). */
  public static double globalMedian(double[] sampleMedians) {
    return sampleMedian(sampleMedians);
  }

  /** One centred value: {@code log2Value - sampleMedian + globalMedian} (NaN stays NaN). */
  public static double centre(double log2Value, double sampleMedian, double globalMedian) {
    return log2Value - sampleMedian + globalMedian;
  }

  /**
   * Centres a features x samples log2 matrix (NaN = missing) with {@code globalMedian} = median of the sample
   * medians (or 0 when {@code addBackGlobalMedian} is false). For tests and small cohorts.
   */
  public static double[][] medianCentre(double[][] log2FeaturesBySamples, boolean addBackGlobalMedian) {
    int n = log2FeaturesBySamples.length;
    int m = n == 0 ? 0 : log2FeaturesBySamples[0].length;
    double[] medians = new double[m];
    for (int j = 0; j < m; j++) {
      double[] col = new double[n];
      for (int i = 0; i < n; i++) col[i] = log2FeaturesBySamples[i][j];
      medians[j] = sampleMedian(col);
    }
    double global = addBackGlobalMedian ? globalMedian(medians) : 0.0;
    double[][] out = new double[n][m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) out[i][j] = centre(log2FeaturesBySamples[i][j], medians[j], global);
    }
    return out;
  }
}
