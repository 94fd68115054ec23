package io.exocohort.de.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * The fit at the end of statmod's {@code mixedModel2Fit(y, X, Z, w, only.varcomp = TRUE, maxit = 20)} (statmod
 * 1.5.0), as limma's {@code duplicateCorrelation} calls it, on grouped observations: the REML variance components
 * (s2_resid, s2_block) from the squared rotated error contrasts dy_k and the squared singular values d_k ({@link
 * BlockedModel} derives them from a feature's sums).
 *
 * <p>statmod regresses dy on (1, d), d_k = 0 beyond the rank of Q2'Z: first by least squares ({@code lm.fit}, whose
 * dqrdc2 gives NA for s2_block when d has no part orthogonal to the ones); then, when mq &gt; 2, more than one d_k
 * &gt; 1e-15 and var(d) &gt; 1e-15, by the gamma GLM with identity link ({@code glmgam.fit}, tol 1e-6, at most 21
 * iterations of Levenberg-damped Fisher scoring) from the least-squares coefficients if all their fitted values are
 * non-negative, else from (mean(dy), 0). The GLM's coefficients are the variance components; without the GLM, the
 * least-squares ones. Every quantity of that fit (the least-squares and GLM normal equations, the damping, the
 * deviance up to its constant -2 sum log dy) depends on the dy only through their sums over equal d and on the d
 * through their distinct values and multiplicities, so a {@link Point} per distinct d is all it needs. Not
 * reproduced, as it needs the individual dy: glmgam's stop on a deviance below 1e-15 max(mu) (a perfect fit), and
 * its exclusion of dy and mu both below 1e-15 from the deviance (dy that small do not arise for expression values).
 */
final class BlockReml {
  /** duplicateCorrelation's {@code maxit}; glmgam.fit's default tolerance. */
  static final int MAXIT = 20;
  static final double TOL = 1e-6;

  private BlockReml() {}

  /** A distinct d with the number of rotated contrasts having it and the sum of their dy. */
  record Point(double d, double count, double sumDy) {}

  /**
   * {s2_resid, s2_block} from the points of the nonzero d (any order; several may share a d) with mq contrasts in
   * all and the residual sum of squares rss (the sum of all dy): the zero d takes the contrasts and the dy the
   * points leave. NaN where statmod gives NA or fails.
   */
  static double[] varianceComponents(List<Point> nonzero, long mq, double rss) {
    return fit(withZeroPoint(nonzero, mq, rss), mq);
  }

  /** Adds the zero eigenvalue (the rest of the mq contrasts) with the rest of the residual sum of squares. */
  private static List<Point> withZeroPoint(List<Point> points, long mq, double rss) {
    // at most mq eigenvalues are non-zero; should rounding give more, the smallest count as zero
    points = new ArrayList<>(points);
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

  /** statmod's regression of dy on (1, d): least squares, then glmgam.fit when statmod runs it. */
  private static double[] fit(List<Point> points, long mq) {
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
