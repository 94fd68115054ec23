package io.exocohort.de.kernel;

/**
 * The Kruskal-Wallis H test across a set of groups, from a {@link RankSummary}, as scipy {@code kruskal(*groups)}
 * over the groups that have values (empty groups are left out; k counts the rest): H = (12 / (N (N + 1))
 * sum R_g^2 / n_g - 3 (N + 1)) / (1 - T / (N^3 - N)) with average ranks among the values of those groups and
 * the tie term T over their tie groups; p = P(chi-square(k - 1) &gt; H). NaN with fewer than two groups or
 * when all values are equal.
 */
public final class KruskalWallis {
  private KruskalWallis() {}

  public record Result(double h, int df, double pValue, int groups) {}

  /** Across all groups of the summary. */
  public static Result test(RankSummary s) {
    return test(s, s.allGroups());
  }

  public static Result test(RankSummary s, int[] groups) {
    RankSummary.checkDistinct(groups, s.groups());
    int k = 0;
    for (int g : groups) if (s.n(g) > 0) k++;
    int[] set = new int[k];
    for (int i = 0, j = 0; i < groups.length; i++) if (s.n(groups[i]) > 0) set[j++] = groups[i];
    if (k < 2) return new Result(Double.NaN, k - 1, Double.NaN, k);
    double bigN = s.n(set);
    double ssbn = 0;
    for (int g : set) {
      double r = s.rankSum(g, set);
      ssbn += r * r / s.n(g);
    }
    double h = 12.0 / (bigN * (bigN + 1)) * ssbn - 3 * (bigN + 1);
    double ties = 1.0 - s.tieTerm(set) / (bigN * bigN * bigN - bigN);
    if (ties == 0) return new Result(Double.NaN, k - 1, Double.NaN, k);
    h /= ties;
    return new Result(h, k - 1, Distributions.chiSquareUpper(h, k - 1), k);
  }
}
