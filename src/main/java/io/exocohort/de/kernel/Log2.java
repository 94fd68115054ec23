package io.exocohort.de.kernel;

/**
 * Base-2 exponential and logarithm for voom's per-value work (a count recovered from a log-CPM, 2^y, and voom's
 * log-CPM of it, log2(c + 0.5)): each is called once per matrix entry in each of voom's passes, hundreds of millions
 * of times at 100,000 samples, where {@link Math#exp} and {@link Math#log} were half of a weighted pass's time.
 *
 * <p>Both reduce the argument with a table of 256 points and finish with a short polynomial, the classic scheme of
 * Tang (1989, 1990; ACM TOMS 15:144 and 16:378): 2^y = 2^k 2^(i/256) e^r with |r| <= ln 2 / 512 and a degree-5
 * Taylor polynomial of e^r (truncation below 1e-20); log2(x) = e + log2(c_i) + log1p((m - c_i) / c_i) / ln 2 with
 * the mantissa m in [1, 2), c_i = 1 + i / 256 the left end of its cell (m - c_i is exact), 0 <= (m - c_i) / c_i <
 * 1/256 and a degree-7 polynomial of log1p (truncation below 1e-20); a power of two gives its exponent exactly. The tables are built with {@link Math#pow} and {@link Math#log}. Measured against those ({@code
 * Log2Test}): within 6e-16 relative (exp2, |y| <= 60) and 6e-16 absolute or relative, whichever is larger (log2)
 * over the whole double range, a few units in the last place. Arguments outside the fast path (exp2: |y| >= 1000
 * or NaN; log2: zero, negative, subnormal, infinite or NaN) go to {@link Math}.
 */
public final class Log2 {
  private Log2() {}

  private static final int CELLS = 256;
  private static final double LN2 = Math.log(2);
  private static final double INV_LN2 = 1 / LN2;
  private static final double LN2_BY_CELLS = LN2 / CELLS;
  /** 2^(i / 256). */
  private static final double[] EXP2 = new double[CELLS];
  /** c_i = 1 + i / 256, the left end of mantissa cell i, 1 / c_i and log2(c_i). */
  private static final double[] CELL = new double[CELLS];
  private static final double[] INV_CELL = new double[CELLS];
  private static final double[] LOG2_CELL = new double[CELLS];

  static {
    for (int i = 0; i < CELLS; i++) {
      EXP2[i] = Math.pow(2, (double) i / CELLS);
      double c = 1 + (double) i / CELLS;
      CELL[i] = c;
      INV_CELL[i] = 1 / c;
      LOG2_CELL[i] = Math.log(c) / LN2;
    }
  }

  /** 2^y. */
  public static double exp2(double y) {
    if (!(Math.abs(y) < 1000)) return Math.exp(y * LN2);
    double t = y * CELLS; // exact: a power of two
    double j = Math.rint(t);
    double x = (t - j) * LN2_BY_CELLS; // |x| <= ln 2 / 512
    long k = (long) j;
    double p = 1 + x * (1 + x * (0.5 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120)))));
    // 2^(k / 256) = 2^(k >> 8) 2^((k & 255) / 256); the power of two as its bits (|k >> 8| < 1000: no overflow)
    return EXP2[(int) (k & (CELLS - 1))] * p * Double.longBitsToDouble(((k >> 8) + 1023) << 52);
  }

  /** log2(x). */
  public static double log2(double x) {
    long b = Double.doubleToRawLongBits(x);
    if (b <= 0x000fffffffffffffL || b >= 0x7ff0000000000000L) return Math.log(x) * INV_LN2;
    int e = (int) (b >>> 52) - 1023;
    int i = (int) ((b >>> 44) & (CELLS - 1));
    double m = Double.longBitsToDouble((b & 0x000fffffffffffffL) | 0x3ff0000000000000L);
    double r = (m - CELL[i]) * INV_CELL[i]; // 0 <= r < 1/256
    double l = r * (1 + r * (-0.5 + r * (1.0 / 3 + r * (-0.25 + r * (0.2 + r * (-1.0 / 6 + r * (1.0 / 7)))))));
    return e + LOG2_CELL[i] + l * INV_LN2;
  }
}
