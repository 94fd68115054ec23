package io.exocohort.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.model.Folds;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The report's screening section (issue 18): the latest two-stage score run's figures on the hold-out
 * ({@code screening_metrics}): sensitivity by stage with its bootstrap intervals, PPV and NPV against the prevalence,
 * every figure in a table, and the origin model's calls among the true positives against their true type (from that
 * run's {@code predictions}, the detection model's hold-out in {@code model_folds}, and {@code samples}); then the
 * panel-size curve of {@code train --panel-sizes} (out-of-fold AUC and sensitivity at 99% specificity by panel size,
 * from {@code model_runs.metrics}), the detection model's when it has one. The ROC with each model's operating point
 * is the ROC section's.
 */
final class ScreeningSection {
  private ScreeningSection() {}

  static String section(Lake lake, Html html) {
    html.h2("screening", "Two-stage screening: detection, then origin");
    Shown twoStage = twoStage(lake, html);
    return twoStage.summary() + "; " + panelCurve(lake, html, twoStage.detect());
  }

  /** What the two-stage part showed, and the detection model of its score run (null: none). */
  private record Shown(String summary, String detect) {}

  /** The latest two-stage score run's figures. */
  private static Shown twoStage(Lake lake, Html html) {
    if (!lake.exists(Tables.SCREENING_METRICS) || !lake.exists(Tables.JOB_RUNS)) {
      html.none("no two-stage score runs: the lake has no screening_metrics table (run score --detect-model A "
          + "--origin-model B)");
      return new Shown("no two-stage runs", null);
    }
    Dataset<Row> m = lake.read(Tables.SCREENING_METRICS);
    List<Row> latest = m.select("run_id").distinct()
        .join(lake.read(Tables.JOB_RUNS).select("run_id", "ended_at"), "run_id")
        .agg(expr("max_by(run_id, ended_at)")).collectAsList();
    if (latest.isEmpty() || latest.get(0).isNullAt(0)) {
      html.none("no two-stage score runs recorded in job_runs");
      return new Shown("no two-stage runs", null);
    }
    String run = latest.get(0).getString(0);
    List<Row> rows = m.filter(col("run_id").equalTo(run))
        .orderBy(col("metric"), col("group_kind"), col("group_name")).collectAsList();
    Row first = rows.get(0);
    String detect = first.getAs("detect_model_id");
    String origin = first.getAs("origin_model_id");
    double prevalence = first.getAs("prevalence");
    html.p("Score run " + run + ": detection model " + detect + ", origin model " + origin + "; figures on the "
        + "detection model's locked hold-out with 95% bootstrap intervals; PPV and NPV for a screened population of "
        + "prevalence " + prevalence + ".");
    stageChart(html, rows);
    Map<String, Row> all = new TreeMap<>();
    for (Row r : rows) if (r.<String>getAs("group_kind").equals("all")) all.put(r.getAs("metric"), r);
    if (all.containsKey("sensitivity") && all.containsKey("specificity") && !all.get("sensitivity")
        .isNullAt(8) && !all.get("specificity").isNullAt(8)) {
      html.png("ppv and npv against prevalence", Charts.predictiveValues("PPV and NPV against prevalence",
          all.get("sensitivity").getDouble(8), all.get("specificity").getDouble(8), prevalence),
          "From the hold-out sensitivity and specificity at the detection model's threshold (Bayes' rule); the "
              + "line marks the stated prevalence, whose intervals are in the table.");
    }
    List<List<String>> table = new ArrayList<>();
    for (Row r : rows) {
      table.add(List.of(r.getString(4), r.getString(5), r.isNullAt(6) ? "" : r.getString(6),
          String.valueOf(r.getLong(7)), fmt(r, 8), r.isNullAt(9) ? "" : "[" + fmt(r, 9) + ", " + fmt(r, 10) + "]"));
    }
    html.table(List.of("figure", "over", "group", "n", "estimate", "95% interval"), table);
    confusion(lake, html, run, detect);
    return new Shown(rows.size() + " figures of run " + run, detect);
  }

  private static void stageChart(Html html, List<Row> rows) {
    List<Charts.Estimate> es = new ArrayList<>();
    for (Row r : rows) {
      if (r.<String>getAs("metric").equals("sensitivity") && r.<String>getAs("group_kind").equals("stage")) {
        es.add(new Charts.Estimate(r.getString(6) + " (" + r.getLong(7) + ")", value(r, 8), value(r, 9),
            value(r, 10)));
      }
    }
    if (es.isEmpty()) return;
    html.png("screening sensitivity by stage", Charts.estimates("Sensitivity by stage on the hold-out",
        "stage (cases)", "sensitivity", es), "Cases of the hold-out called positive by the detection model, with "
        + "95% bootstrap intervals.");
  }

  /** Other model runs with a panel-size curve, named under the one drawn. */
  private static final int OTHERS = 5;

  /**
   * The panel-size curve of {@code train --panel-sizes} ({@code panel.<k>.*} in {@code model_runs.metrics}): the
   * score run's detection model's when it has one, else the latest model run's that has one (the next
   * {@link #OTHERS} such runs are named); out-of-fold AUC and sensitivity at 99% specificity by panel size, drawn
   * and tabled.
   */
  private static String panelCurve(Lake lake, Html html, String detect) {
    html.h3("Panel size: out-of-fold AUC and sensitivity at 99% specificity");
    List<Row> runs = panelRuns(lake, detect);
    List<PanelSizes.Point> points = runs.isEmpty() ? List.of() : PanelSizes.of(runs.get(0).getJavaMap(2));
    if (points.isEmpty()) {
      html.none("no model run has a panel-size curve (train a binary model with --panel-sizes 5,10,20)");
      return "no panel-size curve";
    }
    Row r = runs.get(0);
    String model = r.getString(0);
    Map<String, String> params = r.getJavaMap(3);
    html.p("Model " + model + " (" + r.getString(1) + (model.equals(detect) ? ", the detection model of the score run"
        + " above" : "") + "), trained with --panel-sizes: at each size the cross-validation is run again, each fold's "
        + "model on that many features, ranked by how often they were selected over "
        + params.getOrDefault("stability_resamples", "the") + " bootstrap resamples of the fold's training rows.");
    html.png("panel-size curve", Charts.panelSizes("Panel size, model " + model, points), "Out-of-fold figures, "
        + "without leakage: each fold's panel is selected on that fold's training rows alone, never on the fold it "
        + "is scored on nor on the hold-out.");
    List<List<String>> table = new ArrayList<>();
    for (PanelSizes.Point p : points) {
      table.add(List.of(String.valueOf(p.size()), fmt(p.auc()), fmt(p.sensitivity())));
    }
    html.table(List.of("panel size (features)", "AUC (out-of-fold)",
        "sensitivity at 99% specificity (out-of-fold)"), table);
    if (runs.size() > 1) {
      html.p("Other model runs with a panel-size curve, latest first: "
          + String.join(", ", runs.subList(1, runs.size()).stream().map(x -> x.getString(0)).toList()) + ".");
    }
    return points.size() + " panel sizes of model " + model;
  }

  /**
   * (model_id, task, metrics, parameters) of the model runs with {@code panel.*} metrics: {@code detect}'s first, then
   * the latest; at most {@link #OTHERS} + 1 (each row's metrics map is a few dozen figures).
   */
  private static List<Row> panelRuns(Lake lake, String detect) {
    if (!lake.exists(Tables.MODEL_RUNS)) return List.of();
    Dataset<Row> runs = lake.read(Tables.MODEL_RUNS);
    if (!ReportJob.hasColumns(runs, "model_id", "task", "ended_at", "metrics", "parameters")) return List.of();
    return runs.filter(expr("exists(map_keys(metrics), k -> k LIKE 'panel.%')"))
        .orderBy(when(col("model_id").equalTo(lit(detect)), 0).otherwise(1), col("ended_at").desc(), col("model_id"))
        .select("model_id", "task", "metrics", "parameters").limit(OTHERS + 1).collectAsList();
  }

  /** True type against the origin model's top-1 tissue, over the hold-out's true positives. */
  private static void confusion(Lake lake, Html html, String run, String detect) {
    if (!lake.exists(Tables.PREDICTIONS) || !lake.exists(Tables.MODEL_FOLDS) || !lake.exists(Tables.SAMPLES)) return;
    List<Row> counts = lake.read(Tables.PREDICTIONS).filter(col("run_id").equalTo(run).and(col("call")))
        .join(lake.read(Tables.MODEL_FOLDS).filter(col("model_id").equalTo(detect)
            .and(col("fold").equalTo(Folds.HOLDOUT)).and(col("label").notEqual("healthy")))
            .select("cohort", "sample_id"), scala.jdk.javaapi.CollectionConverters.asScala(
                List.of("cohort", "sample_id")).toList())
        .join(lake.read(Tables.SAMPLES).select("cohort", "sample_id", "cancer_type"),
            scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList())
        .groupBy("cancer_type", "top1").count().collectAsList();
    if (counts.isEmpty()) {
      html.none("no true positive in the hold-out: no origin calls to show");
      return;
    }
    TreeSet<String> types = new TreeSet<>();
    TreeSet<String> called = new TreeSet<>();
    Map<String, Long> n = new TreeMap<>();
    for (Row r : counts) {
      String t = r.getString(0);
      String c = r.isNullAt(1) ? "(none)" : r.getString(1);
      types.add(t);
      called.add(c);
      n.put(t + '\u0000' + c, r.getLong(2));
    }
    List<String> header = new ArrayList<>();
    header.add("true type \\ origin top-1");
    header.addAll(called);
    List<List<String>> rows = new ArrayList<>();
    for (String t : types) {
      List<String> row = new ArrayList<>();
      row.add(t);
      for (String c : called) row.add(String.valueOf(n.getOrDefault(t + '\u0000' + c, 0L)));
      rows.add(row);
    }
    html.p("Origin calls among the hold-out's true positives (rows: true cancer type; columns: the origin model's "
        + "most likely tissue).");
    html.table(header, rows);
  }

  private static double value(Row r, int i) {
    return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
  }

  private static String fmt(Row r, int i) {
    return r.isNullAt(i) ? "-" : fmt(r.getDouble(i));
  }

  /** A figure as the report's tables show it (3 decimals; NaN: "-"). */
  static String fmt(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.3f", v);
  }
}
