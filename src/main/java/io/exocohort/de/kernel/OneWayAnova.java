package io.exocohort.de.kernel;

/**
 * One-way ANOVA F test from per-group sums, as scipy {@code f_oneway(*groups)} over the groups that have at
 * least one value (empty groups are left out, so k counts the non-empty ones): F = (SSB / (k - 1)) /
 * (SSW / (N - k)), SSB = sum n_g (mean_g - mean)^2, SSW = sum of the within-group centred sums of squares,
 * p = P(F(k - 1, N - k) &gt; F). As scipy: NaN with fewer than two groups or when every group has one value;
 * F = Inf, p = 0 when every group is constant but the means differ, NaN when all values are equal.
 */
public final class OneWayAnova {
  private OneWayAnova() {}

  public record Result(double f, int df1, long df2, double pValue, int groups) {}

  public static Result test(GroupSums... groups) {
    int k = 0;
    long bigN = 0;
    double total = 0;
    boolean allSingle = true;
    for (GroupSums g : groups) {
      if (g.n() == 0) continue;
      k++;
      bigN += g.n();
      total += g.sum();
      if (g.n() > 1) allSingle = false;
    }
    if (k < 2 || allSingle) return new Result(Double.NaN, k - 1, bigN - k, Double.NaN, k);
    double grand = total / bigN;
    double ssb = 0;
    double ssw = 0;
    for (GroupSums g : groups) {
      if (g.n() == 0) continue;
      double dm = g.mean() - grand;
      ssb += g.n() * dm * dm;
      ssw += g.centredSumSq();
    }
    int df1 = k - 1;
    long df2 = bigN - k;
    if (ssw <= 0) {
      return ssb <= 0 ? new Result(Double.NaN, df1, df2, Double.NaN, k) : new Result(Double.POSITIVE_INFINITY, df1, df2, 0.0, k);
    }
    double f = (ssb / df1) / (ssw / df2);
    return new Result(f, df1, df2, Distributions.fUpper(f, df1, df2), k);
  }
}
