package io.exocohort.de.kernel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * limma's blocked linear model (limma 3.54.1, statmod 1.5.0) from per-feature sufficient statistics: {@code
 * duplicateCorrelation(y, design, block, weights)} (each feature's REML correlation as {@code
 * statmod::mixedModel2Fit(y, X, Z, w, only.varcomp = TRUE, maxit = 20)} computes it, then the consensus) and {@code
 * lmFit(y, design, block, correlation, weights)} (generalised least squares per feature, limma's {@code
 * gls.series}). The one implementation of both: the de job ({@code de --block}) and the goldens ({@code
 * BlockGoldenTest}) go through it.
 *
 * <pre>
 * Builder b = BlockedModel.builder(p, blocks);                 // per task; reused across features
 * b.reset(c).add(block_i, x_i, y_i, w_i)...; Sums s = b.build();  // per feature, its observed values
 * ZeroCase z = BlockedModel.zeroCase(designRows, blockIds);     // limma's cases of correlation 0, with its warning
 * double[] rho = BlockedModel.correlations(sums[]);             // driver: REML per feature (NaN: skipped)
 * Consensus dc = BlockedModel.consensus(rho, maxBlockSize);     // tanh(trimmed mean of the clipped atanh)
 * FeatureFit fit = model.fit(BlockedModel.glsSums(s, dc.correlation()));              // gls.series per feature
 * ContrastSet.limma(names, weights, model.designCovariance(BlockedModel.designGram(rows, blocks, rho)));
 * </pre>
 *
 * <p><b>The statistics.</b> With sample i in block b, weight w_i (1 without weights), design row x_i and value y_i,
 * per feature over its observed samples: n, sum (y - c) (unweighted, for Amean), X'WX, X'W(y - c), (y - c)'W(y -
 * c), and per block size m (the number of the feature's observed samples in a block): S_m = sum s_b s_b', u_m = sum
 * s_b t_b and q_m = sum t_b^2 over the blocks of that size, with s_b = sum over the block of sqrt(w_i) x_i and t_b =
 * sum of sqrt(w_i) (y_i - c). c is a per-feature shift of the caller's choosing ({@link Builder#reset(double)}; 0 by
 * default), as {@link FeatureSums#yShift()}. A Spark task that holds a feature's values accumulates them ({@link
 * Builder}: O(p^2) per value, no allocation), and the driver holds (K + 1) p^2 + O(K p) doubles per feature, K its
 * distinct block sizes.
 *
 * <p><b>Why they suffice for statmod's REML.</b> statmod transforms the model by the QR of sqrt(W)X (Q2 its
 * residual part, mq = n - rank columns) and the SVD of Q2'Z (Z the block indicators), and fits a gamma GLM with
 * identity link of the squared rotated contrasts dy_k on (1, d_k), d_k the squared singular values. That fit ({@link
 * BlockReml}) sees each distinct d only through the count and the sum of its dy. The nonzero d are the nonzero
 * eigenvalues of M = Z'(I - H)Z = D - C C' (D the block sizes, C = Z'Q1 the per-block sums of the rows of Q1, an
 * orthonormal basis of the column space of sqrt(W)X), and for an eigenvector v of M with eigenvalue d, dy = (v'h)^2
 * / d with h = Z'r the per-block sums of the residuals; the zero d take the remaining contrasts and the rest of the
 * residual sum of squares. M is a diagonal matrix minus a rank-p one: within the blocks of one size m, every
 * direction orthogonal to the columns of C_m (C's rows of those blocks) is an eigenvector with eigenvalue m. From the
 * sums: Q1 = sqrt(W) X_J D_J^-1 L^-T ({@link RankCholesky} of X'WX: the columns R's QR would drop are dropped, so a
 * rank-deficient design, e.g. a cell without values for one feature, is fitted on its estimable columns as statmod
 * does), C_m'C_m = A_m = L^-1 D_J^-1 S_m D_J^-1 L^-T (r x r, r the rank), C_m'h = L^-1 D_J^-1 u_m - A_m z and |h_m|^2
 * = q_m - 2 z'L^-1 D_J^-1 u_m + z'A_m z with z = Q1'y. With A_m = V diag(lambda) V', the rows sqrt(lambda_j) v_j span
 * C_m's row space: the size's eigenvalue m keeps (blocks of size m) - (rank of A_m) directions and |h_m|^2 less the
 * squared coordinates u_j'h_m = v_j'C_m'h / sqrt(lambda_j); the rest of M is the small matrix T = diag(m) - R R' over
 * those rows (at most K r), decomposed densely ({@link SymmetricEigen}). So one pass of sums, then per feature K
 * eigenproblems of r x r and one of at most K r on the driver, where statmod decomposes an n x n matrix; features
 * with the same design sums (no weights, the same observed samples) share all of it but the projections of their
 * own vectors ({@link #correlations}).
 *
 * <p><b>Zero eigenvalues.</b> Every eigenvalue here lies in [0, m] (A_m's, as C_m C_m' is a diagonal block of the
 * positive semi-definite M) or [0, max m] (T's); one below {@value #ZERO_EIGENVALUE} of that bound counts as zero.
 * Why that value: the sums form Gram matrices, so an eigenvalue that is zero in exact arithmetic (a paired design's
 * within-block contrasts, blocks nested in the design's groups) comes out at about eps times the condition number
 * of the unit-diagonal X'WX times m, 1e-14 to 1e-12 m for real designs, and is divided by (its square root or
 * itself) if kept; a real eigenvalue below the threshold, taken as zero, moves its d by less than 1e-10 m, which no
 * REML estimate notices. statmod itself counts d above 1e-15 as nonzero (its zero ones come out near 1e-30).
 *
 * <p><b>Accuracy.</b> Against statmod, the correlations hold 1e-10 relative on every golden, the variance
 * components 1e-10 except where the residual variance is a tiny part of the total (s2_resid 1/5500 of s2_block: 2e-8
 * of itself, 4e-12 of the total): the sums carry rounding relative to y'Wy and t_b^2, and the zero d's sum of dy is
 * what is left of the residual sum of squares. A shift c near the feature's level ({@link Builder#reset(double)})
 * removes most of that for the GLS fit too (coefficients 1e-10 raw, 1e-12 shifted on the goldens).
 *
 * <p><b>Where this differs from statmod</b>: glmgam.fit's stop on a deviance below 1e-15 max(mu) needs the
 * individual dy and is not applied ({@link BlockReml}); everything else, including the NA of the least-squares path
 * when d is constant, the iteration limit and "too much damping", is statmod's.
 */
public final class BlockedModel {
  /** limma's duplicateCorrelation clips per-feature correlations to at most this. */
  public static final double RHO_MAX = 0.99;
  /** limma's trimmed mean of the atanh correlations. */
  public static final double TRIM = 0.15;
  /** An eigenvalue of Z'(I - H)Z below this fraction of its bound (the block size) counts as zero. */
  static final double ZERO_EIGENVALUE = 1e-10;

  private BlockedModel() {}

  /**
   * One feature's sums (see the class comment); {@code sizes} ascending, one entry per distinct observed block size,
   * with {@code blocksOfSize} blocks each; {@code sxx[k]} (p x p, row-major), {@code sxt[k]} and {@code stt[k]} are
   * S_m, u_m and q_m of size {@code sizes[k]}; {@code blocks} the blocks with an observed sample.
   */
  public record Sums(int p, long n, double sumY, double[] xtx, double[] xty, double yty, long blocks, int[] sizes,
      long[] blocksOfSize, double[][] sxx, double[][] sxt, double[] stt, double yShift) implements Serializable {
    /** The largest block (the feature's observed samples only). */
    public int maxBlockSize() {
      return sizes.length == 0 ? 0 : sizes[sizes.length - 1];
    }
  }

  /** Accumulates one feature's sums, a sample at a time, over blocks 0..blocks-1. */
  public static Builder builder(int p, int blocks) {
    return new Builder(p, blocks);
  }

  /** See {@link #builder}: reusable across features ({@link #reset}). */
  public static final class Builder {
    private final int p;
    private final double[] s;
    private final double[] t;
    private final int[] count;
    private final int[] touched;
    private int nTouched;
    private long n;
    private double shift;
    private double sumY;
    private final double[] xtx;
    private final double[] xty;
    private double yty;
    /** 0..p-1: a dense row as a sparse one. */
    private final int[] columns;

    Builder(int p, int blocks) {
      this.p = p;
      s = new double[blocks * p];
      t = new double[blocks];
      count = new int[blocks];
      touched = new int[blocks];
      xtx = new double[p * p];
      xty = new double[p];
      columns = new int[p];
      for (int a = 0; a < p; a++) columns[a] = a;
    }

    /**
     * Adds sample value y with design row x and weight w in block b. A value that is not finite, or a weight that
     * is not positive and finite, adds nothing: the sample is missing for this feature (limma: NA), and its block's
     * size counts the feature's observed samples only. (gls.series also drops weights below 1e-15, which these sums
     * keep; voom's weights are far above.)
     */
    public Builder add(int b, double[] x, double y, double w) {
      return add(b, columns, x, 0, p, y, w);
    }

    /**
     * {@link #add(int, double[], double, double)} with the design row given sparsely: its values {@code x[from ..
     * to)} at columns {@code col[from .. to)} (ascending), every other column zero. The same sums, the zero columns
     * skipped (a cell-means row has one group column and the covariates).
     */
    public Builder add(int b, int[] col, double[] x, int from, int to, double y, double w) {
      if (!(Double.isFinite(y) && w > 0 && w < Double.POSITIVE_INFINITY)) return this;
      double v = y - shift;
      n++;
      sumY += v;
      double sw = Math.sqrt(w);
      double wv = w * v;
      yty += wv * v;
      int ob = b * p;
      for (int j = from; j < to; j++) {
        double xa = x[j];
        if (xa == 0) continue;
        int a = col[j];
        xty[a] += xa * wv;
        double wxa = w * xa;
        int o = a * p;
        for (int k = j; k < to; k++) xtx[o + col[k]] += wxa * x[k];
        s[ob + a] += sw * xa;
      }
      if (count[b]++ == 0) touched[nTouched++] = b;
      t[b] += sw * v;
      return this;
    }

    /** {@link #add(int, double[], double, double)} with weight 1. */
    public Builder add(int b, double[] x, double y) {
      return add(b, x, y, 1);
    }

    /** The sums of the samples added since the last reset, grouped by block size. */
    public Sums build() {
      int[] sizes = new int[nTouched];
      for (int k = 0; k < nTouched; k++) sizes[k] = count[touched[k]];
      sizes = Arrays.stream(sizes).sorted().distinct().toArray();
      int kk = sizes.length;
      long[] nb = new long[kk];
      double[][] sxx = new double[kk][p * p];
      double[][] sxt = new double[kk][p];
      double[] stt = new double[kk];
      for (int k = 0; k < nTouched; k++) {
        int b = touched[k];
        int c = Arrays.binarySearch(sizes, count[b]);
        nb[c]++;
        int o = b * p;
        double tb = t[b];
        stt[c] += tb * tb;
        double[] sc = sxx[c];
        for (int a = 0; a < p; a++) {
          double sa = s[o + a];
          sxt[c][a] += sa * tb;
          for (int e = a; e < p; e++) sc[a * p + e] += sa * s[o + e];
        }
      }
      for (double[] sc : sxx) mirror(sc, p);
      double[] xtxFull = xtx.clone();
      mirror(xtxFull, p);
      return new Sums(p, n, sumY, xtxFull, xty.clone(), yty, nTouched, sizes, nb, sxx, sxt, stt, shift);
    }

    /** Clears the sums for the next feature (only the blocks touched); no shift. */
    public Builder reset() {
      return reset(0);
    }

    /**
     * Clears the sums for the next feature, whose values are summed less {@code yShift} (e.g. a value near its level:
     * fewer digits lost to y'Wy - beta'X'Wy). The correlation is the same for any shift if the design's columns span
     * the ones vector (an intercept or group indicators, as {@link LinearModel#centred} requires for the GLS fit).
     */
    public Builder reset(double yShift) {
      for (int k = 0; k < nTouched; k++) {
        int b = touched[k];
        count[b] = 0;
        t[b] = 0;
        Arrays.fill(s, b * p, (b + 1) * p, 0);
      }
      nTouched = 0;
      n = 0;
      shift = yShift;
      sumY = 0;
      yty = 0;
      Arrays.fill(xtx, 0);
      Arrays.fill(xty, 0);
      return this;
    }

    /** Upper triangle to lower, row-major p x p. */
    private static void mirror(double[] m, int p) {
      for (int a = 0; a < p; a++) for (int e = 0; e < a; e++) m[a * p + e] = m[e * p + a];
    }
  }

  // ---- duplicateCorrelation ---------------------------------------------------------------------------------

  /**
   * limma's cases where duplicateCorrelation returns a correlation of 0 for every feature, with a warning, before any
   * fit: {@link #zeroCase}.
   */
  public enum ZeroCase {
    NONE(null),
    SINGLETON_BLOCKS("Blocks all of size 1: setting intrablock correlation to zero."),
    BLOCKS_IN_DESIGN("Block factor already encoded in the design matrix: setting intrablock correlation to zero.");

    private final String warning;

    ZeroCase(String warning) {
      this.warning = warning;
    }

    /** limma's warning (null for {@link #NONE}). */
    public String warning() {
      return warning;
    }
  }

  /**
   * Whether limma's duplicateCorrelation sets the correlation to 0 for this design and blocks (over all samples):
   * every block of one sample, or the block factor already encoded in the design (the QR of the design leaves every
   * coordinate of the indicators of the blocks but the first below 1e-8 outside its column space; blocks ordered by
   * id, as R's factor levels of numeric ids). Then the blocked fit is ordinary least squares.
   *
   * @param design the design rows of all samples (n x p)
   * @param block  the block id of each sample (any ints)
   */
  public static ZeroCase zeroCase(double[][] design, int[] block) {
    int n = design.length;
    if (block.length != n) throw new IllegalArgumentException("block needs one id per design row: " + n);
    int[] ids = Arrays.stream(block).distinct().sorted().toArray();
    int[] size = new int[ids.length];
    for (int b : block) size[Arrays.binarySearch(ids, b)]++;
    if (Arrays.stream(size).max().orElse(0) <= 1) return ZeroCase.SINGLETON_BLOCKS;
    HouseholderQr qr = HouseholderQr.ofRows(design);
    double[] z = new double[n];
    for (int k = 1; k < ids.length; k++) {
      for (int i = 0; i < n; i++) z[i] = block[i] == ids[k] ? 1 : 0;
      double[] qtz = qr.qty(z);
      for (int i = qr.rank(); i < n; i++) if (!(Math.abs(qtz[i]) < 1e-8)) return ZeroCase.NONE;
    }
    return ZeroCase.BLOCKS_IN_DESIGN;
  }

  /**
   * One feature's REML intra-block correlation, varcomp[Block] / (varcomp[Residual] + varcomp[Block]) as
   * duplicateCorrelation takes it from statmod (before limma's clipping; it may lie outside [-1, 1]); NaN where
   * limma gets NA: n &lt;= p + 2 observations (p the design's columns, whatever its rank), one block, blocks &gt;=
   * n - 1, no residual space, s2_block not estimable, or statmod failing. {@link #zeroCase} is the caller's.
   */
  public static double correlation(Sums f) {
    return correlation(varianceComponents(f));
  }

  /** {@link #correlation(Sums)} of many features; consecutive features with the same design sums share its work. */
  public static double[] correlations(Sums[] features) {
    double[] rho = new double[features.length];
    Design last = null;
    for (int i = 0; i < features.length; i++) {
      Sums f = features[i];
      if (!fitted(f)) {
        rho[i] = Double.NaN;
        continue;
      }
      if (last == null || !last.sameAs(f)) last = Design.of(f);
      rho[i] = correlation(last.varianceComponents(f));
    }
    return rho;
  }

  private static double correlation(double[] vc) {
    return Double.isNaN(vc[0]) ? Double.NaN : vc[1] / (vc[0] + vc[1]);
  }

  /**
   * One feature's REML variance components {s2_resid, s2_block} (statmod's {@code varcomp}), NaN where
   * duplicateCorrelation gets NA (see {@link #correlation(Sums)}).
   */
  public static double[] varianceComponents(Sums f) {
    if (!fitted(f)) return new double[] {Double.NaN, Double.NaN};
    return Design.of(f).varianceComponents(f);
  }

  /** duplicateCorrelation's rule for fitting a feature: n &gt; p + 2, more than one block, fewer than n - 1. */
  private static boolean fitted(Sums f) {
    return f.n() > f.p() + 2L && f.blocks() > 1 && f.blocks() < f.n() - 1;
  }

  /**
   * What a feature's REML needs of its design sums (X'WX and the S_m): the basis, per size the rows of C_m's row
   * space, and the eigenstructure of T. Features with the same observed samples and no weights share it.
   */
  private record Design(Sums sums, RankCholesky chol, long mq, double[][][] a, int[] rowOfSize, double[][] vectors,
      double[] sqrtLambda, long[] untouched, SymmetricEigen t, boolean failed) {

    static Design of(Sums f) {
      int p = f.p();
      RankCholesky chol = RankCholesky.of(square(f.xtx(), p));
      int r = chol.rank();
      int kk = f.sizes().length;
      double[][][] am = new double[kk][][];
      List<double[]> rows = new ArrayList<>();
      List<double[]> vectors = new ArrayList<>();
      List<Double> size = new ArrayList<>();
      List<Double> sqrtLambda = new ArrayList<>();
      int[] rowOfSize = new int[kk + 1];
      long[] untouched = new long[kk];
      boolean failed = false;
      for (int c = 0; c < kk; c++) {
        int m = f.sizes()[c];
        rowOfSize[c] = rows.size();
        am[c] = chol.congruence(square(f.sxx()[c], p));
        SymmetricEigen a = SymmetricEigen.of(am[c]);
        double[] values = a.values();
        double[][] u = a.vectors();
        failed |= r > 0 && Double.isNaN(values[0]);
        int kept = 0;
        for (int j = r - 1; j >= 0 && kept < f.blocksOfSize()[c]; j--) {
          double lambda = values[j];
          if (!(lambda > ZERO_EIGENVALUE * m)) break;
          double sq = Math.sqrt(lambda);
          double[] v = new double[r];
          double[] row = new double[r];
          for (int i = 0; i < r; i++) {
            v[i] = u[i][j];
            row[i] = sq * v[i];
          }
          vectors.add(v);
          rows.add(row);
          size.add((double) m);
          sqrtLambda.add(sq);
          kept++;
        }
        untouched[c] = f.blocksOfSize()[c] - kept;
      }
      rowOfSize[kk] = rows.size();
      int q = rows.size();
      double[][] tm = new double[q][q];
      for (int i = 0; i < q; i++) {
        for (int j = i; j < q; j++) {
          double v = (i == j ? size.get(i) : 0) - dot(rows.get(i), rows.get(j));
          tm[i][j] = v;
          tm[j][i] = v;
        }
      }
      return new Design(f, chol, f.n() - r, am, rowOfSize, vectors.toArray(new double[0][]),
          sqrtLambda.stream().mapToDouble(Double::doubleValue).toArray(), untouched, SymmetricEigen.of(tm), failed);
    }

    /** Whether another feature's design sums are these (bit for bit). */
    boolean sameAs(Sums f) {
      return f.n() == sums.n() && Arrays.equals(f.sizes(), sums.sizes())
          && Arrays.equals(f.blocksOfSize(), sums.blocksOfSize()) && Arrays.equals(f.xtx(), sums.xtx())
          && Arrays.deepEquals(f.sxx(), sums.sxx());
    }

    double[] varianceComponents(Sums f) {
      double[] na = {Double.NaN, Double.NaN};
      if (mq <= 0 || failed) return na;
      double[] z = chol.forward(f.xty());
      double rss = f.yty() - dot(z, z);
      int kk = f.sizes().length;
      double[] coord = new double[vectors.length];
      List<BlockReml.Point> points = new ArrayList<>();
      for (int c = 0; c < kk; c++) {
        double[] v = chol.forward(f.sxt()[c]);
        // C_m'h = v - A z and |h_m|^2 = q_m - 2 z'v + z'A z, h the per-block sums of the residuals
        double[] g = v.clone();
        double hh = f.stt()[c] - 2 * dot(z, v);
        for (int i = 0; i < z.length; i++) {
          double az = dot(a[c][i], z);
          g[i] -= az;
          hh += z[i] * az;
        }
        double inRows = 0;
        for (int j = rowOfSize[c]; j < rowOfSize[c + 1]; j++) {
          coord[j] = dot(vectors[j], g) / sqrtLambda[j];
          inRows += coord[j] * coord[j];
        }
        if (untouched[c] > 0) {
          int m = f.sizes()[c];
          points.add(new BlockReml.Point(m, untouched[c], Math.max(hh - inRows, 0) / m));
        }
      }
      double[] deltas = t.values();
      double[] projections = t.project(coord);
      double zero = ZERO_EIGENVALUE * f.maxBlockSize();
      for (int j = 0; j < coord.length; j++) {
        double delta = deltas[j];
        if (Double.isNaN(delta)) return na;
        if (!(delta > zero)) continue;
        double proj = projections[j];
        points.add(new BlockReml.Point(delta, 1, proj * proj / delta));
      }
      return BlockReml.varianceComponents(points, mq, Math.max(rss, 0));
    }
  }

  /**
   * limma's consensus correlation from the features' correlations (NaN: skipped): each clipped to [{@link
   * #minCorrelation}, 0.99], then tanh of the 15% trimmed mean of the atanh values. {@code maxBlockSize}: the largest block over the samples (R's {@code
   * max(table(block))}). Also returns the clipped atanh values (limma's {@code atanh.correlations}).
   */
  public static Consensus consensus(double[] rho, int maxBlockSize) {
    double rhomin = minCorrelation(maxBlockSize);
    double[] arho = new double[rho.length];
    for (int i = 0; i < rho.length; i++) {
      double r = rho[i];
      arho[i] = Double.isNaN(r) ? Double.NaN : atanh(Math.min(Math.max(r, rhomin), RHO_MAX));
    }
    return new Consensus(Math.tanh(trimmedMean(arho, TRIM)), arho);
  }

  /** The consensus correlation and each feature's atanh correlation (NaN where skipped). */
  public record Consensus(double correlation, double[] atanhCorrelations) {}

  /** duplicateCorrelation's lower clip of the per-feature correlations, 1 / (1 - max block size) + 0.01. */
  public static double minCorrelation(int maxBlockSize) {
    return 1.0 / (1 - maxBlockSize) + 0.01;
  }

  static double atanh(double x) {
    return 0.5 * Math.log1p(2 * x / (1 - x));
  }

  /**
   * R's {@code mean(x, trim, na.rm = TRUE)}: NaN left out; the lowest and highest floor(n trim) values dropped (the
   * median for trim &gt;= 0.5); the mean of the rest as R computes it (sum / n, then corrected by the mean deviation).
   * NaN for no values.
   */
  static double trimmedMean(double[] x, double trim) {
    if (!(trim >= 0)) throw new IllegalArgumentException("trim must be non-negative: " + trim);
    double[] v = Arrays.stream(x).filter(d -> !Double.isNaN(d)).toArray();
    int n = v.length;
    if (n == 0) return Double.NaN;
    if (trim > 0) {
      Arrays.sort(v);
      if (trim >= 0.5) return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
      int lo = (int) Math.floor(n * trim);
      v = Arrays.copyOfRange(v, lo, n - lo);
    }
    return Voom.mean(v);
  }

  // ---- lmFit(block, correlation) ----------------------------------------------------------------------------

  /**
   * The feature's generalised least squares with intra-block correlation {@code rho} (and its weights), as
   * gls.series: V = W^-1/2 C W^-1/2, C compound symmetry per block of the feature's observed samples. From the sums:
   * C_b^-1 = (I - c_m J) / (1 - rho) with c_m = rho / (1 + (m - 1) rho), so X'V^-1X = (X'WX - sum_m c_m S_m) / (1 -
   * rho), and the same for X'V^-1y and y'V^-1y; {@link LinearModel#fit} of those gives gls.series' coefficients,
   * stdev.unscaled, sigma and df.residual, and Amean the plain mean of the observed values.
   *
   * @throws IllegalArgumentException where C is not positive definite: |rho| &gt;= 1 or NaN (limma: "the model is
   *                                  degenerate"), or 1 + (m - 1) rho &lt;= 0 for one of the feature's block sizes
   */
  public static FeatureSums glsSums(Sums f, double rho) {
    if (!(Math.abs(rho) < 1)) {
      throw new IllegalArgumentException("correlation is 1 or -1 (or NaN), so the model is degenerate: " + rho);
    }
    if (!(1 + (f.maxBlockSize() - 1) * rho > 0)) {
      throw new IllegalArgumentException("correlation " + rho + " is not positive definite for a block of "
          + f.maxBlockSize() + " samples");
    }
    int p = f.p();
    double[][] xvx = square(f.xtx(), p);
    double[] xvy = f.xty().clone();
    double yvy = f.yty();
    for (int c = 0; c < f.sizes().length; c++) {
      double cm = rho / (1 + (f.sizes()[c] - 1) * rho);
      for (int i = 0; i < p; i++) {
        xvy[i] -= cm * f.sxt()[c][i];
        for (int j = 0; j < p; j++) xvx[i][j] -= cm * f.sxx()[c][i * p + j];
      }
      yvy -= cm * f.stt()[c];
    }
    double k = 1 / (1 - rho);
    for (int i = 0; i < p; i++) {
      xvy[i] *= k;
      for (int j = 0; j < p; j++) xvx[i][j] *= k;
    }
    return new FeatureSums(f.n(), f.sumY(), yvy * k, xvy, xvx, f.yShift());
  }

  /**
   * X'C^-1X of the whole design (all samples, unweighted) with intra-block correlation {@code rho}: the inverse of
   * gls.series' {@code cov.coefficients} ({@link LinearModel#designCovariance}), which {@link ContrastSet#limma}
   * needs, with or without weights.
   *
   * @param design the design rows as the features' sums see them (n x p)
   * @param block  the block of each row, 0 .. blocks - 1
   */
  public static double[][] designGram(double[][] design, int[] block, double rho) {
    int p = design.length == 0 ? 0 : design[0].length;
    Builder b = builder(p, Arrays.stream(block).max().orElse(-1) + 1);
    for (int i = 0; i < design.length; i++) b.add(block[i], design[i], 0);
    return glsSums(b.build(), rho).xtx();
  }

  // ---- small dense helpers ------------------------------------------------------------------------------------

  private static double[][] square(double[] packed, int p) {
    double[][] m = new double[p][p];
    for (int i = 0; i < p; i++) System.arraycopy(packed, i * p, m[i], 0, p);
    return m;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }
}
