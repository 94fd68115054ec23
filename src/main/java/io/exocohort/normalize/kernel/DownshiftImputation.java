package io.exocohort.normalize.kernel;

import java.nio.charset.StandardCharsets;
import org.apache.commons.math3.special.Erf;

/**
 * Imputation of missing log2 protein intensities from a down-shifted normal distribution, the Perseus convention
 * ("Replace missing values from normal distribution", mode "separately for each column"; Tyanova et al. 2016,
 * Nature Methods 13:731): for a sample whose observed log2 values have mean {@code mu} and standard deviation
 * {@code sigma} (sample SD, n - 1), every missing value is drawn from
 * {@code Normal(mu - downshift * sigma, (width * sigma)^2)}, defaults {@code width = 0.3}, {@code downshift = 1.8}.
 * It models values missing because they fell below the detection limit; run it after
 * {@link ProteinNormalization median centring}.
 *
 * <p><b>Determinism.</b> The draw for a missing cell is a pure function of {@code (seed, sample id, feature id)}:
 * a 64-bit key from the seed and the UTF-8 bytes of both ids (FNV-1a, SplitMix64 finaliser) gives a uniform
 * {@code u} in (0, 1), and {@code z = sqrt(2) erfinv(2u - 1)} (commons-math, pure Java, so the same on every JVM and
 * platform). So a sample's imputed values depend on the seed and the sample id, never on row order, partitioning,
 * or which other samples are in the run, and rerunning with the same seed reproduces them bit for bit.
 *
 * <p><b>For Spark.</b> Per sample: {@link #distribution} from the observed values, or
 * {@link #distributionFromMoments} from {@code count, sum, sum of squares}. Per missing cell (the samples x
 * features pairs without a value): {@link #draw}. No R gold exists for this; the tests check the distribution's
 * mean and SD and the determinism.
 */
public final class DownshiftImputation {
  private static final double SQRT2 = Math.sqrt(2.0);

  private DownshiftImputation() {}

  /** Width and down-shift, both in units of the sample's SD of observed values. */
  public record Parameters(double width, double downshift) implements java.io.Serializable {
    /** Perseus' defaults: width 0.3, down shift 1.8. */
    public static final Parameters PERSEUS = new Parameters(0.3, 1.8);
  }

  /** The normal distribution imputed values of one sample are drawn from. */
  public record Distribution(double mean, double sd) implements java.io.Serializable {}

  /**
   * The imputation distribution of one sample from its log2 values (NaN = missing, ignored).
   *
   * @throws IllegalArgumentException with fewer than two observed values (no SD)
   */
  public static Distribution distribution(double[] log2Values, Parameters p) {
    long n = 0;
    RNumerics.Sum s = new RNumerics.Sum();
    for (double v : log2Values) {
      if (Double.isNaN(v)) continue;
      n++;
      s.add(v);
    }
    if (n < 2) throw new IllegalArgumentException("need at least two observed values to impute, got " + n);
    double mu = s.value() / n;
    RNumerics.Sum ss = new RNumerics.Sum();
    for (double v : log2Values) if (!Double.isNaN(v)) ss.add((v - mu) * (v - mu));
    double sigma = Math.sqrt(ss.value() / (n - 1));
    return new Distribution(mu - p.downshift() * sigma, p.width() * sigma);
  }

  /** {@link #distribution} from the count, sum and sum of squares of a sample's observed log2 values. */
  public static Distribution distributionFromMoments(long n, double sum, double sumSquares, Parameters p) {
    if (n < 2) throw new IllegalArgumentException("need at least two observed values to impute, got " + n);
    double mu = sum / n;
    double var = Math.max(0.0, (sumSquares - sum * mu) / (n - 1));
    double sigma = Math.sqrt(var);
    return new Distribution(mu - p.downshift() * sigma, p.width() * sigma);
  }

  /** The imputed value of the cell (sample, feature): {@code mean + sd * z(seed, sampleId, featureId)}. */
  public static double draw(Distribution d, long seed, String sampleId, String featureId) {
    return d.mean() + d.sd() * standardNormal(seed, sampleId, featureId);
  }

  /**
   * Imputes one sample: observed values are returned as they are, each NaN is replaced by {@link #draw}.
   *
   * @param log2Values the sample's log2 values, NaN = missing
   * @param featureIds the feature id of each value (the draw's key)
   */
  public static double[] impute(double[] log2Values, String[] featureIds, String sampleId, long seed, Parameters p) {
    if (featureIds.length != log2Values.length) {
      throw new IllegalArgumentException(featureIds.length + " feature ids for " + log2Values.length + " values");
    }
    Distribution d = distribution(log2Values, p);
    double[] out = log2Values.clone();
    for (int i = 0; i < out.length; i++) {
      if (Double.isNaN(out[i])) out[i] = draw(d, seed, sampleId, featureIds[i]);
    }
    return out;
  }

  /** The standard normal deviate of a cell, a pure function of its key. */
  public static double standardNormal(long seed, String sampleId, String featureId) {
    long k = mix64(mix64(seed) ^ fnv1a64(sampleId));
    k = mix64(k ^ mix64(fnv1a64(featureId) + 0x9E3779B97F4A7C15L));
    // 52 random bits: (m + 0.5) / 2^52 is exact in a double and lies strictly inside (0, 1)
    double u = ((k >>> 12) + 0.5) * 0x1.0p-52;
    return SQRT2 * Erf.erfInv(2 * u - 1);
  }

  private static long fnv1a64(String s) {
    long h = 0xcbf29ce484222325L;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** SplitMix64's finaliser (Steele, Lea &amp; Flood 2014). */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
