package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Log2} against the JDK's own functions, over voom's range and the whole double range. */
class Log2Test {
  private static final double LN2 = Math.log(2);

  @Test
  void exp2EqualsPowWithinUnitsInTheLastPlace() {
    Random rnd = new Random(11);
    double worst = 0;
    for (int i = 0; i < 2_000_000; i++) {
      double y = (rnd.nextDouble() - 0.5) * (i % 3 == 0 ? 120 : 40);
      if (i % 7 == 0) y = Math.rint(y * 256) / 256; // table points themselves
      double expected = Math.pow(2, y);
      worst = Math.max(worst, Math.abs(Log2.exp2(y) - expected) / expected);
    }
    assertTrue(worst <= 6e-16, "exp2 worst relative difference " + worst);
    assertEquals(1.0, Log2.exp2(0), 0);
    assertEquals(1024.0, Log2.exp2(10), 0);
    assertEquals(0.5, Log2.exp2(-1), 0);
    assertEquals(Math.exp(2000 * LN2), Log2.exp2(2000), 0);
    assertEquals(0.0, Log2.exp2(-2000), 0);
    assertTrue(Double.isNaN(Log2.exp2(Double.NaN)));
    assertEquals(Double.POSITIVE_INFINITY, Log2.exp2(Double.POSITIVE_INFINITY), 0);
  }

  @Test
  void log2EqualsLogWithinUnitsInTheLastPlace() {
    Random rnd = new Random(12);
    double worst = 0;
    for (int i = 0; i < 2_000_000; i++) {
      double x = switch (i % 4) {
        case 0 -> Math.exp((rnd.nextDouble() - 0.5) * 1400); // the whole normal range
        case 1 -> 1 + (rnd.nextDouble() - 0.5) * 1e-3; // near 1, where log2 is near 0
        case 2 -> rnd.nextInt(1_000_000) + 0.5; // voom's counts + 0.5
        default -> rnd.nextDouble() * 100;
      };
      double expected = Math.log(x) / LN2;
      worst = Math.max(worst, Math.abs(Log2.log2(x) - expected) / Math.max(1, Math.abs(expected)));
    }
    assertTrue(worst <= 6e-16, "log2 worst difference " + worst);
    assertEquals(0.0, Log2.log2(1), 0);
    assertEquals(10.0, Log2.log2(1024), 0);
    assertEquals(-1.0, Log2.log2(0.5), 0);
    assertEquals(Double.NEGATIVE_INFINITY, Log2.log2(0), 0);
    assertTrue(Double.isNaN(Log2.log2(-1)));
    assertTrue(Double.isNaN(Log2.log2(Double.NaN)));
    assertEquals(Double.POSITIVE_INFINITY, Log2.log2(Double.POSITIVE_INFINITY), 0);
    assertEquals(Math.log(Double.MIN_VALUE) / LN2, Log2.log2(Double.MIN_VALUE), 1e-12);
  }
}
