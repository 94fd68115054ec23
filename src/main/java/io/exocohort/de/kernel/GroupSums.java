package io.exocohort.de.kernel;

/**
 * One group's sufficient statistics for the Welch t-test and one-way ANOVA: the count, the sum and the sum of
 * squares of its observed values. Any constant c may be subtracted from every value before summing (the same
 * c for all groups of a feature): both tests are invariant to it, and a c near the feature's level avoids the
 * cancellation of sum(y^2) - (sum y)^2 / n for large values (log2 intensities near 25, say).
 */
public record GroupSums(long n, double sum, double sumSq) {
  public static final GroupSums EMPTY = new GroupSums(0, 0, 0);

  public GroupSums add(double value) {
    if (Double.isNaN(value)) return this;
    return new GroupSums(n + 1, sum + value, sumSq + value * value);
  }

  public GroupSums merge(GroupSums o) {
    return new GroupSums(n + o.n, sum + o.sum, sumSq + o.sumSq);
  }

  public static GroupSums of(double... values) {
    GroupSums g = EMPTY;
    for (double v : values) g = g.add(v);
    return g;
  }

  public double mean() {
    return n == 0 ? Double.NaN : sum / n;
  }

  /** Sum of squared deviations from the group mean. */
  public double centredSumSq() {
    if (n == 0) return Double.NaN;
    return Math.max(sumSq - sum * (sum / n), 0.0);
  }

  /** Sample variance (ddof = 1); NaN for fewer than two values. */
  public double variance() {
    return n < 2 ? Double.NaN : centredSumSq() / (n - 1);
  }
}
