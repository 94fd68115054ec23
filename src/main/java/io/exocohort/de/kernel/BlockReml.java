package io.exocohort.de.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * statmod's {@code mixedModel2Fit(y, X, Z, w, only.varcomp = TRUE, maxit = 20)} (statmod 1.5.0) for Z the
 * indicator matrix of the blocks, as limma's {@code duplicateCorrelation(block = )} calls it for one feature: the
 * REML estimates of the residual variance and the block variance of y = X beta + Z u + e, u ~ N(0, s2_block I),
 * e ~ N(0, s2_resid I). With weights, statmod multiplies y and X (not Z) by sqrt(w), and so does this class.
 *
 * <h2>statmod's algorithm</h2>
 * With Q2 the residual part of the QR of X (mq = n - rank columns), the error contrasts Q2'y have covariance s2_resid
 * I + s2_block M M', M = Q2'Z. With M = U S V' (all mq left singular vectors), the rotated contrasts U'Q2'y are
 * independent with variances s2_resid + s2_block d_k, d_k = s_k^2 (0 beyond the rank of M). statmod regresses dy_k
 * = (U'Q2'y)_k^2 on (1, d_k): first by least squares ({@code lm.fit}); then, when mq &gt; 2, more than one d_k &gt;
 * 1e-15 and var(d) &gt; 1e-15, by the gamma GLM with identity link ({@code glmgam.fit}, tol 1e-6, at most 21
 * iterations of Levenberg-damped Fisher scoring) from the least-squares coefficients if all their fitted values are
 * non-negative, else from (mean(dy), 0). The GLM's coefficients are the variance components (s2_resid, s2_block);
 * without the GLM, the least-squares ones (NaN for s2_block when (1, d) is rank deficient).
 *
 * <h2>The same numbers without an n x n decomposition</h2>
 * Every quantity of that fit (the least-squares and GLM normal equations, the damping, the deviance up to a
 * constant) depends on the dy_k only through their sums over equal d_k, and on the d_k through their distinct values
 * and multiplicities. Those come from M'M = Z'RZ = D - C C' (R the residual projector, D = diag(block sizes m_b), C =
 * Z'Q1, the per-block sums of the rows of Q1, computed as the per-block sums of the rows of X times R11^-1), and M'Q2'y
 * = Z'r, r the residuals: for the blocks of one size m, every vector on those blocks orthogonal to their rows of C is
 * an eigenvector of D - CC' with eigenvalue m; the rest is a matrix of at most (number of distinct block sizes) x
 * rank rows, decomposed densely ({@link SymmetricEigen}). The zero eigenvalue's sum of dy is the residual sum of
 * squares minus the others. Cost per feature: O(n p^2) for the QR and the block sums, O(blocks x rank^2), and
 * O((sizes x rank)^3) for the small eigenproblem (sizes = distinct block sizes), not O(n^3) as statmod's SVD. Equal
 * to statmod up to rounding, except two tests that never decide for real data: glmgam's stop on a deviance below
 * 1e-15 max(mu) (a perfect fit; the deviance here omits the constant sum log dy) and eigenvalues below 1e-10 max(m_b)
 * count as zero (statmod's are its singular values squared, ~1e-30 then).
 */
final class BlockReml {
  /** duplicateCorrelation's {@code maxit}; glmgam.fit's default tolerance. */
  static final int MAXIT = 20;
  static final double TOL = 1e-6;
  private static final double ZERO_EIGENVALUE = 1e-10;

  private BlockReml() {}

  /** A distinct d with the number of rotated contrasts having it and the sum of their dy. */
  private record Point(double d, double count, double sumDy) {}

  /**
   * The REML variance components {s2_resid, s2_block} of one feature, or NaN where statmod gives NA (or fails).
   *
   * @param x     the observed rows of the design, already multiplied by sqrt(w): column-major, n x p (consumed)
   * @param n     rows
   * @param p     columns
   * @param y     the observed values times sqrt(w)
   * @param block the block of each row, 0 .. blocks - 1, every block present
   */
  static double[] varianceComponents(double[] x, int n, int p, double[] y, int[] block, int blocks) {
    double[][] blockX = new double[blocks][p];
    int[] size = new int[blocks];
    for (int i = 0; i < n; i++) {
      size[block[i]]++;
      for (int j = 0; j < p; j++) blockX[block[i]][j] += x[j * n + i];
    }
    HouseholderQr qr = HouseholderQr.decompose(x, n, p, HouseholderQr.R_TOL);
    int rank = qr.rank();
    int mq = n - rank;
    if (mq == 0) return new double[] {Double.NaN, Double.NaN};
    double[] effects = qr.qty(y);
    double rss = 0;
    for (int i = rank; i < n; i++) rss += effects[i] * effects[i];
    for (int i = 0; i < rank; i++) effects[i] = 0;
    double[] resid = qr.qy(effects);
    double[] g = new double[blocks];
    for (int i = 0; i < n; i++) g[block[i]] += resid[i];
    double[][] c = perBlockQ1(blockX, qr, rank);
    List<Point> points = points(c, g, size, rank, mq, rss);
    return fit(points, mq);
  }

  /** C = (per-block sums of the pivoted rank columns of X) R11^-1: row b is Q1' z_b. */
  private static double[][] perBlockQ1(double[][] blockX, HouseholderQr qr, int rank) {
    int[] piv = qr.pivot();
    double[][] c = new double[blockX.length][rank];
    for (int b = 0; b < blockX.length; b++) {
      double[] row = c[b];
      for (int j = 0; j < rank; j++) {
        double v = blockX[b][piv[j]];
        for (int k = 0; k < j; k++) v -= row[k] * qr.r(k, j);
        row[j] = v / qr.r(j, j);
      }
    }
    return c;
  }

  /** The distinct eigenvalues of Z'RZ with their multiplicities and the sums of dy, and the zero eigenvalue's. */
  private static List<Point> points(double[][] c, double[] g, int[] size, int rank, int mq, double rss) {
    TreeMap<Integer, List<Integer>> bySize = new TreeMap<>();
    for (int b = 0; b < size.length; b++) bySize.computeIfAbsent(size[b], k -> new ArrayList<>()).add(b);
    List<Point> points = new ArrayList<>();
    List<double[]> rRows = new ArrayList<>();
    List<Double> rSize = new ArrayList<>();
    List<Double> h = new ArrayList<>();
    int maxSize = bySize.lastKey();
    for (var e : bySize.entrySet()) {
      int m = e.getKey();
      List<Integer> blocks = e.getValue();
      int k = blocks.size();
      double[][] cs = new double[k][];
      double[] gs = new double[k];
      for (int i = 0; i < k; i++) {
        cs[i] = c[blocks.get(i)].clone();
        gs[i] = g[blocks.get(i)];
      }
      householder(cs, gs, rank);
      int t = Math.min(k, rank);
      for (int i = 0; i < t; i++) {
        rRows.add(cs[i]);
        rSize.add((double) m);
        h.add(gs[i]);
      }
      if (k > t) {
        double ss = 0;
        for (int i = t; i < k; i++) ss += gs[i] * gs[i];
        points.add(new Point(m, k - t, ss / m));
      }
    }
    int q = rRows.size();
    double[][] tm = new double[q][q];
    for (int a = 0; a < q; a++) {
      for (int b = a; b < q; b++) {
        double v = a == b ? rSize.get(a) : 0;
        double[] ra = rRows.get(a);
        double[] rb = rRows.get(b);
        for (int j = 0; j < rank; j++) v -= ra[j] * rb[j];
        tm[a][b] = v;
        tm[b][a] = v;
      }
    }
    SymmetricEigen eig = SymmetricEigen.of(tm);
    for (int j = 0; j < q; j++) {
      double lambda = eig.values()[j];
      if (!(lambda > ZERO_EIGENVALUE * maxSize)) continue;
      double proj = 0;
      for (int a = 0; a < q; a++) proj += eig.vectors()[a][j] * h.get(a);
      points.add(new Point(lambda, 1, proj * proj / lambda));
    }
    return withZeroPoint(points, mq, rss);
  }

  /** Adds the zero eigenvalue (the rest of the mq contrasts) with the rest of the residual sum of squares. */
  private static List<Point> withZeroPoint(List<Point> points, int mq, double rss) {
    // at most mq eigenvalues are non-zero; should rounding give more, the smallest count as zero
    points.sort((a, b) -> Double.compare(b.d(), a.d()));
    List<Point> out = new ArrayList<>();
    double nonzero = 0;
    double explained = 0;
    for (Point pt : points) {
      double take = Math.min(pt.count(), mq - nonzero);
      if (take <= 0) break;
      double sum = take == pt.count() ? pt.sumDy() : pt.sumDy() * take / pt.count();
      out.add(new Point(pt.d(), take, sum));
      nonzero += take;
      explained += sum;
    }
    if (mq - nonzero > 0) out.add(new Point(0, mq - nonzero, Math.max(rss - explained, 0)));
    return out;
  }

  /** Householder QR without pivoting of the k x r matrix {@code a} (rows), applied to {@code v} too: Q'a, Q'v. */
  private static void householder(double[][] a, double[] v, int r) {
    int k = a.length;
    for (int j = 0; j < Math.min(k - 1, r); j++) {
      double ss = 0;
      for (int i = j; i < k; i++) ss += a[i][j] * a[i][j];
      if (ss == 0) continue;
      double norm = Math.sqrt(ss);
      double alpha = a[j][j] > 0 ? -norm : norm;
      double[] u = new double[k];
      for (int i = j; i < k; i++) u[i] = a[i][j];
      u[j] -= alpha;
      double uu = 0;
      for (int i = j; i < k; i++) uu += u[i] * u[i];
      for (int col = j; col < r; col++) {
        double dot = 0;
        for (int i = j; i < k; i++) dot += u[i] * a[i][col];
        double f = 2 * dot / uu;
        for (int i = j; i < k; i++) a[i][col] -= f * u[i];
      }
      double dot = 0;
      for (int i = j; i < k; i++) dot += u[i] * v[i];
      double f = 2 * dot / uu;
      for (int i = j; i < k; i++) v[i] -= f * u[i];
    }
  }

  /** statmod's regression of dy on (1, d): least squares, then glmgam.fit when statmod runs it. */
  private static double[] fit(List<Point> points, int mq) {
    double s0 = 0;
    double s1 = 0;
    double s11 = 0;
    double b0 = 0;
    double b1 = 0;
    int nonzero = 0;
    for (Point pt : points) {
      s0 += pt.count();
      s1 += pt.count() * pt.d();
      s11 += pt.count() * pt.d() * pt.d();
      b0 += pt.sumDy();
      b1 += pt.d() * pt.sumDy();
      if (Math.abs(pt.d()) > 1e-15) nonzero += (int) pt.count();
    }
    double meanD = s1 / mq;
    double ssD = 0;
    for (Point pt : points) ssD += pt.count() * (pt.d() - meanD) * (pt.d() - meanD);
    double varD = mq > 1 ? ssD / (mq - 1) : Double.NaN;
    // lm.fit(dx, dy): dqrdc2 drops d when its part orthogonal to the ones is below 1e-7 of its norm
    boolean dEstimable = Math.sqrt(ssD) >= HouseholderQr.R_TOL * (s11 > 0 ? Math.sqrt(s11) : 1);
    if (!dEstimable) return new double[] {b0 / s0, Double.NaN};
    double det = s0 * s11 - s1 * s1;
    double[] ls = {(s11 * b0 - s1 * b1) / det, (s0 * b1 - s1 * b0) / det};
    if (!(mq > 2 && nonzero > 1 && varD > 1e-15)) return ls;
    boolean nonNegative = true;
    for (Point pt : points) nonNegative &= ls[0] + ls[1] * pt.d() >= 0;
    double[] start = nonNegative ? ls : new double[] {b0 / mq, 0};
    return GammaGlm.fit(points, start);
  }

  /** statmod's glmgam.fit(dx, dy, coef.start, tol = 1e-6, maxit = 20) on the grouped points. */
  private static final class GammaGlm {
    private GammaGlm() {}

    static double[] fit(List<Point> points, double[] start) {
      double maxY = 0;
      for (Point pt : points) maxY = Math.max(maxY, pt.sumDy());
      if (maxY == 0) return new double[] {0, 0};
      double[] beta = start.clone();
      for (Point pt : points) if (mu(beta, pt) < 0) return nan(); // "Starting values give negative fitted values"
      double dev = deviance(points, beta);
      double lambda = 0;
      for (int iter = 1; ; iter++) {
        double[] xvx = new double[3]; // (0,0), (0,1), (1,1)
        double[] dl = new double[2];
        double vmax = 0;
        for (Point pt : points) vmax = Math.max(vmax, mu(beta, pt) * mu(beta, pt));
        for (Point pt : points) {
          double mu = mu(beta, pt);
          double v = Math.max(mu * mu, vmax / 1e3);
          xvx[0] += pt.count() / v;
          xvx[1] += pt.count() * pt.d() / v;
          xvx[2] += pt.count() * pt.d() * pt.d() / v;
          double r = (pt.sumDy() - pt.count() * mu) / v;
          dl[0] += r;
          dl[1] += pt.d() * r;
        }
        double maxInfo = Math.max(xvx[0], xvx[2]);
        if (iter == 1) lambda = Math.abs((xvx[0] + xvx[2]) / 2) / 2;
        double[] betaOld = beta;
        double devOld = dev;
        double[] dbeta;
        int lev = 0;
        while (true) {
          lev++;
          dbeta = cholSolve(xvx, lambda, dl);
          if (dbeta == null) return nan(); // chol() fails
          beta = new double[] {betaOld[0] + dbeta[0], betaOld[1] + dbeta[1]};
          dev = deviance(points, beta);
          if (Double.isNaN(dev)) return nan(); // R: "missing value where TRUE/FALSE needed"
          if (dev <= devOld) break;
          if (lambda / maxInfo > 1e15) {
            beta = betaOld; // "Too much damping - convergence tolerance not achievable"
            break;
          }
          lambda *= 2;
        }
        if (lambda / maxInfo > 1e15) break;
        if (lev == 1) lambda /= 10;
        if (dl[0] * dbeta[0] + dl[1] * dbeta[1] < TOL) break;
        if (iter > MAXIT) break;
      }
      return beta;
    }

    private static double mu(double[] beta, Point pt) {
      return beta[0] + beta[1] * pt.d();
    }

    /** The gamma deviance less its constant 2 sum(-log dy) (differences are exact): Inf if any mu &lt; 0. */
    private static double deviance(List<Point> points, double[] beta) {
      double dev = 0;
      for (Point pt : points) {
        double mu = mu(beta, pt);
        if (mu < 0) return Double.POSITIVE_INFINITY;
        dev += (pt.sumDy() - pt.count() * mu) / mu + pt.count() * Math.log(mu);
      }
      return 2 * dev;
    }

    /** (XVX + lambda I)^-1 dl by R's chol and two backsolves; null if not positive definite. */
    private static double[] cholSolve(double[] xvx, double lambda, double[] dl) {
      double a00 = xvx[0] + lambda;
      double a11 = xvx[2] + lambda;
      if (!(a00 > 0)) return null;
      double r00 = Math.sqrt(a00);
      double r01 = xvx[1] / r00;
      double d = a11 - r01 * r01;
      if (!(d > 0)) return null;
      double r11 = Math.sqrt(d);
      double z0 = dl[0] / r00;
      double z1 = (dl[1] - r01 * z0) / r11;
      double b1 = z1 / r11;
      double b0 = (z0 - r01 * b1) / r00;
      return new double[] {b0, b1};
    }

    private static double[] nan() {
      return new double[] {Double.NaN, Double.NaN};
    }
  }
}
