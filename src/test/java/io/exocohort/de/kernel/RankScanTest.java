package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** The one-scan rank summary against brute force: re-ranking the values of each subset of groups directly. */
class RankScanTest {

  /** Average ranks (1-based) of values, as scipy.stats.rankdata. */
  static double[] rank(double[] v) {
    int n = v.length;
    Integer[] o = new Integer[n];
    for (int i = 0; i < n; i++) o[i] = i;
    Arrays.sort(o, (a, b) -> Double.compare(v[a], v[b]));
    double[] r = new double[n];
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && v[o[j + 1]] == v[o[i]]) j++;
      double avg = (i + j + 2) / 2.0;
      for (int k = i; k <= j; k++) r[o[k]] = avg;
      i = j + 1;
    }
    return r;
  }

  @RepeatedTest(20)
  void subsetsMatchBruteForce() {
    Random rnd = new Random(System.nanoTime());
    int groups = 2 + rnd.nextInt(6);
    int n = 1 + rnd.nextInt(300);
    double[] v = new double[n];
    int[] g = new int[n];
    for (int i = 0; i < n; i++) {
      v[i] = rnd.nextInt(4) == 0 ? rnd.nextInt(5) : Math.round(rnd.nextGaussian() * 40) / 10.0; // many ties
      g[i] = rnd.nextInt(groups);
    }
    Integer[] o = new Integer[n];
    for (int i = 0; i < n; i++) o[i] = i;
    Arrays.sort(o, (a, b) -> Double.compare(v[a], v[b]));
    double[] sv = new double[n];
    int[] sg = new int[n];
    for (int i = 0; i < n; i++) {
      sv[i] = v[o[i]];
      sg[i] = g[o[i]];
    }
    RankSummary s = RankScan.scan(sv, sg, groups);
    for (int mask = 1; mask < (1 << groups); mask++) {
      List<Integer> set = new ArrayList<>();
      for (int a = 0; a < groups; a++) if ((mask & (1 << a)) != 0) set.add(a);
      int[] subset = set.stream().mapToInt(Integer::intValue).toArray();
      List<Double> vals = new ArrayList<>();
      List<Integer> grp = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (set.contains(g[i])) {
          vals.add(v[i]);
          grp.add(g[i]);
        }
      }
      double[] sub = vals.stream().mapToDouble(Double::doubleValue).toArray();
      double[] r = rank(sub);
      for (int a : subset) {
        double sum = 0;
        for (int i = 0; i < sub.length; i++) if (grp.get(i) == a) sum += r[i];
        assertEquals(sum, s.rankSum(a, subset), 1e-9, "rank sum of " + a + " in " + set);
      }
      // tie term
      double[] sorted = sub.clone();
      Arrays.sort(sorted);
      long tie = 0;
      for (int i = 0; i < sorted.length; ) {
        int j = i;
        while (j + 1 < sorted.length && sorted[j + 1] == sorted[i]) j++;
        long t = j - i + 1;
        tie += t * t * t - t;
        i = j + 1;
      }
      assertEquals(tie, s.tieTerm(subset), "tie term of " + set);
    }
    // U of every pair against the direct pair count
    for (int a = 0; a < groups; a++) {
      for (int b = 0; b < groups; b++) {
        if (a == b) continue;
        double u = 0;
        for (int i = 0; i < n; i++) {
          if (g[i] != a) continue;
          for (int j = 0; j < n; j++) {
            if (g[j] != b) continue;
            u += v[j] < v[i] ? 1 : v[j] == v[i] ? 0.5 : 0;
          }
        }
        assertEquals(u, s.u(new int[] {a}, new int[] {b}), 0.0);
      }
    }
  }

  @Test
  void tieOrderDoesNotMatter() {
    double[] v = {1, 1, 1, 2, 2, 3};
    RankSummary a = RankScan.scan(v, new int[] {0, 1, 2, 0, 1, 2}, 3);
    RankSummary b = RankScan.scan(v, new int[] {2, 1, 0, 1, 0, 2}, 3);
    for (int x = 0; x < 3; x++) {
      for (int y = 0; y < 3; y++) assertEquals(a.twiceU(x, y), b.twiceU(x, y));
    }
    assertEquals(a.tieTerm(new int[] {0, 1, 2}), b.tieTerm(new int[] {0, 1, 2}));
    assertEquals(24 + 6, a.tieTerm(new int[] {0, 1, 2}));
  }

  @Test
  void rejectsUnsortedAndMissing() {
    RankScan s = new RankScan(2);
    s.add(1.0, 0);
    assertThrows(IllegalArgumentException.class, () -> s.add(0.5, 1));
    assertThrows(IllegalArgumentException.class, () -> new RankScan(2).add(Double.NaN, 0));
    assertThrows(IllegalArgumentException.class, () -> new RankScan(2).add(1, 2));
  }

  @Test
  void mannWhitneyKnownValue() {
    // scipy docs example: males vs females, asymptotic p 0.11134688653314041, U1 = 17
    double[] males = {19, 22, 16, 29, 24};
    double[] females = {20, 11, 17, 12};
    double[] all = new double[9];
    int[] grp = new int[9];
    for (int i = 0; i < 5; i++) all[i] = males[i];
    for (int i = 0; i < 4; i++) {
      all[5 + i] = females[i];
      grp[5 + i] = 1;
    }
    Integer[] o = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    Arrays.sort(o, (a, b) -> Double.compare(all[a], all[b]));
    double[] sv = new double[9];
    int[] sg = new int[9];
    for (int i = 0; i < 9; i++) {
      sv[i] = all[o[i]];
      sg[i] = grp[o[i]];
    }
    MannWhitneyU.Result r = MannWhitneyU.test(RankScan.scan(sv, sg, 2), 0, 1);
    assertEquals(17.0, r.u());
    assertEquals(0.11134688653314041, r.pValue(), 1e-15);
    assertEquals(17.0 / 20, r.auc());
  }
}
