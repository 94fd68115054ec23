package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Edge cases of the linear model, contrasts, BH, Welch and ANOVA that the golden cohorts do not reach. */
class SmallKernelsTest {

  @Test
  void benjaminiHochbergIsNaNAware() {
    // R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.2), "BH") = 0.04 NA 0.05333333 0.05333333 0.20 (m = 4, not 5)
    double[] adj = BenjaminiHochberg.adjust(new double[] {0.01, Double.NaN, 0.04, 0.03, 0.2});
    assertArrayEquals(new double[] {0.04, Double.NaN, 0.16 / 3, 0.16 / 3, 0.2}, adj, 1e-15);
    assertArrayEquals(new double[] {0.3}, BenjaminiHochberg.adjust(new double[] {0.3}));
    // R: p.adjust(c(0.9, 0.99, 0.7), "BH") = 0.99 0.99 0.99
    assertArrayEquals(new double[] {0.99, 0.99, 0.99}, BenjaminiHochberg.adjust(new double[] {0.9, 0.99, 0.7}), 1e-15);
  }

  @Test
  void missingGroupIsNotEstimableAndItsContrastsAreNa() {
    // ~0 + group (3 groups) + x; group 2 has no observed value
    LinearModel m = LinearModel.of("g0", "g1", "g2", "x");
    double[][] rows = {{1, 0, 0, 1}, {1, 0, 0, 2}, {1, 0, 0, 4}, {0, 1, 0, 1}, {0, 1, 0, 3}, {0, 1, 0, 6}};
    double[] y = {1, 2, 4, 3, 5, 9};
    FeatureSums.Builder b = FeatureSums.builder(4, 0);
    for (int i = 0; i < rows.length; i++) b.add(rows[i], y[i]);
    FeatureFit fit = m.fit(b.build());
    assertEquals(3, fit.rank());
    assertEquals(3, fit.dfResidual());
    assertTrue(Double.isNaN(fit.coefficients()[2]));
    assertTrue(Double.isNaN(fit.stdevUnscaled()[2]));
    ContrastSet cs = ContrastSet.exact(new String[] {"g1-g0", "g2-g0", "g1-mean(g0,g2)"},
        new double[][] {{-1, 1, 0, 0}, {-1, 0, 1, 0}, {-0.5, 1, -0.5, 0}});
    ContrastSet.Estimate[] e = cs.estimate(fit);
    assertTrue(Double.isFinite(e[0].coefficient()));
    assertTrue(Double.isNaN(e[1].coefficient()) && Double.isNaN(e[1].stdevUnscaled()));
    assertTrue(Double.isNaN(e[2].coefficient()));
  }

  @Test
  void exactFitHasNoResidualDf() {
    LinearModel m = LinearModel.of("a", "b");
    FeatureSums.Builder b = FeatureSums.builder(2, 0);
    b.add(new double[] {1, 0}, 3).add(new double[] {0, 1}, 5).add(new double[] {1, 0}, Double.NaN);
    FeatureFit fit = m.fit(b.build());
    assertEquals(0, fit.dfResidual());
    assertTrue(Double.isNaN(fit.sigma2()));
    assertArrayEquals(new double[] {3, 5}, fit.coefficients(), 1e-15);
    assertEquals(4, fit.aveExpr(), 1e-15);
  }

  @Test
  void centringNeedsOnesColumns() {
    assertThrows(IllegalArgumentException.class, () -> LinearModel.of("a", "age").centred(new double[] {0, 60}));
    LinearModel m = LinearModel.of("a", "b");
    FeatureSums shifted = new FeatureSums(2, 0, 0, new double[2], new double[][] {{1, 0}, {0, 1}}, 5);
    assertThrows(IllegalArgumentException.class, () -> m.fit(shifted));
  }

  @Test
  void welchAndAnovaDegenerateCasesFollowScipy() {
    // a group of one: variance undefined; scipy reports df 1 and NaN t and p
    WelchTTest.Result r = WelchTTest.test(GroupSums.of(1), GroupSums.of(2, 3, 4));
    assertEquals(1.0, r.df());
    assertTrue(Double.isNaN(r.t()) && Double.isNaN(r.pValue()));
    assertTrue(Double.isNaN(WelchTTest.test(GroupSums.EMPTY, GroupSums.of(1, 2)).t()));
    // scipy: ttest_ind([1, 2, 3, 4], [2, 4, 6, 9], equal_var=False) -> t -1.690641214609248, p 0.1647020796280566
    WelchTTest.Result w = WelchTTest.test(GroupSums.of(1, 2, 3, 4), GroupSums.of(2, 4, 6, 9));
    assertEquals(-1.690641214609248, w.t(), 1e-14);
    assertEquals(0.1647020796280566, w.pValue(), 1e-15);
    // scipy: f_oneway([1, 2, 3], [2, 4, 7], [5, 5.5, 9]) -> F 3.772413793103449, p 0.08692271992551268
    OneWayAnova.Result a = OneWayAnova.test(GroupSums.of(1, 2, 3), GroupSums.of(2, 4, 7), GroupSums.of(5, 5.5, 9));
    assertEquals(3.772413793103449, a.f(), 1e-14);
    assertEquals(0.08692271992551268, a.pValue(), 1e-15);
    OneWayAnova.Result constant = OneWayAnova.test(GroupSums.of(1, 1), GroupSums.of(2, 2));
    assertEquals(Double.POSITIVE_INFINITY, constant.f());
    assertEquals(0.0, constant.pValue());
    assertTrue(Double.isNaN(OneWayAnova.test(GroupSums.of(1), GroupSums.of(2)).f()));
    assertTrue(Double.isNaN(OneWayAnova.test(GroupSums.of(1, 2), GroupSums.EMPTY).f()));
  }

  @Test
  void weightedSumsKeepTheUnweightedMeanAndDropNonPositiveWeights() {
    LinearModel m = LinearModel.of("g0", "g1");
    double[][] rows = {{1, 0}, {1, 0}, {1, 0}, {0, 1}, {0, 1}, {0, 1}};
    double[] y = {1, 2, 4, 3, 5, 9};
    double[] w = {1, 2, 0.5, 3, 1, 1};
    FeatureSums.Builder weighted = FeatureSums.builder(2, 0);
    FeatureSums.Builder unit = FeatureSums.builder(2, 0);
    FeatureSums.Builder plain = FeatureSums.builder(2, 0);
    for (int i = 0; i < rows.length; i++) {
      weighted.add(rows[i], y[i], w[i]);
      unit.add(rows[i], y[i], 1);
      plain.add(rows[i], y[i]);
    }
    weighted.add(rows[0], 100, 0).add(rows[3], 100, -1).add(rows[3], 100, Double.NaN);
    FeatureFit fit = m.fit(weighted.build());
    // lm.wfit: beta_g = weighted group mean; sigma^2 = sum w r^2 / (n - rank); Amean unweighted
    assertEquals((1 + 4 + 2) / 3.5, fit.coefficients()[0], 1e-14);
    assertEquals((9 + 5 + 9) / 5.0, fit.coefficients()[1], 1e-14);
    assertEquals(Math.sqrt(1 / 3.5), fit.stdevUnscaled()[0], 1e-14);
    double b0 = 2.0;
    double b1 = 4.6;
    double rss = (1 - b0) * (1 - b0) + 2 * (2 - b0) * (2 - b0) + 0.5 * (4 - b0) * (4 - b0)
        + 3 * (3 - b1) * (3 - b1) + (5 - b1) * (5 - b1) + (9 - b1) * (9 - b1);
    assertEquals(rss / 4, fit.sigma2(), 1e-13);
    assertEquals(4, fit.dfResidual());
    assertEquals(4.0, fit.aveExpr(), 1e-15);
    FeatureFit u = m.fit(unit.build());
    FeatureFit p = m.fit(plain.build());
    assertArrayEquals(p.coefficients(), u.coefficients(), 1e-15);
    assertEquals(p.sigma2(), u.sigma2(), 1e-15);
  }
}
