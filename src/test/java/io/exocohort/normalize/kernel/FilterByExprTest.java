package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.FilterByExpr.Thresholds;
import io.exocohort.normalize.kernel.Golden.Cohort;
import io.exocohort.normalize.kernel.Golden.Matrix;
import io.exocohort.normalize.kernel.Golden.Table;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code edgeR::filterByExpr(y, group = group)} with edgeR's defaults. */
class FilterByExprTest {

  @ParameterizedTest
  @EnumSource(Cohort.class)
  void keepMatchesEdgeR(Cohort cohort) {
    Matrix counts = cohort.counts();
    Table golden = Golden.table(cohort.file("filter_keep.tsv"));
    assertArrayEquals(counts.rowNames(), golden.strings("feature"));
    boolean[] expected = new boolean[counts.rowNames().length];
    String[] k = golden.strings("keep");
    for (int i = 0; i < k.length; i++) expected[i] = Boolean.parseBoolean(k[i]);
    boolean[] actual = FilterByExpr.keep(counts.values(), null, cohort.groups());
    assertArrayEquals(expected, actual);
    int kept = 0;
    for (boolean b : actual) if (b) kept++;
    System.out.printf("DEVIATION %-40s n=%-6d kept=%d, all equal to edgeR%n", "filterByExpr keep " + cohort,
        actual.length, kept);
  }

  /** Driver part (thresholds) + per-feature predicate, with samples lacking a row simply not counted. */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void sparseDecompositionEqualsMatrixPath(Cohort cohort) {
    double[][] counts = cohort.counts().values();
    int n = counts[0].length;
    double[] lib = NormFactors.columnSums(counts, n);
    Thresholds t = FilterByExpr.thresholds(lib, FilterByExpr.groupSizes(cohort.groups()));
    boolean[] expected = FilterByExpr.keep(counts, lib, cohort.groups());
    for (int i = 0; i < counts.length; i++) {
      long above = 0;
      double total = 0;
      for (int j = 0; j < n; j++) {
        if (counts[i][j] == 0) continue; // a long table has no row for a zero count
        if (FilterByExpr.atOrAboveCutoff(counts[i][j], lib[j], t)) above++;
        total += counts[i][j];
      }
      assertEquals(expected[i], FilterByExpr.keepFeature(above, total, t), "feature " + i);
    }
  }

  @Test
  void thresholdsFollowEdgeR() {
    // groups of 12, 16, 10 → MinSampleSize 10 (not above large.n); median lib of {1e6, 2e6, 4e6} = 2e6 → cutoff 5
    Thresholds t = FilterByExpr.thresholds(new double[] {1e6, 4e6, 2e6}, new long[] {12, 16, 10});
    assertEquals(10, t.minSampleSize());
    assertEquals(5.0, t.cpmCutoff(), 0);
    // smallest group 20 > large.n: 10 + (20 - 10) * 0.7 = 17
    assertEquals(17, FilterByExpr.thresholds(new double[] {1, 2}, new long[] {20, 0, 30}).minSampleSize(), 1e-12);
    // no group: all samples
    assertEquals(3, FilterByExpr.thresholds(new double[] {1, 2, 3}, null).minSampleSize());
    // the 1e-14 tolerance of edgeR
    assertTrue(FilterByExpr.keepFeature(17, 15 - 1e-15, new Thresholds(1, 17 + 1e-15, 15, 1)));
    assertFalse(FilterByExpr.keepFeature(16, 15, new Thresholds(1, 17, 15, 1)));
  }

  @Test
  void zeroLibrarySizeStopsLikeEdgeR() {
    // edgeR: filterByExpr on a matrix with an all-zero sample → cpm.default stops
    double[][] x = {{1, 4, 0, 7}, {2, 0, 0, 8}, {3, 6, 0, 9}};
    assertThrows(IllegalArgumentException.class, () -> FilterByExpr.keep(x, null, null));
  }
}
