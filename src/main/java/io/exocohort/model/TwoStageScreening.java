package io.exocohort.model;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.common.BadInputException;
import io.exocohort.model.kernel.ClinicalMetrics.Interval;
import io.exocohort.model.kernel.Screening;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.slf4j.Logger;

/**
 * A two-stage screening test, as the multi-cancer early detection tests run (Galleri: a cancer signal, then its
 * origin): a binary detection model calls each sample, and for the samples it calls positive an origin model names
 * the two most likely tissues. {@link #combine} builds the {@code predictions} rows of the pair; {@link #figures}
 * computes, on the locked hold-out of the models (samples neither was fitted or tuned on), what screening trials
 * report ({@link Screening}): sensitivity overall, by stage and by cancer type, specificity, PPV and NPV at the stated
 * prevalence, and the origin accuracy among the true positives (top-1, top-2), each with a bootstrap interval.
 *
 * <p>The hold-out: the detection model's hold-out samples (model_folds); a case counts for the origin accuracy only
 * when it is also in the origin model's hold-out (train holds out the same subjects of a stratum for every task with
 * the same seed and fraction, so usually all of them). The per-sample scores of the hold-out come to the driver, as
 * {@link ModelMetrics} brings them (about 60 bytes per sample).
 */
public final class TwoStageScreening {
  private TwoStageScreening() {}

  /** The pair must be a binary detection model and an origin model over cancer types. */
  static void check(String detectId, String[] detectClasses, String originId, String originTask,
      String[] originClasses) {
    if (detectClasses.length != 2) {
      throw new BadInputException("--detect-model " + detectId + " has " + detectClasses.length
          + " classes: a detection model is binary (task detect or <type>_vs_healthy)");
    }
    if (!"origin".equals(originTask) || originClasses.length < 2) {
      throw new BadInputException("--origin-model " + originId + " is a " + originTask
          + " model: the second stage needs an origin model (train --task origin)");
    }
  }

  /**
   * The {@code predictions} rows of the pair: the detection model's rows (probability, call at its threshold), and
   * for a sample called positive the origin model's two most likely types in {@code top1} / {@code top2} and the
   * predicted class; a negative keeps the detection model's class and no types.
   */
  public static Dataset<Row> combine(Dataset<Row> detect, Dataset<Row> origin) {
    Dataset<Row> o = origin.select(col("cohort"), col("sample_id"), col("top1").as("o_top1"),
        col("top2").as("o_top2"), col("top2_probability").as("o_top2_probability"));
    Column positive = coalesce(col("call"), lit(false));
    return detect.join(o, TrainJob.seq("cohort", "sample_id"), "left")
        .withColumn("predicted", when(positive, coalesce(col("o_top1"), col("predicted"))).otherwise(col("predicted")))
        .withColumn("top1", when(positive, col("o_top1")))
        .withColumn("top2", when(positive, col("o_top2")))
        .withColumn("top2_probability", when(positive, col("o_top2_probability")))
        .select(col("run_id"), col("model_id"), col("cohort"), col("sample_id"), col("status"), col("probability"),
            col("call"), col("threshold"), col("predicted"), col("top1"), col("top2"), col("top2_probability"),
            col("features_missing"), col("features_extra"), col("scored_at"));
  }

  /**
   * The hold-out's scored samples: detection score, the origin model's top two types, whether the sample is also in
   * the origin model's hold-out, and its cancer type and stage; cases are the samples whose label is not
   * {@code controlClass}.
   */
  public record Holdout(double[] score, boolean[] isCase, String[] cancerType, String[] stage, String[] top1,
      String[] top2, boolean[] inOriginHoldout) {
    long cases() {
      long n = 0;
      for (boolean c : isCase) if (c) n++;
      return n;
    }

    long controls() {
      return isCase.length - cases();
    }
  }

  /** Collects {@link Holdout} from this run's predictions, the models' folds and the samples. */
  static Holdout holdout(Dataset<Row> written, Dataset<Row> folds, Dataset<Row> samples, String detectId,
      String controlClass, String originId) {
    Dataset<Row> held = folds.filter(col("model_id").equalTo(detectId).and(col("fold").equalTo(Folds.HOLDOUT)))
        .select("cohort", "sample_id", "label");
    Dataset<Row> originHeld = folds.filter(col("model_id").equalTo(originId)
        .and(col("fold").equalTo(Folds.HOLDOUT))).select(col("cohort"), col("sample_id"), lit(true).as("in_o"));
    List<Row> rows = written.filter(col("probability").isNotNull())
        .select("cohort", "sample_id", "probability", "top1", "top2")
        .join(held, TrainJob.seq("cohort", "sample_id"))
        .join(originHeld, TrainJob.seq("cohort", "sample_id"), "left")
        .join(samples.select("cohort", "sample_id", "cancer_type", "stage"), TrainJob.seq("cohort", "sample_id"))
        .select(col("probability"), col("label"), col("cancer_type"), col("stage"), col("top1"), col("top2"),
            coalesce(col("in_o"), lit(false)))
        .orderBy("cohort", "sample_id").collectAsList();
    int n = rows.size();
    if (n == 0) {
      throw new BadInputException("model " + detectId + " has no hold-out sample among the scored ones: score the "
          + "cohort(s) it was trained on (train --holdout > 0) to get the two-stage figures");
    }
    Holdout h = new Holdout(new double[n], new boolean[n], new String[n], new String[n], new String[n],
        new String[n], new boolean[n]);
    for (int i = 0; i < n; i++) {
      Row r = rows.get(i);
      h.score()[i] = r.getDouble(0);
      h.isCase()[i] = !controlClass.equals(r.getString(1));
      h.cancerType()[i] = r.getString(2);
      h.stage()[i] = r.isNullAt(3) ? "unknown" : r.getString(3);
      h.top1()[i] = r.getString(4);
      h.top2()[i] = r.getString(5);
      h.inOriginHoldout()[i] = r.getBoolean(6);
    }
    return h;
  }

  /** The {@code screening_metrics} rows of the hold-out at the detection model's {@code threshold}. */
  static List<Row> figures(Holdout h, double threshold, double prevalence, int replicates, long seed, String runId,
      String detectId, String originId) {
    List<Double> cases = new ArrayList<>();
    List<Double> controls = new ArrayList<>();
    Map<String, List<Double>> byStage = new TreeMap<>();
    Map<String, List<Double>> byType = new TreeMap<>();
    List<Integer> positives = new ArrayList<>();
    for (int i = 0; i < h.score().length; i++) {
      double s = h.score()[i];
      if (!h.isCase()[i]) {
        controls.add(s);
        continue;
      }
      cases.add(s);
      byStage.computeIfAbsent(h.stage()[i], k -> new ArrayList<>()).add(s);
      byType.computeIfAbsent(h.cancerType()[i], k -> new ArrayList<>()).add(s);
      if (h.inOriginHoldout()[i]) positives.add(i);
    }
    Screening.Predictive p = Screening.predictive(doubles(cases), doubles(controls), threshold, prevalence,
        replicates, seed);
    Figure f = new Figure(runId, detectId, originId, prevalence);
    List<Row> out = new ArrayList<>();
    out.add(f.row("sensitivity", "all", null, cases.size(), p.sensitivity()));
    out.add(f.row("specificity", "all", null, controls.size(), p.specificity()));
    out.add(f.row("ppv", "all", null, cases.size() + controls.size(), p.ppv()));
    out.add(f.row("npv", "all", null, cases.size() + controls.size(), p.npv()));
    for (Map.Entry<String, List<Double>> e : byStage.entrySet()) {
      out.add(f.row("sensitivity", "stage", e.getKey(), e.getValue().size(),
          Screening.sensitivity(doubles(e.getValue()), threshold, replicates, seed)));
    }
    for (Map.Entry<String, List<Double>> e : byType.entrySet()) {
      out.add(f.row("sensitivity", "cancer_type", e.getKey(), e.getValue().size(),
          Screening.sensitivity(doubles(e.getValue()), threshold, replicates, seed)));
    }
    // the cases in the origin model's hold-out too; originHits keeps those the detection model calls positive
    double[] score = new double[positives.size()];
    String[] truth = new String[score.length];
    String[] top1 = new String[score.length];
    String[] top2 = new String[score.length];
    for (int j = 0; j < score.length; j++) {
      int i = positives.get(j);
      score[j] = h.score()[i];
      truth[j] = h.cancerType()[i];
      top1[j] = h.top1()[i];
      top2[j] = h.top2()[i];
    }
    for (int k = 1; k <= 2; k++) {
      boolean[] hits = Screening.originHits(score, threshold, truth, top1, top2, k);
      out.add(f.row("origin_top" + k, "all", null, hits.length, Screening.proportion(hits, replicates, seed)));
    }
    return out;
  }

  /** The fixed columns of one run's figures. */
  private record Figure(String runId, String detectId, String originId, double prevalence) {
    Row row(String metric, String kind, String group, long n, Interval v) {
      return RowFactory.create(runId, detectId, originId, prevalence, metric, kind, group, n, orNull(v.estimate()),
          orNull(v.low()), orNull(v.high()), v.replicates());
    }
  }

  /** The figures as a short table in the log. */
  static void log(Logger log, List<Row> figures) {
    for (Row r : figures) {
      log.info(String.format(Locale.ROOT, "  %-12s %-11s %-14s n=%-6d %s [%s, %s]", r.getString(4), r.getString(5),
          r.isNullAt(6) ? "" : r.getString(6), r.getLong(7), fmt(r, 8), fmt(r, 9), fmt(r, 10)));
    }
  }

  private static String fmt(Row r, int i) {
    return r.isNullAt(i) ? "-" : String.format(Locale.ROOT, "%.4f", r.getDouble(i));
  }

  private static Double orNull(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static double[] doubles(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
