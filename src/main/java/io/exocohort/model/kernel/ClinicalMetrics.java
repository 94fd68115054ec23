package io.exocohort.model.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Clinical performance figures of a screening test from its scores, in plain Java (no Spark), each with the
 * reference behaviour it reproduces (tests compare with scikit-learn 1.2 and numpy 1.24 on fixed score vectors,
 * {@code src/test/resources/golden/model}).
 *
 * <p>Binary labels: 1 = case (cancer), 0 = control (healthy). Higher scores mean "more likely a case".
 */
public final class ClinicalMetrics {
  private ClinicalMetrics() {}

  /**
   * Area under the ROC curve, as {@code sklearn.metrics.roc_auc_score}: the Mann-Whitney U of the cases over the
   * controls divided by n1 n0, ties counted one half (equal to sklearn's trapezoidal area). NaN without both.
   */
  public static double rocAuc(double[] score, int[] label) {
    int n = score.length;
    Integer[] order = sortedIndex(score);
    double rankSumCases = 0;
    long n1 = 0;
    int i = 0;
    while (i < n) {
      int j = i;
      while (j + 1 < n && score[order[j + 1]] == score[order[i]]) j++;
      double midRank = (i + j) / 2.0 + 1;
      for (int k = i; k <= j; k++) {
        if (label[order[k]] == 1) {
          rankSumCases += midRank;
          n1++;
        }
      }
      i = j + 1;
    }
    long n0 = n - n1;
    if (n1 == 0 || n0 == 0) return Double.NaN;
    double u = rankSumCases - n1 * (n1 + 1) / 2.0;
    return u / ((double) n1 * n0);
  }

  /**
   * Average precision, as {@code sklearn.metrics.average_precision_score}: sum over the distinct score
   * thresholds (descending) of (R_k - R_{k-1}) P_k, the step-wise area under the precision-recall curve (no
   * interpolation). NaN without cases.
   */
  public static double averagePrecision(double[] score, int[] label) {
    int n = score.length;
    Integer[] order = sortedIndex(score);
    long totalCases = 0;
    for (int y : label) totalCases += y;
    if (totalCases == 0) return Double.NaN;
    double ap = 0;
    double prevRecall = 0;
    long tp = 0;
    long seen = 0;
    int i = n - 1;
    while (i >= 0) {
      int j = i;
      while (j - 1 >= 0 && score[order[j - 1]] == score[order[i]]) j--;
      for (int k = j; k <= i; k++) tp += label[order[k]];
      seen += i - j + 1;
      double recall = (double) tp / totalCases;
      double precision = (double) tp / seen;
      ap += (recall - prevRecall) * precision;
      prevRecall = recall;
      i = j - 1;
    }
    return ap;
  }

  /**
   * The threshold at specificity {@code s}: the smallest control score t such that a fraction of at least s of
   * the controls score at or below t ({@code numpy.quantile(controls, s, method="inverted_cdf")}: the
   * ceil(s n0)-th smallest control score, with n0 s computed in floating point as numpy does).
   */
  public static double thresholdAtSpecificity(double[] controlScores, double s) {
    if (controlScores.length == 0) return Double.NaN;
    double[] c = controlScores.clone();
    Arrays.sort(c);
    return thresholdSorted(c, s);
  }

  private static double thresholdSorted(double[] sortedControls, double s) {
    int n = sortedControls.length;
    double g = n * s - 1; // numpy's virtual index for inverted_cdf (alpha = 0, beta = 1)
    int lo = (int) Math.floor(g);
    int k = g - lo > 0 ? lo + 1 : lo;
    k = Math.max(0, Math.min(n - 1, k));
    return sortedControls[k];
  }

  /** Fraction of the case scores strictly above the threshold (the cases the test calls positive). */
  public static double sensitivityAbove(double[] caseScores, double threshold) {
    if (caseScores.length == 0) return Double.NaN;
    long above = 0;
    for (double v : caseScores) if (v > threshold) above++;
    return (double) above / caseScores.length;
  }

  /** Fraction of the control scores at or below the threshold. */
  public static double specificityAt(double[] controlScores, double threshold) {
    if (controlScores.length == 0) return Double.NaN;
    long below = 0;
    for (double v : controlScores) if (v <= threshold) below++;
    return (double) below / controlScores.length;
  }

  /** Sensitivity at specificity s: threshold on the controls ({@link #thresholdAtSpecificity}), cases above it. */
  public static double sensitivityAtSpecificity(double[] cases, double[] controls, double s) {
    return sensitivityAbove(cases, thresholdAtSpecificity(controls, s));
  }

  /** A point estimate with a two-sided percentile bootstrap interval. */
  public record Interval(double estimate, double low, double high, int replicates) {}

  /**
   * Sensitivity at specificity s with a percentile bootstrap 95% interval: each replicate resamples the cases and
   * the controls separately, with replacement (n1 case indices, then n0 control indices, drawn from one
   * {@link SplitMix64} stream seeded with {@code seed}: index = next() mod n, unsigned), recomputes the threshold
   * on the resampled controls and the sensitivity of the resampled cases; the interval is
   * {@code numpy.percentile(stats, [2.5, 97.5])} (linear interpolation).
   */
  public static Interval bootstrapSensitivity(double[] cases, double[] controls, double s, int replicates,
      long seed) {
    double est = sensitivityAtSpecificity(cases, controls, s);
    if (cases.length == 0 || controls.length == 0 || replicates < 1) {
      return new Interval(est, Double.NaN, Double.NaN, 0);
    }
    SplitMix64 rng = new SplitMix64(seed);
    double[] stats = new double[replicates];
    double[] rc = new double[cases.length];
    double[] r0 = new double[controls.length];
    for (int b = 0; b < replicates; b++) {
      for (int i = 0; i < rc.length; i++) rc[i] = cases[rng.nextIndex(cases.length)];
      for (int i = 0; i < r0.length; i++) r0[i] = controls[rng.nextIndex(controls.length)];
      Arrays.sort(r0);
      stats[b] = sensitivityAbove(rc, thresholdSorted(r0, s));
    }
    return new Interval(est, percentile(stats, 2.5), percentile(stats, 97.5), replicates);
  }

  /** {@code numpy.percentile(x, q)} with the default linear method (numpy's lerp, exact at the ends). */
  public static double percentile(double[] x, double q) {
    double[] v = x.clone();
    Arrays.sort(v);
    int n = v.length;
    if (n == 0) return Double.NaN;
    double virtual = q / 100.0 * (n - 1);
    int lo = (int) Math.floor(virtual);
    if (lo >= n - 1) return v[n - 1];
    if (lo < 0) return v[0];
    double t = virtual - lo;
    double a = v[lo];
    double b = v[lo + 1];
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
  }

  /** Brier score, as {@code sklearn.metrics.brier_score_loss}: mean squared difference of p and the label. */
  public static double brier(double[] p, int[] label) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      double d = p[i] - label[i];
      s += d * d;
    }
    return p.length == 0 ? Double.NaN : s / p.length;
  }

  /** One bin of a reliability table. */
  public record ReliabilityBin(int bin, double low, double high, long n, double meanPredicted,
      double observedFraction) {}

  /**
   * Reliability (calibration) table with {@code bins} equal-width bins over [0, 1], as
   * {@code sklearn.calibration.calibration_curve(strategy="uniform")}: p goes to the bin whose upper inner edge
   * is the first at or above it (numpy.searchsorted over numpy.linspace's inner edges); empty bins are omitted.
   */
  public static List<ReliabilityBin> reliability(double[] p, int[] label, int bins) {
    double step = 1.0 / bins;
    double[] inner = new double[bins - 1];
    for (int i = 1; i < bins; i++) inner[i - 1] = i * step; // numpy.linspace: start + i * step
    long[] n = new long[bins];
    double[] sumP = new double[bins];
    long[] pos = new long[bins];
    for (int i = 0; i < p.length; i++) {
      int b = 0;
      while (b < inner.length && inner[b] < p[i]) b++;
      n[b]++;
      sumP[b] += p[i];
      pos[b] += label[i];
    }
    List<ReliabilityBin> out = new ArrayList<>();
    for (int b = 0; b < bins; b++) {
      if (n[b] == 0) continue;
      out.add(new ReliabilityBin(b, b == 0 ? 0 : inner[b - 1], b == bins - 1 ? 1 : inner[b], n[b], sumP[b] / n[b],
          (double) pos[b] / n[b]));
    }
    return out;
  }

  /**
   * The classes ranked by probability for one sample, best first, as sklearn's {@code top_k_accuracy_score}
   * ranks them: a stable ascending sort reversed, so among tied probabilities the higher class index comes first.
   */
  public static int[] rankClasses(double[] probs) {
    Integer[] idx = new Integer[probs.length];
    for (int i = 0; i < idx.length; i++) idx[i] = i;
    Arrays.sort(idx, (a, b) -> {
      int c = Double.compare(probs[b], probs[a]);
      return c != 0 ? c : Integer.compare(b, a);
    });
    int[] out = new int[idx.length];
    for (int i = 0; i < out.length; i++) out[i] = idx[i];
    return out;
  }

  /** Top-k accuracy, as {@code sklearn.metrics.top_k_accuracy_score}: the true class among the k most probable. */
  public static double topKAccuracy(double[][] probs, int[] label, int k) {
    if (probs.length == 0) return Double.NaN;
    long hit = 0;
    for (int i = 0; i < probs.length; i++) {
      int[] r = rankClasses(probs[i]);
      for (int j = 0; j < Math.min(k, r.length); j++) {
        if (r[j] == label[i]) {
          hit++;
          break;
        }
      }
    }
    return (double) hit / probs.length;
  }

  /** Confusion matrix [truth][predicted] of the top-1 class ({@code sklearn.metrics.confusion_matrix}). */
  public static long[][] confusion(double[][] probs, int[] label, int classes) {
    long[][] m = new long[classes][classes];
    for (int i = 0; i < probs.length; i++) m[label[i]][rankClasses(probs[i])[0]]++;
    return m;
  }

  /** Recall per class from a confusion matrix ({@code sklearn.metrics.recall_score(average=None)}); NaN if empty. */
  public static double[] recallPerClass(long[][] confusion) {
    double[] r = new double[confusion.length];
    for (int c = 0; c < confusion.length; c++) {
      long n = 0;
      for (long v : confusion[c]) n += v;
      r[c] = n == 0 ? Double.NaN : (double) confusion[c][c] / n;
    }
    return r;
  }

  private static Integer[] sortedIndex(double[] score) {
    Integer[] order = new Integer[score.length];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
    return order;
  }

  /**
   * SplitMix64 (Steele, Lea and Flood 2014), the generator of the bootstrap: small and easy to reproduce in any
   * language (the golden script does it in Python), so bootstrap intervals can be checked to the last digit.
   */
  public static final class SplitMix64 {
    private long state;

    public SplitMix64(long seed) {
      this.state = seed;
    }

    public long next() {
      long z = (state += 0x9E3779B97F4A7C15L);
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      return z ^ (z >>> 31);
    }

    /** Uniform index in [0, n): next() mod n, unsigned (bias below n / 2^64). */
    public int nextIndex(int n) {
      return (int) Long.remainderUnsigned(next(), n);
    }
  }
}
