package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.model.kernel.ClinicalMetrics;
import io.exocohort.model.kernel.ClinicalMetrics.Interval;
import io.exocohort.model.kernel.Screening;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Screening} against make_golden.py's {@code screening_golden} (numpy and scikit-learn's confusion matrix and
 * top_k_accuracy_score, the same SplitMix64 resamples): sensitivity, specificity, PPV and NPV at four prevalences
 * with their bootstrap intervals at the 99%-specificity threshold, subgroup sensitivities, and the origin accuracy
 * among the detected cases.
 */
class ScreeningGoldenTest {
  private static final double TOL = 1e-12;

  @ParameterizedTest
  @ValueSource(strings = {"screening", "continuous"})
  void predictiveValuesEqualNumpy(String name) {
    ModelMetricsTest.Set s = ModelMetricsTest.set(name);
    ModelGolden g = ModelGolden.read("screening_values.csv").where("set", name);
    double t = g.doubles("threshold")[0];
    int checked = 0;
    for (String prev : new String[] {"0.001", "0.005", "0.01", "0.05"}) {
      ModelGolden at = g.where("prevalence", prev);
      Screening.Predictive p = Screening.predictive(s.cases(), s.controls(), t, Double.parseDouble(prev), 200, 42);
      checked += check(at, "sensitivity", p.sensitivity());
      checked += check(at, "specificity", p.specificity());
      checked += check(at, "ppv", p.ppv());
      checked += check(at, "npv", p.npv());
    }
    for (int sub = 0; sub < 3; sub++) {
      double[] cases = new double[(s.cases().length - sub + 2) / 3];
      for (int i = sub, j = 0; i < s.cases().length; i += 3) cases[j++] = s.cases()[i];
      checked += check(g, "subgroup" + sub, Screening.sensitivity(cases, t, 200, 7));
    }
    assertEquals(19, checked);
  }

  private static int check(ModelGolden g, String metric, Interval got) {
    ModelGolden r = g.where("metric", metric);
    assertEquals(1, r.rows.size(), metric);
    assertEquals(r.doubles("estimate")[0], got.estimate(), TOL, metric + " estimate");
    assertEquals(r.doubles("low")[0], got.low(), TOL, metric + " low");
    assertEquals(r.doubles("high")[0], got.high(), TOL, metric + " high");
    assertEquals(200, got.replicates());
    return 1;
  }

  /**
   * The origin accuracy among the detected: the top two classes of each sample ranked as {@code score} stores them
   * ({@link ClinicalMetrics#rankClasses}, sklearn's tie order), the hits of {@link Screening#originHits} and their
   * {@link Screening#proportion}, against sklearn's top_k_accuracy_score over the detected samples.
   */
  @Test
  void originAccuracyAmongDetectedEqualsSklearn() {
    ModelMetricsTest.Multiclass m = ModelMetricsTest.multiclass();
    int n = m.label().length;
    String[] truth = new String[n];
    String[] top1 = new String[n];
    String[] top2 = new String[n];
    for (int i = 0; i < n; i++) {
      int[] ranked = ClinicalMetrics.rankClasses(m.probs()[i]);
      truth[i] = "c" + m.label()[i];
      top1[i] = "c" + ranked[0];
      top2[i] = "c" + ranked[1];
    }
    double[] detect = ModelGolden.read("screening_detect.csv").doubles("detect");
    ModelGolden g = ModelGolden.read("screening_origin.csv");
    assertEquals(6, g.rows.size());
    for (String[] r : g.rows) {
      double t = Double.parseDouble(r[g.col("threshold")]);
      int k = Integer.parseInt(r[g.col("k")]);
      boolean[] hits = Screening.originHits(detect, t, truth, top1, top2, k);
      assertEquals(Integer.parseInt(r[g.col("detected")]), hits.length, "detected at " + t);
      assertEquals(Double.parseDouble(r[g.col("accuracy")]), Screening.proportion(hits, 0, 1).estimate(), TOL,
          "threshold " + t + ", top-" + k);
    }
    assertEquals(0, Screening.originHits(detect, 1e9, truth, top1, top2, 1).length, "nothing detected");
    assertTrue(Double.isNaN(Screening.proportion(new boolean[0], 10, 1).estimate()), "no true positive: NaN");
  }

  @Test
  void predictiveValuesFollowBayes() {
    // a perfect test: every positive is a case, every negative a control, at any prevalence
    assertEquals(1.0, Screening.ppv(1, 1, 0.005), 0);
    assertEquals(1.0, Screening.npv(1, 1, 0.005), 0);
    // CancerSEEK-like: sensitivity 0.62 at specificity 0.99 screened at 1% prevalence
    assertEquals(0.62 * 0.01 / (0.62 * 0.01 + 0.01 * 0.99), Screening.ppv(0.62, 0.99, 0.01), 1e-15);
    assertTrue(Double.isNaN(Screening.ppv(0, 1, 0.01)), "nothing called positive");
    assertThrows(IllegalArgumentException.class,
        () -> Screening.predictive(new double[] {1}, new double[] {0}, 0.5, 0, 10, 1));
    Screening.Predictive none = Screening.predictive(new double[0], new double[] {0, 1}, 0.5, 0.01, 10, 1);
    assertTrue(Double.isNaN(none.ppv().low()) && none.ppv().replicates() == 0, "no cases: no interval");
  }
}
