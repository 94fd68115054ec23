package io.exocohort.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExactSumTest {

  @Test
  void theSumIsExactThenRoundedOnce() {
    assertEquals(1.0, new ExactSum(1).add(0, 1e16).add(0, 1).add(0, -1e16).get(0));
    assertEquals(0.0, 1e16 + 1 - 1e16, "the naive sum loses the 1");
  }

  @Test
  void anyOrderAndAnyGroupingOfPartialSumsGivesTheSameBits() {
    Random rnd = new Random(42);
    List<Double> xs = new ArrayList<>();
    for (int i = 0; i < 2000; i++) xs.add(Math.log(0.3 + 2 * rnd.nextDouble()) * (rnd.nextBoolean() ? 1e3 : 1e-3));
    double reference = sum(xs, 1);
    boolean naiveMoved = false;
    double naiveFirst = naive(xs);
    for (int round = 0; round < 20; round++) {
      Collections.shuffle(xs, rnd);
      assertEquals(Double.doubleToLongBits(reference), Double.doubleToLongBits(sum(xs, 1 + rnd.nextInt(16))));
      naiveMoved |= naive(xs) != naiveFirst;
    }
    org.junit.jupiter.api.Assertions.assertTrue(naiveMoved,
        "a naive sum of these values should depend on the order, or the test shows nothing");
  }

  /** Sums {@code xs} in {@code parts} partial sums merged in reverse order, as partitions could be. */
  private static double sum(List<Double> xs, int parts) {
    List<ExactSum> partial = new ArrayList<>();
    for (int p = 0; p < parts; p++) partial.add(new ExactSum(1));
    for (int i = 0; i < xs.size(); i++) partial.get(i % parts).add(0, xs.get(i));
    ExactSum total = new ExactSum(1);
    for (int p = parts - 1; p >= 0; p--) total.merge(partial.get(p));
    return total.get(0);
  }

  private static double naive(List<Double> xs) {
    double s = 0;
    for (double x : xs) s += x;
    return s;
  }
}
