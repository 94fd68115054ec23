package io.exocohort.de.kernel;

/**
 * One ascending scan over a feature's values (each with its group index) that builds the
 * {@link RankSummary} from which every rank test of the feature follows: the Spark side brings a feature's
 * values together sorted by value (or sorts them in the task) and feeds them here in order.
 *
 * <p>The scan keeps a running count of the values of each group below the current one; at the end of each run of
 * equal values (a tie group) it adds, for each group a present in the run, k_a (2 below_b + k_b) to
 * twiceU[a][b] for every group b, and k_a k_b k_c to the tie tensor for the groups present. Cost O(n G) time;
 * working memory O(G^3) besides the summary, whatever the number of values.
 */
public final class RankScan {
  private final int groups;
  private final long[] n;
  private final long[] twiceU;
  private final long[] tie3;
  private final long[] below;
  private final long[] tie;
  private final int[] present;
  private int presentCount;
  private double current = Double.NaN;
  private boolean any;
  private boolean finished;

  public RankScan(int groups) {
    if (groups < 1) throw new IllegalArgumentException("need at least one group");
    this.groups = groups;
    this.n = new long[groups];
    this.twiceU = new long[groups * groups];
    this.tie3 = new long[RankSummary.tieSize(groups)];
    this.below = new long[groups];
    this.tie = new long[groups];
    this.present = new int[groups];
  }

  /** The next value in ascending order (NaN is not a value: leave missing values out). */
  public RankScan add(double value, int group) {
    if (finished) throw new IllegalStateException("scan already finished");
    if (Double.isNaN(value)) throw new IllegalArgumentException("NaN value: leave missing values out");
    if (group < 0 || group >= groups) throw new IllegalArgumentException("group out of range: " + group);
    if (any && value != current) {
      if (value < current) {
        throw new IllegalArgumentException("values not ascending: " + value + " after " + current);
      }
      flush();
    }
    any = true;
    current = value;
    if (tie[group] == 0) present[presentCount++] = group;
    tie[group]++;
    n[group]++;
    return this;
  }

  private void flush() {
    for (int i = 0; i < presentCount; i++) {
      int a = present[i];
      long ka = tie[a];
      int row = a * groups;
      for (int b = 0; b < groups; b++) twiceU[row + b] += ka * (2 * below[b] + tie[b]);
    }
    for (int i = 0; i < presentCount; i++) {
      int a = present[i];
      for (int j = i; j < presentCount; j++) {
        int b = present[j];
        long kab = tie[a] * tie[b];
        for (int k = j; k < presentCount; k++) {
          int c = present[k];
          tie3[RankSummary.tieIndex(a, b, c)] += kab * tie[c];
        }
      }
    }
    for (int i = 0; i < presentCount; i++) {
      int a = present[i];
      below[a] += tie[a];
      tie[a] = 0;
    }
    presentCount = 0;
  }

  public RankSummary finish() {
    if (!finished) {
      if (any) flush();
      finished = true;
    }
    return new RankSummary(groups, n.clone(), twiceU.clone(), tie3.clone());
  }

  /** Scans values already sorted ascending, {@code group[i]} the group of {@code sortedValues[i]}. */
  public static RankSummary scan(double[] sortedValues, int[] group, int groups) {
    if (sortedValues.length != group.length) throw new IllegalArgumentException("values and groups differ in length");
    RankScan s = new RankScan(groups);
    for (int i = 0; i < sortedValues.length; i++) s.add(sortedValues[i], group[i]);
    return s.finish();
  }
}
