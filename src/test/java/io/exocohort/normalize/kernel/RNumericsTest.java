package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.Golden.Table;
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
