package io.exocohort.normalize.kernel;

/**
 * Counts per million as edgeR's {@code cpm} (edgeR 3.40: {@code cpm.DGEList} → {@code cpm.default} → C++
 * {@code calculate_cpm_log} / {@code calculate_cpm_raw} with the {@code add_prior} helper of
 * {@code addPriorCount}).
 *
 * <p>{@code cpm(y, log = TRUE, prior.count)} on a DGEList uses the effective library sizes
 * {@code L_j = lib.size_j * norm.factors_j}. edgeR's C++ then, per sample:
 * <pre>
 *   meanL       = sum(L) / nSamples                       (plain double accumulation)
 *   prior_j     = prior.count * L_j / meanL
 *   logLib_j    = log(L_j + 2 * prior_j)
 *   logCPM_ij   = (log(y_ij + prior_j) - logLib_j + log(1e6)) / log(2)      (NaN if y_ij + prior_j &lt;= 0)
 * </pre>
 * So the prior is scaled by the library size relative to the mean, and <i>twice</i> the scaled prior is added to
 * the library size. Without log: {@code y * (1e6 / L)}.
 *
 * <p><b>For Spark.</b> Driver: the effective library sizes of all samples ({@link #effectiveLibSize}) and their
 * mean ({@link #meanLibSize}) — one small aggregation. Per value: {@link #logCpm(double, double, double, double)}
 * with the sample's effective library size and that mean; purely elementwise. Every sample of the matrix counts in
 * the mean (edgeR averages over all columns of the DGEList), and absent rows are zero counts:
 * {@code logCpm(0, L_j, meanL, 2)} is the value of a feature a sample did not report.
 */
public final class LogCpm {
  /** edgeR's default {@code prior.count} for {@code cpm(log = TRUE)}. */
  public static final double PRIOR_COUNT = 2;
  private static final double LN_MILLION = Math.log(1e6);
  private static final double ONE_MILLION = 1e6;

  private LogCpm() {}

  /** {@code lib.size * norm.factor}: the library size edgeR's {@code cpm.DGEList} uses. */
  public static double effectiveLibSize(double libSize, double normFactor) {
    return libSize * normFactor;
  }

  /**
   * The mean of the effective library sizes over all samples, summed in order as edgeR's
   * {@code std::accumulate}.
   *
   * @throws IllegalArgumentException if a library size is not positive and finite (edgeR: "library sizes should be
   *     finite and non-negative")
   */
  public static double meanLibSize(double[] effectiveLibSizes) {
    double s = 0;
    for (int j = 0; j < effectiveLibSizes.length; j++) {
      checkLibSize(effectiveLibSizes[j], j);
      s += effectiveLibSizes[j];
    }
    return s / effectiveLibSizes.length;
  }

  /** The prior count added to every count of a sample: {@code prior.count * L / meanL}. */
  public static double scaledPrior(double effectiveLibSize, double meanLibSize, double priorCount) {
    return priorCount * effectiveLibSize / meanLibSize;
  }

  /** {@link #logCpm(double, double, double, double)} with {@code prior.count = 2}. */
  public static double logCpm(double count, double effectiveLibSize, double meanLibSize) {
    return logCpm(count, effectiveLibSize, meanLibSize, PRIOR_COUNT);
  }

  /**
   * One value of {@code cpm(y, log = TRUE, prior.count)}.
   *
   * @param count the raw count
   * @param effectiveLibSize the sample's {@code lib.size * norm.factor}
   * @param meanLibSize the mean effective library size over all samples of the matrix
   * @param priorCount edgeR's {@code prior.count} (non-negative)
   */
  public static double logCpm(double count, double effectiveLibSize, double meanLibSize, double priorCount) {
    checkLibSize(effectiveLibSize, -1);
    if (!(priorCount >= 0) || Double.isInfinite(priorCount)) {
      throw new IllegalArgumentException("prior counts must be finite non-negative values: " + priorCount);
    }
    double prior = priorCount * effectiveLibSize / meanLibSize;
    double logLib = Math.log(effectiveLibSize + 2 * prior);
    double v = count + prior;
    if (v > 0) return (Math.log(v) - logLib + LN_MILLION) / RNumerics.LN2;
    return Double.NaN;
  }

  /**
   * {@link #logCpm(double, double, double, double)} of each count of one sample: the same operations in the same
   * order, so the same doubles, with the sample's prior and log library size computed once instead of per value.
   */
  public static double[] logCpm(double[] counts, double effectiveLibSize, double meanLibSize, double priorCount) {
    checkLibSize(effectiveLibSize, -1);
    if (!(priorCount >= 0) || Double.isInfinite(priorCount)) {
      throw new IllegalArgumentException("prior counts must be finite non-negative values: " + priorCount);
    }
    double prior = priorCount * effectiveLibSize / meanLibSize;
    double logLib = Math.log(effectiveLibSize + 2 * prior);
    double[] out = new double[counts.length];
    for (int k = 0; k < counts.length; k++) {
      double v = counts[k] + prior;
      out[k] = v > 0 ? (Math.log(v) - logLib + LN_MILLION) / RNumerics.LN2 : Double.NaN;
    }
    return out;
  }

  /** One value of {@code cpm(y)} (no log): {@code count * (1e6 / libSize)}, NaN for a non-positive library size. */
  public static double cpm(double count, double libSize) {
    if (libSize > 0) return count * (ONE_MILLION / libSize);
    return Double.NaN;
  }

  /**
   * {@code cpm(DGEList(counts, lib.size, norm.factors), log = TRUE, prior.count)} on a features x samples matrix
   * (for tests and small cohorts).
   */
  public static double[][] logCpm(double[][] countsFeaturesBySamples, double[] libSizes, double[] normFactors,
      double priorCount) {
    int nSamples = libSizes.length;
    double[] eff = new double[nSamples];
    for (int j = 0; j < nSamples; j++) eff[j] = effectiveLibSize(libSizes[j], normFactors[j]);
    double mean = meanLibSize(eff);
    double[][] out = new double[countsFeaturesBySamples.length][nSamples];
    for (int i = 0; i < out.length; i++) {
      for (int j = 0; j < nSamples; j++) out[i][j] = logCpm(countsFeaturesBySamples[i][j], eff[j], mean, priorCount);
    }
    return out;
  }

  private static void checkLibSize(double l, int sample) {
    if (!(l > 0) || Double.isInfinite(l)) {
      throw new IllegalArgumentException("library sizes should be finite and non-negative (edgeR's message): "
          + (sample >= 0 ? "sample " + sample + " has " : "") + l);
    }
  }
}
