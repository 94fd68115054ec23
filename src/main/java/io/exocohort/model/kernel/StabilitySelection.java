package io.exocohort.model.kernel;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Stability selection (Meinshausen and Bühlmann 2010, J. R. Stat. Soc. B 72:417): the base selector is run on many
 * resamples of a training set and each feature's <em>selection frequency</em> (the fraction of resamples that
 * select it) is kept; the stable set is the features selected at least a threshold fraction of the time. Plain
 * Java, checked against scikit-learn ({@code src/test/resources/golden/model/make_golden.py}).
 *
 * <p><b>Base selector</b>: the top k features by the one-way ANOVA F statistic of the feature against the class
 * label, {@code sklearn.feature_selection.SelectKBest(f_classif, k)} and MLlib's {@code UnivariateFeatureSelector}
 * (continuous features, categorical label) as the pipeline uses it. Ties in F are broken by the lower feature
 * index; a feature whose F is undefined (NaN: constant in the resample) ranks below every defined one.
 *
 * <p><b>Resampling</b>: a Poisson bootstrap. Resample b gives sample i the multiplicity w_ib ~ Poisson(1), drawn
 * from a {@link ClinicalMetrics.SplitMix64} stream seeded by the seed and the sample's key ({@link #weights}), so a
 * sample's weights depend on nothing but its key: no index over the cohort, no shuffle, the same weights on any
 * cluster and partitioning. It is the bootstrap of size n in the large-sample limit (the multinomial counts of a
 * size-n bootstrap tend to independent Poisson(1)) and is how MLlib bags its random forests ({@code BaggedPoint})
 * and how bootstraps are run at scale (Chamandy et al. 2012, "Estimating uncertainty for massive data streams").
 *
 * <p><b>Sufficient statistics</b>: the F of a weighted resample needs only, per class and feature, the weight sum,
 * the weighted sum and the weighted sum of squares (the weighted F equals f_classif on the resample with every
 * sample repeated w_ib times). {@link Sums} holds them for all resamples at once plus slot B, the training set
 * itself (every weight 1), so one pass over the samples (a Spark aggregation) gives every resample's F.
 */
public final class StabilitySelection {
  private StabilitySelection() {}

  /** exp(-1) as a double literal (not Math.exp, so Java and Python draw the same Poisson values to the bit). */
  static final double EXP_MINUS_ONE = 0.36787944117144233;

  /** FNV-1a (64-bit) of the key's UTF-8 bytes: a sample's identity in the weight stream. */
  public static long keyHash(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /**
   * The Poisson(1) multiplicities of one sample in resamples 0..B-1: a SplitMix64 stream seeded with
   * {@code keyHash(key) ^ (seed * 0x9E3779B97F4A7C15)}; each draw takes u = (next() >>> 11) 2^-53 in [0, 1) and
   * returns the smallest k with u &lt; P(X &lt;= k) (inverse CDF, summing pmf terms e^-1 / k!).
   */
  public static int[] weights(long seed, String key, int resamples) {
    ClinicalMetrics.SplitMix64 rng = new ClinicalMetrics.SplitMix64(keyHash(key) ^ (seed * 0x9E3779B97F4A7C15L));
    int[] w = new int[resamples];
    for (int b = 0; b < resamples; b++) {
      double u = (rng.next() >>> 11) * 0x1.0p-53;
      int k = 0;
      double p = EXP_MINUS_ONE;
      double cdf = p;
      while (u >= cdf && k < 40) {
        k++;
        p /= k;
        cdf += p;
      }
      w[b] = k;
    }
    return w;
  }

  /**
   * Per resample (B of them, then slot B = the unweighted training set), class and feature: weight sum, weighted
   * sum and weighted sum of squares. (B + 1) x classes x (1 + 2 features) doubles: 50 resamples, 2 classes and
   * 2,600 features are 4 MB; 10 classes, 21 MB.
   */
  public static final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;
    final int resamples;
    final int classes;
    final int features;
    final double[] n; // [slot][class]
    final double[] s; // [slot][class][feature]
    final double[] ss;

    public Sums(int resamples, int classes, int features) {
      this.resamples = resamples;
      this.classes = classes;
      this.features = features;
      int slots = resamples + 1;
      n = new double[slots * classes];
      s = new double[slots * classes * features];
      ss = new double[slots * classes * features];
    }

    /** Adds one sample (feature values {@code x}, class {@code label}, multiplicities {@code w} per resample). */
    public Sums add(double[] x, int label, int[] w) {
      for (int b = 0; b <= resamples; b++) {
        int wb = b == resamples ? 1 : w[b];
        if (wb == 0) continue;
        int slot = b * classes + label;
        n[slot] += wb;
        int base = slot * features;
        for (int j = 0; j < features; j++) {
          double v = x[j];
          s[base + j] += wb * v;
          ss[base + j] += wb * v * v;
        }
      }
      return this;
    }

    /** Adds {@code o}'s sums into these (the combine step of an aggregation). */
    public Sums merge(Sums o) {
      for (int i = 0; i < n.length; i++) n[i] += o.n[i];
      for (int i = 0; i < s.length; i++) {
        s[i] += o.s[i];
        ss[i] += o.ss[i];
      }
      return this;
    }

    public int resamples() {
      return resamples;
    }

    public int features() {
      return features;
    }

    /** The mean of every feature in class {@code c} of the training set (slot B); NaN for an empty class. */
    public double[] classMeans(int c) {
      double[] m = new double[features];
      int slot = resamples * classes + c;
      for (int j = 0; j < features; j++) m[j] = s[slot * features + j] / n[slot];
      return m;
    }

    /**
     * The ANOVA F of every feature in resample {@code b} ({@code b = resamples}: the training set), as sklearn's
     * {@code f_oneway}: over the classes with weight, SS_between = sum_c S_c^2 / n_c - S^2 / n, SS_total = sum x^2
     * - S^2 / n, F = (SS_between / (C - 1)) / ((SS_total - SS_between) / (n - C)). NaN with fewer than two classes.
     */
    public double[] anovaF(int b) {
      double[] f = new double[features];
      int present = 0;
      double nAll = 0;
      for (int c = 0; c < classes; c++) {
        double nc = n[b * classes + c];
        if (nc > 0) present++;
        nAll += nc;
      }
      double dfBetween = present - 1;
      double dfWithin = nAll - present;
      for (int j = 0; j < features; j++) {
        double sAll = 0;
        double ssAll = 0;
        double between = 0;
        for (int c = 0; c < classes; c++) {
          int slot = b * classes + c;
          if (n[slot] == 0) continue;
          double sc = s[slot * features + j];
          sAll += sc;
          ssAll += ss[slot * features + j];
          between += sc * sc / n[slot];
        }
        double correction = sAll * sAll / nAll;
        double ssBetween = between - correction;
        double ssWithin = ssAll - correction - ssBetween;
        f[j] = present < 2 ? Double.NaN : (ssBetween / dfBetween) / (ssWithin / dfWithin);
      }
      return f;
    }
  }

  /** The feature order of the base selector: F descending, ties by index, NaN last. */
  public static int[] rankByF(double[] f) {
    return order(f.length, (a, b) -> compareDesc(f[a], f[b]));
  }

  /**
   * Selection frequencies and the statistics of the training set.
   *
   * @param frequency per feature: resamples whose top k hold it, divided by B
   * @param f per feature: the F statistic on the training set (slot B)
   */
  public record Result(double[] frequency, double[] f) {
    /** All features ranked: frequency descending, then F on the training set descending, then index. */
    public int[] ranked() {
      return order(f.length, (a, b) -> {
        int c = Double.compare(frequency[b], frequency[a]);
        return c != 0 ? c : compareDesc(f[a], f[b]);
      });
    }

    /** The {@code size} top-ranked features ({@link #ranked}). */
    public int[] top(int size) {
      return Arrays.copyOf(ranked(), Math.min(size, f.length));
    }

    /**
     * The stable set: features with frequency &gt;= {@code threshold}, in {@link #ranked} order; when none reaches
     * it, the single top-ranked feature (a model needs one).
     */
    public int[] stable(double threshold) {
      int[] r = ranked();
      int m = 0;
      while (m < r.length && frequency[r[m]] >= threshold) m++;
      return Arrays.copyOf(r, Math.max(1, Math.min(m, r.length)));
    }
  }

  /** Selection frequencies of the top {@code k} by F over the resamples of {@code sums}. */
  public static Result select(Sums sums, int k) {
    int p = sums.features();
    long[] count = new long[p];
    int top = Math.min(k, p);
    for (int b = 0; b < sums.resamples(); b++) {
      int[] r = rankByF(sums.anovaF(b));
      for (int i = 0; i < top; i++) count[r[i]]++;
    }
    double[] freq = new double[p];
    for (int j = 0; j < p; j++) freq[j] = (double) count[j] / sums.resamples();
    return new Result(freq, sums.anovaF(sums.resamples()));
  }

  private static int compareDesc(double x, double y) {
    boolean nx = Double.isNaN(x);
    boolean ny = Double.isNaN(y);
    if (nx || ny) return nx == ny ? 0 : nx ? 1 : -1;
    return Double.compare(y, x);
  }

  private static int[] order(int n, java.util.Comparator<Integer> cmp) {
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) idx[i] = i;
    Arrays.sort(idx, cmp.thenComparing(Integer::compare));
    int[] out = new int[n];
    for (int i = 0; i < n; i++) out[i] = idx[i];
    return out;
  }
}
