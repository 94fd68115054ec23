package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.model.kernel.StabilitySelection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link StabilitySelection} against scikit-learn ({@code make_golden.py}, {@code stability_*.csv}): the Poisson
 * weights of the first samples to the integer, every selection frequency exactly (counts / B), the F statistics of
 * the training set and of resample 0 within 1e-10 (relative).
 */
class StabilitySelectionTest {
  static final long SEED = 7;
  static final int RESAMPLES = 50;

  @ParameterizedTest
  @ValueSource(strings = {"binary", "three_class"})
  void matchesSklearn(String set) {
    ModelGolden fx = ModelGolden.read("stability_fixture.csv").where("set", set);
    ModelGolden gold = ModelGolden.read("stability_values.csv").where("set", set);
    int p = gold.rows.size();
    String[] keys = fx.strings("key");
    int[] label = fx.ints("label");
    int k = fx.ints("k")[0];
    int classes = 0;
    for (int y : label) classes = Math.max(classes, y + 1);
    StabilitySelection.Sums sums = new StabilitySelection.Sums(RESAMPLES, classes, p);
    for (int i = 0; i < keys.length; i++) {
      double[] x = new double[p];
      for (int j = 0; j < p; j++) x[j] = Double.parseDouble(fx.rows.get(i)[fx.col(String.format("f%02d", j))]);
      sums.add(x, label[i], StabilitySelection.weights(SEED, keys[i], RESAMPLES));
    }
    StabilitySelection.Result r = StabilitySelection.select(sums, k);
    assertArrayEquals(gold.doubles("frequency"), r.frequency(), 0.0, set + " frequencies");
    close(gold.strings("f_train"), r.f(), set + " F on the training set");
    close(gold.strings("f_resample0"), sums.anovaF(0), set + " F of resample 0");
    int[] stable = r.stable(0.6);
    for (int j : stable) assertTrue(r.frequency()[j] >= 0.6);
    for (int i = 1; i < stable.length; i++) {
      assertTrue(r.frequency()[stable[i - 1]] >= r.frequency()[stable[i]], "stable set ordered by frequency");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"binary", "three_class"})
  void weightsMatchThePythonStream(String set) {
    ModelGolden w = ModelGolden.read("stability_weights.csv").where("set", set);
    String[] keys = w.strings("key");
    for (int i = 0; i < keys.length; i++) {
      int[] want = new int[10];
      for (int b = 0; b < 10; b++) want[b] = Integer.parseInt(w.rows.get(i)[w.col("w" + b)]);
      assertArrayEquals(want, java.util.Arrays.copyOf(StabilitySelection.weights(SEED, keys[i], RESAMPLES), 10),
          keys[i]);
    }
  }

  private static void close(String[] want, double[] got, String what) {
    assertEquals(want.length, got.length, what);
    for (int j = 0; j < want.length; j++) {
      if (want[j].equals("nan")) {
        assertTrue(Double.isNaN(got[j]), what + " feature " + j + " is NaN (constant)");
      } else {
        double e = Double.parseDouble(want[j]);
        assertEquals(e, got[j], 1e-10 * Math.max(1, Math.abs(e)), what + " feature " + j);
      }
    }
  }
}
