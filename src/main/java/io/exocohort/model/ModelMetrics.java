package io.exocohort.model;

import io.exocohort.model.kernel.ClinicalMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The clinical report of a model on one set of scored samples (out-of-fold cross-validation, or the locked
 * hold-out), from {@link ClinicalMetrics}. The scores are brought to the driver: per sample its label, class
 * probabilities (2 for binary tasks, one per type for origin), cancer type and stage, about 50 bytes plus 8 per
 * class (10,000 samples: under 1 MB; 1,000,000 samples: about 60 MB); the sorted-score metrics (threshold at
 * specificity, bootstrap) need every control's score in one place, and this is the bounded per-sample score
 * vector, never the features.
 */
public final class ModelMetrics {
  private ModelMetrics() {}

  /** Scored samples of one set. */
  public record Scored(int[] label, double[][] prob, String[] cancerType, String[] stage) {
    public int size() {
      return label.length;
    }

    /** P(class 1) for binary tasks. */
    public double[] positive() {
      double[] p = new double[label.length];
      for (int i = 0; i < p.length; i++) p[i] = prob[i][1];
      return p;
    }

    /** P(class 1) of the cases (label 1, {@code [0]}) and of the controls (label 0, {@code [1]}), in order. */
    public double[][] casesAndControls() {
      double[] p = positive();
      int n1 = 0;
      for (int y : label) n1 += y;
      double[] cases = new double[n1];
      double[] controls = new double[p.length - n1];
      for (int i = 0, a = 0, b = 0; i < p.length; i++) {
        if (label[i] == 1) cases[a++] = p[i];
        else controls[b++] = p[i];
      }
      return new double[][] {cases, controls};
    }

    /** Collects {@code label, probability, cancer_type, stage} (see the class comment for the size). */
    public static Scored collect(Dataset<Row> rows) {
      List<Row> rs = rows.select("label", "probability", "cancer_type", "stage").collectAsList();
      int n = rs.size();
      int[] y = new int[n];
      double[][] p = new double[n][];
      String[] t = new String[n];
      String[] st = new String[n];
      for (int i = 0; i < n; i++) {
        Row r = rs.get(i);
        y[i] = (int) Math.round(((Number) r.get(0)).doubleValue());
        List<Double> pr = r.getList(1);
        p[i] = new double[pr.size()];
        for (int j = 0; j < p[i].length; j++) p[i][j] = pr.get(j);
        t[i] = r.getString(2);
        st[i] = r.isNullAt(3) ? "unknown" : r.getString(3);
      }
      return new Scored(y, p, t, st);
    }
  }

  public record GroupSensitivity(String set, String by, String group, long nCases, long detected,
      double sensitivity) {}

  public record Reliability(String set, int bin, double low, double high, long n, double meanPredicted,
      double observedFraction) {}

  public record Confusion(String set, String truth, String predicted, long n) {}

  /** A point of a ROC curve: calls are {@code score >= threshold}. */
  public record RocPoint(String set, double threshold, double fpr, double tpr) {}

  /** At most this many ROC points are kept per set (evenly thinned; the first and last always kept). */
  static final int ROC_POINTS = 500;

  /** Everything a run reports; metric names are {@code <set>.<metric>}. */
  public static final class Report {
    public final Map<String, Double> metrics = new LinkedHashMap<>();
    public final List<GroupSensitivity> groups = new ArrayList<>();
    public final List<Reliability> reliability = new ArrayList<>();
    public final List<Confusion> confusion = new ArrayList<>();
    public final List<RocPoint> roc = new ArrayList<>();
  }

  /** The ROC curve of scores {@code p} (1 = case) at every distinct score, thinned to {@link #ROC_POINTS}. */
  static List<RocPoint> rocCurve(String set, double[] p, int[] label) {
    Integer[] order = new Integer[p.length];
    for (int i = 0; i < p.length; i++) order[i] = i;
    java.util.Arrays.sort(order, (a, b) -> Double.compare(p[b], p[a]));
    long cases = 0;
    for (int y : label) cases += y;
    long controls = p.length - cases;
    List<RocPoint> all = new ArrayList<>();
    all.add(new RocPoint(set, Double.POSITIVE_INFINITY, 0, 0));
    long tp = 0;
    long fp = 0;
    for (int k = 0; k < order.length; k++) {
      if (label[order[k]] == 1) tp++;
      else fp++;
      if (k == order.length - 1 || p[order[k + 1]] != p[order[k]]) {
        all.add(new RocPoint(set, p[order[k]], controls == 0 ? 0 : (double) fp / controls,
            cases == 0 ? 0 : (double) tp / cases));
      }
    }
    if (all.size() <= ROC_POINTS) return all;
    List<RocPoint> thin = new ArrayList<>();
    double step = (all.size() - 1) / (double) (ROC_POINTS - 1);
    for (int i = 0; i < ROC_POINTS; i++) thin.add(all.get((int) Math.round(i * step)));
    return thin;
  }

  /** {@code sens_at_spec_0.99}. */
  public static String specKey(double s) {
    return "sens_at_spec_" + s;
  }

  /**
   * Binary report: ROC AUC, PR AUC (average precision), Brier, reliability (10 bins), sensitivity at each
   * specificity with a bootstrap 95% interval, sensitivity by cancer type and by stage at the threshold of
   * {@code groupSpec} on this set's controls; with a stored threshold, sensitivity and specificity at it.
   */
  public static void binary(Report r, String set, Scored s, double[] specs, double groupSpec, int replicates,
      long seed, Double storedThreshold) {
    double[] p = s.positive();
    double[][] split = s.casesAndControls();
    double[] cases = split[0];
    double[] controls = split[1];
    r.metrics.put(set + ".n_cases", (double) cases.length);
    r.metrics.put(set + ".n_controls", (double) controls.length);
    r.metrics.put(set + ".roc_auc", ClinicalMetrics.rocAuc(p, s.label()));
    r.roc.addAll(rocCurve(set, p, s.label()));
    r.metrics.put(set + ".pr_auc", ClinicalMetrics.averagePrecision(p, s.label()));
    r.metrics.put(set + ".brier", ClinicalMetrics.brier(p, s.label()));
    for (int i = 0; i < specs.length; i++) {
      ClinicalMetrics.Interval ci = ClinicalMetrics.bootstrapSensitivity(cases, controls, specs[i], replicates,
          seed + i);
      String k = set + "." + specKey(specs[i]);
      r.metrics.put(k, ci.estimate());
      r.metrics.put(k + ".ci_low", ci.low());
      r.metrics.put(k + ".ci_high", ci.high());
      r.metrics.put(set + ".threshold_at_spec_" + specs[i], ClinicalMetrics.thresholdAtSpecificity(controls, specs[i]));
    }
    if (storedThreshold != null) {
      r.metrics.put(set + ".sens_at_stored_threshold", ClinicalMetrics.sensitivityAbove(cases, storedThreshold));
      r.metrics.put(set + ".spec_at_stored_threshold", ClinicalMetrics.specificityAt(controls, storedThreshold));
    }
    double t = ClinicalMetrics.thresholdAtSpecificity(controls, groupSpec);
    for (String by : new String[] {"cancer_type", "stage"}) {
      Map<String, long[]> g = new TreeMap<>();
      for (int i = 0; i < p.length; i++) {
        if (s.label()[i] != 1) continue;
        long[] c = g.computeIfAbsent(by.equals("cancer_type") ? s.cancerType()[i] : s.stage()[i], x -> new long[2]);
        c[0]++;
        if (p[i] > t) c[1]++;
      }
      g.forEach((k, c) -> r.groups.add(new GroupSensitivity(set, by, k, c[0], c[1], (double) c[1] / c[0])));
    }
    for (ClinicalMetrics.ReliabilityBin b : ClinicalMetrics.reliability(p, s.label(), 10)) {
      r.reliability.add(new Reliability(set, b.bin(), b.low(), b.high(), b.n(), b.meanPredicted(),
          b.observedFraction()));
    }
  }

  /** Tissue of origin: top-1 and top-2 accuracy, per-class recall, confusion matrix, multiclass Brier. */
  public static void multiclass(Report r, String set, Scored s, String[] classes) {
    r.metrics.put(set + ".n", (double) s.size());
    r.metrics.put(set + ".top1_accuracy", ClinicalMetrics.topKAccuracy(s.prob(), s.label(), 1));
    r.metrics.put(set + ".top2_accuracy", ClinicalMetrics.topKAccuracy(s.prob(), s.label(), 2));
    double brier = 0;
    for (int i = 0; i < s.size(); i++) {
      for (int c = 0; c < classes.length; c++) {
        double d = s.prob()[i][c] - (s.label()[i] == c ? 1 : 0);
        brier += d * d;
      }
    }
    r.metrics.put(set + ".brier_multiclass", s.size() == 0 ? Double.NaN : brier / s.size());
    long[][] cm = ClinicalMetrics.confusion(s.prob(), s.label(), classes.length);
    double[] rec = ClinicalMetrics.recallPerClass(cm);
    for (int c = 0; c < classes.length; c++) r.metrics.put(set + ".recall." + classes[c], rec[c]);
    for (int a = 0; a < classes.length; a++) {
      for (int b = 0; b < classes.length; b++) {
        if (cm[a][b] > 0) r.confusion.add(new Confusion(set, classes[a], classes[b], cm[a][b]));
      }
    }
  }
}
