package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.normalize.kernel.DownshiftImputation.Distribution;
import io.exocohort.normalize.kernel.DownshiftImputation.Parameters;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** log2, median centring and down-shifted normal imputation of protein intensities (no R gold: properties). */
class ProteinNormalizationTest {

  @Test
  void log2TreatsNonPositiveIntensitiesAsMissing() {
    assertEquals(20.0, ProteinNormalization.log2Intensity(1 << 20));
    assertEquals(Math.log(3e7) / Math.log(2), ProteinNormalization.log2Intensity(3e7), 1e-12);
    assertTrue(Double.isNaN(ProteinNormalization.log2Intensity(0)));
    assertTrue(Double.isNaN(ProteinNormalization.log2Intensity(-5)));
    assertTrue(Double.isNaN(ProteinNormalization.log2Intensity(Double.NaN)));
  }

  @Test
  void medianCentringAddsBackTheMedianOfSampleMedians() {
    double nan = Double.NaN;
    // sample medians: 2 (of 1,2,3), 20 (of 10,30 → 20), 5 (of 5); global median 5
    double[][] x = {{1, 10, nan}, {2, nan, 5}, {3, 30, nan}};
    double[][] c = ProteinNormalization.medianCentre(x, true);
    assertArrayEquals(new double[] {4, -5, nan}, c[0]);
    assertArrayEquals(new double[] {5, nan, 5}, c[1]);
    assertArrayEquals(new double[] {6, 15, nan}, c[2]);
    double[][] perseus = ProteinNormalization.medianCentre(x, false);
    assertArrayEquals(new double[] {-1, -10, nan}, perseus[0]);
    assertEquals(5, ProteinNormalization.globalMedian(new double[] {2, 20, 5, nan}));
  }

  @Test
  void imputedValuesFollowTheDownshiftedNormal() {
    SplittableRandom r = new SplittableRandom(7);
    int n = 20_000;
    double[] v = new double[n];
    String[] ids = new String[n];
    for (int i = 0; i < n; i++) {
      ids[i] = "P" + i;
      v[i] = i % 2 == 0 ? Double.NaN : 25 + 2 * r.nextGaussian();
    }
    Distribution d = DownshiftImputation.distribution(v, Parameters.PERSEUS);
    double[] obs = Arrays.stream(v).filter(x -> !Double.isNaN(x)).toArray();
    double mu = RNumerics.mean(obs);
    double sigma = Math.sqrt(RNumerics.var(obs));
    assertEquals(mu - 1.8 * sigma, d.mean(), 1e-12);
    assertEquals(0.3 * sigma, d.sd(), 1e-12);

    double[] out = DownshiftImputation.impute(v, ids, "sample-1", 42L, Parameters.PERSEUS);
    double[] imputed = new double[n / 2];
    for (int i = 0, k = 0; i < n; i++) {
      if (Double.isNaN(v[i])) imputed[k++] = out[i];
      else assertEquals(v[i], out[i]); // observed values untouched
    }
    double m = RNumerics.mean(imputed);
    double sd = Math.sqrt(RNumerics.var(imputed));
    double se = d.sd() / Math.sqrt(imputed.length);
    assertEquals(d.mean(), m, 5 * se, "mean of imputed values");
    assertEquals(d.sd(), sd, 0.03 * d.sd(), "SD of imputed values");
    // roughly normal: about 95% within 1.96 SD
    long inside = Arrays.stream(imputed).filter(x -> Math.abs(x - d.mean()) < 1.96 * d.sd()).count();
    assertEquals(0.95, inside / (double) imputed.length, 0.01);
    System.out.printf("DEVIATION %-40s n=%-6d mean %.4f (target %.4f), sd %.4f (target %.4f)%n",
        "down-shifted imputation", imputed.length, m, d.mean(), sd, d.sd());
  }

  @Test
  void imputationIsDeterministicPerSeedSampleAndFeature() {
    double nan = Double.NaN;
    double[] v = {20, nan, 22, 24, nan, 21, nan};
    String[] ids = {"A", "B", "C", "D", "E", "F", "G"};
    double[] a = DownshiftImputation.impute(v, ids, "S1", 1L, Parameters.PERSEUS);
    assertArrayEquals(a, DownshiftImputation.impute(v, ids, "S1", 1L, Parameters.PERSEUS));
    assertNotEquals(a[1], DownshiftImputation.impute(v, ids, "S2", 1L, Parameters.PERSEUS)[1]);
    assertNotEquals(a[1], DownshiftImputation.impute(v, ids, "S1", 2L, Parameters.PERSEUS)[1]);
    // row order does not matter: reverse the sample's values and ids
    double[] rv = new double[v.length];
    String[] rid = new String[v.length];
    for (int i = 0; i < v.length; i++) {
      rv[i] = v[v.length - 1 - i];
      rid[i] = ids[v.length - 1 - i];
    }
    double[] b = DownshiftImputation.impute(rv, rid, "S1", 1L, Parameters.PERSEUS);
    for (int i = 0; i < v.length; i++) assertEquals(a[i], b[v.length - 1 - i]);
    // the moments form gives the same distribution
    Distribution d1 = DownshiftImputation.distribution(v, Parameters.PERSEUS);
    Distribution d2 = DownshiftImputation.distributionFromMoments(4, 87, 400 + 484 + 576 + 441, Parameters.PERSEUS);
    assertEquals(d1.mean(), d2.mean(), 1e-12);
    assertEquals(d1.sd(), d2.sd(), 1e-12);
    assertThrows(IllegalArgumentException.class,
        () -> DownshiftImputation.impute(new double[] {1, nan}, new String[] {"a", "b"}, "s", 1, Parameters.PERSEUS));
  }
}
