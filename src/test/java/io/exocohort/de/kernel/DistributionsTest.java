package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Table;
import org.junit.jupiter.api.Test;

/** pt / qt with R's semantics, including far tails and log probabilities, against R. */
class DistributionsTest {

  @Test
  void tDistributionMatchesR() {
    Table g = Golden.read("t_distribution.csv");
    double[] t = g.doubles("t");
    double[] df = g.doubles("df");
    double[] p = g.doubles("p_two_sided");
    double[] logUpper = g.doubles("log_upper");
    double[] q50 = g.doubles("q_log_upper_df50");
    double[] qHalf = g.doubles("q_half_p");
    Deviations dev = new Deviations("t distribution vs R");
    for (int i = 0; i < t.length; i++) {
      String w = "t=" + t[i] + " df=" + df[i];
      dev.check("2*pt(-|t|)", w, Distributions.tTwoSided(t[i], df[i]), p[i], 1e-12, 0);
      dev.check("pt(log, upper)", w, Distributions.tUpperLog(t[i], df[i]), logUpper[i], 1e-12, 1e-15);
      dev.check("qt(log, upper, 50)", w, Distributions.tUpperQuantileLog(logUpper[i], 50), q50[i], 1e-11, 1e-15);
      if (p[i] > 0) {
        // R's own qt is good to about 1e-15 here; ours inverts to full precision
        dev.check("qt(p/2, upper)", w, Distributions.tUpperQuantile(p[i] / 2, df[i]), qHalf[i], 1e-12, 1e-15);
      }
    }
    dev.assertOk();
  }

  @Test
  void edgeCases() {
    assertEquals(1.0, Distributions.tTwoSided(0, 5));
    assertEquals(0.0, Distributions.tTwoSided(Double.POSITIVE_INFINITY, 5));
    assertEquals(Double.NaN, Distributions.tTwoSided(Double.NaN, 5));
    assertEquals(2 * Distributions.normalUpper(2.5), Distributions.tTwoSided(-2.5, Double.POSITIVE_INFINITY), 1e-16);
    assertEquals(0.0, Distributions.tUpperQuantile(0.5, 7));
    assertEquals(1.0, Distributions.chiSquareUpper(-1e-15, 3));
    assertEquals(1.0, Distributions.fUpper(0, 2, 10));
    // P(F(2, 10) > 4.1028) = 0.05 (table value)
    assertEquals(0.05, Distributions.fUpper(4.102821015130399, 2, 10), 1e-12);
    // P(chi2(1) > 3.841458820694124) = 0.05
    assertEquals(0.05, Distributions.chiSquareUpper(3.841458820694124, 1), 1e-13);
  }
}
