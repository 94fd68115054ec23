package io.exocohort.normalize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many samples each group (a samples column such as {@code cancer_type}) has in the selected cohorts before
 * and after the QC selection, counted by the job (one small aggregation: one row per group on the driver). Jobs use
 * it to stop (or drop a comparison) when a group is left with too few samples, and to say in one line how many were
 * excluded by QC and whether {@code --include-failed} would have kept enough.
 */
public final class GroupSizes {
  /** The conf key of the minimum number of samples per group, and its default. */
  public static final String MIN_KEY = io.exocohort.common.Settings.MIN_SAMPLES_PER_GROUP.key();
  public static final int MIN_DEFAULT = io.exocohort.common.Settings.MIN_SAMPLES_PER_GROUP.defaultValue();

  private final String column;
  private final List<String> cohorts;
  private final boolean includeFailed;
  /** group -> {kept (after QC), total (before QC)}, sorted by group. */
  private final Map<String, long[]> byGroup;
  /** What made a sample not count, for messages ("excluded by QC"). */
  private final String excludedAs;

  private GroupSizes(String column, List<String> cohorts, boolean includeFailed, Map<String, long[]> byGroup,
      String excludedAs) {
    this.column = column;
    this.cohorts = List.copyOf(cohorts);
    this.includeFailed = includeFailed;
    this.byGroup = byGroup;
    this.excludedAs = excludedAs;
  }

  /** Built from known counts (group -> {kept after QC, total before}); for callers that counted already. */
  public static GroupSizes of(Map<String, long[]> counts, String column, List<String> cohorts,
      boolean includeFailed) {
    return of(counts, column, cohorts, includeFailed, "excluded by QC");
  }

  /**
   * Built from known counts (group -> {counted, of}) where what tells the difference apart, e.g. "without
   * protein values" (group -> {samples with protein values, usable samples}).
   */
  public static GroupSizes of(Map<String, long[]> counts, String column, List<String> cohorts,
      boolean includeFailed, String excludedAs) {
    return new GroupSizes(column, cohorts, includeFailed, new TreeMap<>(counts), excludedAs);
  }

  /** The same cohorts and options with other counts (group -> {counted, of}), told apart by {@code excludedAs}. */
  public GroupSizes recounted(Map<String, long[]> counts, String excludedAs) {
    return of(counts, column, cohorts, includeFailed, excludedAs);
  }

  /** Every group of the cohorts before QC, sorted. */
  public List<String> groups() {
    return new ArrayList<>(byGroup.keySet());
  }

  public long kept(String group) {
    long[] c = byGroup.get(group);
    return c == null ? 0 : c[0];
  }

  public long total(String group) {
    long[] c = byGroup.get(group);
    return c == null ? 0 : c[1];
  }

  /** Samples of the cohorts that the QC selection left out. */
  public long excluded() {
    long n = 0;
    for (long[] c : byGroup.values()) n += c[1] - c[0];
    return n;
  }

  /** The groups left with fewer than {@code min} samples after QC (groups that QC emptied included). */
  public List<String> below(int min) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, long[]> e : byGroup.entrySet()) if (e.getValue()[0] < min) out.add(e.getKey());
    return out;
  }

  /** {@code "cohort gbm"} or {@code "cohorts gbm, gse"}. */
  public String cohortLabel() {
    return (cohorts.size() == 1 ? "cohort " : "cohorts ") + String.join(", ", cohorts);
  }

  /** {@code "healthy 0 of 16 (16 excluded by QC)"}, {@code "glioma 1 of 1"}, {@code "lung 0 (no samples)"}. */
  public String describe(String group) {
    long k = kept(group);
    long t = total(group);
    if (t == 0) return group + " 0 (no samples)";
    return group + " " + k + " of " + t + (t > k ? " (" + (t - k) + " " + excludedAs + ")" : "");
  }

  /**
   * What QC did and whether {@code --include-failed} would help the given short groups: {@code "61 samples
   * failed QC; --include-failed keeps them"}, {@code "61 samples failed QC (--include-failed would still leave
   * glioma with 1)"}, or {@code "no sample failed QC"}.
   */
  public String qcHint(List<String> shortGroups, int min) {
    long failed = excluded();
    if (includeFailed) return "--include-failed is on";
    if (failed == 0) return "no sample failed QC";
    List<String> still = new ArrayList<>();
    for (String g : shortGroups) if (total(g) < min) still.add(g + " with " + total(g));
    String n = failed + (failed == 1 ? " sample" : " samples") + " failed QC";
    return still.isEmpty() ? n + "; --include-failed keeps them"
        : n + " (--include-failed would still leave " + String.join(", ", still) + ")";
  }

  /**
   * The one-line error of a stage whose groups are too small: which cohorts, which groups with their sample
   * counts before and after QC, the minimum, and the QC hint.
   */
  public String tooFew(String stage, List<String> shortGroups, int min) {
    List<String> d = new ArrayList<>();
    for (String g : shortGroups) d.add(describe(g));
    return String.format(Locale.ROOT, "%s: too few samples per %s in %s: %s; need at least %d per group (%s); %s",
        stage, column, cohortLabel(), String.join(", ", d), min, MIN_KEY, qcHint(shortGroups, min));
  }
}
