package io.exocohort.normalize.kernel;

import static io.exocohort.normalize.kernel.Golden.column;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.Golden.Deviation;
import io.exocohort.normalize.kernel.Golden.Matrix;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code limma::normalizeQuantiles} with ties (real logCPM, zero counts) and with NAs (protein-like data). */
class QuantileNormalizationTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "gbm_logcpm.tsv, gbm_logcpm_quantile.tsv",
      "synthetic_protein_log2.tsv, synthetic_protein_quantile.tsv"})
  void matrixMatchesLimma(String input, String output) {
    Matrix in = Golden.matrix(input);
    Matrix expected = Golden.matrix(output);
    assertArrayEquals(expected.rowNames(), in.rowNames());
    double[][] actual = QuantileNormalization.normalizeQuantiles(in.values());
    new Deviation("normalizeQuantiles " + input).check(expected, actual).report();
  }

  /**
   * The Spark decomposition: each sample hands over only its observed values (no NaN placeholders), a
   * fixed-length quantile array is summed over samples, and each sample maps its own values onto the target.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "gbm_logcpm.tsv, gbm_logcpm_quantile.tsv",
      "synthetic_protein_log2.tsv, synthetic_protein_quantile.tsv"})
  void aggregationOfPerSampleArraysMatchesLimma(String input, String output) {
    double[][] a = Golden.matrix(input).values();
    Matrix expected = Golden.matrix(output);
    int n = a.length;
    int m = a[0].length;
    double[] sum = new double[n];
    double[][] observed = new double[m][];
    for (int j = 0; j < m; j++) {
      observed[j] = Arrays.stream(column(a, j)).filter(v -> !Double.isNaN(v)).toArray();
      double[] q = QuantileNormalization.quantilesOnGrid(observed[j], n);
      assertEquals(n, q.length);
      for (int k = 0; k < n; k++) sum[k] += q[k];
    }
    double[] target = QuantileNormalization.target(sum, m);
    Deviation d = new Deviation("normalizeQuantiles, aggregated " + input);
    for (int j = 0; j < m; j++) {
      double[] mapped = QuantileNormalization.mapToTarget(observed[j], target);
      double[] want = Arrays.stream(column(expected.values(), j)).filter(v -> !Double.isNaN(v)).toArray();
      d.check("sample " + expected.columnNames()[j], want, mapped);
    }
    d.report();
  }

  @Test
  void smallCaseWithTiesAndNaMatchesLimma() {
    // limma::normalizeQuantiles(matrix(c(1,NA,3,4, 3,2,2,9, 2,2,1,NA), 4)), printed with digits = 17
    double nan = Double.NaN;
    double[][] a = {{1, 3, 2}, {nan, 2, 2}, {3, 2, 1}, {4, 9, nan}};
    double[][] want = {
        {1.3333333333333333, 2.7777777777777777, 3.3333333333333335},
        {nan, 1.6666666666666665, 3.3333333333333335},
        {2.3888888888888888, 1.6666666666666665, 1.3333333333333333},
        {5.0, 5.0, nan}};
    double[][] got = QuantileNormalization.normalizeQuantiles(a);
    for (int i = 0; i < 4; i++) assertArrayEquals(want[i], got[i], 1e-15);
  }

  @Test
  void limmaErrorsAndIdentities() {
    double nan = Double.NaN;
    // a sample with a single observed value: limma stops ("need at least two non-NA values to interpolate")
    assertThrows(IllegalArgumentException.class,
        () -> QuantileNormalization.normalizeQuantiles(new double[][] {{1, nan}, {2, nan}, {3, 5}}));
    // a single sample is returned unchanged
    double[][] one = {{3}, {nan}, {1}};
    double[][] same = QuantileNormalization.normalizeQuantiles(one);
    assertEquals(3, same[0][0]);
    assertTrue(Double.isNaN(same[1][0]));
  }
}
