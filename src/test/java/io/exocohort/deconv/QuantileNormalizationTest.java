package io.exocohort.deconv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.deconv.kernel.QuantileNormalization;
import io.exocohort.deconv.kernel.ReferenceProfiles;
import org.junit.jupiter.api.Test;

/** {@link QuantileNormalization} and {@link ReferenceProfiles} on small cases and bad input. */
class QuantileNormalizationTest {

  /**
   * preprocessCore::normalize.quantiles of this 4 x 4 matrix (values from R 4.2.2, preprocessCore 1.60.2): two tied 4s
   * (ranks 3 and 4: the mean of the targets 3.5 and 6) and three tied 0s (rank 2: the target 2.25).
   */
  @Test
  void tiesAsPreprocessCore() {
    double[][] x = {{5, 4, 3, 0}, {2, 1, 4, 0}, {3, 4, 6, 0}, {4, 2, 8, 7}};
    assertArrayEquals(new double[] {1.5, 2.25, 3.5, 6}, QuantileNormalization.target(x), 0);
    double[][] want = {{6, 4.75, 1.5, 2.25}, {1.5, 1.5, 2.25, 2.25}, {2.25, 4.75, 3.5, 2.25}, {3.5, 2.25, 6, 6}};
    double[][] got = QuantileNormalization.normalize(x);
    for (int i = 0; i < 4; i++) assertArrayEquals(want[i], got[i], 0, "row " + i);
    assertEquals(5, x[0][0]);
  }

  @Test
  void identicalColumnsAreLeftAsTheyAre() {
    double[][] x = {{3, 3}, {-1, -1}, {2.5, 2.5}};
    double[][] got = QuantileNormalization.normalize(x);
    for (int i = 0; i < 3; i++) assertArrayEquals(x[i], got[i], 0);
  }

  @Test
  void badInputIsRejected() {
    assertMessage(() -> QuantileNormalization.normalize(new double[0][]), "no rows");
    assertMessage(() -> QuantileNormalization.normalize(new double[][] {{}}), "no columns");
    assertMessage(() -> QuantileNormalization.normalize(new double[][] {{1, 2}, {3}}), "not rectangular");
    assertMessage(() -> QuantileNormalization.normalize(new double[][] {{1, 2}, {3, Double.NaN}}), "[1][1]");
    assertMessage(() -> QuantileNormalization.target(new double[][] {{Double.POSITIVE_INFINITY}}), "not finite");
    assertMessage(() -> ReferenceProfiles.rowMedians(new double[][] {{1, 2}}, new int[0]), "at least 1 column");
    assertMessage(() -> ReferenceProfiles.rowMedians(new double[][] {{1, 2}}, new int[] {2}), "column 2");
  }

  @Test
  void mediansAsR() {
    double[][] x = {{1, 9, 3, 4}, {2, 2, 5, 7}};
    assertArrayEquals(new double[] {3.5, 3.5}, ReferenceProfiles.rowMedians(x, new int[] {0, 1, 2, 3}), 0);
    assertArrayEquals(new double[] {3, 2}, ReferenceProfiles.rowMedians(x, new int[] {0, 1, 2}), 0);
    assertArrayEquals(new double[] {0, 1}, ReferenceProfiles.log2PlusOne(new double[][] {{0, 1}})[0], 0);
  }

  static void assertMessage(org.junit.jupiter.api.function.Executable e, String part) {
    IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
    assertTrue(ex.getMessage().contains(part), ex.getMessage());
  }

  /**
   * The distributed form deconvolve runs: per-partition accumulators of the sorted libraries (zeros counted, not
   * added), merged; a value's normalised value from its average rank. On exosomePurity's real 2,652 x 94 matrix (about
   * 2,100 zeros and other ties per library) it equals {@link QuantileNormalization#normalize} everywhere, with the
   * libraries split over three partitions in another order.
   */
  @Test
  void accumulatedTargetAndRanksEqualTheWholeMatrixNormalisation() {
    double[][] x = DeconvGolden.matrix(DeconvGolden.read("exosomepurity_cpm.csv.gz"));
    double[][] whole = QuantileNormalization.normalize(x);
    int n = x.length;
    int m = x[0].length;
    QuantileNormalization.Accumulator[] parts = new QuantileNormalization.Accumulator[3];
    double[][] sortedCols = new double[m][];
    for (int p = 0; p < 3; p++) parts[p] = new QuantileNormalization.Accumulator(n);
    for (int j = m - 1; j >= 0; j--) {
      double[] col = new double[n];
      for (int i = 0; i < n; i++) col[i] = x[i][j];
      double[] sorted = new double[n];
      int zeros = QuantileNormalization.sortNonNegative(col, sorted);
      for (int i = 0; i < n; i++) assertEquals(i < zeros ? 0 : sorted[i], sorted[i]);
      parts[j % 3].addSorted(sorted, zeros);
      sortedCols[j] = sorted;
    }
    QuantileNormalization.Accumulator all = parts[2].merge(parts[0]).merge(parts[1]);
    assertEquals(m, all.samples());
    double[] target = all.target();
    double[] want = QuantileNormalization.target(x);
    for (int i = 0; i < n; i++) assertEquals(want[i], target[i], 1e-9 * Math.max(1, want[i]), "target " + i);
    for (int j = 0; j < m; j++) {
      double[] col = new double[n];
      for (int i = 0; i < n; i++) col[i] = x[i][j];
      double[] ranks = QuantileNormalization.averageRanks(sortedCols[j], col);
      for (int i = 0; i < n; i++) {
        double got = QuantileNormalization.atRank(ranks[i], target);
        assertEquals(whole[i][j], got, 1e-9 * Math.max(1, whole[i][j]), "[" + i + "][" + j + "]");
      }
    }
  }
}
