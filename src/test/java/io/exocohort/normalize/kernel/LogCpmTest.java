package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.Golden.Cohort;
import io.exocohort.normalize.kernel.Golden.Deviation;
import io.exocohort.normalize.kernel.Golden.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code cpm(y, log = TRUE, prior.count = 2)} on the filtered, TMM-normalised DGEList. */
class LogCpmTest {

  /** The whole chain in Java: filterByExpr → lib sizes of the kept features → TMM → log-CPM. */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void logCpmOfFilteredTmmDgeListMatchesEdgeR(Cohort cohort) {
    Matrix counts = cohort.counts();
    Matrix kept = counts.rows(FilterByExpr.keep(counts.values(), null, cohort.groups()));
    Matrix expected = Golden.matrix(cohort.file("logcpm.tsv"));
    assertArrayEquals(expected.rowNames(), kept.rowNames());
    assertArrayEquals(expected.columnNames(), kept.columnNames());
    double[] lib = NormFactors.columnSums(kept.values(), kept.columnNames().length);
    double[] nf = NormFactors.calcNormFactors(kept.values());
    double[][] actual = LogCpm.logCpm(kept.values(), lib, nf, LogCpm.PRIOR_COUNT);
    new Deviation("logCPM (filter+TMM+cpm) " + cohort).check(expected, actual).report();
  }

  /** The per-value API with edgeR's own factors: isolates the cpm arithmetic. */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void perValueLogCpmWithEdgeRFactors(Cohort cohort) {
    Matrix counts = cohort.counts();
    Matrix kept = counts.rows(FilterByExpr.keep(counts.values(), null, cohort.groups()));
    double[] nf = Golden.table(cohort.file("kept_tmm_factors.tsv")).doubles("norm_factor");
    int n = nf.length;
    double[] lib = NormFactors.columnSums(kept.values(), n);
    double[] eff = new double[n];
    for (int j = 0; j < n; j++) eff[j] = LogCpm.effectiveLibSize(lib[j], nf[j]);
    double mean = LogCpm.meanLibSize(eff);
    Matrix expected = Golden.matrix(cohort.file("logcpm.tsv"));
    Deviation d = new Deviation("logCPM per value, edgeR factors " + cohort);
    for (int i = 0; i < kept.values().length; i++) {
      for (int j = 0; j < n; j++) {
        d.check(kept.rowNames()[i], expected.values()[i][j], LogCpm.logCpm(kept.values()[i][j], eff[j], mean));
      }
    }
    d.report();
  }

  /** The per-sample API (what normalize uses) gives the per-value doubles bit for bit, including NaN. */
  @ParameterizedTest
  @EnumSource(Cohort.class)
  void perSampleLogCpmIsThePerValueOneBitForBit(Cohort cohort) {
    Matrix counts = cohort.counts();
    double[][] v = counts.values();
    int n = counts.columnNames().length;
    double[] lib = NormFactors.columnSums(v, n);
    double mean = LogCpm.meanLibSize(lib);
    for (double prior : new double[] {LogCpm.PRIOR_COUNT, 0.5, 0}) {
      for (int j = 0; j < n; j++) {
        double[] column = new double[v.length];
        for (int i = 0; i < v.length; i++) column[i] = v[i][j];
        double[] row = LogCpm.logCpm(column, lib[j], mean, prior);
        for (int i = 0; i < v.length; i++) {
          assertEquals(Double.doubleToLongBits(LogCpm.logCpm(column[i], lib[j], mean, prior)),
              Double.doubleToLongBits(row[i]), cohort + " sample " + j + " feature " + i + " prior " + prior);
        }
      }
    }
    assertThrows(IllegalArgumentException.class, () -> LogCpm.logCpm(new double[] {1}, 0, 1, 2));
  }

  @Test
  void priorIsScaledByLibrarySizeAndAddedTwiceToIt() {
    // two samples, lib 1e6 and 3e6, factors 1: mean 2e6, priors 1 and 3
    double mean = LogCpm.meanLibSize(new double[] {1e6, 3e6});
    assertEquals(2e6, mean);
    assertEquals(1.0, LogCpm.scaledPrior(1e6, mean, 2));
    assertEquals(Math.log((0 + 1) / (1e6 + 2) * 1e6) / Math.log(2), LogCpm.logCpm(0, 1e6, mean), 1e-12);
    assertEquals(Math.log((9 + 3) / (3e6 + 6) * 1e6) / Math.log(2), LogCpm.logCpm(9, 3e6, mean), 1e-12);
    assertTrue(Double.isNaN(LogCpm.logCpm(0, 1e6, mean, 0)), "log of zero with no prior: edgeR gives NaN");
    assertEquals(5.0, LogCpm.cpm(10, 2e6));
    assertThrows(IllegalArgumentException.class, () -> LogCpm.meanLibSize(new double[] {1e6, 0}));
  }
}
