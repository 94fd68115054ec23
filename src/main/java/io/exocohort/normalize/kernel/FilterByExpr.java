package io.exocohort.normalize.kernel;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * edgeR's {@code filterByExpr} (edgeR 3.40, {@code filterByExpr.default} with {@code group}): keep a feature when
 * at least {@code MinSampleSize} samples have {@code CPM >= CPM.Cutoff} and its total count is at least
 * {@code min.total.count}, where
 * <pre>
 *   MinSampleSize = smallest group size (groups with no sample ignored); without a group, the number of samples
 *   if (MinSampleSize &gt; large.n) MinSampleSize = large.n + (MinSampleSize - large.n) * min.prop
 *   CPM.Cutoff    = min.count / median(lib.size) * 1e6
 *   CPM           = count * (1e6 / lib.size)                 (edgeR's C++ calculate_cpm_raw)
 *   keep          = #(CPM &gt;= CPM.Cutoff) &gt;= MinSampleSize - 1e-14
 *                   &amp;  rowSums(y) &gt;= min.total.count - 1e-14
 * </pre>
 * Defaults: {@code min.count = 10, min.total.count = 15, large.n = 10, min.prop = 0.7}.
 *
 * <p><b>Library sizes.</b> {@code filterByExpr.default} uses {@code lib.size = colSums(y)} unless given, and no
 * normalisation factors. ({@code filterByExpr.DGEList} passes {@code lib.size * norm.factors}, which is the same
 * thing for a fresh DGEList whose factors are all 1 — the usual order is filter, then {@code calcNormFactors}.)
 * A library size that is zero, negative or NaN makes edgeR stop ("library sizes should be finite and
 * non-negative"); {@link #thresholds} throws likewise. The {@code design} variant (minimum inverse leverage) is not
 * reproduced.
 *
 * <p><b>For Spark.</b> Driver: {@link #thresholds} from the per-sample library sizes and the group sizes (a few
 * numbers). Per feature: count the samples for which {@link #atOrAboveCutoff} holds and sum the counts, then
 * {@link #keepFeature}. Samples with no row for a feature have count 0, which is never at or above the cutoff
 * when {@code min.count > 0}, so absent rows need no filling.
 */
public final class FilterByExpr {
  public static final double MIN_COUNT = 10;
  public static final double MIN_TOTAL_COUNT = 15;
  public static final double LARGE_N = 10;
  public static final double MIN_PROP = 0.7;
  /** edgeR's tolerance on both comparisons. */
  public static final double TOL = 1e-14;

  private FilterByExpr() {}

  /** The driver-side quantities of one filterByExpr call. */
  public record Thresholds(double cpmCutoff, double minSampleSize, double minTotalCount, double medianLibSize)
      implements java.io.Serializable {}

  /** {@link #thresholds(double[], long[], double, double, double, double)} with edgeR's defaults. */
  public static Thresholds thresholds(double[] libSizes, long[] groupSizes) {
    return thresholds(libSizes, groupSizes, MIN_COUNT, MIN_TOTAL_COUNT, LARGE_N, MIN_PROP);
  }

  /**
   * @param libSizes the library sizes of all samples (column sums of the counts, unless the caller chose others)
   * @param groupSizes the number of samples in each group (zeros are ignored); null = all samples form one group
   */
  public static Thresholds thresholds(double[] libSizes, long[] groupSizes, double minCount, double minTotalCount,
      double largeN, double minProp) {
    for (int j = 0; j < libSizes.length; j++) {
      double l = libSizes[j];
      if (!(l > 0) || Double.isInfinite(l)) {
        throw new IllegalArgumentException("library sizes should be finite and non-negative (edgeR's message):"
            + " sample " + j + " has " + l);
      }
    }
    double minSampleSize;
    if (groupSizes == null) {
      minSampleSize = libSizes.length;
    } else {
      long min = Long.MAX_VALUE;
      for (long n : groupSizes) if (n > 0 && n < min) min = n;
      if (min == Long.MAX_VALUE) throw new IllegalArgumentException("no group has a sample");
      minSampleSize = min;
    }
    if (minSampleSize > largeN) minSampleSize = largeN + (minSampleSize - largeN) * minProp;
    double medianLibSize = RNumerics.median(libSizes);
    double cpmCutoff = minCount / medianLibSize * 1e6;
    return new Thresholds(cpmCutoff, minSampleSize, minTotalCount, medianLibSize);
  }

  /** {@code CPM >= CPM.Cutoff} for one count, with edgeR's exact CPM arithmetic {@code count * (1e6 / libSize)}. */
  public static boolean atOrAboveCutoff(double count, double libSize, Thresholds t) {
    return LogCpm.cpm(count, libSize) >= t.cpmCutoff();
  }

  /**
   * The per-feature decision.
   *
   * @param nSamplesAtOrAboveCutoff how many samples have {@link #atOrAboveCutoff} for this feature
   * @param totalCount the feature's count summed over all samples
   */
  public static boolean keepFeature(long nSamplesAtOrAboveCutoff, double totalCount, Thresholds t) {
    return nSamplesAtOrAboveCutoff >= t.minSampleSize() - TOL && totalCount >= t.minTotalCount() - TOL;
  }

  /** Sizes of the groups in first-seen order ({@code tabulate(as.factor(group))} up to order). */
  public static long[] groupSizes(String[] group) {
    Map<String, Long> n = new LinkedHashMap<>();
    for (String g : group) {
      if (g == null) continue; // NA is not a level of as.factor(group)
      n.merge(g, 1L, Long::sum);
    }
    return n.values().stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * {@code filterByExpr(y, group = group, lib.size = libSizes)} with edgeR's defaults on a features x samples
   * matrix (for tests and small cohorts).
   *
   * @param libSizes per-sample library sizes, or null for the column sums
   * @param group per-sample group labels, or null for a single group
   */
  public static boolean[] keep(double[][] countsFeaturesBySamples, double[] libSizes, String[] group) {
    int nSamples = countsFeaturesBySamples.length == 0 ? 0 : countsFeaturesBySamples[0].length;
    double[] lib = libSizes == null ? NormFactors.columnSums(countsFeaturesBySamples, nSamples) : libSizes;
    Thresholds t = thresholds(lib, group == null ? null : groupSizes(group));
    boolean[] keep = new boolean[countsFeaturesBySamples.length];
    for (int i = 0; i < keep.length; i++) {
      double[] row = countsFeaturesBySamples[i];
      long above = 0;
      RNumerics.Sum total = new RNumerics.Sum();
      for (int j = 0; j < nSamples; j++) {
        if (atOrAboveCutoff(row[j], lib[j], t)) above++;
        total.add(row[j]);
      }
      keep[i] = keepFeature(above, total.value(), t);
    }
    return keep;
  }
}
