package io.exocohort.normalize.kernel;

import java.util.Arrays;

/**
 * The few R primitives the normalisation kernels rely on, reproduced exactly so that ranks, ties, quantiles and
 * interpolation agree with edgeR / limma / sva:
 * <ul>
 *   <li>{@link #quantile7} — {@code stats::quantile(x, p, type = 7)} (R's default);</li>
 *   <li>{@link #median} — {@code stats::median};</li>
 *   <li>{@link #averageRanks} — {@code base::rank(x)} with {@code ties.method = "average"}, NaN kept as NaN;</li>
 *   <li>{@link #approx} — {@code stats::approx(x, y, xout)} linear, {@code rule = 1}, as R's C {@code approx1};</li>
 *   <li>{@link #mean} — {@code base::mean}: R accumulates in long double; a compensated (Neumaier) sum gets within
 *       an ulp of it.</li>
 * </ul>
 * Missing values are {@code NaN} throughout (R's {@code NA}).
 */
public final class RNumerics {
  /** {@code log(2)}, as {@code std::log(2.0)}. */
  public static final double LN2 = Math.log(2.0);

  private RNumerics() {}

  /**
   * {@code log2(x)} rounded correctly to the nearest double, to agree with C's {@code log2} (glibc, which R calls)
   * to the last bit as often as possible. That matters for TMM: M and A values are ranked as ties only if their
   * logs round to the same double, and {@code Math.log(x) / log(2)} is an ulp off often enough to break ties that
   * edgeR sees (it did on the GBM cohort). glibc's log2 is within 0.502 ulp, not always correctly rounded, so the
   * two still differ by one ulp on roughly 0.1% of arguments (2 of the 1,333 in the golden set); a TMM factor can
   * only change if such an argument also sits on an exact tie boundary.
   * Computed in two steps (Ziv's strategy): a table-driven step accurate to about 2^-75 ({@code log2Table}), whose
   * result is returned when the whole error interval rounds to one double (nearly every argument); else
   * {@link #log2Exact}, {@code e + ln(m)/ln(2)} with {@code x = m 2^e}, {@code m} in [sqrt(1/2), sqrt(2)], by the full
   * atanh series in double-double (about 106 bits). Both give the same double: the fast step only returns a value the
   * exact one would. TMM calls this twice per sample and feature it compares, so the fast step is what keeps
   * normalize's factors near the cost of a pass (on TMM's arguments about 21 ns a call on the 2-core test machine,
   * against 55 ns for the short atanh series that was the fast step until the thirty-ninth session).
   */
  public static double log2(double x) {
    return log2(x, true);
  }

  /** The slow path of {@link #log2}: the full series in double-double for every argument. */
  static double log2Exact(double x) {
    return log2(x, false);
  }

  private static double log2(double x, boolean fastFirst) {
    if (!(x > 0) || x == Double.POSITIVE_INFINITY) {
      if (x == 0) return Double.NEGATIVE_INFINITY;
      return x == Double.POSITIVE_INFINITY ? x : Double.NaN;
    }
    int e = 0;
    if (x < Double.MIN_NORMAL) {
      x *= 0x1.0p54;
      e = -54;
    }
    int scaled = e;
    int ex = Math.getExponent(x);
    double m = Math.scalb(x, -ex);
    e += ex;
    if (m > SQRT2) {
      m *= 0.5;
      e += 1;
    }
    if (m == 1.0) return e;
    if (fastFirst) {
      double r = log2Table(x, scaled);
      if (!Double.isNaN(r)) return r;
    }
    return log2Series(m, e);
  }

  /**
   * The fast step of {@link #log2} for a positive normal {@code x} times {@code 2^scaled} (a subnormal argument
   * comes scaled up), NaN when its rounding is not decided. With
   * {@code x = 2^e m}, {@code m} in [1, 2) and {@code c = 1 + i/256} the left end of m's 1/256 interval:
   * {@code log2(x) = e + T_i + log2(1 + r)}, {@code r = m (1/c) - 1} exact in double-double ({@code |r| < 2^-8}),
   * {@code T_i = -log2(fl(1/c))} tabulated in double-double (minus 1, with e + 1, where c > sqrt 2, as the exact
   * path reduces m to [sqrt(1/2), sqrt(2)]). log1p(r) to ten terms: the first two in double-double, terms 3 to 10 in
   * double (under 2^-24 of the value, so their rounding is under 2^-76), the rest under 2^-90. Within 2^-9 below 1
   * the reduction is {@code r = x - 1} itself (exact), so results near 0 keep their relative accuracy. The result
   * is returned when it rounds the same for every value within the error bound (Ziv's test): 2^-74 absolute where a
   * table term is added (the errors sum to under 2^-75), plus 2^-62 relative. No division, one table row: about 0.4x
   * the time of the short atanh series this step used before.
   */
  private static double log2Table(double x, int scaled) {
    long bits = Double.doubleToRawLongBits(x);
    int e = (int) (bits >>> 52) - 1023 + scaled;
    long mant = bits & 0x000FFFFFFFFFFFFFL;
    int i = (int) (mant >>> 44);
    double rHi;
    double rLo;
    double tHi;
    double tLo;
    if (i == 255 && e == -1) { // (a scaled x is far from 1)
      rHi = x - 1.0; // x in [1 - 2^-9, 1): exact (Sterbenz)
      rLo = 0;
      tHi = 0;
      tLo = 0;
      e = 0;
    } else {
      double m = Double.longBitsToDouble(mant | 0x3FF0000000000000L);
      double inv = TABLE_INV[i];
      double pHi = m * inv;
      double pLo = Math.fma(m, inv, -pHi);
      double t = pHi - 1.0; // exact: pHi within 2^-8 of 1
      rHi = t + pLo;
      rLo = pLo - (rHi - t);
      tHi = TABLE_HI[i];
      tLo = TABLE_LO[i];
      e += TABLE_E[i];
    }
    // ln(1 + r) = r - r^2/2 + r^3 (1/3 - r/4 + ... - r^7/10)
    double r2 = rHi * rHi;
    double r2Lo = Math.fma(rHi, rHi, -r2) + 2 * rHi * rLo;
    double p = -0.1;
    p = p * rHi + 1.0 / 9;
    p = p * rHi - 0.125;
    p = p * rHi + 1.0 / 7;
    p = p * rHi - 1.0 / 6;
    p = p * rHi + 0.2;
    p = p * rHi - 0.25;
    p = p * rHi + 1.0 / 3;
    double tail = r2 * rHi * p;
    double a = -0.5 * r2;
    double sHi = rHi + a;
    double sLo = (a - (sHi - rHi)) + (rLo - 0.5 * r2Lo + tail);
    double lnHi = sHi + sLo;
    double lnLo = sLo - (lnHi - sHi);
    // log2(1 + r) = ln(1 + r) / ln 2
    double yHi = lnHi * INV_LN2_HI;
    double yLo = Math.fma(lnHi, INV_LN2_HI, -yHi) + (lnHi * INV_LN2_LO + lnLo * INV_LN2_HI);
    // z = T_i + y
    double zHi = tHi + yHi;
    double bz = zHi - tHi;
    double zLo = ((tHi - (zHi - bz)) + (yHi - bz)) + yLo + tLo;
    // e + z, rounded once if the error bound cannot change it
    double sum = e + zHi;
    double bb = sum - e;
    double lo = ((e - (sum - bb)) + (zHi - bb)) + zLo;
    double bound = Math.abs(zHi) * 0x1p-62 + (tHi == 0 ? 0 : 0x1p-74);
    double lower = sum + (lo - bound);
    return lower == sum + (lo + bound) ? lower : Double.NaN;
  }

  /** {@code e + log2(m)} for {@code m} in [sqrt(1/2), sqrt(2)] ({@link #log2Mantissa}), rounded once. */
  private static double log2Series(double m, int e) {
    double[] y = new double[2];
    log2Mantissa(m, y);
    double sum = e + y[0];
    double bb = sum - e;
    double lo = ((e - (sum - bb)) + (y[0] - bb)) + y[1];
    return sum + lo;
  }

  /**
   * {@code log2(m)} for {@code m} in [sqrt(1/2), sqrt(2)] as the double-double {@code y[0] + y[1]} (about 106 bits),
   * by {@code ln(m) = 2 s sum_k t^k / (2k + 1)}, {@code s = (m - 1) / (m + 1)}, {@code t = s^2}, every term in
   * double-double.
   */
  private static void log2Mantissa(double m, double[] y) {
    // s = (m - 1) / (m + 1) in double-double; m - 1 is exact (Sterbenz), m + 1 may not be
    double num = m - 1.0;
    double denHi = m + 1.0;
    double denLo = (m - (denHi - 1.0)) + (1.0 - (denHi - (denHi - 1.0)));
    double sHi = num / denHi;
    double sLo = (Math.fma(-sHi, denHi, num) - sHi * denLo) / denHi;
    // t = s^2
    double tHi = sHi * sHi;
    double tLo = Math.fma(sHi, sHi, -tHi) + 2 * sHi * sLo;
    double t2 = tHi + tLo;
    tLo = tLo - (t2 - tHi);
    tHi = t2;
    // P = sum_k t^k / (2k + 1), Horner in double-double
    int last = ATANH_HI.length - 1;
    double pHi = ATANH_HI[last];
    double pLo = ATANH_LO[last];
    for (int k = last - 1; k >= 0; k--) {
      // P = P * t
      double h = pHi * tHi;
      double l = Math.fma(pHi, tHi, -h) + (pHi * tLo + pLo * tHi);
      double hh = h + l;
      l = l - (hh - h);
      // P = P + c_k
      double sh = hh + ATANH_HI[k];
      double bb = sh - hh;
      double err = (hh - (sh - bb)) + (ATANH_HI[k] - bb);
      double sl = err + l + ATANH_LO[k];
      pHi = sh + sl;
      pLo = sl - (pHi - sh);
    }
    // ln(m) = 2 s P ; log2(m) = ln(m) / ln 2
    double lnHi = sHi * pHi;
    double lnLo = Math.fma(sHi, pHi, -lnHi) + (sHi * pLo + sLo * pHi);
    double ln2 = lnHi + lnLo;
    lnLo = lnLo - (ln2 - lnHi);
    lnHi = ln2 * 2;
    lnLo *= 2;
    y[0] = lnHi * INV_LN2_HI;
    y[1] = Math.fma(lnHi, INV_LN2_HI, -y[0]) + (lnHi * INV_LN2_LO + lnLo * INV_LN2_HI);
  }

  private static final double SQRT2 = Math.sqrt(2.0);
  private static final double INV_LN2_HI;
  private static final double INV_LN2_LO;
  /** 1/(2k+1), k = 0..ATANH_TERMS-1, as double-double: enough terms for |s| <= 0.1716 to 2^-110. */
  private static final double[] ATANH_HI = new double[24];
  private static final double[] ATANH_LO = new double[24];
  /** Per 1/256 interval of the mantissa: fl(1/c), and -log2(fl(1/c)) (minus 1 above sqrt 2) in double-double. */
  private static final double[] TABLE_INV = new double[256];
  private static final double[] TABLE_HI = new double[256];
  private static final double[] TABLE_LO = new double[256];
  /** 1 where the table term has 1 taken off (c above sqrt 2): the exponent gets it. */
  private static final int[] TABLE_E = new int[256];

  static {
    java.math.BigDecimal inv = new java.math.BigDecimal("1.44269504088896340735992468100189213742664595415299");
    INV_LN2_HI = inv.doubleValue();
    INV_LN2_LO = inv.subtract(new java.math.BigDecimal(INV_LN2_HI)).doubleValue();
    for (int k = 0; k < ATANH_HI.length; k++) {
      double d = 2 * k + 1;
      ATANH_HI[k] = 1.0 / d;
      ATANH_LO[k] = Math.fma(-ATANH_HI[k], d, 1.0) / d;
    }
    double[] y = new double[2];
    for (int i = 0; i < 256; i++) {
      double c = 1 + i / 256.0;
      double ic = 1.0 / c;
      // -log2(ic) by the exact path's series: ic itself in [sqrt(1/2), 1]; above sqrt 2, 2 ic in (1, sqrt(2)),
      // whose -log2 is -log2(ic) - 1
      int shift = c > SQRT2 ? 1 : 0;
      log2Mantissa(shift == 1 ? 2 * ic : ic, y);
      TABLE_INV[i] = ic;
      TABLE_HI[i] = -y[0];
      TABLE_LO[i] = -y[1];
      TABLE_E[i] = shift;
    }
  }

  /**
   * R's type-7 quantile of {@code x} (which must hold no NaN) at probability {@code p}:
   * {@code index = 1 + (n - 1) p}, {@code lo = floor(index)}, {@code hi = ceiling(index)}, then
   * {@code (1 - h) x[lo] + h x[hi]} with {@code h = index - lo}, unless {@code x[hi] == x[lo]}.
   * Returns NaN for an empty array (R returns NA). {@code x} is not modified.
   */
  public static double quantile7(double[] x, double p) {
    int n = x.length;
    if (n == 0) return Double.NaN;
    double[] s = x.clone();
    if (!plainOrder(s, n)) {
      Arrays.sort(s);
      return quantile7Sorted(s, p);
    }
    // the two order statistics quantile7Sorted reads, by selection instead of a sort (the same doubles)
    double index = 1 + Math.max(n - 1, 0) * p;
    int lo = (int) Math.floor(index) - 1;
    int hi = (int) Math.ceil(index) - 1;
    double qs = select(s, n, lo);
    double xhi = hi == lo ? qs : minAbove(s, lo + 1, n);
    if (index > lo + 1 && xhi != qs) {
      double h = index - (lo + 1);
      qs = (1 - h) * qs + h * xhi;
    }
    return qs;
  }

  /**
   * Whether the first {@code n} values order the same under {@code <} as under {@link Arrays#sort(double[])}: no
   * NaN (sorted last) and no -0.0 (sorted before 0.0, equal to it under {@code ==}). Then a selection by
   * {@code <} finds the very double a sort would put at a position.
   */
  private static boolean plainOrder(double[] x, int n) {
    for (int i = 0; i < n; i++) {
      double v = x[i];
      if (Double.isNaN(v) || Double.doubleToRawLongBits(v) == Long.MIN_VALUE) return false;
    }
    return true;
  }

  /**
   * The value a sort of the first {@code n} values would put at index {@code k}: a quickselect with three-way
   * partitions (ties, frequent in counts, end a round at once). Reorders those values; expects
   * {@link #plainOrder}.
   */
  static double select(double[] a, int n, int k) {
    return select(a, 0, n - 1, k, null);
  }

  /**
   * {@link #select} within {@code a[from..to]}, which holds index {@code k}, when every value before {@code from} is
   * below every value of that range and every value after {@code to} above them (the whole array, or what an earlier
   * select left: all values before its {@code counts[0]} are below the value it found). If {@code counts} is given, it
   * gets how many of the values are below the result and how many equal it: a partition round's three parts, or the
   * range narrowed to one value, are bounded that strictly by the values outside them.
   */
  static double select(double[] a, int from, int to, int k, int[] counts) {
    int lo = from;
    int hi = to;
    while (hi > lo) {
      int mid = (lo + hi) >>> 1;
      double p = medianOf3(a[lo], a[mid], a[hi]);
      int lt = lo;
      int i = lo;
      int gt = hi;
      while (i <= gt) {
        double v = a[i];
        if (v < p) {
          a[i++] = a[lt];
          a[lt++] = v;
        } else if (v > p) {
          a[i] = a[gt];
          a[gt--] = v;
        } else {
          i++;
        }
      }
      if (k < lt) {
        hi = lt - 1;
      } else if (k > gt) {
        lo = gt + 1;
      } else {
        if (counts != null) {
          counts[0] = lt;
          counts[1] = gt - lt + 1;
        }
        return p;
      }
    }
    if (counts != null) {
      counts[0] = lo;
      counts[1] = 1;
    }
    return a[lo];
  }

  private static double medianOf3(double a, double b, double c) {
    return a < b ? (b < c ? b : Math.max(a, c)) : (a < c ? a : Math.max(b, c));
  }

  /** The smallest of {@code a[from..n)} (after {@link #select} of {@code from - 1}: the next order statistic). */
  private static double minAbove(double[] a, int from, int n) {
    double m = a[from];
    for (int i = from + 1; i < n; i++) if (a[i] < m) m = a[i];
    return m;
  }

  /**
   * {@link #rankWindow} of the first {@code n} values of {@code x}, not sorted: {@code x} is reordered. For the
   * integer rank bounds TMM uses ({@code 1 <= lo <= hi <= n}) it selects instead of sorting, in linear time:
   * average ranks grow with the value, so the window starts at the smallest value whose tie group's average rank
   * is at least {@code lo} (the value of rank {@code lo}, or the next larger one) and ends at the largest whose
   * average rank is at most {@code hi} (the value of rank {@code hi}, or the next smaller one). Other bounds, or
   * NaN or -0.0 among the values, take the sort.
   */
  public static double[] rankWindowUnsorted(double[] x, int n, double lo, double hi) {
    if (!(lo == Math.rint(lo) && hi == Math.rint(hi) && lo >= 1 && lo <= hi && hi <= n) || !plainOrder(x, n)) {
      double[] s = Arrays.copyOf(x, n);
      Arrays.sort(s);
      return rankWindow(s, lo, hi);
    }
    // the selects count the values below and equal to what they find; the second searches only from the first one's
    // value up (every value before it is below it)
    int[] c = new int[2];
    double from = select(x, 0, n - 1, (int) lo - 1, c);
    int start = c[0];
    double[] g = {c[0], c[1]};
    if (g[0] + (g[1] + 1) / 2 < lo) {
      // rank lo sits in a tie group whose average is below lo: the window starts at the next larger value
      double next = Double.POSITIVE_INFINITY;
      boolean any = false;
      for (int i = 0; i < n; i++) {
        if (x[i] > from && x[i] <= next) {
          next = x[i];
          any = true;
        }
      }
      if (!any) return null;
      from = next;
      g = group(x, n, from);
    }
    if (g[0] + (g[1] + 1) / 2 > hi) return null;
    double to = select(x, start, n - 1, (int) hi - 1, c);
    g = new double[] {c[0], c[1]};
    if (g[0] + (g[1] + 1) / 2 > hi) {
      double prev = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) if (x[i] < to && x[i] >= prev) prev = x[i];
      to = prev; // exists: from is below it
    }
    return new double[] {from, to};
  }

  /** How many of the first n values are below {@code v}, and how many equal it. */
  private static double[] group(double[] x, int n, double v) {
    int less = 0;
    int equal = 0;
    for (int i = 0; i < n; i++) {
      if (x[i] < v) less++;
      else if (x[i] == v) equal++;
    }
    return new double[] {less, equal};
  }

  /** {@link #quantile7} of an already sorted array. */
  public static double quantile7Sorted(double[] sorted, double p) {
    int n = sorted.length;
    if (n == 0) return Double.NaN;
    double index = 1 + Math.max(n - 1, 0) * p;
    double lo = Math.floor(index);
    double hi = Math.ceil(index);
    double qs = sorted[(int) lo - 1];
    double xhi = sorted[(int) hi - 1];
    if (index > lo && xhi != qs) {
      double h = index - lo;
      qs = (1 - h) * qs + h * xhi;
    }
    return qs;
  }

  /** R's {@code median(x)} (no {@code na.rm}): NaN if any value is NaN or the array is empty. */
  public static double median(double[] x) {
    int n = x.length;
    if (n == 0) return Double.NaN;
    for (double v : x) if (Double.isNaN(v)) return Double.NaN;
    double[] s = x.clone();
    Arrays.sort(s);
    int half = (n + 1) / 2;
    if (n % 2 == 1) return s[half - 1];
    // mean of the two middle values: R forms it in long double, which equals the correctly rounded (a+b)/2.
    return (s[half - 1] + s[half]) / 2;
  }

  /**
   * R's {@code mean(x)}, which accumulates and divides in long double: here a compensated sum kept as a
   * double-double and divided in double-double, rounded once (NaN for an empty array or any NaN).
   */
  public static double mean(double[] x) {
    if (x.length == 0) return Double.NaN;
    Sum s = new Sum();
    for (double v : x) s.add(v);
    return s.divide(x.length);
  }

  /** R's {@code var(x)}: sample variance with n - 1 (NaN when n < 2). */
  public static double var(double[] x) {
    int n = x.length;
    if (n < 2) return Double.NaN;
    double m = mean(x);
    Sum s = new Sum();
    for (double v : x) s.add((v - m) * (v - m));
    return s.value() / (n - 1);
  }

  /** A compensated sum (Neumaier), close to R's long-double accumulation in {@code sum}, {@code mean}. */
  public static double sum(double[] x) {
    Sum s = new Sum();
    for (double v : x) s.add(v);
    return s.value();
  }

  /**
   * R's {@code rank(x)} with ties averaged; NaN values get NaN ranks and do not count (R's
   * {@code na.last = "keep"}). Ranks are 1-based.
   */
  public static double[] averageRanks(double[] x) {
    int n = x.length;
    double[] s = new double[n];
    int m = 0;
    for (double v : x) if (!Double.isNaN(v)) s[m++] = v;
    Arrays.sort(s, 0, m);
    double[] r = new double[n];
    for (int i = 0; i < n; i++) {
      double v = x[i];
      if (Double.isNaN(v)) {
        r[i] = Double.NaN;
        continue;
      }
      // the tie group of v in the sorted values is [lo, hi); < rather than Double.compare, so that -0.0 and 0.0
      // tie, as in R (Arrays.sort puts -0.0 first, which keeps the order consistent with <)
      int lo = 0;
      int hi = m;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (s[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      int end = lo;
      hi = m;
      while (end < hi) {
        int mid = (end + hi) >>> 1;
        if (v < s[mid]) hi = mid;
        else end = mid + 1;
      }
      r[i] = (lo + end - 1) / 2.0 + 1.0;
    }
    return r;
  }


  /**
   * The values whose average rank ({@link #averageRanks}) lies in {@code [lo, hi]}, as a closed interval of values
   * {@code {from, to}}, or null when no value qualifies. Ranks grow with the values, tie group by tie group, so the
   * qualifying values are one interval: a filter on ranks becomes two comparisons per value after one sort.
   *
   * @param sorted the values, sorted ascending, none NaN (it is not modified)
   */
  public static double[] rankWindow(double[] sorted, double lo, double hi) {
    int n = sorted.length;
    double from = Double.NaN;
    double to = Double.NaN;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && sorted[j + 1] == sorted[i]) j++;
      double rank = (i + j) / 2.0 + 1.0;
      if (rank > hi) break;
      if (rank >= lo) {
        if (Double.isNaN(from)) from = sorted[i];
        to = sorted[i];
      }
      i = j + 1;
    }
    return Double.isNaN(from) ? null : new double[] {from, to};
  }

  /**
   * R's {@code approx(x, y, v)$y} for one point: linear interpolation, {@code rule = 1} (NaN outside
   * {@code [x[0], x[n-1]]}), with {@code x} strictly increasing. This is R's C {@code approx1}: bisection for the
   * interval, exact grid hits return the tabulated value, otherwise
   * {@code y[i] + (y[j]-y[i]) * ((v-x[i])/(x[j]-x[i]))}.
   */
  public static double approx(double[] x, double[] y, double v) {
    int n = x.length;
    if (n == 0 || Double.isNaN(v)) return Double.NaN;
    int i = 0;
    int j = n - 1;
    if (v < x[i] || v > x[j]) return Double.NaN;
    while (i < j - 1) {
      int ij = (i + j) >>> 1;
      if (v < x[ij]) j = ij;
      else i = ij;
    }
    if (v == x[j]) return y[j];
    if (v == x[i]) return y[i];
    return y[i] + (y[j] - y[i]) * ((v - x[i]) / (x[j] - x[i]));
  }

  /** A running compensated (Neumaier) sum. */
  public static final class Sum {
    private double sum;
    private double c;

    public void add(double v) {
      double t = sum + v;
      if (Math.abs(sum) >= Math.abs(v)) c += (sum - t) + v;
      else c += (v - t) + sum;
      sum = t;
    }

    public double value() {
      double v = sum + c;
      // propagate non-finite values as a plain sum would
      return Double.isNaN(v) && !Double.isNaN(sum) ? sum : v;
    }

    /** {@code (sum + compensation) / n}, divided before rounding away the compensation. */
    public double divide(double n) {
      double v = value();
      if (!Double.isFinite(v)) return v / n;
      double hi = sum + c;
      double lo = c - (hi - sum);
      double q = hi / n;
      double r = Math.fma(-q, n, hi) + lo;
      return q + r / n;
    }
  }
}
