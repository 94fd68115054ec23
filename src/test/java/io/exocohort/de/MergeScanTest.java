package io.exocohort.de;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.de.kernel.RankScan;
import io.exocohort.de.kernel.RankSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DeStats#mergeScan}'s tournament over the groups' sorted values gives the summary of one scan of all the
 * values sorted together: every group count, every pair's U and every tie term, with runs of ties across groups,
 * empty groups, one group, and group counts on both sides of a power of two.
 */
class MergeScanTest {
  private static RankSummary reference(double[][] byGroup) {
    List<double[]> all = new ArrayList<>();
    for (int g = 0; g < byGroup.length; g++) for (double v : byGroup[g]) all.add(new double[] {v, g});
    all.sort(Comparator.<double[]>comparingDouble(x -> x[0]).thenComparingDouble(x -> x[1]));
    double[] values = new double[all.size()];
    int[] groups = new int[all.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = all.get(i)[0];
      groups[i] = (int) all.get(i)[1];
    }
    return RankScan.scan(values, groups, byGroup.length);
  }

  private static void assertSameSummary(RankSummary want, RankSummary got, String what) {
    int g = want.groups();
    assertEquals(g, got.groups(), what);
    for (int a = 0; a < g; a++) {
      assertEquals(want.n(a), got.n(a), what + ": n of group " + a);
      for (int b = 0; b < g; b++) assertEquals(want.twiceU(a, b), got.twiceU(a, b), what + ": 2U " + a + "," + b);
    }
    assertEquals(want.tieTerm(want.allGroups()), got.tieTerm(got.allGroups()), what + ": tie term of all");
    for (int a = 0; a < g; a++) {
      for (int b = a + 1; b < g; b++) {
        int[] pair = {a, b};
        assertEquals(want.tieTerm(pair), got.tieTerm(pair), what + ": tie term of " + a + "," + b);
      }
    }
  }

  @Test
  void theTournamentGivesTheSummaryOfOneSortedScan() {
    Random r = new Random(7);
    for (int groups : new int[] {1, 2, 3, 4, 5, 8, 11, 16, 17}) {
      for (int trial = 0; trial < 20; trial++) {
        double[][] byGroup = new double[groups][];
        for (int g = 0; g < groups; g++) {
          int n = r.nextInt(4) == 0 ? 0 : r.nextInt(60); // some groups empty
          byGroup[g] = new double[n];
          // coarse values on even trials: many ties, within and across groups
          for (int i = 0; i < n; i++) {
            byGroup[g][i] = trial % 2 == 0 ? r.nextInt(12) - 3 : r.nextGaussian() * 4;
          }
        }
        if (Arrays.stream(byGroup).allMatch(v -> v.length == 0)) byGroup[0] = new double[] {1.5};
        RankSummary want = reference(byGroup);
        double[][] copy = new double[groups][];
        for (int g = 0; g < groups; g++) copy[g] = byGroup[g].clone();
        assertSameSummary(want, DeStats.mergeScan(copy), groups + " groups, trial " + trial);
      }
    }
  }
}
