package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast samplers reproduce the moments of their distributions. */
class SamplersTest {
  static final int N = 200_000;

  @ParameterizedTest
  @ValueSource(doubles = {0.05, 0.3, 1.0, 2.5, 20})
  void gammaHasMeanAndVarianceOfShape(double shape) {
    SplittableRandom r = new SplittableRandom(1);
    double s = 0;
    double ss = 0;
    for (int i = 0; i < N; i++) {
      double x = Samplers.gamma(r, shape);
      s += x;
      ss += x * x;
    }
    double mean = s / N;
    double var = ss / N - mean * mean;
    assertEquals(shape, mean, 0.02 * Math.max(shape, 1) + 4 * Math.sqrt(shape / N));
    assertEquals(shape, var, 0.1 * shape);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.001, 0.5, 3, 9.9, 10, 47.5, 1e4, 2e6})
  void poissonHasMeanEqualToVariance(double mean) {
    SplittableRandom r = new SplittableRandom(2);
    double s = 0;
    double ss = 0;
    for (int i = 0; i < N; i++) {
      double x = Samplers.poisson(r, mean);
      s += x;
      ss += x * x;
    }
    double m = s / N;
    double var = ss / N - m * m;
    assertEquals(mean, m, 5 * Math.sqrt(mean / N) + 1e-9);
    assertEquals(mean, var, 0.03 * mean + 1e-3);
  }

  @Test
  void poissonOfZeroIsZeroAndCategoricalFollowsWeights() {
    SplittableRandom r = new SplittableRandom(3);
    assertEquals(0, Samplers.poisson(r, 0));
    int[] c = new int[3];
    for (int i = 0; i < 30_000; i++) c[Samplers.categorical(r, new double[] {1, 2, 7})]++;
    assertEquals(0.7, c[2] / 30_000.0, 0.02);
  }

  @Test
  void streamsAreReproducibleAndDistinct() {
    assertEquals(Samplers.rng(42, 8, 17).nextLong(), Samplers.rng(42, 8, 17).nextLong());
    assertNotEquals(Samplers.rng(42, 8, 17).nextLong(), Samplers.rng(42, 8, 18).nextLong());
    assertNotEquals(Samplers.rng(42, 8, 17).nextLong(), Samplers.rng(42, 9, 17).nextLong());
    assertNotEquals(Samplers.rng(42, 8, 17).nextLong(), Samplers.rng(43, 8, 17).nextLong());
  }
}
