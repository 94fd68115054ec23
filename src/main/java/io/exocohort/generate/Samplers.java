package io.exocohort.generate;

import java.util.SplittableRandom;
import org.apache.commons.math3.special.Gamma;

/**
 * Fast random variate generators on {@link SplittableRandom}, for the tens of millions of draws a cohort needs
 * (commons-math3's distribution objects cost an allocation and a setup per draw). All are exact samplers.
 */
final class Samplers {
  private static final double LN10 = Math.log(10);

  private Samplers() {}

  /** SplitMix64's finaliser: a bijective 64-bit mix, for deriving independent seeds from (seed, index, stream). */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** An RNG for one stream of one item: the same (seed, stream, index) always gives the same sequence. */
  static SplittableRandom rng(long seed, long stream, long index) {
    return new SplittableRandom(mix64(mix64(seed ^ mix64(stream * 0x9E3779B97F4A7C15L)) + index));
  }

  static double normal(SplittableRandom r, double mean, double sd) {
    return mean + sd * r.nextGaussian();
  }

  static double uniform(SplittableRandom r, double lo, double hi) {
    return lo + (hi - lo) * r.nextDouble();
  }

  /** 10^x. */
  static double exp10(double x) {
    return Math.exp(LN10 * x);
  }

  /**
   * Gamma(shape, 1): Marsaglia &amp; Tsang (2000), "A simple method for generating gamma variables"; shapes below 1
   * through Gamma(shape + 1) * U^(1/shape).
   */
  static double gamma(SplittableRandom r, double shape) {
    if (shape < 1) {
      double g = gamma(r, shape + 1);
      double u = r.nextDouble();
      return g * Math.exp(Math.log(u) / shape);
    }
    double d = shape - 1.0 / 3.0;
    double c = 1.0 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = r.nextGaussian();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = r.nextDouble();
      double x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /**
   * Poisson(mean): inversion by sequential search below mean 10; above, Hörmann's transformed rejection with
   * squeeze (PTRS; "The transformed rejection method for generating Poisson random variables", 1993), as numpy.
   */
  static int poisson(SplittableRandom r, double mean) {
    if (!(mean > 0)) return 0;
    if (mean < 10) {
      double p = Math.exp(-mean);
      double cdf = p;
      double u = r.nextDouble();
      int k = 0;
      while (u > cdf && k < 200) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    }
    double slam = Math.sqrt(mean);
    double loglam = Math.log(mean);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2);
    while (true) {
      double u = r.nextDouble() - 0.5;
      double v = r.nextDouble();
      double us = 0.5 - Math.abs(u);
      long k = (long) Math.floor((2 * a / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return (int) Math.min(k, Integer.MAX_VALUE);
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b)
          <= -mean + k * loglam - Gamma.logGamma(k + 1.0)) {
        return (int) Math.min(k, Integer.MAX_VALUE);
      }
    }
  }

  /** Index drawn with probability proportional to {@code weights}. */
  static int categorical(SplittableRandom r, double[] weights) {
    double total = 0;
    for (double w : weights) total += w;
    double u = r.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}
