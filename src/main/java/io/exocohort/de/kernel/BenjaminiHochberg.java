package io.exocohort.de.kernel;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Benjamini-Hochberg adjusted p-values with R's {@code p.adjust(p, "BH")} semantics: NaN p-values stay NaN
 * and do not count in m; sorted decreasingly, {@code min(1, cummin(m / i * p))}. The same values as
 * statsmodels {@code multipletests(method = "fdr_bh")} on the non-missing p-values (to rounding).
 */
public final class BenjaminiHochberg {
  private BenjaminiHochberg() {}

  public static double[] adjust(double[] p) {
    double[] out = new double[p.length];
    Arrays.fill(out, Double.NaN);
    int m = 0;
    for (double v : p) if (!Double.isNaN(v)) m++;
    if (m == 0) return out;
    Integer[] idx = new Integer[m];
    for (int i = 0, k = 0; i < p.length; i++) if (!Double.isNaN(p[i])) idx[k++] = i;
    if (m == 1) {
      out[idx[0]] = p[idx[0]];
      return out;
    }
    // decreasing p; ties in any order give the same result
    Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> p[i]).reversed());
    double cummin = Double.POSITIVE_INFINITY;
    for (int k = 0; k < m; k++) {
      int rank = m - k; // i in lp:1
      double v = (double) m / rank * p[idx[k]];
      cummin = Math.min(cummin, v);
      out[idx[k]] = Math.min(1.0, cummin);
    }
    return out;
  }
}
