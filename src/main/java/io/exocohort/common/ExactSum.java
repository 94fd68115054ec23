package io.exocohort.common;

import java.io.Serializable;
import java.math.BigDecimal;

/**
 * Sums of doubles kept exactly (as {@link BigDecimal}), so that the rounded result is the same whatever the order in
 * which Spark merges its partitions' partial sums. A floating-point sum's last bits depend on that order, which
 * differs between runs (results merge as tasks finish) and between a laptop and a cluster; a cohort-wide figure
 * computed so (TMM's geometric mean of the factors, the mean effective library size) would move every sample's
 * log-CPM by an ulp from run to run, and exact ties between samples (every zero count of a feature has the same
 * log-CPM in exact arithmetic) would come and go, moving rank statistics by one half. One exact addition per
 * sample costs nothing beside the per-value work.
 */
public final class ExactSum implements Serializable {
  private static final long serialVersionUID = 1L;
  private final BigDecimal[] sums;

  /** {@code n} sums, all zero. */
  public ExactSum(int n) {
    sums = new BigDecimal[n];
    java.util.Arrays.fill(sums, BigDecimal.ZERO);
  }

  /** Adds {@code x} (finite) to sum {@code i}; a NaN or infinite {@code x} throws. */
  public ExactSum add(int i, double x) {
    sums[i] = sums[i].add(new BigDecimal(x));
    return this;
  }

  /** Adds {@code other}'s sums to these (a Spark combiner). */
  public ExactSum merge(ExactSum other) {
    for (int i = 0; i < sums.length; i++) sums[i] = sums[i].add(other.sums[i]);
    return this;
  }

  /** Sum {@code i}, rounded once to the nearest double. */
  public double get(int i) {
    return sums[i].doubleValue();
  }
}
