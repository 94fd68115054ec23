package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The edges of {@link BlockCorrelation} and {@link BlockGls} that the goldens ({@link BlockGoldenTest}) do not reach:
 * duplicateCorrelation's skip rules and zero cases, R's trimmed mean, and GLS against the dense formula.
 */
class BlockKernelsTest {
  private static final double[][] DESIGN = new double[12][];
  private static final int[] PAIRS = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6};

  static {
    Random r = new Random(5);
    for (int i = 0; i < 12; i++) DESIGN[i] = new double[] {1, r.nextGaussian()};
  }

  /**
   * limma 3.54.1 (make_golden.R's rules, checked with duplicateCorrelation on blocks of two and ~ 1 + x): a feature
   * with p + 2 values, or with values in nobs - 1 blocks, or with fewer, is skipped (NA); others are fitted.
   */
  @Test
  void skipsFeaturesAsDuplicateCorrelation() {
    BlockCorrelation bc = BlockCorrelation.of(DESIGN, PAIRS);
    Random r = new Random(9);
    double[] y = new double[12];
    for (int i = 0; i < 12; i++) y[i] = r.nextGaussian();
    assertFalse(Double.isNaN(bc.atanhCorrelation(y)));
    double[] four = y.clone();
    for (int i = 4; i < 12; i++) four[i] = Double.NaN; // 4 values = p + 2
    assertTrue(Double.isNaN(bc.atanhCorrelation(four)));
    double[] sevenInSix = y.clone();
    for (int i : new int[] {1, 3, 5, 7, 9}) sevenInSix[i] = Double.NaN; // 7 values in 6 blocks
    assertTrue(Double.isNaN(bc.atanhCorrelation(sevenInSix)));
    // a weight that is not positive and finite leaves the value out, as NA does
    double[] w = new double[12];
    Arrays.fill(w, 1.5);
    w[4] = 0;
    w[7] = Double.NaN;
    double[] dropped = y.clone();
    dropped[4] = Double.NaN;
    dropped[7] = Double.NaN;
    assertEquals(bc.atanhCorrelation(dropped, ones(12, 1.5)), bc.atanhCorrelation(y, w), 0);
    assertEquals(bc.atanhCorrelation(y), bc.atanhCorrelation(y, ones(12, 2.5)), 1e-14, "constant weights");
  }

  @Test
  void zeroWhenBlocksAreSingletonsOrInTheDesign() {
    int[] singletons = new int[12];
    for (int i = 0; i < 12; i++) singletons[i] = i;
    BlockCorrelation single = BlockCorrelation.of(DESIGN, singletons);
    assertTrue(single.alwaysZero());
    assertEquals(0, single.atanhCorrelation(new double[12]));
    // blocks of three as the design's columns (~0 + factor(block)): limma sets the correlation to 0
    double[][] encoded = new double[12][4];
    int[] block = new int[12];
    for (int i = 0; i < 12; i++) {
      block[i] = i / 3;
      encoded[i][i / 3] = 1;
    }
    assertTrue(BlockCorrelation.of(encoded, block).alwaysZero());
    BlockCorrelation pairs = BlockCorrelation.of(DESIGN, PAIRS);
    assertFalse(pairs.alwaysZero());
    assertEquals(2, pairs.maxBlockSize());
    assertEquals(-0.99, pairs.minCorrelation(), 1e-15);
  }

  /** R 4.2.2: mean(x, trim, na.rm = TRUE) of the vector below (NA and NaN in it). */
  @Test
  void trimmedMeanIsRs() {
    double[] x = {0.3, -1.2, 2.5, Double.NaN, 0.7, 0.1, 5, -0.4, 0.9, 1.1, Double.NaN, 0.2, 0.25, -3, 0.6, 0.8, 1.9,
        0.05, 0.45, 0.33};
    assertEquals(0.52000000000000002, BlockCorrelation.trimmedMean(x, 0.15), 1e-15);
    assertEquals(0.53333333333333333, BlockCorrelation.trimmedMean(Arrays.copyOf(x, 3), 0.15), 1e-15);
    assertEquals(0.39000000000000001, BlockCorrelation.trimmedMean(x, 0.5), 1e-15);
    assertEquals(0.5, BlockCorrelation.trimmedMean(Arrays.copyOf(x, 9), 0.6), 1e-15);
    assertTrue(Double.isNaN(BlockCorrelation.trimmedMean(new double[] {Double.NaN}, 0.15)));
    assertEquals(Math.tanh(0.52000000000000002), BlockCorrelation.consensus(x), 1e-15);
  }

  /** GLS by whitened sums equals the dense formula with V = W^-1/2 C W^-1/2, including a missing value. */
  @Test
  void glsEqualsTheDenseFormula() {
    int[] block = {7, 3, 3, 3, 9, 9, 9, 9, 9};
    double rho = 0.35;
    Random r = new Random(11);
    double[][] x = new double[9][];
    double[] y = new double[9];
    double[] w = new double[9];
    for (int i = 0; i < 9; i++) {
      x[i] = new double[] {1, r.nextGaussian(), i % 2};
      y[i] = 3 + r.nextGaussian();
      w[i] = 0.3 + r.nextDouble() * 2;
    }
    y[5] = Double.NaN;
    LinearModel model = LinearModel.of("a", "b", "c");
    FeatureFit fit = model.fit(BlockGls.of(x, block, rho).sums(y, w, 0));
    int[] obs = {0, 1, 2, 3, 4, 6, 7, 8};
    int n = obs.length;
    double[][] vinv = new double[n][n];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        double c = a == b ? 1 : block[obs[a]] == block[obs[b]] ? rho : 0;
        vinv[a][b] = c / Math.sqrt(w[obs[a]] * w[obs[b]]);
      }
    }
    vinv = inverse(vinv);
    double[][] xtvx = new double[3][3];
    double[] xtvy = new double[3];
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        for (int j = 0; j < 3; j++) {
          xtvy[j] += x[obs[a]][j] * vinv[a][b] * y[obs[b]];
          for (int k = 0; k < 3; k++) xtvx[j][k] += x[obs[a]][j] * vinv[a][b] * x[obs[b]][k];
        }
      }
    }
    double[][] cov = inverse(xtvx);
    double[] beta = new double[3];
    for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) beta[j] += cov[j][k] * xtvy[k];
    double rss = 0;
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        double ra = y[obs[a]] - (beta[0] * x[obs[a]][0] + beta[1] * x[obs[a]][1] + beta[2] * x[obs[a]][2]);
        double rb = y[obs[b]] - (beta[0] * x[obs[b]][0] + beta[1] * x[obs[b]][1] + beta[2] * x[obs[b]][2]);
        rss += ra * vinv[a][b] * rb;
      }
    }
    assertArrayEquals(beta, fit.coefficients(), 1e-12);
    for (int j = 0; j < 3; j++) assertEquals(Math.sqrt(cov[j][j]), fit.stdevUnscaled()[j], 1e-12);
    assertEquals(rss / (n - 3), fit.sigma2(), 1e-12);
    assertEquals(n - 3, fit.dfResidual());
    double mean = 0;
    for (int i : obs) mean += y[i] / n;
    assertEquals(mean, fit.aveExpr(), 1e-14);
  }

  /** Correlation 0 is ordinary least squares: the same sums as {@link FeatureSums.Builder}. */
  @Test
  void zeroCorrelationIsLeastSquares() {
    Random r = new Random(3);
    double[] y = new double[12];
    for (int i = 0; i < 12; i++) y[i] = r.nextGaussian();
    FeatureSums gls = BlockGls.of(DESIGN, PAIRS, 0).sums(y);
    FeatureSums.Builder b = FeatureSums.builder(2, 0);
    for (int i = 0; i < 12; i++) b.add(DESIGN[i], y[i]);
    FeatureSums ols = b.build();
    assertEquals(ols.sumYY(), gls.sumYY(), 1e-13);
    assertArrayEquals(ols.xty(), gls.xty(), 1e-13);
    for (int j = 0; j < 2; j++) assertArrayEquals(ols.xtx()[j], gls.xtx()[j], 1e-13);
  }

  @Test
  void rejectsADegenerateCorrelation() {
    assertThrows(IllegalArgumentException.class, () -> BlockGls.of(DESIGN, PAIRS, 1));
    assertThrows(IllegalArgumentException.class, () -> BlockGls.of(DESIGN, PAIRS, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> BlockGls.of(DESIGN, PAIRS, -1)); // blocks of 2: 1 + rho = 0
    int[] quads = {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3};
    assertThrows(IllegalArgumentException.class, () -> BlockGls.of(DESIGN, quads, -0.4)); // 1 + 3 rho < 0
    BlockGls.of(DESIGN, quads, -0.3);
  }

  private static double[] ones(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }

  /** Gauss-Jordan with partial pivoting, for the small test matrices. */
  private static double[][] inverse(double[][] m) {
    int n = m.length;
    double[][] a = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], 0, a[i], 0, n);
      a[i][n + i] = 1;
    }
    for (int c = 0; c < n; c++) {
      int piv = c;
      for (int i = c + 1; i < n; i++) if (Math.abs(a[i][c]) > Math.abs(a[piv][c])) piv = i;
      double[] t = a[c];
      a[c] = a[piv];
      a[piv] = t;
      double d = a[c][c];
      for (int j = 0; j < 2 * n; j++) a[c][j] /= d;
      for (int i = 0; i < n; i++) {
        if (i == c) continue;
        double f = a[i][c];
        for (int j = 0; j < 2 * n; j++) a[i][j] -= f * a[c][j];
      }
    }
    double[][] inv = new double[n][n];
    for (int i = 0; i < n; i++) System.arraycopy(a[i], n, inv[i], 0, n);
    return inv;
  }
}
