package io.exocohort.de.kernel;

/**
 * One feature's least-squares fit, as limma's {@code lmFit} reports it for that feature. For a weighted fit
 * (weighted sums, see {@link FeatureSums}) read X'WX for X'X and y'Wy for y'y below; aveExpr stays unweighted.
 *
 * @param n              observed samples
 * @param rank           rank of the design over the observed samples
 * @param dfResidual     n - rank
 * @param coefficients   beta per design column; NaN for a column that is not estimable over the observed
 *                       samples (lmFit's NA), e.g. the indicator of a group with no observed value
 * @param stdevUnscaled  sqrt of the diagonal of (X'X)^-1 over the estimable columns (NaN elsewhere)
 * @param covUnscaled    (X'X)^-1 of the estimable columns, p x p with NaN rows and columns for the others
 * @param sigma2         residual variance (y'y - beta'X'y) / (n - rank); NaN when dfResidual is 0
 * @param aveExpr        mean of the observed values (limma's Amean); NaN when n is 0
 */
public record FeatureFit(long n, int rank, long dfResidual, double[] coefficients, double[] stdevUnscaled,
                         double[][] covUnscaled, double sigma2, double aveExpr) {

  public boolean estimable(int column) {
    return !Double.isNaN(coefficients[column]);
  }
}
