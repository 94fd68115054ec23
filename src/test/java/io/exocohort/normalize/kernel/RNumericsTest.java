package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.Golden.Table;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The R primitives the kernels rely on. */
class RNumericsTest {

  /**
   * C's log2 (what R calls): TMM's ties depend on it. Ours is correctly rounded; glibc's (2.28+) is within 0.502 ulp,
   * so on a small fraction of arguments the two differ by one ulp (2 of the 1,333 arguments here, both
   * checked with 80-digit arithmetic to be glibc's misroundings).
   */
  @Test
  void log2AgreesWithRToTheLastBitAlmostAlways() {
    Table t = Golden.table("edge_log2.tsv");
    int mismatches = 0;
    for (String[] r : t.rows()) {
      double x = Double.parseDouble(r[0]);
      double want = Double.parseDouble(r[1]);
      double got = RNumerics.log2(x);
      if (Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
        mismatches++;
        assertEquals(Math.ulp(want), Math.abs(want - got), 0.0, r[0] + ": R " + r[1] + ", Java "
            + Double.toHexString(got) + " differ by more than one ulp");
      }
    }
    System.out.printf("DEVIATION %-40s n=%-6d differ by 1 ulp: %d%n", "log2 vs R (glibc)", t.rows().size(),
        mismatches);
    assertTrue(mismatches <= t.rows().size() / 200, mismatches + " one-ulp differences");
    assertEquals(Double.NEGATIVE_INFINITY, RNumerics.log2(0));
    assertTrue(Double.isNaN(RNumerics.log2(-1)));
    assertEquals(-1074, RNumerics.log2(Double.MIN_VALUE));
    assertEquals(Double.POSITIVE_INFINITY, RNumerics.log2(Double.POSITIVE_INFINITY));
    assertEquals(10, RNumerics.log2(1024));
  }

  /**
   * The fast step of log2 may only return what the exact double-double path returns: bit for bit, on random
   * doubles of every exponent, on count proportions and ratios as TMM forms them, and near 1, sqrt(2) and powers of
   * two (where the reduction and the rounding test are most delicate).
   */
  @Test
  void log2FastStepEqualsTheExactPath() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(16);
    int checked = 0;
    for (int i = 0; i < 1_000_000; i++) {
      double x = Double.longBitsToDouble(rnd.nextLong() & Long.MAX_VALUE);
      if (Double.isNaN(x)) continue;
      assertSameBits(x);
      checked++;
    }
    for (int i = 0; i < 1_000_000; i++) {
      double lib = 1e5 + rnd.nextInt(5_000_000);
      double refLib = 1e5 + rnd.nextInt(5_000_000);
      double o = 1 + rnd.nextInt(50_000);
      double r = 1 + rnd.nextInt(50_000);
      assertSameBits(o / lib);
      assertSameBits((o / lib) / (r / refLib));
      checked += 2;
    }
    double[] centres = {1.0, Math.sqrt(2.0), Math.sqrt(0.5), 2.0, 0.5, 1024.0, Double.MIN_NORMAL};
    for (double c : centres) {
      double up = c;
      double down = c;
      for (int k = 0; k < 20_000; k++) {
        assertSameBits(up);
        assertSameBits(down);
        up = Math.nextUp(up);
        down = Math.nextDown(down);
        checked += 2;
      }
    }
    assertTrue(checked > 2_000_000);
  }

  private static void assertSameBits(double x) {
    double fast = RNumerics.log2(x);
    double exact = RNumerics.log2Exact(x);
    if (Double.doubleToLongBits(fast) != Double.doubleToLongBits(exact)) {
      throw new AssertionError("log2(" + Double.toHexString(x) + "): fast " + Double.toHexString(fast) + ", exact "
          + Double.toHexString(exact));
    }
  }

  /** Ranks against their definition: (number below) + (number equal + 1) / 2, NaN kept, on tie-heavy data. */
  @Test
  void ranksEqualTheirDefinitionOnRandomTies() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(7);
    for (int rep = 0; rep < 200; rep++) {
      int n = 1 + rnd.nextInt(60);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        int k = rnd.nextInt(12);
        x[i] = k == 0 ? Double.NaN : k == 1 ? -0.0 : k == 2 ? 0.0 : rnd.nextInt(6) - 2.5;
      }
      double[] r = RNumerics.averageRanks(x);
      for (int i = 0; i < n; i++) {
        if (Double.isNaN(x[i])) {
          assertTrue(Double.isNaN(r[i]));
          continue;
        }
        int below = 0;
        int equal = 0;
        for (double v : x) {
          if (v < x[i]) below++;
          else if (v == x[i]) equal++;
        }
        assertEquals(below + (equal + 1) / 2.0, r[i], 0.0, java.util.Arrays.toString(x) + " at " + i);
      }
    }
  }

  /**
   * The window by selection (what TMM uses) is the window of the sorted values, for every integer pair of bounds on
   * small tie-heavy arrays (with -0.0 and 0.0, which take the sort) and TMM's trims on larger ones.
   */
  @Test
  void rankWindowBySelectionEqualsTheSortedWindow() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(13);
    for (int rep = 0; rep < 3000; rep++) {
      int n = 1 + rnd.nextInt(rep < 2000 ? 12 : 2000);
      int distinct = 1 + rnd.nextInt(rep % 3 == 0 ? 4 : n + 1);
      boolean zeros = rep % 7 == 0;
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = zeros && rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? -0.0 : 0.0)
            : rep % 2 == 0 ? rnd.nextInt(distinct) - distinct / 2.0 : rnd.nextDouble() * 20 - 10;
      }
      double[] s = x.clone();
      java.util.Arrays.sort(s);
      List<double[]> bounds = new java.util.ArrayList<>();
      if (n <= 12) {
        for (int lo = 1; lo <= n; lo++) for (int hi = lo; hi <= n; hi++) bounds.add(new double[] {lo, hi});
      } else {
        for (double trim : new double[] {0.3, 0.05, 0.0, 0.49}) {
          double lo = Math.floor(n * trim) + 1;
          bounds.add(new double[] {lo, n + 1 - lo});
        }
      }
      bounds.add(new double[] {2.5, n}); // not integers: the sort
      for (double[] b : bounds) {
        double[] want = RNumerics.rankWindow(s, b[0], b[1]);
        double[] got = RNumerics.rankWindowUnsorted(x.clone(), n, b[0], b[1]);
        String at = java.util.Arrays.toString(x) + " [" + b[0] + ", " + b[1] + "]";
        if (want == null) {
          assertNull(got, at);
        } else {
          assertNotNull(got, at);
          assertEquals(want[0], got[0], 0.0, at);
          assertEquals(want[1], got[1], 0.0, at);
        }
      }
    }
  }

  /**
   * A select finds the sorted array's value at its index and counts the values below and equal to it, over the whole
   * array and again over the part an earlier select left above its value (the second bound of a rank window).
   */
  @Test
  void selectFindsTheOrderStatisticAndCountsBelowAndEqual() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(29);
    for (int rep = 0; rep < 3000; rep++) {
      int n = 1 + rnd.nextInt(rep < 1500 ? 10 : 500);
      int distinct = 1 + rnd.nextInt(rep % 3 == 0 ? 3 : n + 1);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) x[i] = rnd.nextInt(distinct) - distinct / 3.0;
      double[] s = x.clone();
      java.util.Arrays.sort(s);
      int k1 = rnd.nextInt(n);
      int k2 = k1 + rnd.nextInt(n - k1);
      double[] a = x.clone();
      int[] c = new int[2];
      double v1 = RNumerics.select(a, 0, n - 1, k1, c);
      String at = java.util.Arrays.toString(x) + " k " + k1 + ", " + k2;
      assertEquals(s[k1], v1, 0.0, at);
      assertArrayEquals(belowAndEqual(x, v1), c, at);
      double v2 = RNumerics.select(a, c[0], n - 1, k2, c);
      assertEquals(s[k2], v2, 0.0, at);
      assertArrayEquals(belowAndEqual(x, v2), c, at);
    }
  }

  private static int[] belowAndEqual(double[] x, double v) {
    int[] c = new int[2];
    for (double d : x) {
      if (d < v) c[0]++;
      else if (d == v) c[1]++;
    }
    return c;
  }

  /** quantile7 by selection gives the sorted-array quantile bit for bit (NaN and -0.0 take the sort). */
  @Test
  void quantile7BySelectionEqualsTheSortedQuantile() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(17);
    for (int rep = 0; rep < 3000; rep++) {
      int n = 1 + rnd.nextInt(rep < 2000 ? 15 : 3000);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        int k = rnd.nextInt(50);
        x[i] = rep % 5 == 0 && k == 0 ? Double.NaN : rep % 5 == 1 && k == 1 ? -0.0
            : rep % 2 == 0 ? rnd.nextInt(1 + rnd.nextInt(40)) : rnd.nextDouble() * 1e6;
      }
      double[] s = x.clone();
      java.util.Arrays.sort(s);
      double[] before = x.clone();
      for (double p : new double[] {0.75, 0.5, 0.25, 0.0, 1.0, 0.9, 0.1}) {
        assertEquals(Double.doubleToLongBits(RNumerics.quantile7Sorted(s, p)),
            Double.doubleToLongBits(RNumerics.quantile7(x, p)), java.util.Arrays.toString(x) + " p " + p);
      }
      assertArrayEquals(before, x, 0.0, "x is not modified");
    }
  }

  /** The rank window selects exactly the values whose average rank lies in [lo, hi]. */
  @Test
  void rankWindowSelectsByAverageRank() {
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(11);
    for (int rep = 0; rep < 500; rep++) {
      int n = 1 + rnd.nextInt(40);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) x[i] = rnd.nextInt(3) == 0 ? (rnd.nextBoolean() ? -0.0 : 0.0) : rnd.nextInt(8) - 4;
      double lo = Math.floor(n * (rnd.nextBoolean() ? 0.3 : 0.05)) + 1;
      double hi = n + 1 - lo;
      double[] ranks = RNumerics.averageRanks(x);
      double[] s = x.clone();
      java.util.Arrays.sort(s);
      double[] w = RNumerics.rankWindow(s, lo, hi);
      for (int i = 0; i < n; i++) {
        boolean want = ranks[i] >= lo && ranks[i] <= hi;
        boolean got = w != null && x[i] >= w[0] && x[i] <= w[1];
        assertEquals(want, got, java.util.Arrays.toString(x) + " [" + lo + ", " + hi + "] at " + i);
      }
    }
  }

  @Test
  void ranksAverageTiesAndKeepNaN() {
    // rank(c(3, 1, NA, 3, 2, 3)) = 4 1 NA 4 2 4
    double[] r = RNumerics.averageRanks(new double[] {3, 1, Double.NaN, 3, 2, 3});
    assertArrayEquals(new double[] {4, 1, Double.NaN, 4, 2, 4}, r);
    assertArrayEquals(new double[] {1.5, 1.5}, RNumerics.averageRanks(new double[] {-0.0, 0.0}));
  }

  @Test
  void approxIsLinearWithRule1() {
    double[] x = {0, 0.5, 1};
    double[] y = {10, 20, 40};
    assertEquals(20, RNumerics.approx(x, y, 0.5));
    assertEquals(30, RNumerics.approx(x, y, 0.75), 1e-15);
    assertTrue(Double.isNaN(RNumerics.approx(x, y, 1.5)));
    assertTrue(Double.isNaN(RNumerics.approx(x, y, -0.1)));
  }

  @Test
  void medianMeanVar() {
    assertEquals(2.5, RNumerics.median(new double[] {4, 1, 3, 2}));
    assertEquals(3, RNumerics.median(new double[] {5, 1, 3}));
    assertTrue(Double.isNaN(RNumerics.median(new double[] {1, Double.NaN})));
    assertEquals(0.1, RNumerics.mean(new double[] {0.1, 0.1, 0.1}));
    assertEquals(1.0, RNumerics.var(new double[] {1, 2, 3}));
  }
}
