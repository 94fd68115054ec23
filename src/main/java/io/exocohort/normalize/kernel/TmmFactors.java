package io.exocohort.normalize.kernel;

/**
 * Trimmed mean of M-values (TMM) normalisation factors, Robinson &amp; Oshlack 2010 (Genome Biology 11:R25), as
 * {@code edgeR:::.calcFactorTMM} (edgeR 3.40), and the final scaling of {@code edgeR::calcNormFactors}.
 *
 * <p>For sample j against reference r, over the features where both proportions give finite values:
 * {@code M = log2((obs/libObs) / (ref/libRef))}, {@code A = (log2(obs/libObs) + log2(ref/libRef)) / 2},
 * {@code v = (libObs - obs)/libObs/obs + (libRef - ref)/libRef/ref}. Features are kept when their rank of M
 * (ties averaged) lies in {@code [floor(n*logratioTrim)+1, n+1-(floor(n*logratioTrim)+1)]} and their rank of A in
 * the same bounds for {@code sumTrim}; the factor is {@code 2^(sum(M/v)/sum(1/v))} over the kept features (or the
 * plain mean of M without weighting). If every |M| is below 1e-6 (including when no feature qualifies) the factor
 * is 1; if the trimmed set is empty the factor is 1.
 *
 * <p><b>For Spark.</b> Only features with {@code obs > 0} and {@code ref > 0} can contribute (others give an
 * infinite M or A), so a sample may pass just the features it shares with the reference, aligned with the
 * reference's counts; the library sizes must be the full ones ({@code lib.size}, by default the column sums over
 * all features). Broadcast the reference sample's counts, call {@link #tmmFactor} inside each sample's group, then
 * {@link #scaleToGeometricMeanOne} on the driver.
 */
public final class TmmFactors {
  public static final double LOGRATIO_TRIM = 0.3;
  public static final double SUM_TRIM = 0.05;
  public static final boolean DO_WEIGHTING = true;
  public static final double A_CUTOFF = -1e10;

  private TmmFactors() {}

  /**
   * The reference sample of TMM, prepared once for every sample compared with it: its counts, library size and
   * {@code log2(ref / libRef)} per feature (the same double R computes for each comparison).
   */
  public record Reference(double[] counts, double librarySize, double[] logProportion)
      implements java.io.Serializable {
    public static Reference of(double[] counts, double librarySize) {
      double[] lp = new double[counts.length];
      for (int i = 0; i < counts.length; i++) lp[i] = RNumerics.log2(counts[i] / librarySize);
      return new Reference(counts, librarySize, lp);
    }
  }

  /** {@link #tmmFactor(double[], double[], double, double, double, double, boolean, double)} with edgeR's defaults. */
  public static double tmmFactor(double[] obs, double[] ref, double libObs, double libRef) {
    return tmmFactor(obs, libObs, Reference.of(ref, libRef), LOGRATIO_TRIM, SUM_TRIM, DO_WEIGHTING, A_CUTOFF);
  }

  /** {@link #tmmFactor(double[], double, Reference, double, double, boolean, double)} with edgeR's defaults. */
  public static double tmmFactor(double[] obs, double libObs, Reference ref) {
    return tmmFactor(obs, libObs, ref, LOGRATIO_TRIM, SUM_TRIM, DO_WEIGHTING, A_CUTOFF);
  }

  /**
   * The unscaled TMM factor of one sample, {@code edgeR:::.calcFactorTMM(obs, ref, libsize.obs, libsize.ref,
   * logratioTrim, sumTrim, doWeighting, Acutoff)}.
   *
   * @param obs the sample's counts, aligned feature by feature with {@code ref}
   * @param ref the reference sample's counts
   * @param libObs the sample's library size
   * @param libRef the reference's library size
   */
  public static double tmmFactor(double[] obs, double[] ref, double libObs, double libRef, double logratioTrim,
      double sumTrim, boolean doWeighting, double aCutoff) {
    return tmmFactor(obs, libObs, Reference.of(ref, libRef), logratioTrim, sumTrim, doWeighting, aCutoff);
  }

  /**
   * {@link #tmmFactor(double[], double[], double, double, double, double, boolean, double)} against a prepared
   * reference. The rank trims are applied as value windows ({@link RNumerics#rankWindowUnsorted}): a selection per
   * bound instead of a ranking.
   */
  public static double tmmFactor(double[] obs, double libObs, Reference reference, double logratioTrim,
      double sumTrim, boolean doWeighting, double aCutoff) {
    double[] ref = reference.counts();
    if (obs.length != ref.length) {
      throw new IllegalArgumentException("obs and ref differ in length: " + obs.length + " vs " + ref.length);
    }
    double nO = libObs;
    double nR = reference.librarySize();
    double[] refLog = reference.logProportion();
    int len = obs.length;
    double[] logR = new double[len];
    double[] absE = new double[len];
    double[] v = new double[len];
    int n = 0;
    double maxAbs = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < len; i++) {
      double o = obs[i];
      double r = ref[i];
      if (!(o > 0) || !(r > 0)) continue; // an infinite or NaN M or A: R drops them too
      double lr = RNumerics.log2((o / nO) / (r / nR));
      double ae = (RNumerics.log2(o / nO) + refLog[i]) / 2;
      if (!Double.isFinite(lr) || !Double.isFinite(ae) || !(ae > aCutoff)) continue;
      logR[n] = lr;
      absE[n] = ae;
      v[n] = (nO - o) / nO / o + (nR - r) / nR / r;
      maxAbs = Math.max(maxAbs, Math.abs(lr));
      n++;
    }
    if (maxAbs < 1e-6) return 1.0;
    double loL = Math.floor(n * logratioTrim) + 1;
    double hiL = n + 1 - loL;
    double loS = Math.floor(n * sumTrim) + 1;
    double hiS = n + 1 - loS;
    double[] wR = window(logR, n, loL, hiL);
    double[] wE = window(absE, n, loS, hiS);
    RNumerics.Sum num = new RNumerics.Sum();
    RNumerics.Sum den = new RNumerics.Sum();
    int kept = 0;
    if (wR != null && wE != null) {
      for (int i = 0; i < n; i++) {
        boolean keep = logR[i] >= wR[0] && logR[i] <= wR[1] && absE[i] >= wE[0] && absE[i] <= wE[1];
        if (!keep) continue;
        if (doWeighting) {
          double a = logR[i] / v[i];
          double b = 1 / v[i];
          // na.rm = TRUE in each sum separately
          if (!Double.isNaN(a)) num.add(a);
          if (!Double.isNaN(b)) den.add(b);
        } else {
          num.add(logR[i]);
          kept++;
        }
      }
    }
    double f = doWeighting ? num.value() / den.value() : num.value() / kept;
    if (Double.isNaN(f)) f = 0;
    return Math.pow(2, f);
  }

  /** The value window of ranks [lo, hi] among the first n values of x. */
  private static double[] window(double[] x, int n, double lo, double hi) {
    return RNumerics.rankWindowUnsorted(java.util.Arrays.copyOf(x, n), n, lo, hi);
  }

  /**
   * {@code f / exp(mean(log(f)))}: the last step of {@code calcNormFactors}, making the factors multiply to one.
   * Any NaN factor makes all of them NaN, as in R.
   */
  public static double[] scaleToGeometricMeanOne(double[] factors) {
    double[] logs = new double[factors.length];
    for (int j = 0; j < factors.length; j++) logs[j] = Math.log(factors[j]);
    double g = Math.exp(RNumerics.mean(logs));
    double[] out = new double[factors.length];
    for (int j = 0; j < factors.length; j++) out[j] = factors[j] / g;
    return out;
  }
}
