package io.exocohort.normalize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.DownshiftImputation;
import org.junit.jupiter.api.Test;

/** What a sample's protein values become when written: missing values null, or imputed from its distribution. */
class ProteinNormalizerTest {
  private static final String[] FEATURES = {"A", "B", "C", "D", "E"};
  private static final double NA = Double.NaN;

  @Test
  void withoutImputationAMissingValueIsNull() {
    ProteinNormalizer.Written w = ProteinNormalizer.written(new double[] {1, NA, 3, NA, 5}, "S1", FEATURES, false, 1);
    assertArrayEquals(new Double[] {1.0, null, 3.0, null, 5.0}, w.values());
    assertArrayEquals(new boolean[5], w.imputed());
  }

  @Test
  void imputedValuesComeFromTheSamplesDownShiftedNormalAndAreReproducible() {
    double[] v = {1, NA, 3, NA, 5};
    ProteinNormalizer.Written w = ProteinNormalizer.written(v, "S1", FEATURES, true, 7);
    assertArrayEquals(new boolean[] {false, true, false, true, false}, w.imputed());
    assertEquals(1.0, w.values()[0]);
    assertEquals(5.0, w.values()[4]);
    // observed 1, 3, 5: mean 3, SD 2; the draws come from Normal(3 - 1.8 * 2, (0.3 * 2)^2) = Normal(-0.6, 0.6^2)
    DownshiftImputation.Distribution d = DownshiftImputation.distribution(v, DownshiftImputation.Parameters.PERSEUS);
    assertEquals(-0.6, d.mean(), 1e-12);
    assertEquals(0.6, d.sd(), 1e-12);
    assertEquals(DownshiftImputation.draw(d, 7, "S1", "B"), w.values()[1]);
    assertEquals(DownshiftImputation.draw(d, 7, "S1", "D"), w.values()[3]);
    assertArrayEquals(w.values(), ProteinNormalizer.written(v, "S1", FEATURES, true, 7).values(), "same seed");
    assertTrue(!w.values()[1].equals(ProteinNormalizer.written(v, "S1", FEATURES, true, 8).values()[1]),
        "another seed, another draw");
  }
}
