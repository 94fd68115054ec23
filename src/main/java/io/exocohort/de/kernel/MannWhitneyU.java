package io.exocohort.de.kernel;

/**
 * The Mann-Whitney U test of one set of groups against another, from a {@link RankSummary}, as scipy
 * {@code mannwhitneyu(x, y, use_continuity = True, alternative = "two-sided", method = "asymptotic")}: U1 is
 * the statistic of the first sample x (scipy reports U1); the p-value uses U = max(U1, n1 n2 - U1),
 * z = (U - n1 n2 / 2 - 0.5) / sqrt(n1 n2 / 12 ((n + 1) - T / (n (n - 1)))) with the tie term T = sum (t^3 - t)
 * over the tie groups of the pooled x and y values, p = 2 P(Z &gt; z) clipped to [0, 1]. AUC = U1 / (n1 n2), the
 * probability that an x value exceeds a y value (ties counting one half).
 *
 * <p>"X vs healthy": x = {X}, y = {healthy}; "X vs all other cancers" (pooled samples): x = {X}, y = the other
 * cancer groups. The ranks among just the contrast's values come from the summary's pairwise counts, so no
 * contrast re-sorts anything.
 */
public final class MannWhitneyU {
  private MannWhitneyU() {}

  public record Result(long n1, long n2, double u, double auc, double z, double pValue) {}

  public static Result test(RankSummary s, int[] x, int[] y) {
    int[] both = new int[x.length + y.length];
    System.arraycopy(x, 0, both, 0, x.length);
    System.arraycopy(y, 0, both, x.length, y.length);
    RankSummary.checkDistinct(both, s.groups());
    long n1 = s.n(x);
    long n2 = s.n(y);
    if (n1 == 0 || n2 == 0) return new Result(n1, n2, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    double u1 = s.u(x, y);
    long n = n1 + n2;
    long tieTerm = s.tieTerm(both);
    double n1n2 = (double) (n1 * n2);
    double mu = n1n2 / 2;
    double sd = Math.sqrt(n1n2 / 12 * ((n + 1) - tieTerm / (double) (n * (n - 1))));
    double u = Math.max(u1, n1n2 - u1);
    double z = (u - mu - 0.5) / sd;
    double p = 2 * Distributions.normalUpper(z);
    p = Math.min(Math.max(p, 0.0), 1.0);
    return new Result(n1, n2, u1, u1 / n1n2, z, p);
  }

  public static Result test(RankSummary s, int x, int y) {
    return test(s, new int[] {x}, new int[] {y});
  }
}
