package io.exocohort.de.kernel;

import java.util.Arrays;

/**
 * What one sorted scan of a feature's values keeps ({@link RankScan}), from which the Mann-Whitney U of any two
 * disjoint sets of groups and the Kruskal-Wallis H of any set of groups follow without re-sorting or re-ranking.
 *
 * <p>Kept, with G groups and tie groups t (runs of equal values), k_{t,a} = members of group a in tie group t:
 * <ul>
 *   <li>{@code n[a]}: values per group;</li>
 *   <li>{@code twiceU[a][b]} = sum over values x of group a of (2 #(values of b below x) + #(values of b equal
 *       to x)), i.e. twice the Mann-Whitney U of group a against group b (pairs counted 1 when b's value is
 *       below, 1/2 when tied); for a = b it is n_a^2;</li>
 *   <li>{@code tie3[a][b][c]} = sum over tie groups of k_{t,a} k_{t,b} k_{t,c} (symmetric, kept once per
 *       multiset a &lt;= b &lt;= c).</li>
 * </ul>
 * Then, for a set S of groups: the rank of a value of group a among the values of S (average ranks for ties)
 * sums over group a to R_a^S = n_a / 2 + sum_{b in S} twiceU[a][b] / 2; U of set X against set Y is
 * sum_{a in X, b in Y} twiceU[a][b] / 2; and the tie correction sum_t (s_t^3 - s_t), s_t the tie group's
 * members in S, is sum_{a,b,c in S} tie3[a][b][c] - N_S (since s_t^3 = sum k_a k_b k_c).
 *
 * <p>Memory per feature: G + G^2 + G(G+1)(G+2)/6 longs, independent of the number of samples (G = 11: 363
 * longs, under 3 KB); never O(n^2), and not O(n) either once the scan is done. All counts are exact integers
 * (longs), exact up to about 2 million values per feature (the cube of a tie group's size must fit a long).
 */
public final class RankSummary {
  private final int groups;
  private final long[] n;
  private final long[] twiceU;
  private final long[] tie3;

  RankSummary(int groups, long[] n, long[] twiceU, long[] tie3) {
    this.groups = groups;
    this.n = n;
    this.twiceU = twiceU;
    this.tie3 = tie3;
  }

  /** Index of the multiset {a, b, c} in the packed symmetric tensor (any order of a, b, c). */
  static int tieIndex(int a, int b, int c) {
    // sort so that x <= y <= z
    int x = a;
    int y = b;
    int z = c;
    if (x > y) { int t = x; x = y; y = t; }
    if (y > z) { int t = y; y = z; z = t; }
    if (x > y) { int t = x; x = y; y = t; }
    return z * (z + 1) * (z + 2) / 6 + y * (y + 1) / 2 + x;
  }

  static int tieSize(int groups) {
    return groups * (groups + 1) * (groups + 2) / 6;
  }

  public int groups() {
    return groups;
  }

  public long n(int group) {
    return n[group];
  }

  public long n(int[] set) {
    long s = 0;
    for (int g : set) s += n[g];
    return s;
  }

  /** Twice the U of group a against group b (an exact integer). */
  public long twiceU(int a, int b) {
    return twiceU[a * groups + b];
  }

  /** U of the values of the groups in x against those of the groups in y (disjoint sets). */
  public double u(int[] x, int[] y) {
    long s = 0;
    for (int a : x) for (int b : y) s += twiceU[a * groups + b];
    return s / 2.0;
  }

  /** Sum of the ranks (average ranks for ties) of group a's values among the values of the groups in set. */
  public double rankSum(int a, int[] set) {
    long s = n[a];
    for (int b : set) s += twiceU[a * groups + b];
    return s / 2.0;
  }

  /** sum over tie groups of (s^3 - s), s counting only the values of the groups in set (distinct groups). */
  public long tieTerm(int[] set) {
    int[] s = set.clone();
    Arrays.sort(s);
    long cubes = 0;
    long total = 0;
    for (int i = 0; i < s.length; i++) {
      total += n[s[i]];
      for (int j = i; j < s.length; j++) {
        for (int k = j; k < s.length; k++) {
          long v = tie3[tieIndex(s[i], s[j], s[k])];
          int mult = (i == j && j == k) ? 1 : (i == j || j == k) ? 3 : 6;
          cubes += mult * v;
        }
      }
    }
    return cubes - total;
  }

  /** All groups 0..G-1. */
  public int[] allGroups() {
    int[] g = new int[groups];
    for (int i = 0; i < groups; i++) g[i] = i;
    return g;
  }

  static void checkDistinct(int[] set, int groups) {
    boolean[] seen = new boolean[groups];
    for (int g : set) {
      if (g < 0 || g >= groups) throw new IllegalArgumentException("group out of range: " + g);
      if (seen[g]) throw new IllegalArgumentException("group listed twice: " + g);
      seen[g] = true;
    }
  }
}
