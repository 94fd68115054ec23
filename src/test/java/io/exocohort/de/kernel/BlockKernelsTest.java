package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The edges of {@link BlockedModel} that the goldens ({@link BlockGoldenTest}) do not reach: the Builder's missing
 * values, duplicateCorrelation's skip rules and zero cases, statmod's NA of a constant d, R's trimmed mean and the
 * consensus' clipping, GLS against the dense formula, and the time {@link BlockedModel#correlation} takes.
 */
class BlockKernelsTest {
  private static final double[][] DESIGN = new double[12][];
  private static final int[] PAIRS = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5};

  static {
    Random r = new Random(5);
    for (int i = 0; i < 12; i++) DESIGN[i] = new double[] {1, r.nextGaussian()};
  }

  /**
   * limma 3.54.1 (make_golden.R's rules, checked with duplicateCorrelation on blocks of two and ~ 1 + x): a feature
   * with p + 2 values, or with values in nobs - 1 blocks, or with fewer, is skipped (NA); others are fitted.
   */
  /** One feature's sums through the Builder over DESIGN's rows. */
  private static BlockedModel.Sums sums(int[] block, double[] y, double[] w) {
    BlockedModel.Builder b = BlockedModel.builder(2, Arrays.stream(block).max().getAsInt() + 1);
    for (int i = 0; i < y.length; i++) b.add(block[i], DESIGN[i], y[i], w == null ? 1 : w[i]);
    return b.build();
  }

  private static double correlation(double[] y, double[] w) {
    return BlockedModel.correlation(sums(PAIRS, y, w));
  }

  @Test
  void skipsFeaturesAsDuplicateCorrelation() {
    Random r = new Random(9);
    double[] y = new double[12];
    for (int i = 0; i < 12; i++) y[i] = r.nextGaussian();
    assertFalse(Double.isNaN(correlation(y, null)));
    double[] four = y.clone();
    for (int i = 4; i < 12; i++) four[i] = Double.NaN; // 4 values = p + 2
    assertTrue(Double.isNaN(correlation(four, null)));
    double[] sevenInSix = y.clone();
    for (int i : new int[] {1, 3, 5, 7, 9}) sevenInSix[i] = Double.NaN; // 7 values in 6 blocks
    assertTrue(Double.isNaN(correlation(sevenInSix, null)));
    // a weight that is not positive and finite leaves the value out, as NA does
    double[] w = new double[12];
    Arrays.fill(w, 1.5);
    w[4] = 0;
    w[7] = Double.NaN;
    double[] dropped = y.clone();
    dropped[4] = Double.NaN;
    dropped[7] = Double.NaN;
    assertEquals(correlation(dropped, ones(12, 1.5)), correlation(y, w), 0);
    assertEquals(correlation(y, null), correlation(y, ones(12, 2.5)), 1e-14, "constant weights");
  }

  /** A missing value (or weight) leaves its sample out of the feature's sums: its block shrinks. */
  @Test
  void builderCountsObservedSamplesOnly() {
    int[] block = {0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 4, 5};
    double[] y = new double[12];
    Arrays.fill(y, 1);
    y[1] = Double.NaN;
    y[6] = Double.POSITIVE_INFINITY;
    double[] w = ones(12, 1);
    w[4] = -1;
    BlockedModel.Sums s = sums(block, y, w);
    assertEquals(9, s.n());
    assertEquals(6, s.blocks());
    assertArrayEquals(new int[] {1, 2}, s.sizes());
    assertArrayEquals(new long[] {3, 3}, s.blocksOfSize());
    assertEquals(2, s.maxBlockSize());
    assertEquals(2, s.p());
    // block 2 is now the size-1 block of sample 7: its s_b is DESIGN[7]
    double expected = DESIGN[7][1] * DESIGN[7][1] + DESIGN[10][1] * DESIGN[10][1] + DESIGN[11][1] * DESIGN[11][1];
    assertEquals(expected, s.sxx()[0][3], 1e-15);
  }

  @Test
  void zeroWhenBlocksAreSingletonsOrInTheDesign() {
    int[] singletons = new int[12];
    for (int i = 0; i < 12; i++) singletons[i] = i;
    assertEquals(BlockedModel.ZeroCase.SINGLETON_BLOCKS, BlockedModel.zeroCase(DESIGN, singletons));
    // blocks of three as the design's columns (~0 + factor(block)): limma sets the correlation to 0
    double[][] encoded = new double[12][4];
    int[] block = new int[12];
    for (int i = 0; i < 12; i++) {
      block[i] = i / 3;
      encoded[i][i / 3] = 1;
    }
    assertEquals(BlockedModel.ZeroCase.BLOCKS_IN_DESIGN, BlockedModel.zeroCase(encoded, block));
    assertTrue(BlockedModel.ZeroCase.BLOCKS_IN_DESIGN.warning().startsWith("Block factor already encoded"));
    // ~ 1 + x with block 1's indicator: blocks 2.. are not in the design
    double[][] one = new double[12][];
    for (int i = 0; i < 12; i++) one[i] = new double[] {1, DESIGN[i][1], i < 3 ? 1 : 0};
    assertEquals(BlockedModel.ZeroCase.NONE, BlockedModel.zeroCase(one, block));
    assertEquals(BlockedModel.ZeroCase.NONE, BlockedModel.zeroCase(DESIGN, PAIRS));
    assertEquals(-0.99, BlockedModel.minCorrelation(2), 1e-15);
  }

  /**
   * statmod 1.5.0: when every d is the same (within-block contrasts as the design, blocks of two), lm.fit(dx, dy)
   * cannot estimate the block variance: varcomp = (2.4233333333333333, NA), and duplicateCorrelation gives NA.
   */
  @Test
  void constantEigenvaluesGiveNa() {
    double[][] x = {{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}};
    int[] block = {0, 0, 1, 1, 2, 2};
    double[] y = {0.3, 1.2, -0.5, 0.7, 2.1, 1.4};
    BlockedModel.Builder b = BlockedModel.builder(3, 3);
    for (int i = 0; i < 6; i++) b.add(block[i], x[i], y[i]);
    double[] vc = BlockedModel.varianceComponents(b.build());
    assertEquals(2.4233333333333333, vc[0], 1e-15);
    assertTrue(Double.isNaN(vc[1]));
    assertTrue(Double.isNaN(BlockedModel.correlation(b.build())));
  }

  /** A shift of y changes nothing when the design spans the ones vector (its intercept). */
  @Test
  void shiftedValuesGiveTheSameCorrelation() {
    Random r = new Random(4);
    double[] y = new double[12];
    for (int i = 0; i < 12; i++) y[i] = 1000 + r.nextGaussian();
    BlockedModel.Builder b = BlockedModel.builder(2, 6);
    for (int i = 0; i < 12; i++) b.add(PAIRS[i], DESIGN[i], y[i]);
    double raw = BlockedModel.correlation(b.build());
    b.reset(1000);
    for (int i = 0; i < 12; i++) b.add(PAIRS[i], DESIGN[i], y[i]);
    BlockedModel.Sums shifted = b.build();
    assertEquals(1000, shifted.yShift());
    assertEquals(BlockedModel.correlation(shifted), raw, 1e-9);
  }

  /** correlations() shares the design's work between features: the same numbers as one at a time. */
  @Test
  void correlationsEqualCorrelation() {
    Random r = new Random(8);
    BlockedModel.Sums[] s = new BlockedModel.Sums[6];
    for (int f = 0; f < s.length; f++) {
      double[] y = new double[12];
      for (int i = 0; i < 12; i++) y[i] = r.nextGaussian() + (f == 3 && i < 2 ? Double.NaN : 0);
      s[f] = sums(PAIRS, y, f == 4 ? ones(12, 0.5 + f) : null);
    }
    double[] rho = BlockedModel.correlations(s);
    for (int f = 0; f < s.length; f++) assertEquals(BlockedModel.correlation(s[f]), rho[f], 0, "feature " + f);
  }

  /** R 4.2.2: mean(x, trim, na.rm = TRUE) of the vector below (NA and NaN in it). */
  @Test
  void trimmedMeanIsRs() {
    double[] x = {0.3, -1.2, 2.5, Double.NaN, 0.7, 0.1, 5, -0.4, 0.9, 1.1, Double.NaN, 0.2, 0.25, -3, 0.6, 0.8, 1.9,
        0.05, 0.45, 0.33};
    assertEquals(0.52000000000000002, BlockedModel.trimmedMean(x, 0.15), 1e-15);
    assertEquals(0.53333333333333333, BlockedModel.trimmedMean(Arrays.copyOf(x, 3), 0.15), 1e-15);
    assertEquals(0.39000000000000001, BlockedModel.trimmedMean(x, 0.5), 1e-15);
    assertEquals(0.5, BlockedModel.trimmedMean(Arrays.copyOf(x, 9), 0.6), 1e-15);
    assertTrue(Double.isNaN(BlockedModel.trimmedMean(new double[] {Double.NaN}, 0.15)));
  }

  /**
   * duplicateCorrelation's clipping and consensus (R 4.2.2, its code on rho = tanh(x) of the vector above): blocks of
   * at most 2 clip -3 to -0.99 and 5 to 0.99; blocks of 4 only 5.
   */
  @Test
  void consensusClipsAsDuplicateCorrelation() {
    double[] x = {0.3, -1.2, 2.5, Double.NaN, 0.7, 0.1, 5, -0.4, 0.9, 1.1, Double.NaN, 0.2, 0.25, -3, 0.6, 0.8, 1.9,
        0.05, 0.45, 0.33};
    double[] rho = Arrays.stream(x).map(Math::tanh).toArray();
    BlockedModel.Consensus two = BlockedModel.consensus(rho, 2);
    assertEquals(0.47770001216849795, two.correlation(), 1e-15);
    assertEquals(2.6466524123622457, two.atanhCorrelations()[6], 1e-14);
    assertEquals(-2.6466524123622457, two.atanhCorrelations()[13], 1e-14);
    assertTrue(Double.isNaN(two.atanhCorrelations()[3]));
    BlockedModel.Consensus four = BlockedModel.consensus(rho, 4);
    assertEquals(0.48125538512706789, four.correlation(), 1e-15);
    assertEquals(-0.33536515082270152, four.atanhCorrelations()[13], 1e-14);
  }

  /** GLS by whitened sums equals the dense formula with V = W^-1/2 C W^-1/2, including a missing value. */
  @Test
  void glsEqualsTheDenseFormula() {
    int[] block = {7, 3, 3, 3, 9, 9, 9, 9, 9}; // blocks 0 .. 9, some without samples
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
    BlockedModel.Builder bb = BlockedModel.builder(3, 10);
    for (int i = 0; i < 9; i++) bb.add(block[i], x[i], y[i], w[i]);
    FeatureFit fit = model.fit(BlockedModel.glsSums(bb.build(), rho));
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
    FeatureSums gls = BlockedModel.glsSums(sums(PAIRS, y, null), 0);
    FeatureSums.Builder b = FeatureSums.builder(2, 0);
    for (int i = 0; i < 12; i++) b.add(DESIGN[i], y[i]);
    FeatureSums ols = b.build();
    assertEquals(ols.sumYY(), gls.sumYY(), 1e-13);
    assertArrayEquals(ols.xty(), gls.xty(), 1e-13);
    for (int j = 0; j < 2; j++) assertArrayEquals(ols.xtx()[j], gls.xtx()[j], 1e-13);
  }

  @Test
  void rejectsADegenerateCorrelation() {
    BlockedModel.Sums pairs = sums(PAIRS, new double[12], null);
    assertThrows(IllegalArgumentException.class, () -> BlockedModel.glsSums(pairs, 1));
    assertThrows(IllegalArgumentException.class, () -> BlockedModel.glsSums(pairs, Double.NaN));
    assertThrows(IllegalArgumentException.class, () -> BlockedModel.glsSums(pairs, -1)); // blocks of 2: 1 + rho = 0
    BlockedModel.Sums quads = sums(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, new double[12], null);
    assertThrows(IllegalArgumentException.class, () -> BlockedModel.glsSums(quads, -0.4)); // 1 + 3 rho < 0
    BlockedModel.glsSums(quads, -0.3);
  }

  /**
   * The eigen solver on A = Q diag(lambda) Q' with known eigenvalues (0, a small one, repeated ones): the values, A u =
   * lambda u, orthonormal vectors, and project(c) = U'c; a value that is not finite gives NaN.
   */
  @Test
  void symmetricEigenSolves() {
    double[] lambda = {4, 0, 1, 2.5, 1e-7, 1, 0.3, 4, 2};
    int n = lambda.length;
    Random r = new Random(21);
    double[][] q = new double[n][n];
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < n; i++) q[i][k] = r.nextGaussian();
      for (int j = 0; j < k; j++) {
        double d = 0;
        for (int i = 0; i < n; i++) d += q[i][k] * q[i][j];
        for (int i = 0; i < n; i++) q[i][k] -= d * q[i][j];
      }
      double norm = 0;
      for (int i = 0; i < n; i++) norm += q[i][k] * q[i][k];
      for (int i = 0; i < n; i++) q[i][k] /= Math.sqrt(norm);
    }
    double[][] a = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) for (int k = 0; k < n; k++) a[i][j] += q[i][k] * lambda[k] * q[j][k];
    }
    SymmetricEigen e = SymmetricEigen.of(a);
    double[] sorted = lambda.clone();
    Arrays.sort(sorted);
    assertArrayEquals(sorted, e.values(), 1e-14);
    double[][] u = e.vectors();
    double[] c = new double[n];
    for (int i = 0; i < n; i++) c[i] = r.nextGaussian();
    double[] proj = e.project(c);
    for (int k = 0; k < n; k++) {
      double uc = 0;
      for (int i = 0; i < n; i++) {
        double au = 0;
        for (int j = 0; j < n; j++) au += a[i][j] * u[j][k];
        assertEquals(e.values()[k] * u[i][k], au, 1e-14, "A u = lambda u");
        uc += u[i][k] * c[i];
      }
      assertEquals(uc, proj[k], 1e-14, "projection");
      for (int l = 0; l < n; l++) {
        double d = 0;
        for (int i = 0; i < n; i++) d += u[i][k] * u[i][l];
        assertEquals(k == l ? 1 : 0, d, 1e-14, "orthonormal");
      }
    }
    a[2][3] = Double.NaN;
    assertTrue(Double.isNaN(SymmetricEigen.of(a).values()[0]));
    assertTrue(Double.isNaN(SymmetricEigen.of(a).project(c)[0]));
    assertEquals(0, SymmetricEigen.of(new double[0][0]).values().length);
  }

  /**
   * The driver's cost of duplicateCorrelation per feature at the de job's scale: p = 13 (10 cells, 3 covariates), 400
   * samples in 160 blocks of sizes 1 to 4. With weights (voom's rounds) every feature has its own design sums; without
   * weights or missing values the features share them ({@link BlockedModel#correlations}). Printed, not asserted.
   */
  @Test
  void correlationTimePerFeature() {
    int p = 13;
    Random r = new Random(17);
    List<double[]> rows = new ArrayList<>();
    List<Integer> blocks = new ArrayList<>();
    int b = 0;
    for (int m = 1; m <= 4; m++) {
      for (int k = 0; k < 40; k++, b++) {
        int cell = r.nextInt(10);
        double age = 40 + 30 * r.nextDouble();
        double sex = r.nextInt(2);
        for (int i = 0; i < m; i++) {
          double[] x = new double[p];
          x[(cell + i) % 10] = 1;
          x[10] = age;
          x[11] = sex;
          x[12] = r.nextGaussian();
          rows.add(x);
          blocks.add(b);
        }
      }
    }
    int n = rows.size();
    int features = 300;
    BlockedModel.Builder builder = BlockedModel.builder(p, b);
    BlockedModel.Sums[] weighted = new BlockedModel.Sums[features];
    BlockedModel.Sums[] plain = new BlockedModel.Sums[features];
    double[] y = new double[n];
    double[] w = new double[n];
    long adding = 0;
    for (int f = 0; f < features; f++) {
      double[] u = new double[b];
      for (int k = 0; k < b; k++) u[k] = 0.6 * r.nextGaussian();
      for (int i = 0; i < n; i++) {
        y[i] = 8 + u[blocks.get(i)] + r.nextGaussian();
        w[i] = 0.5 + r.nextDouble();
      }
      long t0 = System.nanoTime();
      builder.reset(8);
      for (int i = 0; i < n; i++) builder.add(blocks.get(i), rows.get(i), y[i], w[i]);
      adding += System.nanoTime() - t0;
      weighted[f] = builder.build();
      builder.reset(8);
      for (int i = 0; i < n; i++) builder.add(blocks.get(i), rows.get(i), y[i]);
      plain[f] = builder.build();
    }
    double buildNs = adding / ((double) features * n);
    double perWeighted = Double.POSITIVE_INFINITY;
    double perPlain = Double.POSITIVE_INFINITY;
    for (int rep = 0; rep < 5; rep++) {
      long t1 = System.nanoTime();
      double[] rw = BlockedModel.correlations(weighted);
      long t2 = System.nanoTime();
      double[] rp = BlockedModel.correlations(plain);
      long t3 = System.nanoTime();
      perWeighted = Math.min(perWeighted, (t2 - t1) / 1e6 / features);
      perPlain = Math.min(perPlain, (t3 - t2) / 1e6 / features);
      assertTrue(Arrays.stream(rw).allMatch(Double::isFinite) && Arrays.stream(rp).allMatch(Double::isFinite));
    }
    System.out.printf(Locale.ROOT, "BlockedModel at p = %d, %d samples, %d blocks of sizes 1-4: correlation %.3f ms "
        + "per feature with its own design sums (weights), %.4f ms shared; Builder.add %.0f ns per weighted value%n", p, n, b,
        perWeighted, perPlain, buildNs);
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
  /** A row given sparsely (a zero column listed or left out) sums as the whole row does, to the bit, missing values included. */
  @Test
  void sparseAddEqualsDenseAdd() {
    Random r = new Random(23);
    int p = 5;
    BlockedModel.Builder dense = BlockedModel.builder(p, 40);
    BlockedModel.Builder sparse = BlockedModel.builder(p, 40);
    for (int round = 0; round < 3; round++) {
      dense.reset(0.25 * round);
      sparse.reset(0.25 * round);
      for (int i = 0; i < 200; i++) {
        double[] x = new double[p];
        x[r.nextInt(3)] = 1; // a group indicator
        x[3] = r.nextDouble() < 0.3 ? 0 : r.nextGaussian(); // a covariate, sometimes zero
        x[4] = r.nextInt(2) - 0.5;
        int[] col = new int[p];
        double[] xv = new double[p];
        int k = 0;
        for (int a = 0; a < p; a++) {
          if (x[a] != 0 || a == 3) { // a listed column may be zero
            col[k] = a;
            xv[k++] = x[a];
          }
        }
        double y = i % 37 == 0 ? Double.NaN : 5 + r.nextGaussian();
        double w = 0.2 + r.nextDouble();
        int b = r.nextInt(40);
        dense.add(b, x, y, w);
        sparse.add(b, col, xv, 0, k, y, w);
      }
      BlockedModel.Sums a = dense.build();
      BlockedModel.Sums c = sparse.build();
      assertEquals(a.n(), c.n());
      assertEquals(a.sumY(), c.sumY(), 0);
      assertEquals(a.yty(), c.yty(), 0);
      assertArrayEquals(a.xtx(), c.xtx(), 0);
      assertArrayEquals(a.xty(), c.xty(), 0);
      assertArrayEquals(a.sizes(), c.sizes());
      assertArrayEquals(a.blocksOfSize(), c.blocksOfSize());
      assertArrayEquals(a.stt(), c.stt(), 0);
      for (int g = 0; g < a.sizes().length; g++) {
        assertArrayEquals(a.sxx()[g], c.sxx()[g], 0);
        assertArrayEquals(a.sxt()[g], c.sxt()[g], 0);
      }
    }
  }
}
