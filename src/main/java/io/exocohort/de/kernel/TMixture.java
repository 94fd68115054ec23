package io.exocohort.de.kernel;

import java.util.Arrays;
import java.util.Comparator;

/**
 * limma's {@code tmixture.vector(tstat, stdev.unscaled, df, proportion, v0.lim)}: the prior variance v0 of the
 * non-zero log fold changes, estimated from the top {@code ceiling(proportion / 2 * n)} |t| statistics. t
 * statistics on fewer than the largest df are first moved to the largest df with the same tail probability
 * ({@code qt(pt(|t|, df, lower = FALSE, log = TRUE), maxdf, lower = FALSE, log = TRUE)}); for each of the
 * top ones, the v0 that makes its tail probability match its rank under the mixture is computed, clipped to
 * {@code v0.lim}, and averaged.
 */
public final class TMixture {
  private TMixture() {}

  /**
   * @return the mean v0, or NaN when there are no t statistics (limma's NA)
   */
  public static double vector(double[] tstat, double[] stdevUnscaled, double[] df, double proportion,
                              double[] v0Lim) {
    int m = 0;
    for (double t : tstat) if (!Double.isNaN(t)) m++;
    double[] t = new double[m];
    double[] su = new double[m];
    double[] d = new double[m];
    for (int i = 0, k = 0; i < tstat.length; i++) {
      if (Double.isNaN(tstat[i])) continue;
      t[k] = Math.abs(tstat[i]);
      su[k] = stdevUnscaled[i];
      d[k] = df[i];
      k++;
    }
    int ngenes = m;
    int ntarget = (int) Math.ceil(proportion / 2 * ngenes);
    if (ntarget < 1) return Double.NaN;
    double p = Math.max((double) ntarget / ngenes, proportion);
    double maxDf = Double.NEGATIVE_INFINITY;
    for (double v : d) maxDf = Math.max(maxDf, v);
    for (int i = 0; i < m; i++) {
      if (d[i] < maxDf) {
        double tailP = Distributions.tUpperLog(t[i], d[i]);
        t[i] = Distributions.tUpperQuantileLog(tailP, maxDf);
        d[i] = maxDf;
      }
    }
    // order(tstat, decreasing = TRUE): stable for ties
    Integer[] o = new Integer[m];
    for (int i = 0; i < m; i++) o[i] = i;
    final double[] tt = t;
    Arrays.sort(o, Comparator.comparingDouble((Integer i) -> -tt[i]));
    double sum = 0;
    for (int r = 1; r <= ntarget; r++) {
      int i = o[r - 1];
      double ti = t[i];
      double v1 = su[i] * su[i];
      double p0 = Distributions.tTwoSided(ti, maxDf); // 2 * pt(t, maxdf, lower.tail = FALSE)
      double ptarget = ((r - 0.5) / ngenes - (1 - p) * p0) / p;
      double v0 = 0;
      if (ptarget > p0) {
        double qtarget = Distributions.tUpperQuantile(ptarget / 2, maxDf);
        v0 = v1 * (Math.pow(ti / qtarget, 2) - 1);
      }
      if (v0Lim != null) v0 = Math.min(Math.max(v0, v0Lim[0]), v0Lim[1]);
      sum += v0;
    }
    return sum / ntarget;
  }
}
