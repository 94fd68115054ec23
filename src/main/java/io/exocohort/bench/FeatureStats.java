package io.exocohort.bench;

import java.util.Arrays;

/**
 * What a DE read needs from one feature, for the layout benchmark: per group the count, sum and sum of squares
 * (the linear models' and Welch's sufficient statistics) and the rank sum over all groups' values with average
 * ranks for ties (Wilcoxon and Kruskal-Wallis). Plain Java, no Spark.
 *
 * <p>Result layout: {@code 4 * groups} doubles, for group g at {@code 4g}: n, sum, sum of squares, rank sum.
 */
public final class FeatureStats {
  private FeatureStats() {}

  /**
   * A streaming scan: values are added in nondecreasing order (as a sorted long table yields them), each with
   * its group; equal values form a tie run whose members all get the run's average rank.
   */
  public static final class Scan {
    private final double[] out;
    private final long[] run;
    private double runValue = Double.NaN;
    private long runLength;
    private long before;

    public Scan(int groups) {
      out = new double[4 * groups];
      run = new long[groups];
    }

    /** Adds one value of group {@code g}; {@code v} must not be below the previous value. */
    public void add(double v, int g) {
      if (runLength > 0 && v != runValue) flush();
      runValue = v;
      runLength++;
      run[g]++;
      out[4 * g] += 1;
      out[4 * g + 1] += v;
      out[4 * g + 2] += v * v;
    }

    private void flush() {
      double rank = before + (runLength + 1) / 2.0;
      for (int g = 0; g < run.length; g++) {
        if (run[g] > 0) out[4 * g + 3] += run[g] * rank;
        run[g] = 0;
      }
      before += runLength;
      runLength = 0;
    }

    /** The statistics of the values added so far (the scan ends). */
    public double[] result() {
      if (runLength > 0) flush();
      return out;
    }
  }

  /**
   * The statistics of a feature from its values split by group, each group's array sorted ascending: the groups
   * are merged (the smallest head first) into one {@link Scan}.
   */
  public static double[] ofSortedGroups(double[][] sorted) {
    int groups = sorted.length;
    int[] at = new int[groups];
    Scan s = new Scan(groups);
    while (true) {
      int best = -1;
      double min = Double.POSITIVE_INFINITY;
      for (int g = 0; g < groups; g++) {
        if (at[g] < sorted[g].length && (best < 0 || sorted[g][at[g]] < min)) {
          best = g;
          min = sorted[g][at[g]];
        }
      }
      if (best < 0) return s.result();
      s.add(min, best);
      at[best]++;
    }
  }

  /** A feature's values split by group ({@code groups[k]} is the group of {@code values[k]}), each sorted. */
  public static double[][] splitSorted(double[] values, int[] groups, int nGroups) {
    int[] n = new int[nGroups];
    for (int g : groups) n[g]++;
    double[][] by = new double[nGroups][];
    for (int g = 0; g < nGroups; g++) by[g] = new double[n[g]];
    int[] at = new int[nGroups];
    for (int k = 0; k < values.length; k++) by[groups[k]][at[groups[k]]++] = values[k];
    for (double[] b : by) Arrays.sort(b);
    return by;
  }

  /** Pieces of one feature, each split by group, concatenated per group and sorted. */
  public static double[][] concatSorted(Iterable<double[][]> pieces, int nGroups) {
    int[] n = new int[nGroups];
    for (double[][] p : pieces) {
      for (int g = 0; g < nGroups; g++) n[g] += p[g].length;
    }
    double[][] by = new double[nGroups][];
    for (int g = 0; g < nGroups; g++) by[g] = new double[n[g]];
    int[] at = new int[nGroups];
    for (double[][] p : pieces) {
      for (int g = 0; g < nGroups; g++) {
        System.arraycopy(p[g], 0, by[g], at[g], p[g].length);
        at[g] += p[g].length;
      }
    }
    for (double[] b : by) Arrays.sort(b);
    return by;
  }
}
