package io.exocohort.de.kernel;

/**
 * Welch's unequal-variance t-test from two groups' sums, as scipy {@code ttest_ind(x, y, equal_var = False)}:
 * t = (mean_x - mean_y) / sqrt(v_x/n_x + v_y/n_y) with sample variances (ddof = 1), Welch-Satterthwaite df
 * (vn_x + vn_y)^2 / (vn_x^2/(n_x - 1) + vn_y^2/(n_y - 1)), two-sided p on df. Like scipy, an undefined df
 * (both variances 0, or a group of one) is reported as 1; t and p are then whatever the arithmetic gives (NaN
 * for a group of one, +-Inf and 0 for two constant groups with different means).
 */
public final class WelchTTest {
  private WelchTTest() {}

  /** @param meanDifference mean_x - mean_y */
  public record Result(double t, double df, double pValue, double meanDifference) {
    static final Result NA = new Result(Double.NaN, Double.NaN, Double.NaN, Double.NaN);
  }

  /** x against y; NaN everywhere when a group is empty (scipy refuses empty samples). */
  public static Result test(GroupSums x, GroupSums y) {
    if (x.n() == 0 || y.n() == 0) return Result.NA;
    double n1 = x.n();
    double n2 = y.n();
    double vn1 = x.variance() / n1;
    double vn2 = y.variance() / n2;
    double df = (vn1 + vn2) * (vn1 + vn2) / (vn1 * vn1 / (n1 - 1) + vn2 * vn2 / (n2 - 1));
    if (Double.isNaN(df)) df = 1;
    double d = x.mean() - y.mean();
    double t = d / Math.sqrt(vn1 + vn2);
    return new Result(t, df, Distributions.tTwoSided(t, df), d);
  }
}
