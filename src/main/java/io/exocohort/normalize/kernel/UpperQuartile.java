package io.exocohort.normalize.kernel;

/**
 * Upper-quartile statistics of edgeR: the per-sample quantile of counts used both as the "upperquartile"
 * normalisation factor and to pick the TMM reference sample.
 *
 * <p>Reproduces {@code edgeR:::.calcFactorQuantile(data, lib.size, p)} — per sample
 * {@code quantile(counts, p, type = 7) / lib.size} — and the reference choice inside
 * {@code edgeR::calcNormFactors.default} (edgeR 3.40):
 * <pre>
 *   f75 &lt;- .calcFactorQuantile(x, lib.size, p = 0.75)
 *   if (median(f75) &lt; 1e-20) refColumn &lt;- which.max(colSums(sqrt(x)))
 *   else                      refColumn &lt;- which.min(abs(f75 - mean(f75)))
 * </pre>
 *
 * <p><b>What a sample's array must hold.</b> {@code calcNormFactors} first drops the features that are zero in
 * every sample; the quantile is then taken over the remaining features <i>including this sample's zeros</i>. So
 * the Spark side passes, per sample, one count per retained feature (retained = positive count in at least one
 * sample of the cohort), with 0 for the retained features the sample has no row for. {@code libSize} is the
 * sample's library size (by default its column sum over all features).
 */
public final class UpperQuartile {
  /** edgeR's default quantile for the reference choice and the "upperquartile" method. */
  public static final double P75 = 0.75;

  private UpperQuartile() {}

  /** {@code quantile(counts, 0.75) / libSize}: one sample's {@code f75}. */
  public static double upperQuartile(double[] countsOfOneSample, double libSize) {
    return quantileFactor(countsOfOneSample, libSize, P75);
  }

  /** {@code quantile(counts, p, type = 7) / libSize}, as {@code edgeR:::.calcFactorQuantile} for one column. */
  public static double quantileFactor(double[] countsOfOneSample, double libSize, double p) {
    return RNumerics.quantile7(countsOfOneSample, p) / libSize;
  }

  /** {@code sum(sqrt(counts))} of one sample: the fallback reference criterion when the upper quartiles vanish. */
  public static double sumSqrt(double[] countsOfOneSample) {
    RNumerics.Sum s = new RNumerics.Sum();
    for (double c : countsOfOneSample) s.add(Math.sqrt(c));
    return s.value();
  }

  /**
   * The TMM reference sample (0-based) from the per-sample upper quartiles: the sample whose {@code f75} is closest
   * to their mean (first one on ties), i.e. {@code which.min(abs(f75 - mean(f75)))}.
   *
   * @param sumSqrtPerSample {@link #sumSqrt} per sample, used only when {@code median(f75) < 1e-20} (edgeR then
   *     takes {@code which.max(colSums(sqrt(x)))}); may be null when the caller knows the median is not tiny —
   *     an {@link IllegalArgumentException} is thrown if it is needed and missing.
   * @throws IllegalArgumentException if an {@code f75} is NaN (e.g. a zero library size): edgeR stops there with
   *     "missing value where TRUE/FALSE needed".
   */
  public static int chooseReference(double[] uqPerSample, double[] sumSqrtPerSample) {
    if (uqPerSample.length == 0) throw new IllegalArgumentException("no samples");
    double med = RNumerics.median(uqPerSample);
    if (Double.isNaN(med)) {
      throw new IllegalArgumentException(
          "upper quartile is NaN for at least one sample (zero library size?); edgeR stops here too");
    }
    if (med < 1e-20) {
      if (sumSqrtPerSample == null) {
        throw new IllegalArgumentException(
            "median upper quartile < 1e-20: the reference is the sample with the largest sum(sqrt(counts)),"
                + " pass sumSqrtPerSample");
      }
      return whichMax(sumSqrtPerSample);
    }
    double mean = RNumerics.mean(uqPerSample);
    int best = -1;
    double bestD = Double.NaN;
    for (int j = 0; j < uqPerSample.length; j++) {
      double d = Math.abs(uqPerSample[j] - mean);
      if (Double.isNaN(d)) continue;
      if (best < 0 || d < bestD) {
        best = j;
        bestD = d;
      }
    }
    if (best < 0) throw new IllegalArgumentException("no sample has a usable upper quartile");
    return best;
  }

  /** {@link #chooseReference(double[], double[])} when the upper quartiles are known not to vanish. */
  public static int chooseReference(double[] uqPerSample) {
    return chooseReference(uqPerSample, null);
  }

  /**
   * Normalisation factors of edgeR's {@code method = "upperquartile"}: {@code f_j = quantile(counts_j, p) / lib_j}
   * (from {@link #quantileFactor}), scaled to geometric mean one. A NaN (zero library size) makes every factor NaN,
   * as in edgeR.
   */
  public static double[] upperQuartileFactors(double[] quantileFactorPerSample) {
    return TmmFactors.scaleToGeometricMeanOne(quantileFactorPerSample);
  }

  private static int whichMax(double[] x) {
    int best = -1;
    for (int j = 0; j < x.length; j++) {
      if (Double.isNaN(x[j])) continue;
      if (best < 0 || x[j] > x[best]) best = j;
    }
    if (best < 0) throw new IllegalArgumentException("no sample has a usable sum(sqrt(counts))");
    return best;
  }
}
