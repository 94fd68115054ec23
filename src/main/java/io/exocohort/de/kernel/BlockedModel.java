package io.exocohort.de.kernel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * limma's blocked linear model from per-feature sufficient statistics: {@code duplicateCorrelation(y, design,
 * block, weights)} (each feature's REML correlation as {@code statmod::mixedModel2Fit(y, X, Z, w, only.varcomp =
 * TRUE, maxit = 20)} computes it, then the consensus) and {@code lmFit(y, design, block, correlation, weights)}
 * (generalised least squares per feature, limma's {@code gls.series}).
 *
 * <p><b>The statistics.</b> With sample i in block b, weight w_i (1 without weights), design row x_i and value
 * y_i, per feature: n, sum y (unweighted, for Amean), X'WX, X'Wy, y'Wy, and per block size m (the number of the
 * feature's observed samples in a block): S_m = sum s_b s_b', u_m = sum s_b t_b and q_m = sum t_b^2 over the blocks
 * of that size, with s_b = sum over the block of sqrt(w_i) x_i and t_b = sum of sqrt(w_i) y_i. A Spark task that
 * holds a feature's values accumulates them ({@link Builder}); they merge by addition per size.
 *
 * <p><b>Why they suffice.</b> statmod transforms the model by the QR of sqrt(W)X and the SVD of Q'Z (Q the
 * residual space, Z the block indicators) and fits a gamma GLM with identity link of the squared projections dy_k
 * on (1, d_k), d_k the squared singular values. The GLM (Levenberg-damped Fisher scoring, {@code glmgam.fit})
 * sees each distinct d only through the count and the sum of its dy: its score, information, the variance floor
 * and the changes of deviance are sums over the observations that share a d. The distinct d are the eigenvalues
 * of M = Z'(I - H)Z = D - G G' (D the block sizes, G = Z' sqrt(W) X L^-T, L L' = X'WX), a diagonal matrix minus
 * a rank-p one: within the blocks of one size m, every direction orthogonal to the columns of G there is an
 * eigenvector of M with eigenvalue m; the rest is a space of at most p dimensions per size, where M is the small
 * matrix diag(m) - C C' with C built from L^-1 S_m L^-T. A feature's projections follow from t = Z'(residuals):
 * per size, q_m - 2 beta'u_m + beta'S_m beta is its squared norm and L^-1 (u_m - S_m beta) its part in the small
 * space. So one pass of sums, then per feature a (K p)-sized eigenproblem (K block sizes) on the driver, where
 * statmod decomposes an n x n matrix.
 *
 * <p>Where this differs from statmod: its guard {@code dev / max(mu) < 1e-15} (a perfect fit) needs the individual
 * dy and is not applied; a rank-deficient sqrt(W)X gives NaN (limma: statmod on the estimable columns). Eigenvalues
 * below 1e-9 of the largest block size count as zero (statmod's squared singular values of null directions are
 * about 1e-30).
 */
public final class BlockedModel {
  /** limma's duplicateCorrelation clips per-feature correlations to at most this. */
  public static final double RHO_MAX = 0.99;
  /** limma's trimmed mean of the atanh correlations. */
  public static final double TRIM = 0.15;
  /** statmod's defaults as duplicateCorrelation calls mixedModel2Fit. */
  static final double TOL = 1e-6;
  static final int MAXIT = 20;

  private BlockedModel() {}

  /** One feature's sums (see the class comment); sizes ascending, one entry per distinct observed block size. */
  public record Sums(int p, long n, double sumY, double[] xtx, double[] xty, double yty, long blocks, int[] sizes,
      long[] blocksOfSize, double[][] sxx, double[][] sxt, double[] stt) implements Serializable {}

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
    private double sumY;
    private final double[] xtx;
    private final double[] xty;
    private double yty;

    Builder(int p, int blocks) {
      this.p = p;
      s = new double[blocks * p];
      t = new double[blocks];
      count = new int[blocks];
      touched = new int[blocks];
      xtx = new double[p * p];
      xty = new double[p];
    }

    /** Adds sample value y with design row x, weight w (positive, finite) in block b. */
    public Builder add(int b, double[] x, double y, double w) {
      n++;
      sumY += y;
      double sw = Math.sqrt(w);
      double wy = w * y;
      yty += wy * y;
      for (int a = 0; a < p; a++) {
        double xa = x[a];
        if (xa == 0) continue;
        xty[a] += xa * wy;
        double wxa = w * xa;
        for (int c = 0; c < p; c++) xtx[a * p + c] += wxa * x[c];
      }
      if (count[b]++ == 0) touched[nTouched++] = b;
      int o = b * p;
      for (int a = 0; a < p; a++) s[o + a] += sw * x[a];
      t[b] += sw * y;
      return this;
    }

    /** The sums of the samples added since the last reset, grouped by block size. */
    public Sums build() {
      TreeMap<Integer, Integer> bySize = new TreeMap<>();
      for (int k = 0; k < nTouched; k++) bySize.putIfAbsent(count[touched[k]], 0);
      int[] sizes = new int[bySize.size()];
      int i = 0;
      for (int m : bySize.keySet()) {
        bySize.put(m, i);
        sizes[i++] = m;
      }
      int kk = sizes.length;
      long[] nb = new long[kk];
      double[][] sxx = new double[kk][p * p];
      double[][] sxt = new double[kk][p];
      double[] stt = new double[kk];
      for (int k = 0; k < nTouched; k++) {
        int b = touched[k];
        int c = bySize.get(count[b]);
        nb[c]++;
        int o = b * p;
        double tb = t[b];
        stt[c] += tb * tb;
        for (int a = 0; a < p; a++) {
          double sa = s[o + a];
          sxt[c][a] += sa * tb;
          for (int e = 0; e < p; e++) sxx[c][a * p + e] += sa * s[o + e];
        }
      }
      return new Sums(p, n, sumY, xtx.clone(), xty.clone(), yty, nTouched, sizes, nb, sxx, sxt, stt);
    }

    /** Clears the sums for the next feature (only the blocks touched). */
    public Builder reset() {
      for (int k = 0; k < nTouched; k++) {
        int b = touched[k];
        count[b] = 0;
        t[b] = 0;
        Arrays.fill(s, b * p, (b + 1) * p, 0);
      }
      nTouched = 0;
      n = 0;
      sumY = 0;
      yty = 0;
      Arrays.fill(xtx, 0);
      Arrays.fill(xty, 0);
      return this;
    }
  }

  // ---- duplicateCorrelation ---------------------------------------------------------------------------------

  /**
   * One feature's REML intra-block correlation, varcomp[Block] / (varcomp[Residual] + varcomp[Block]) as
   * duplicateCorrelation takes it from statmod (before limma's clipping); NaN where limma gets NA: too few
   * observations or blocks (nobs &lt;= p + 2, one block, or blocks &gt;= nobs - 1), no residual space, or a fit
   * that fails.
   */
  public static double correlation(Sums f) {
    int p = f.p();
    long nobs = f.n();
    if (!(nobs > p + 2L && f.blocks() > 1 && f.blocks() < nobs - 1)) return Double.NaN;
    double[][] xtx = square(f.xtx(), p);
    double[][] l = cholesky(xtx);
    if (l == null) return Double.NaN;
    double[] beta = cholSolve(l, f.xty());
    double rss = f.yty() - dot(beta, f.xty());
    long mq = nobs - p;
    if (mq <= 0) return Double.NaN;
    // per size: A_m = L^-1 S_m L^-T, its eigenpairs; the rows of C and the feature's coordinates in the small space
    int kk = f.sizes().length;
    List<double[]> rows = new ArrayList<>();
    List<Double> diag = new ArrayList<>();
    List<Double> coord = new ArrayList<>();
    double[] untouchedY = new double[kk];
    long[] untouchedN = new long[kk];
    double maxSize = f.sizes()[kk - 1];
    for (int c = 0; c < kk; c++) {
      double[][] s = square(f.sxx()[c], p);
      double[][] a = lowerSolveBoth(l, s);
      EigenDecomposition ed = new EigenDecomposition(new Array2DRowRealMatrix(a, false));
      double[] lambda = ed.getRealEigenvalues();
      double lmax = 0;
      for (double v : lambda) lmax = Math.max(lmax, v);
      // the feature's G_m' t_m = L^-1 (u_m - S_m beta), and ||t_m||^2
      double[] g = new double[p];
      for (int i = 0; i < p; i++) {
        double v = f.sxt()[c][i];
        for (int j = 0; j < p; j++) v -= s[i][j] * beta[j];
        g[i] = v;
      }
      double[] gl = forward(l, g);
      double tt = f.stt()[c] - 2 * dot(beta, f.sxt()[c]) + quad(s, beta);
      double inSmall = 0;
      int kept = 0;
      for (int j = 0; j < p; j++) {
        if (!(lambda[j] > 1e-12 * Math.max(lmax, 1))) continue;
        double[] v = ed.getEigenvector(j).toArray();
        double sq = Math.sqrt(lambda[j]);
        double[] row = new double[p];
        for (int i = 0; i < p; i++) row[i] = sq * v[i];
        rows.add(row);
        diag.add((double) f.sizes()[c]);
        double cj = dot(v, gl) / sq;
        coord.add(cj);
        inSmall += cj * cj;
        kept++;
      }
      untouchedN[c] = f.blocksOfSize()[c] - kept;
      untouchedY[c] = (tt - inSmall) / f.sizes()[c];
    }
    List<double[]> groups = points(f, rows, diag, coord, untouchedN, untouchedY, rss, mq, maxSize);
    double[] vc = varianceComponents(groups, mq);
    if (vc == null) return Double.NaN;
    return vc[1] / (vc[0] + vc[1]);
  }

  /**
   * The distinct nonzero eigenvalues d of Z'(I - H)Z with their counts and sums of dy ({d, count, sum dy}), then
   * the zero eigenvalue's: the untouched eigenvalue m of each size, the small matrix diag(m) - C C''s, the rest.
   */
  private static List<double[]> points(Sums f, List<double[]> rows, List<Double> diag, List<Double> coord,
      long[] untouchedN, double[] untouchedY, double rss, long mq, double maxSize) {
    int kk = f.sizes().length;
    int k = rows.size();
    double[][] tm = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) tm[i][j] = (i == j ? diag.get(i) : 0) - dot(rows.get(i), rows.get(j));
    }
    List<double[]> groups = new ArrayList<>();
    double zero = 1e-9 * maxSize;
    long nonzero = 0;
    double sumNonzero = 0;
    for (int c = 0; c < kk; c++) {
      if (untouchedN[c] > 0) {
        groups.add(new double[] {f.sizes()[c], untouchedN[c], untouchedY[c]});
        nonzero += untouchedN[c];
        sumNonzero += untouchedY[c];
      }
    }
    if (k > 0) {
      EigenDecomposition te = new EigenDecomposition(new Array2DRowRealMatrix(tm, false));
      double[] delta = te.getRealEigenvalues();
      RealMatrix u = te.getV();
      for (int j = 0; j < k; j++) {
        if (!(delta[j] > zero)) continue;
        double uc = 0;
        for (int i = 0; i < k; i++) uc += u.getEntry(i, j) * coord.get(i);
        groups.add(new double[] {delta[j], 1, uc * uc / delta[j]});
        nonzero++;
        sumNonzero += uc * uc / delta[j];
      }
    }
    if (nonzero > mq) nonzero = mq;
    if (mq - nonzero > 0) groups.add(new double[] {0, mq - nonzero, rss - sumNonzero});
    return groups;
  }

  /**
   * statmod's mixedModel2Fit from the grouped (d, count, sum dy): least squares of dy on (1, d), then, when d
   * varies, glmgam.fit from there (or from (mean dy, 0) when a fitted value is negative). Null where statmod
   * errors (negative starting values).
   */
  static double[] varianceComponents(List<double[]> groups, long mq) {
    double n = 0;
    double sd = 0;
    double sdd = 0;
    double sy = 0;
    double sdy = 0;
    long nz = 0;
    for (double[] g : groups) {
      n += g[1];
      sd += g[1] * g[0];
      sdd += g[1] * g[0] * g[0];
      sy += g[2];
      sdy += g[0] * g[2];
      if (Math.abs(g[0]) > 1e-15) nz += (long) g[1];
    }
    double det = n * sdd - sd * sd;
    double[] beta = det == 0 ? new double[] {sy / n, 0} : new double[] {(sdd * sy - sd * sdy) / det,
        (n * sdy - sd * sy) / det};
    double var = mq > 1 ? (sdd - sd * sd / mq) / (mq - 1) : 0;
    if (!(mq > 2 && nz > 1 && var > 1e-15)) return beta;
    boolean nonneg = true;
    for (double[] g : groups) nonneg &= beta[0] + beta[1] * g[0] >= 0;
    double[] start = nonneg ? beta : new double[] {sy / mq, 0};
    return glmgam(groups, start);
  }

  /** statmod's glmgam.fit (gamma GLM, identity link, Levenberg damping) on grouped observations. */
  static double[] glmgam(List<double[]> groups, double[] start) {
    int gn = groups.size();
    double[] beta = start.clone();
    double[] mu = new double[gn];
    for (int j = 0; j < gn; j++) {
      mu[j] = beta[0] + beta[1] * groups.get(j)[0];
      if (mu[j] < 0) return null; // statmod: "Starting values give negative fitted values"
    }
    double dev = deviance(groups, mu);
    double lambda = 0;
    double[][] eye = {{1, 0}, {0, 1}};
    for (int iter = 1; ; iter++) {
      double vmax = 0;
      for (double m : mu) vmax = Math.max(vmax, m * m);
      double[][] xvx = new double[2][2];
      double[] dl = new double[2];
      for (int j = 0; j < gn; j++) {
        double[] g = groups.get(j);
        double v = Math.max(mu[j] * mu[j], vmax / 1e3);
        double[] x = {1, g[0]};
        for (int a = 0; a < 2; a++) {
          for (int b = 0; b < 2; b++) xvx[a][b] += g[1] * x[a] * x[b] / v;
          dl[a] += x[a] * (g[2] - g[1] * mu[j]) / v;
        }
      }
      double maxinfo = Math.max(xvx[0][0], xvx[1][1]);
      if (iter == 1) lambda = Math.abs((xvx[0][0] + xvx[1][1]) / 2) / 2;
      double[] betaold = beta.clone();
      double devold = dev;
      int lev = 0;
      double[] dbeta;
      while (true) {
        lev++;
        double a00 = xvx[0][0] + lambda * eye[0][0];
        double a11 = xvx[1][1] + lambda * eye[1][1];
        double a01 = xvx[0][1];
        double d = a00 * a11 - a01 * a01;
        dbeta = new double[] {(a11 * dl[0] - a01 * dl[1]) / d, (a00 * dl[1] - a01 * dl[0]) / d};
        beta = new double[] {betaold[0] + dbeta[0], betaold[1] + dbeta[1]};
        for (int j = 0; j < gn; j++) mu[j] = beta[0] + beta[1] * groups.get(j)[0];
        dev = deviance(groups, mu);
        if (dev <= devold) break;
        if (lambda / maxinfo > 1e15) {
          beta = betaold;
          break;
        }
        lambda *= 2;
      }
      if (lambda / maxinfo > 1e15) break;
      if (lev == 1) lambda /= 10;
      if (dl[0] * dbeta[0] + dl[1] * dbeta[1] < TOL) break;
      if (iter > MAXIT) break;
    }
    return beta;
  }

  /**
   * The gamma deviance up to its constant -2 sum(log dy), which the comparisons between iterations do not need:
   * 2 sum((dy - mu) / mu + log mu); infinite when a fitted value is negative.
   */
  private static double deviance(List<double[]> groups, double[] mu) {
    double dev = 0;
    for (int j = 0; j < mu.length; j++) {
      if (mu[j] < 0) return Double.POSITIVE_INFINITY;
      double[] g = groups.get(j);
      dev += (g[2] - g[1] * mu[j]) / mu[j] + g[1] * Math.log(mu[j]);
    }
    return 2 * dev;
  }

  /**
   * limma's consensus correlation from the features' correlations (NaN: skipped): each clipped to [1 / (1 -
   * maxBlockSize) + 0.01, 0.99], then tanh of the 15% trimmed mean of atanh. {@code maxBlockSize}: the largest
   * block over the samples (R's {@code max(table(block))}). Also returns the clipped atanh values.
   */
  public static Consensus consensus(double[] rho, int maxBlockSize) {
    double rhomin = 1.0 / (1 - maxBlockSize) + 0.01;
    double[] arho = new double[rho.length];
    List<Double> finite = new ArrayList<>();
    double min = 0;
    double max = 0;
    for (double r : rho) {
      if (!Double.isNaN(r)) {
        min = Math.min(min, r);
        max = Math.max(max, r);
      }
    }
    for (int i = 0; i < rho.length; i++) {
      double r = rho[i];
      if (Double.isNaN(r)) {
        arho[i] = Double.NaN;
        continue;
      }
      if (min < rhomin && r < rhomin) r = rhomin;
      if (max > RHO_MAX && r > RHO_MAX) r = RHO_MAX;
      arho[i] = atanh(r);
      finite.add(arho[i]);
    }
    double[] x = finite.stream().mapToDouble(Double::doubleValue).toArray();
    return new Consensus(Math.tanh(trimmedMean(x, TRIM)), arho);
  }

  /** The consensus correlation and each feature's atanh correlation (NaN where skipped). */
  public record Consensus(double correlation, double[] atanhCorrelations) {}

  static double atanh(double x) {
    return 0.5 * Math.log((1 + x) / (1 - x));
  }

  /** R's {@code mean(x, trim)}: sorted, floor(n trim) dropped at each end, then R's two-pass mean. */
  static double trimmedMean(double[] x, double trim) {
    int n = x.length;
    if (n == 0) return Double.NaN;
    double[] s = x.clone();
    Arrays.sort(s);
    int lo = (int) Math.floor(n * trim);
    int hi = n - lo;
    if (trim >= 0.5) {
      // R: the median
      return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
    double sum = 0;
    for (int i = lo; i < hi; i++) sum += s[i];
    double m = sum / (hi - lo);
    double corr = 0;
    for (int i = lo; i < hi; i++) corr += s[i] - m;
    return m + corr / (hi - lo);
  }

  // ---- lmFit(block, correlation) ----------------------------------------------------------------------------

  /**
   * The feature's generalised least squares with intra-block correlation {@code rho} (and its weights), as
   * gls.series: V = W^-1/2 C W^-1/2, C compound symmetry per block. From the sums: C_b^-1 = (I - c_m J) / (1 -
   * rho) with c_m = rho / (1 + (m - 1) rho), so X'V^-1X = (X'WX - sum_m c_m S_m) / (1 - rho), and the same for
   * X'V^-1y and y'V^-1y; the fit is then {@link LinearModel#fit} of those (Amean the plain mean).
   */
  public static FeatureSums glsSums(Sums f, double rho) {
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
    return FeatureSums.of(f.n(), f.sumY(), yvy * k, xvy, xvx);
  }

  // ---- small dense helpers ------------------------------------------------------------------------------------

  private static double[][] square(double[] packed, int p) {
    double[][] m = new double[p][p];
    for (int i = 0; i < p; i++) System.arraycopy(packed, i * p, m[i], 0, p);
    return m;
  }

  /** Lower Cholesky factor, null when not positive definite. */
  private static double[][] cholesky(double[][] a) {
    int p = a.length;
    double[][] l = new double[p][p];
    for (int j = 0; j < p; j++) {
      double d = a[j][j];
      for (int k = 0; k < j; k++) d -= l[j][k] * l[j][k];
      if (!(d > 1e-12 * Math.max(1, Math.abs(a[j][j])))) return null;
      l[j][j] = Math.sqrt(d);
      for (int i = j + 1; i < p; i++) {
        double v = a[i][j];
        for (int k = 0; k < j; k++) v -= l[i][k] * l[j][k];
        l[i][j] = v / l[j][j];
      }
    }
    return l;
  }

  private static double[] forward(double[][] l, double[] b) {
    int p = b.length;
    double[] x = new double[p];
    for (int i = 0; i < p; i++) {
      double v = b[i];
      for (int k = 0; k < i; k++) v -= l[i][k] * x[k];
      x[i] = v / l[i][i];
    }
    return x;
  }

  private static double[] backward(double[][] l, double[] b) {
    int p = b.length;
    double[] x = new double[p];
    for (int i = p - 1; i >= 0; i--) {
      double v = b[i];
      for (int k = i + 1; k < p; k++) v -= l[k][i] * x[k];
      x[i] = v / l[i][i];
    }
    return x;
  }

  private static double[] cholSolve(double[][] l, double[] b) {
    return backward(l, forward(l, b));
  }

  /** L^-1 S L^-T for symmetric S. */
  private static double[][] lowerSolveBoth(double[][] l, double[][] s) {
    int p = s.length;
    double[][] half = new double[p][];
    for (int j = 0; j < p; j++) {
      double[] col = new double[p];
      for (int i = 0; i < p; i++) col[i] = s[i][j];
      half[j] = forward(l, col); // column j of L^-1 S, stored as a row
    }
    double[][] out = new double[p][p];
    for (int i = 0; i < p; i++) {
      double[] row = new double[p];
      for (int j = 0; j < p; j++) row[j] = half[j][i]; // row i of L^-1 S
      double[] r = forward(l, row); // (L^-1 (L^-1 S)')' row i
      for (int j = 0; j < p; j++) out[i][j] = r[j];
    }
    for (int i = 0; i < p; i++) {
      for (int j = i + 1; j < p; j++) {
        double v = (out[i][j] + out[j][i]) / 2;
        out[i][j] = v;
        out[j][i] = v;
      }
    }
    return out;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) s += a[i] * b[i];
    return s;
  }

  private static double quad(double[][] s, double[] b) {
    double q = 0;
    for (int i = 0; i < b.length; i++) for (int j = 0; j < b.length; j++) q += b[i] * s[i][j] * b[j];
    return q;
  }
}
