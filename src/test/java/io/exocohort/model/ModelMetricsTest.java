package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.model.kernel.ClinicalMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The metric kernels equal scikit-learn 1.2.1 / numpy 1.24 on fixed score vectors (golden/model/make_golden.py):
 * ROC AUC, average precision, Brier, calibration_curve, threshold and sensitivity at specificity, the seeded
 * bootstrap interval, top-k accuracy, confusion matrix and per-class recall.
 */
class ModelMetricsTest {
  static final double TOL = 1e-12;

  record Set(double[] score, int[] label, double[] cases, double[] controls) {}

  static Set set(String name) {
    ModelGolden g = ModelGolden.read("metric_scores.csv").where("set", name);
    double[] s = g.doubles("score");
    int[] y = g.ints("label");
    int n1 = 0;
    for (int v : y) n1 += v;
    double[] cases = new double[n1];
    double[] controls = new double[y.length - n1];
    for (int i = 0, a = 0, b = 0; i < y.length; i++) {
      if (y[i] == 1) cases[a++] = s[i];
      else controls[b++] = s[i];
    }
    return new Set(s, y, cases, controls);
  }

  static double golden(String set, String metric, String spec) {
    ModelGolden g = ModelGolden.read("metric_values.csv").where("set", set).where("metric", metric)
        .where("specificity", spec);
    assertEquals(1, g.rows.size(), set + " " + metric + " " + spec);
    return g.doubles("value")[0];
  }

  @ParameterizedTest
  @ValueSource(strings = {"continuous", "ties", "screening"})
  void aucAveragePrecisionBrierEqualSklearn(String name) {
    Set s = set(name);
    assertEquals(golden(name, "roc_auc", ""), ClinicalMetrics.rocAuc(s.score(), s.label()), TOL, "roc_auc");
    assertEquals(golden(name, "average_precision", ""), ClinicalMetrics.averagePrecision(s.score(), s.label()), TOL,
        "average_precision");
    assertEquals(golden(name, "brier", ""), ClinicalMetrics.brier(s.score(), s.label()), TOL, "brier");
  }

  @ParameterizedTest
  @ValueSource(strings = {"continuous", "ties", "screening"})
  void sensitivityAtSpecificityAndBootstrapEqualNumpy(String name) {
    Set s = set(name);
    for (double spec : new double[] {0.95, 0.99, 0.995}) {
      String k = String.valueOf(spec);
      assertEquals(golden(name, "threshold", k), ClinicalMetrics.thresholdAtSpecificity(s.controls(), spec), 0,
          "threshold " + k);
      assertEquals(golden(name, "sensitivity", k), ClinicalMetrics.sensitivityAtSpecificity(s.cases(), s.controls(),
          spec), TOL, "sensitivity " + k);
      ClinicalMetrics.Interval ci = ClinicalMetrics.bootstrapSensitivity(s.cases(), s.controls(), spec, 200, 42);
      assertEquals(golden(name, "boot_low", k), ci.low(), TOL, "bootstrap low " + k);
      assertEquals(golden(name, "boot_high", k), ci.high(), TOL, "bootstrap high " + k);
      assertTrue(ci.low() <= ci.high());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"continuous", "ties", "screening"})
  void reliabilityEqualsCalibrationCurve(String name) {
    Set s = set(name);
    ModelGolden g = ModelGolden.read("reliability.csv").where("set", name);
    List<ClinicalMetrics.ReliabilityBin> bins = ClinicalMetrics.reliability(s.score(), s.label(), 10);
    assertEquals(g.rows.size(), bins.size(), "non-empty bins");
    double[] pred = g.doubles("mean_predicted");
    double[] obs = g.doubles("observed_fraction");
    long n = 0;
    for (int i = 0; i < bins.size(); i++) {
      assertEquals(pred[i], bins.get(i).meanPredicted(), TOL, "mean predicted, bin " + i);
      assertEquals(obs[i], bins.get(i).observedFraction(), TOL, "observed fraction, bin " + i);
      n += bins.get(i).n();
    }
    assertEquals(s.score().length, n);
  }

  /** The multiclass fixture: labels and 4 class probabilities per sample. */
  record Multiclass(int[] label, double[][] probs) {}

  static Multiclass multiclass() {
    ModelGolden p = ModelGolden.read("multiclass_probs.csv");
    int[] y = p.ints("label");
    double[][] probs = new double[y.length][4];
    for (int c = 0; c < 4; c++) {
      double[] v = p.doubles("p" + c);
      for (int i = 0; i < y.length; i++) probs[i][c] = v[i];
    }
    return new Multiclass(y, probs);
  }

  @Test
  void topKConfusionRecallEqualSklearn() {
    Multiclass m = multiclass();
    int[] y = m.label();
    double[][] probs = m.probs();
    ModelGolden g = ModelGolden.read("multiclass_values.csv");
    assertEquals(g.where("metric", "top1").doubles("value")[0], ClinicalMetrics.topKAccuracy(probs, y, 1), TOL);
    assertEquals(g.where("metric", "top2").doubles("value")[0], ClinicalMetrics.topKAccuracy(probs, y, 2), TOL);
    long[][] cm = ClinicalMetrics.confusion(probs, y, 4);
    double[] rec = ClinicalMetrics.recallPerClass(cm);
    for (int a = 0; a < 4; a++) {
      assertEquals(g.where("metric", "recall").where("index", String.valueOf(a)).doubles("value")[0], rec[a], TOL);
      for (int b = 0; b < 4; b++) {
        assertEquals((long) g.where("metric", "confusion").where("index", a + ":" + b).doubles("value")[0], cm[a][b],
            "confusion " + a + "," + b);
      }
    }
  }

  @Test
  void edgeCases() {
    // one class only: AUC undefined
    assertTrue(Double.isNaN(ClinicalMetrics.rocAuc(new double[] {0.1, 0.2}, new int[] {1, 1})));
    // perfect separation
    assertEquals(1.0, ClinicalMetrics.rocAuc(new double[] {0.1, 0.2, 0.8, 0.9}, new int[] {0, 0, 1, 1}));
    // threshold at 99% of 200 controls = the 198th smallest
    double[] controls = new double[200];
    for (int i = 0; i < 200; i++) controls[i] = i;
    assertEquals(197.0, ClinicalMetrics.thresholdAtSpecificity(controls, 0.99));
    assertEquals(0.5, ClinicalMetrics.sensitivityAbove(new double[] {197, 198}, 197.0));
    assertEquals(0.99, ClinicalMetrics.specificityAt(controls, 197.0));
    // the same seed gives the same interval; another seed, another
    double[] cases = {150, 190, 198.5, 199.5, 120, 185};
    assertEquals(ClinicalMetrics.bootstrapSensitivity(cases, controls, 0.95, 300, 7),
        ClinicalMetrics.bootstrapSensitivity(cases, controls, 0.95, 300, 7));
  }
}
