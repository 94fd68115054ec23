package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Table;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Lowess} against R 4.2.2's {@code stats::lowess} on edge cases (lowess_cases.csv from make_golden.R): n =
 * 1, 2, 3, all-equal y, all-equal x, ties in x (with a small span), outliers (robustness weights), an exact
 * line and a single bump (the early stop on effectively zero residuals), robustness weights that are all zero in a neighbourhood,
 * iter = 0, and the delta skipping (default delta on 300 points, a large delta, delta = 0), span over 1.
 */
class LowessTest {
  // on the committed goldens the port is equal to R bit for bit; the margin allows another platform's libm/compiler
  static final double REL = 1e-14;
  static final double ABS = 1e-15;

  @Test
  void matchesRLowessOnEdgeCases() {
    Table all = Golden.read("lowess_cases.csv");
    Set<String> cases = new LinkedHashSet<>(List.of(all.strings("case")));
    Deviations dev = new Deviations("lowess edge cases");
    for (String name : cases) {
      Table c = all.where("case", name);
      Table in = c.where("part", "in");
      Table out = c.where("part", "out");
      double f = in.doubles("f")[0];
      int iter = (int) in.doubles("iter")[0];
      double delta = in.doubles("delta")[0];
      Lowess.Line line = Lowess.fit(in.doubles("x"), in.doubles("y"), f, iter, delta);
      double[] ex = out.doubles("x");
      double[] ey = out.doubles("y");
      assertEquals(ex.length, line.x().length, name);
      assertArrayEquals(ex, line.x(), 0, name + ": sorted x");
      for (int i = 0; i < ex.length; i++) dev.check(name, "point " + (i + 1), line.y()[i], ey[i], REL, ABS);
    }
    dev.assertOk();
    assertEquals(17, cases.size(), "every case read");
  }

  @Test
  void defaultsAreRsIterAndDelta() {
    Table c = Golden.read("lowess_cases.csv").where("case", "delta_default_300");
    Table in = c.where("part", "in");
    Lowess.Line line = Lowess.fit(in.doubles("x"), in.doubles("y"), 0.5);
    double[] ey = c.where("part", "out").doubles("y");
    for (int i = 0; i < ey.length; i++) assertEquals(ey[i], line.y()[i], 1e-12 * Math.abs(ey[i]));
  }

  @Test
  void rejectsWhatRRejectsAndNonFiniteValues() {
    double[] x = {1, 2, 3};
    double[] y = {1, 2, 3};
    assertThrows(IllegalArgumentException.class, () -> Lowess.fit(x, y, 0));
    assertThrows(IllegalArgumentException.class, () -> Lowess.fit(x, y, 0.5, -1, 0));
    assertThrows(IllegalArgumentException.class, () -> Lowess.fit(x, y, 0.5, 3, -1));
    assertThrows(IllegalArgumentException.class, () -> Lowess.fit(new double[0], new double[0], 0.5));
    assertThrows(IllegalArgumentException.class, () -> Lowess.fit(x, new double[] {1, Double.NaN, 3}, 0.5));
    assertTrue(Lowess.fit(x, y, 0.5).y().length == 3);
  }
}
