package io.exocohort.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The per-feature statistics of the layout benchmark's DE read, on a hand-ranked feature: values 1, 2, 2, 3, 0.5
 * in groups 0, 1, 0, 1, 2 sort to 0.5 (rank 1, group 2), 1 (rank 2, group 0), the tie 2, 2 (ranks 3 and 4, both
 * 3.5; groups 1 and 0), 3 (rank 5, group 1).
 */
class FeatureStatsTest {
  private static final double[] VALUES = {1, 2, 2, 3, 0.5};
  private static final int[] GROUPS = {0, 1, 0, 1, 2};
  // per group: n, sum, sum of squares, rank sum
  private static final double[] EXPECTED = {2, 3, 5, 5.5, 2, 5, 13, 8.5, 1, 0.5, 0.25, 1};

  @Test
  void groupsSortedSeparatelyThenMergedRankTiesOnAverage() {
    assertArrayEquals(EXPECTED, FeatureStats.ofSortedGroups(FeatureStats.splitSorted(VALUES, GROUPS, 3)), 1e-12);
  }

  @Test
  void aStreamingScanOfTheSortedValuesGivesTheSame() {
    FeatureStats.Scan s = new FeatureStats.Scan(3);
    s.add(0.5, 2);
    s.add(1, 0);
    s.add(2, 1);
    s.add(2, 0);
    s.add(3, 1);
    assertArrayEquals(EXPECTED, s.result(), 1e-12);
  }

  @Test
  void piecesOfAFeatureConcatenatedPerGroup() {
    double[][] a = FeatureStats.splitSorted(new double[] {2, 3}, new int[] {0, 1}, 3);
    double[][] b = FeatureStats.splitSorted(new double[] {1, 2, 0.5}, new int[] {0, 1, 2}, 3);
    assertArrayEquals(EXPECTED, FeatureStats.ofSortedGroups(FeatureStats.concatSorted(List.of(a, b), 3)), 1e-12);
  }
}
