package io.exocohort.deconv;

import static io.exocohort.deconv.QuantileNormalizationTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.deconv.kernel.SimplexLeastSquares;
import io.exocohort.deconv.kernel.SimplexLeastSquares.Fit;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SimplexLeastSquares}: recovery of known mixtures, optimality, singular references and bad input. */
class SimplexLeastSquaresTest {

  /** k reference CPM profiles over n miRs: log-normal around 100 CPM, a few miRs specific to each reference. */
  private static double[][] references(Random rnd, int n, int k) {
    double[][] a = new double[n][k];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < k; p++) a[i][p] = 100 * Math.exp(1.5 * rnd.nextGaussian());
      a[i][i % k] *= 8;
    }
    return a;
  }

  private static double[] mix(double[][] a, double[] w) {
    double[] b = new double[a.length];
    for (int i = 0; i < a.length; i++) for (int p = 0; p < w.length; p++) b[i] += a[i][p] * w[p];
    return b;
  }

  /** Fractions from a flat Dirichlet, one in five with a component exactly 0 (renormalised). */
  private static double[] fractions(Random rnd, int k, int s) {
    double[] w = new double[k];
    double sum = 0;
    for (int p = 0; p < k; p++) {
      w[p] = s % 5 == 0 && p == s % k ? 0 : -Math.log(1 - rnd.nextDouble());
      sum += w[p];
    }
    for (int p = 0; p < k; p++) w[p] /= sum;
    return w;
  }

  /**
   * Synthetic recovery: 200 samples mixing 3 reference CPM profiles over 48 miRs with known fractions, then sequencing
   * noise: each miR's CPM gets Gaussian noise of variance equal to its expected read count at a library of 2 million
   * reads (Poisson-like), floored at 0. Measured: mean absolute error of the fractions 0.0018, largest 0.0099; the
   * test bounds the mean at 0.01 and every single fraction within 0.05.
   */
  @Test
  void recoversKnownFractionsUnderSequencingNoise() {
    Random rnd = new Random(19);
    double[][] a = references(rnd, 48, 3);
    SimplexLeastSquares solver = SimplexLeastSquares.of(a);
    double library = 2e6;
    double sumAbs = 0;
    double worst = 0;
    int count = 0;
    for (int s = 0; s < 200; s++) {
      double[] w = fractions(rnd, 3, s);
      double[] b = mix(a, w);
      for (int i = 0; i < b.length; i++) {
        double reads = b[i] * library / 1e6;
        b[i] = Math.max(0, (reads + Math.sqrt(reads) * rnd.nextGaussian()) * 1e6 / library);
      }
      Fit fit = solver.fit(b);
      for (int p = 0; p < 3; p++) {
        double e = Math.abs(fit.weights()[p] - w[p]);
        sumAbs += e;
        worst = Math.max(worst, e);
        count++;
      }
    }
    double mae = sumAbs / count;
    assertTrue(mae < 0.01, "mean absolute error " + mae);
    assertTrue(worst < 0.05, "largest absolute error " + worst);
  }

  @Test
  void exactMixturesAreRecoveredExactly() {
    Random rnd = new Random(7);
    double[][] a = references(rnd, 30, 4);
    SimplexLeastSquares solver = SimplexLeastSquares.of(a);
    for (double[] w : new double[][] {{0.1, 0.2, 0.3, 0.4}, {0, 0, 1, 0}, {0.5, 0, 0, 0.5}, {0.25, 0.25, 0.25, 0.25}}) {
      Fit fit = solver.fit(mix(a, w));
      assertArrayEquals(w, fit.weights(), 1e-10);
      assertEquals(0, fit.rmsResidual(), 1e-8);
      assertEquals(0, fit.ridge());
    }
  }

  /** Far outside the references' hull: all weight on the nearest vertex or edge, weights still on the simplex. */
  @Test
  void sampleOutsideTheHullProjectsOntoIt() {
    double[][] a = {{1, 0}, {0, 1}, {0, 0}};
    Fit fit = SimplexLeastSquares.solve(a, new double[] {5, -1, 0});
    assertArrayEquals(new double[] {1, 0}, fit.weights(), 1e-15);
    assertEquals(Math.sqrt((16 + 1) / 3.0), fit.rmsResidual(), 1e-12);
    fit = SimplexLeastSquares.solve(a, new double[] {1.5, 1, 3});
    assertArrayEquals(new double[] {0.75, 0.25}, fit.weights(), 1e-12);
  }

  /**
   * Optimality on random problems, k = 2..10, fewer to more features than components: w on the simplex and the KKT
   * conditions of min ||Aw - b||^2, gradient g = A'(Aw - b) equal to a constant mu on the support and >= mu off it.
   */
  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 5, 7, 10})
  void satisfiesKktConditions(int k) {
    Random rnd = new Random(100 + k);
    for (int t = 0; t < 200; t++) {
      int n = k + rnd.nextInt(40);
      double[][] a = new double[n][k];
      double[] b = new double[n];
      for (int i = 0; i < n; i++) {
        for (int p = 0; p < k; p++) a[i][p] = rnd.nextGaussian();
        b[i] = 2 * rnd.nextGaussian();
      }
      Fit fit = SimplexLeastSquares.solve(a, b);
      double[] w = fit.weights();
      double[] g = new double[k];
      double sum = 0;
      for (int p = 0; p < k; p++) {
        assertTrue(w[p] >= 0, "negative weight " + w[p]);
        sum += w[p];
      }
      assertEquals(1, sum, 1e-12);
      double[] r = mix(a, w);
      for (int i = 0; i < n; i++) for (int p = 0; p < k; p++) g[p] += a[i][p] * (r[i] - b[i]);
      double mu = Double.NaN;
      for (int p = 0; p < k; p++) if (w[p] > 1e-9) mu = g[p];
      for (int p = 0; p < k; p++) {
        if (w[p] > 1e-9) assertEquals(mu, g[p], 1e-8 * n, "gradient on the support, k=" + k + " t=" + t);
        else assertTrue(g[p] >= mu - 1e-8 * n, "gradient off the support, k=" + k + " t=" + t);
      }
    }
  }

  /**
   * A'A singular (a duplicated reference): quadprog would refuse; the kernel adds its ridge and splits the duplicated
   * profile's weight equally, with the residual of the exact fit.
   */
  @Test
  void duplicatedProfileSharesItsWeight() {
    Random rnd = new Random(3);
    double[][] base = references(rnd, 20, 2);
    double[][] a = new double[20][];
    for (int i = 0; i < 20; i++) a[i] = new double[] {base[i][0], base[i][1], base[i][1]};
    Fit fit = SimplexLeastSquares.solve(a, mix(base, new double[] {0.4, 0.6}));
    assertTrue(fit.ridge() > 0);
    assertArrayEquals(new double[] {0.4, 0.3, 0.3}, fit.weights(), 1e-6);
    assertTrue(fit.rmsResidual() < 1e-4 * 100, "residual " + fit.rmsResidual());
  }

  /** Nearly collinear references, an all-zero profile, fewer features than components: finite weights on the simplex. */
  @Test
  void nearSingularReferencesStayOnTheSimplex() {
    double[][] near = {{1, 1 + 1e-9, 0.2}, {2, 2, 0.1}, {3, 3 - 1e-9, 0.7}, {4, 4, 0.3}};
    double[][] zero = {{1, 0}, {2, 0}, {3, 0}};
    double[][] wide = {{1, 2, 3, 4}, {2, 1, 0, 5}};
    for (double[][] a : new double[][][] {near, zero, wide}) {
      double[] b = new double[a.length];
      for (int i = 0; i < b.length; i++) b[i] = 1.5 + i;
      Fit fit = SimplexLeastSquares.solve(a, b);
      double sum = 0;
      for (double w : fit.weights()) {
        assertTrue(Double.isFinite(w) && w >= 0, "weight " + w);
        sum += w;
      }
      assertEquals(1, sum, 1e-9);
      assertTrue(Double.isFinite(fit.rmsResidual()));
    }
    assertTrue(SimplexLeastSquares.solve(wide, new double[] {3, 2}).ridge() > 0);
  }

  @Test
  void badInputIsRejected() {
    assertMessage(() -> SimplexLeastSquares.of(new double[][] {{1}, {2}}), "at least 2 components");
    assertMessage(() -> SimplexLeastSquares.of(new double[0][]), "no rows");
    assertMessage(() -> SimplexLeastSquares.of(new double[][] {{1, 2}, {3}}), "not rectangular");
    assertMessage(() -> SimplexLeastSquares.of(new double[][] {{1, Double.NaN}, {3, 4}}), "not finite");
    SimplexLeastSquares s = SimplexLeastSquares.of(new double[][] {{1, 2}, {3, 4}});
    assertEquals(2, s.components());
    assertMessage(() -> s.fit(new double[] {1}), "1 values, the reference profiles have 2 features");
    assertMessage(() -> s.fit(null), "no values");
    assertMessage(() -> s.fit(new double[] {1, Double.NEGATIVE_INFINITY}), "sample value [1] is not finite");
  }
}
