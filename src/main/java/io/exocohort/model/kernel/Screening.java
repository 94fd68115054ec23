package io.exocohort.model.kernel;

import io.exocohort.model.kernel.ClinicalMetrics.Interval;
import io.exocohort.model.kernel.ClinicalMetrics.SplitMix64;

/**
 * The figures screening trials report for a test at a locked threshold (issue 18): sensitivity and specificity, the
 * positive and negative predictive values in a screened population of a stated prevalence, and, for a two-stage
 * test (a detection model, then an origin model for the positives), how often the predicted origin is right among
 * the true positives (Galleri's "cancer signal origin" accuracy; Klein et al. 2021, Ann Oncol 32:1167; Schrag et al.
 * 2023, Lancet 402:1251).
 *
 * <p>A sample is called positive when its detection score is strictly above the threshold (as {@link
 * ClinicalMetrics#sensitivityAbove}); a control is a true negative at or below it. By Bayes' rule, with
 * sensitivity se, specificity sp and prevalence π: PPV = se π / (se π + (1 - sp)(1 - π)) and NPV = sp (1 - π) / (sp
 * (1 - π) + (1 - se) π). A case-control hold-out has no prevalence of its own, so the predictive values are those of
 * a population of the stated prevalence, as screening studies report them from case-control data.
 *
 * <p>Intervals are percentile bootstraps (2.5 and 97.5, {@link ClinicalMetrics#percentile}) of replicates that
 * resample the cases and the controls separately, with replacement, from one {@link SplitMix64} stream: per
 * replicate n1 case indexes, then n0 control indexes, the threshold held fixed (it is the locked model's). The golden
 * script (src/test/resources/golden/model/make_golden.py) draws the same indexes.
 */
public final class Screening {
  private Screening() {}

  /** Positive predictive value at prevalence {@code prevalence} (NaN when nothing is called positive). */
  public static double ppv(double sensitivity, double specificity, double prevalence) {
    double tp = sensitivity * prevalence;
    double fp = (1 - specificity) * (1 - prevalence);
    return tp + fp == 0 ? Double.NaN : tp / (tp + fp);
  }

  /** Negative predictive value at prevalence {@code prevalence} (NaN when nothing is called negative). */
  public static double npv(double sensitivity, double specificity, double prevalence) {
    double tn = specificity * (1 - prevalence);
    double fn = (1 - sensitivity) * prevalence;
    return tn + fn == 0 ? Double.NaN : tn / (tn + fn);
  }

  /** The screening figures of one threshold and prevalence, each with its bootstrap interval. */
  public record Predictive(double threshold, double prevalence, Interval sensitivity, Interval specificity,
      Interval ppv, Interval npv) {}

  /**
   * Sensitivity, specificity, PPV and NPV at {@code threshold} and {@code prevalence}, with percentile bootstrap
   * intervals of {@code replicates} replicates (none when there are no cases, no controls or no replicates: NaN
   * bounds).
   */
  public static Predictive predictive(double[] cases, double[] controls, double threshold, double prevalence,
      int replicates, long seed) {
    if (!(prevalence > 0 && prevalence < 1)) {
      throw new IllegalArgumentException("prevalence must be in (0, 1), not " + prevalence);
    }
    double se = ClinicalMetrics.sensitivityAbove(cases, threshold);
    double sp = ClinicalMetrics.specificityAt(controls, threshold);
    boolean boot = cases.length > 0 && controls.length > 0 && replicates > 0;
    int reps = boot ? replicates : 0;
    double[] bse = new double[reps];
    double[] bsp = new double[reps];
    double[] bppv = new double[reps];
    double[] bnpv = new double[reps];
    SplitMix64 rng = new SplitMix64(seed);
    for (int b = 0; b < reps; b++) {
      int tp = 0;
      for (int i = 0; i < cases.length; i++) if (cases[rng.nextIndex(cases.length)] > threshold) tp++;
      int tn = 0;
      for (int i = 0; i < controls.length; i++) if (controls[rng.nextIndex(controls.length)] <= threshold) tn++;
      bse[b] = (double) tp / cases.length;
      bsp[b] = (double) tn / controls.length;
      bppv[b] = ppv(bse[b], bsp[b], prevalence);
      bnpv[b] = npv(bse[b], bsp[b], prevalence);
    }
    return new Predictive(threshold, prevalence, interval(se, bse), interval(sp, bsp),
        interval(ppv(se, sp, prevalence), bppv), interval(npv(se, sp, prevalence), bnpv));
  }

  /**
   * Sensitivity of a subgroup of cases (a stage, a cancer type) at {@code threshold}, with a percentile bootstrap
   * interval that resamples the subgroup's cases ({@code replicates} x n indexes from one stream).
   */
  public static Interval sensitivity(double[] cases, double threshold, int replicates, long seed) {
    boolean[] hit = new boolean[cases.length];
    for (int i = 0; i < hit.length; i++) hit[i] = cases[i] > threshold;
    return proportion(hit, replicates, seed);
  }

  /**
   * The share of {@code hit} that is true (a sensitivity, an origin accuracy among true positives), with a
   * percentile bootstrap interval: {@code replicates} x n indexes from one stream. NaN with no sample.
   */
  public static Interval proportion(boolean[] hit, int replicates, long seed) {
    int n = hit.length;
    int k = 0;
    for (boolean h : hit) if (h) k++;
    double est = n == 0 ? Double.NaN : (double) k / n;
    int reps = n > 0 && replicates > 0 ? replicates : 0;
    double[] b = new double[reps];
    SplitMix64 rng = new SplitMix64(seed);
    for (int r = 0; r < reps; r++) {
      int c = 0;
      for (int i = 0; i < n; i++) if (hit[rng.nextIndex(n)]) c++;
      b[r] = (double) c / n;
    }
    return interval(est, b);
  }

  /**
   * The origin model's hits among the true positives of the detection model: for each case whose detection score is
   * above {@code threshold}, whether its true origin is the origin model's first choice ({@code k = 1}) or one of its
   * first two ({@code k = 2}). {@link #proportion} of them is the origin accuracy among true positives (top-k, as
   * sklearn's {@code top_k_accuracy_score} over the detected cases).
   */
  public static boolean[] originHits(double[] detectScore, double threshold, String[] truth, String[] top1,
      String[] top2, int k) {
    if (k != 1 && k != 2) throw new IllegalArgumentException("top-k of the two stored tissues: k is 1 or 2, not " + k);
    int n = 0;
    for (double s : detectScore) if (s > threshold) n++;
    boolean[] hit = new boolean[n];
    for (int i = 0, j = 0; i < detectScore.length; i++) {
      if (detectScore[i] > threshold) {
        hit[j++] = truth[i].equals(top1[i]) || k == 2 && truth[i].equals(top2[i]);
      }
    }
    return hit;
  }

  private static Interval interval(double estimate, double[] replicates) {
    if (replicates.length == 0) return new Interval(estimate, Double.NaN, Double.NaN, 0);
    return new Interval(estimate, ClinicalMetrics.percentile(replicates, 2.5),
        ClinicalMetrics.percentile(replicates, 97.5), replicates.length);
  }
}
