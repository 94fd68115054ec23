package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.ComBat.BatchEstimate;
import io.exocohort.normalize.kernel.ComBat.Moments;
import io.exocohort.normalize.kernel.Golden.Deviation;
import io.exocohort.normalize.kernel.Golden.Matrix;
import io.exocohort.normalize.kernel.Golden.Table;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code sva::ComBat(dat, batch, mod = model.matrix(~group), par.prior = TRUE)}. */
class ComBatTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "synthetic_logcpm.tsv, synthetic_combat.tsv",
      "synthetic_protein_log2.tsv, synthetic_protein_combat.tsv"})
  void matchesSva(String input, String output) {
    Matrix in = Golden.matrix(input);
    Matrix expected = Golden.matrix(output);
    assertArrayEquals(expected.rowNames(), in.rowNames());
    Table samples = Golden.table("synthetic_samples.tsv");
    assertArrayEquals(in.columnNames(), samples.strings("sample"));
    double[][] actual = ComBat.combat(in.values(), samples.strings("batch"), modelMatrix(samples.strings("group")),
        false);
    new Deviation("ComBat " + input).check(expected, actual).report();
  }

  @Test
  void featureConstantWithinABatchIsLeftAsItIs() {
    Matrix in = Golden.matrix("synthetic_protein_log2.tsv");
    Table samples = Golden.table("synthetic_samples.tsv");
    double[][] out = ComBat.combat(in.values(), samples.strings("batch"), modelMatrix(samples.strings("group")), false);
    int p7 = Arrays.asList(in.rowNames()).indexOf("P00007");
    assertArrayEquals(in.values()[p7], out[p7]);
  }

  @Test
  void confoundedDesignsStopWithSvaMessages() {
    String[] batch = {"a", "a", "a", "b", "b", "b"};
    double[][] y = {{1, 2, 3, 4, 5, 7}, {2, 1, 3, 3, 6, 5}};
    double[][] sameAsBatch = {{1, 1}, {1, 1}, {1, 1}, {1, 0}, {1, 0}, {1, 0}};
    var e1 = assertThrows(IllegalArgumentException.class, () -> ComBat.combat(y, batch, sameAsBatch, false));
    assertTrue(e1.getMessage().startsWith("The covariate is confounded with batch!"), e1.getMessage());
    double[][] twoCollinear = {{1, 1, 2}, {1, 0, 0}, {1, 1, 2}, {1, 0, 0}, {1, 1, 2}, {1, 0, 0}};
    var e2 = assertThrows(IllegalArgumentException.class, () -> ComBat.combat(y, batch, twoCollinear, false));
    assertTrue(e2.getMessage().startsWith("The covariates are confounded!"), e2.getMessage());
    double[][] oneWithBatch = {{1, 1, 0}, {1, 1, 1}, {1, 1, 0}, {1, 0, 1}, {1, 0, 0}, {1, 0, 1}};
    var e3 = assertThrows(IllegalArgumentException.class, () -> ComBat.combat(y, batch, oneWithBatch, false));
    assertTrue(e3.getMessage().startsWith("At least one covariate is confounded with batch!"), e3.getMessage());
  }

  @Test
  void stepsOnSufficientStatisticsFollowSvaFormulas() {
    // one batch of standardised values for three features: check gamma.hat, delta.hat, priors and it.sol's fixed
    // point: gamma* = postmean(gamma.hat, gamma.bar, n, delta*, t2), delta* = postvar(sum((s - gamma*)^2), n, a, b)
    double[][] s = {{0.1, -0.4, 0.9, 0.3}, {1.2, 0.8, 1.9, 1.1}, {-0.5, -0.9, 0.2, -1.4}};
    Moments[] m = Arrays.stream(s).map(Moments::of).toArray(Moments[]::new);
    BatchEstimate est = ComBat.estimateBatch(m, false);
    for (int i = 0; i < 3; i++) {
      assertEquals(RNumerics.mean(s[i]), est.gammaHat()[i], 1e-15);
      assertEquals(RNumerics.var(s[i]), est.deltaHat()[i], 1e-14);
      double g = est.gammaStar()[i];
      double d = est.deltaStar()[i];
      double sum2 = 0;
      for (double v : s[i]) sum2 += (v - g) * (v - g);
      // converged to 1e-4 relative change, so the fixed point holds to about that
      assertEquals(ComBat.postMean(est.gammaHat()[i], est.gammaBar(), 4, d, est.tau2()), g, 1e-3 * Math.abs(g));
      assertEquals(ComBat.postVar(sum2, 4, est.aPrior(), est.bPrior()), d, 1e-3 * d);
    }
    assertEquals(RNumerics.mean(est.gammaHat()), est.gammaBar(), 1e-15);
    assertTrue(est.iterations() > 0);
  }

  /** {@code model.matrix(~group)}: intercept, then an indicator per level after the first (levels sorted). */
  static double[][] modelMatrix(String[] group) {
    String[] levels = new TreeSet<>(Arrays.asList(group)).toArray(String[]::new);
    double[][] mod = new double[group.length][levels.length];
    for (int j = 0; j < group.length; j++) {
      mod[j][0] = 1;
      for (int l = 1; l < levels.length; l++) mod[j][l] = group[j].equals(levels[l]) ? 1 : 0;
    }
    return mod;
  }
}
