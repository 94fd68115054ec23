package io.exocohort.normalize.kernel;

import static io.exocohort.normalize.kernel.Golden.column;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.Golden.Cohort;
import io.exocohort.normalize.kernel.Golden.Deviation;
import io.exocohort.normalize.kernel.Golden.Matrix;
import io.exocohort.normalize.kernel.Golden.Table;
import io.exocohort.normalize.kernel.NormFactors.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** TMM and upper-quartile factors against {@code edgeR::calcNormFactors} and {@code edgeR:::.calcFactorTMM}. */
class NormFactorsTest {

  @ParameterizedTest
  @EnumSource(Cohort.class)
  void tmmFactorsMatchEdgeR(Cohort cohort) {
    Matrix counts = cohort.counts();
    double[] expected = Golden.table(cohort.file("tmm_factors.tsv")).doubles("norm_factor");
    double[] actual = NormFactors.calcNormFactors(counts.values());
    new Deviation("TMM factors " + cohort).check("", expected, actual).report();
  }

  @ParameterizedTest
  @EnumSource(Cohort.class)
  void upperQuartileFactorsMatchEdgeR(Cohort cohort) {
    Matrix counts = cohort.counts();
    double[] expected = Golden.table(cohort.file("uq_factors.tsv")).doubles("norm_factor");
    double[] actual = NormFactors.calcNormFactors(counts.values(), null, Method.UPPER_QUARTILE);
    new Deviation("upper-quartile factors " + cohort).check("", expected, actual).report();
  }

  /** The Spark-shaped path: per-sample f75 over the retained features, reference chosen on the driver. */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void perSampleUpperQuartileAndReferenceMatchEdgeR(Cohort cohort) {
    double[][] counts = cohort.counts().values();
    Table ref = Golden.table(cohort.file("uq_reference.tsv"));
    double[] lib = NormFactors.columnSums(counts, counts[0].length);
    double[][] retained = Arrays.stream(counts).filter(r -> Arrays.stream(r).anyMatch(c -> c > 0))
        .toArray(double[][]::new);
    double[] f75 = new double[lib.length];
    for (int j = 0; j < lib.length; j++) f75[j] = UpperQuartile.upperQuartile(column(retained, j), lib[j]);
    new Deviation("f75 (upper quartile / lib) " + cohort).check("", ref.doubles("f75"), f75).report();
    int expectedRef = Arrays.asList(ref.strings("is_reference")).indexOf("TRUE");
    assertEquals(expectedRef, UpperQuartile.chooseReference(f75));
  }

  /**
   * The Spark-shaped TMM: each sample passes only the features it shares (both counts positive) with the broadcast
   * reference, plus the full library sizes; the driver scales. Must equal the matrix path and edgeR.
   */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void sparseTmmFromSharedFeaturesMatchesEdgeR(Cohort cohort) {
    double[][] counts = cohort.counts().values();
    int n = counts[0].length;
    double[] lib = NormFactors.columnSums(counts, n);
    int ref = Arrays.asList(Golden.table(cohort.file("uq_reference.tsv")).strings("is_reference")).indexOf("TRUE");
    double[] refCol = column(counts, ref);
    double[] raw = new double[n];
    for (int j = 0; j < n; j++) {
      double[] col = column(counts, j);
      List<double[]> shared = new ArrayList<>();
      for (int i = 0; i < col.length; i++) {
        if (col[i] > 0 && refCol[i] > 0) shared.add(new double[] {col[i], refCol[i]});
      }
      double[] obs = shared.stream().mapToDouble(p -> p[0]).toArray();
      double[] rf = shared.stream().mapToDouble(p -> p[1]).toArray();
      raw[j] = TmmFactors.tmmFactor(obs, rf, lib[j], lib[ref]);
    }
    double[] expected = Golden.table(cohort.file("tmm_factors.tsv")).doubles("norm_factor");
    new Deviation("TMM factors, shared-feature path " + cohort).check("", expected,
        TmmFactors.scaleToGeometricMeanOne(raw)).report();
  }

  /** The usual workflow: filterByExpr, recompute library sizes on the kept features, then TMM. */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void tmmAfterFilteringMatchesEdgeR(Cohort cohort) {
    Matrix counts = cohort.counts();
    boolean[] keep = FilterByExpr.keep(counts.values(), null, cohort.groups());
    double[] actual = NormFactors.calcNormFactors(counts.rows(keep).values());
    double[] expected = Golden.table(cohort.file("kept_tmm_factors.tsv")).doubles("norm_factor");
    new Deviation("TMM factors after filterByExpr " + cohort).check("", expected, actual).report();
  }

  @Test
  void tmmEdgeCasesMatchEdgeR() {
    Table t = Golden.table("edge_tmm.tsv");
    Deviation d = new Deviation("TMM edge cases (.calcFactorTMM)");
    for (String[] r : t.rows()) {
      double f = TmmFactors.tmmFactor(Golden.parseList(r[t.column("obs")]), Golden.parseList(r[t.column("ref")]),
          Golden.parse(r[t.column("lib_obs")]), Golden.parse(r[t.column("lib_ref")]),
          Double.parseDouble(r[t.column("logratio_trim")]), Double.parseDouble(r[t.column("sum_trim")]),
          Boolean.parseBoolean(r[t.column("do_weighting")]), TmmFactors.A_CUTOFF);
      d.check(r[0], Golden.parse(r[t.column("factor")]), f);
    }
    d.report();
  }

  @Test
  void quantileType7MatchesR() {
    Table t = Golden.table("edge_quantile7.tsv");
    Deviation d = new Deviation("quantile type 7");
    for (String[] r : t.rows()) {
      d.check(r[0] + "@" + r[1], Golden.parse(r[2]),
          RNumerics.quantile7(Golden.parseList(r[0]), Double.parseDouble(r[1])));
    }
    d.report();
    assertTrue(Double.isNaN(RNumerics.quantile7(new double[0], 0.75)), "R: quantile(numeric(0)) is NA");
  }

  @Test
  void zeroLibrarySizeStopsTmmLikeEdgeR() {
    // edgeR: calcNormFactors(x) with an all-zero sample stops ("missing value where TRUE/FALSE needed")
    double[][] x = {{1, 4, 0, 7}, {2, 0, 0, 8}, {3, 6, 0, 9}, {0, 0, 0, 0}};
    assertThrows(IllegalArgumentException.class, () -> NormFactors.calcNormFactors(x));
    // ... while method = "upperquartile" returns NaN for every sample
    double[] uq = NormFactors.calcNormFactors(x, null, Method.UPPER_QUARTILE);
    assertTrue(Arrays.stream(uq).allMatch(Double::isNaN), Arrays.toString(uq));
  }

  @Test
  void degenerateInputsGiveOnes() {
    // all-zero matrix and a single sample: method "none"
    assertEquals(List.of(1.0, 1.0), box(NormFactors.calcNormFactors(new double[][] {{0, 0}, {0, 0}})));
    assertEquals(List.of(1.0), box(NormFactors.calcNormFactors(new double[][] {{3}, {5}})));
    // identical samples: TMM factors 1
    double[][] same = {{10, 10}, {20, 20}, {0, 0}, {5, 5}};
    assertEquals(List.of(1.0, 1.0), box(NormFactors.calcNormFactors(same)));
    assertThrows(IllegalArgumentException.class, () -> NormFactors.calcNormFactors(new double[][] {{1, Double.NaN}}));
  }

  @Test
  void referenceFallsBackToSumSqrtWhenUpperQuartilesVanish() {
    // edgeR: median(f75) < 1e-20 → which.max(colSums(sqrt(x)))
    double[] f75 = {0, 0, 0.5};
    double[] sumSqrt = {3, 7, 5};
    assertEquals(1, UpperQuartile.chooseReference(f75, sumSqrt));
    assertThrows(IllegalArgumentException.class, () -> UpperQuartile.chooseReference(f75));
    // which.min takes the first of equally close samples
    assertEquals(0, UpperQuartile.chooseReference(new double[] {1, 3, 1, 3}));
  }

  private static List<Double> box(double[] x) {
    return Arrays.stream(x).boxed().toList();
  }
}
