package io.exocohort.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.common.Stage;
import io.exocohort.matrix.Matrices;
import io.exocohort.model.Predictions;
import io.exocohort.qc.QcThresholds;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.jfree.data.category.DefaultCategoryDataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code report}: a self-contained HTML report of the lake at {@code <lake>/reports/<run_id>/index.html}:
 * volcano plots of the latest moderated-t run per contrast, box plots of the top miRs by cancer type, ROC curves
 * with the 99%-specificity operating point and sensitivity by stage (when the model jobs wrote
 * {@code model_runs} / {@code predictions}), the screening section ({@link ScreeningSection}: the two-stage score
 * run's figures and the panel-size curve), the tumour-EV fraction by cancer type and stage ({@link EvFractionSection},
 * from {@code ev_origin}), and the QC distributions with the thresholds of the latest qc run.
 *
 * <p>What the driver holds, all bounded: at most {@link #MAX_POINTS} features per contrast (smallest p first),
 * one quartile summary per (marker, cancer type), histogram bins, at most about 1,000 ROC points per model and
 * one sensitivity per (model, stage). Per-sample data is aggregated on the cluster.
 */
public final class ReportJob {
  private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);
  static final String JOB = "report";
  /** Features per volcano plot (the smallest p-values). */
  static final int MAX_POINTS = 5000;
  /** Markers shown as box plots. */
  static final int TOP_MARKERS = 6;
  static final int BINS = 30;

  /** @param thresholds QC thresholds file used when the lake has no qc run (null: the packed defaults) */
  public record Args(String lake, String database, String thresholds, String runId) {}

  /** @param path the report file; @param sections what each section showed */
  public record Result(String runId, String path, int images, Map<String, String> sections) {}

  private ReportJob() {}

  /** Runs {@code report} as one {@link RunScope}; the report's folder is the run's (deleted if it fails). */
  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    Map<String, Long> inputs = s.pin(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX, Tables.PROTEIN_MATRIX_SAMPLES,
        Tables.DE_RESULTS, Tables.DE_RUNS, Tables.JOB_RUNS, Tables.MODEL_RUNS,
        Tables.PREDICTIONS, Tables.SCREENING_METRICS, Tables.MODEL_FOLDS, Tables.EV_ORIGIN);
    Lake lake = s.reader();
    Html html = new Html("exocohort report " + s.id());
    html.p("Lake " + lake.root() + ", generated " + Instant.now() + ". Table versions read: " + inputs + ".");
    Map<String, String> sections = new LinkedHashMap<>();
    List<Row> points;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "volcano plots")) {
      points = volcanoPoints(lake);
      sections.put("volcano", volcano(html, points));
      st.done("{}", sections.get("volcano"));
    }
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "top markers")) {
      sections.put("markers", markers(lake, html, points));
      st.done("{}", sections.get("markers"));
    }
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "models")) {
      sections.put("roc", roc(lake, html));
      sections.put("stage", sensitivityByStage(lake, html));
      sections.put("screening", ScreeningSection.section(lake, html));
      st.done("{}; {}; {}", sections.get("roc"), sections.get("stage"), sections.get("screening"));
    }
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "tumour-EV fractions")) {
      sections.put("ev_origin", EvFractionSection.section(lake, html));
      st.done("{}", sections.get("ev_origin"));
    }
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "qc distributions")) {
      sections.put("qc", qc(lake, html, a.thresholds()));
      st.done("{}", sections.get("qc"));
    }
    String folder = lake.path("reports/" + s.id());
    String path = folder + "/index.html";
    s.wroteFile(folder);
    write(lake, path, html.render());
    String local = path.startsWith("file:") ? new Path(path).toUri().getPath() : path;
    Map<String, String> params = new LinkedHashMap<>(s.arguments());
    params.putAll(sections);
    s.succeeded(params, "report " + local + " (" + html.images() + " images)");
    LOG.info("report {}: {} ({} images)", s.id(), local, html.images());
    return new Result(s.id(), local, html.images(), sections);
  }

  private static void write(Lake lake, String path, String text) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(lake.spark().sparkContext().hadoopConfiguration());
      try (OutputStream out = fs.create(p, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  static boolean hasColumns(Dataset<Row> df, String... cols) {
    List<String> have = Arrays.asList(df.columns());
    return Arrays.stream(cols).allMatch(have::contains);
  }

  /**
   * (modality, contrast, feature, log2fc, pvalue, padj) of the latest moderated_t run of each (modality,
   * contrast), at most {@link #MAX_POINTS} per contrast.
   */
  static List<Row> volcanoPoints(Lake lake) {
    if (!lake.exists(Tables.DE_RESULTS) || !lake.exists(Tables.DE_RUNS)) return List.of();
    Dataset<Row> res = lake.read(Tables.DE_RESULTS).filter(col("method").equalTo("moderated_t"));
    Dataset<Row> latest = res.select("run_id", "modality", "contrast").distinct()
        .join(lake.read(Tables.DE_RUNS).select("run_id", "ended_at"), "run_id")
        .groupBy("modality", "contrast").agg(expr("max_by(run_id, ended_at)").as("run_id"));
    return res.join(latest, scala.jdk.javaapi.CollectionConverters.asScala(List.of("run_id", "modality",
            "contrast")).toList())
        .filter(col("pvalue").isNotNull().and(col("log2fc").isNotNull()))
        .withColumn("rank", expr("row_number()").over(Window.partitionBy("modality", "contrast")
            .orderBy(col("pvalue"), col("feature"))))
        .filter(col("rank").leq(MAX_POINTS))
        .select("modality", "contrast", "feature", "log2fc", "pvalue", "padj", "run_id")
        .orderBy("modality", "contrast", "pvalue").collectAsList();
  }

  private static String volcano(Html html, List<Row> points) {
    html.h2("volcano", "Differential expression: volcano plots (limma moderated t, latest run per contrast)");
    if (points.isEmpty()) {
      html.none("no de runs: run `de` first");
      return "no de runs";
    }
    Map<String, List<Charts.VolcanoPoint>> by = new TreeMap<>();
    Map<String, String> runOf = new LinkedHashMap<>();
    for (Row r : points) {
      String key = r.getString(0) + " " + r.getString(1);
      by.computeIfAbsent(key, k -> new ArrayList<>()).add(new Charts.VolcanoPoint(r.getString(2), r.getDouble(3),
          r.getDouble(4), r.isNullAt(5) ? 1.0 : r.getDouble(5)));
      runOf.put(key, r.getString(6));
    }
    html.p("Each point is a feature; red / blue: padj < 0.05 (Benjamini-Hochberg) up / down in the case group; the "
        + "dashed line is the largest p-value still significant at FDR 5%; the 8 smallest p-values are labelled.");
    html.open("grid");
    for (var e : by.entrySet()) {
      long sig = e.getValue().stream().filter(p -> p.padj() < 0.05).count();
      html.png("volcano " + e.getKey(), Charts.volcano(e.getKey(), e.getValue(), 8),
          e.getKey() + ": " + e.getValue().size() + " features, " + sig + " with padj < 0.05 (run "
              + runOf.get(e.getKey()) + ")");
    }
    html.close();
    return by.size() + " contrasts";
  }

  /** Box plots of the miRs (else proteins) with the smallest p-values against healthy, by cancer type. */
  private static String markers(Lake lake, Html html, List<Row> points) {
    html.h2("markers", "Top markers by cancer type");
    String modality = points.stream().anyMatch(r -> r.getString(0).equals("mirna")) ? "mirna" : "protein";
    List<String> top = points.stream().filter(r -> r.getString(0).equals(modality)
            && r.getString(1).endsWith("_vs_healthy"))
        .sorted(java.util.Comparator.comparingDouble(r -> r.getDouble(4))).map(r -> r.getString(2)).distinct()
        .limit(TOP_MARKERS).toList();
    Modality mod = Modality.of(modality);
    if (top.isEmpty() || !lake.exists(mod.matrix()) || !lake.exists(mod.samples()) || !lake.exists(Tables.SAMPLES)) {
      html.none("no de results against healthy: nothing to show");
      return "none";
    }
    // only the top features' matrix rows (a few rows per block) are read and exploded for percentile_approx
    List<Row> stats = Matrices.longRows(lake.read(mod.matrix()).filter(col("feature").isin(top.toArray())),
            lake.read(mod.samples()), mod.protein())
        .filter(col("value").isNotNull())
        .join(lake.read(Tables.SAMPLES).select("cohort", "sample_id", "cancer_type"),
            scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList())
        .groupBy("feature", "cancer_type")
        .agg(expr("percentile_approx(value, array(0.05, 0.25, 0.5, 0.75, 0.95), 1000)").as("q"),
            expr("avg(value)").as("mean"), expr("count(*)").as("n"))
        .orderBy("feature", "cancer_type").collectAsList();
    Map<String, List<Charts.Box>> by = new LinkedHashMap<>();
    for (String f : top) by.put(f, new ArrayList<>());
    for (Row r : stats) {
      List<Double> q = r.getList(2);
      by.get(r.getString(0)).add(new Charts.Box(r.getString(1), q.get(0), q.get(1), q.get(2), q.get(3), q.get(4),
          r.getDouble(3), r.getLong(4)));
    }
    html.p("The " + top.size() + " " + modality + " features with the smallest p-values against healthy; boxes: "
        + "quartiles, whiskers: 5th and 95th percentiles (percentile_approx on the cluster), "
        + (modality.equals("mirna") ? "log2 CPM" : "log2 intensity") + ".");
    html.open("grid");
    for (var e : by.entrySet()) {
      html.png("box " + e.getKey(), Charts.boxes(e.getKey(), modality.equals("mirna") ? "log2 CPM" : "log2 intensity",
          e.getValue()), null);
    }
    html.close();
    return top.size() + " markers";
  }

  private static String roc(Lake lake, Html html) {
    html.h2("roc", "Early detection: ROC curves");
    if (!lake.exists(Tables.MODEL_RUNS)) {
      html.none("no model runs: the lake has no model_runs table (run train)");
      return "no model runs";
    }
    Dataset<Row> runs = lake.read(Tables.MODEL_RUNS);
    if (!hasColumns(runs, "model_id", "task", "ended_at", "roc")) {
      html.none("no model runs with ROC points: model_runs has no model_id / task / ended_at / roc columns");
      return "no model runs with roc";
    }
    // the out-of-fold (cross-validated) curve of each binary model
    List<Row> latest = runs.withColumn("roc", expr("filter(roc, p -> p.set = 'cv')"))
        .filter(expr("roc IS NOT NULL AND size(roc) > 0"))
        .groupBy("model_id").agg(expr("max_by(struct(task, roc), ended_at)").as("l"))
        .selectExpr("model_id", "l.task AS run_id",
            "filter(l.roc, (p, i) -> i % greatest(1, size(l.roc) div 1000) = 0 OR i = size(l.roc) - 1) AS pts",
            "array_max(transform(filter(l.roc, p -> p.fpr <= 0.01), p -> p.tpr)) AS op_tpr",
            "array_max(transform(filter(l.roc, p -> p.fpr <= 0.01), p -> p.fpr)) AS op_fpr")
        .orderBy("model_id").collectAsList();
    if (latest.isEmpty()) {
      html.none("no model runs with ROC points");
      return "no model runs";
    }
    Map<String, List<double[]>> curves = new LinkedHashMap<>();
    Map<String, double[]> ops = new LinkedHashMap<>();
    List<List<String>> rows = new ArrayList<>();
    for (Row r : latest) {
      String m = r.getString(0);
      List<double[]> pts = new ArrayList<>();
      for (Row p : r.<Row>getList(2)) pts.add(new double[] {p.getAs("fpr"), p.getAs("tpr")});
      pts.sort(java.util.Comparator.<double[]>comparingDouble(x -> x[0]).thenComparingDouble(x -> x[1]));
      curves.put(m, pts);
      if (!r.isNullAt(3)) ops.put(m, new double[] {r.getDouble(4), r.getDouble(3)});
      rows.add(List.of(m, r.getString(1), r.isNullAt(3) ? "n/a" : String.format(Locale.ROOT, "%.3f", r.getDouble(3))));
    }
    html.png("roc curves", Charts.roc("ROC, latest run of each model", curves, ops),
        "The dot marks each model's operating point at 99% specificity (false positive rate <= 0.01).");
    html.table(List.of("model", "task", "sensitivity at 99% specificity (out-of-fold)"), rows);
    return latest.size() + " models";
  }

  private static String sensitivityByStage(Lake lake, Html html) {
    html.h2("stage", "Sensitivity by stage");
    if (!lake.exists(Tables.PREDICTIONS) || !lake.exists(Tables.SAMPLES)) {
      html.none("no model runs: the lake has no predictions table (run score)");
      return "no predictions";
    }
    Dataset<Row> p = lake.read(Tables.PREDICTIONS);
    if (!hasColumns(p, "cohort", "sample_id", "model_id", "probability", "threshold")) {
      html.none("predictions lacks the columns cohort, sample_id, model_id, probability, threshold");
      return "predictions without the expected columns";
    }
    List<Row> rows = stageSensitivity(p, lake.read(Tables.SAMPLES)).collectAsList();
    if (rows.isEmpty()) {
      html.none("no cancer samples were scored");
      return "no scored cancer samples";
    }
    DefaultCategoryDataset ds = new DefaultCategoryDataset();
    List<List<String>> table = new ArrayList<>();
    for (Row r : rows) {
      ds.addValue(r.getDouble(2), r.getString(0), r.getString(1) + " (" + r.getLong(3) + ")");
      table.add(List.of(r.getString(0), r.getString(1), String.valueOf(r.getLong(3)),
          String.format(Locale.ROOT, "%.3f", r.getDouble(2))));
    }
    html.png("sensitivity by stage", Charts.sensitivityByStage("Sensitivity by stage (cancer samples)", ds),
        "Share of cancer samples called positive (probability > the model's threshold, as predictions.call), "
            + "per stage (samples).");
    html.table(List.of("model", "stage", "cancer samples", "sensitivity"), table);
    return rows.size() + " (model, stage) groups";
  }

  /**
   * Sensitivity by stage: per (model, stage) of the cancer samples (not healthy; stage null: {@code unknown}) the
   * share called positive by {@link Predictions#calledPositive} (the rule {@code score} records in
   * {@code predictions.call}) and their number: {@code model_id, stage, sensitivity, n}, ordered.
   */
  static Dataset<Row> stageSensitivity(Dataset<Row> predictions, Dataset<Row> samples) {
    return predictions.join(samples.filter(col("cancer_type").notEqual("healthy"))
            .select("cohort", "sample_id", "stage"),
            scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList())
        .groupBy(col("model_id"), expr("coalesce(stage, 'unknown')").as("stage"))
        .agg(avg(when(Predictions.calledPositive(col("probability"), col("threshold")), 1.0).otherwise(0.0))
            .as("sensitivity"), expr("count(*)").as("n"))
        .orderBy("model_id", "stage");
  }

  /** The thresholds the latest succeeded qc run used (job_runs), else the given file or the defaults. */
  static QcThresholds thresholds(Lake lake, String file) {
    if (lake.exists(Tables.JOB_RUNS)) {
      List<Row> r = lake.read(Tables.JOB_RUNS).filter("job = 'qc' AND status = 'succeeded'")
          .orderBy(col("ended_at").desc()).select("run_id", "parameters").limit(1).collectAsList();
      if (!r.isEmpty()) {
        Properties props = QcThresholds.defaultProperties();
        Map<String, String> params = r.get(0).getJavaMap(1);
        params.forEach((k, v) -> {
          if (k.startsWith("qc.")) props.setProperty(k, v);
        });
        return QcThresholds.parse(props, "qc run " + r.get(0).getString(0));
      }
    }
    return QcThresholds.load(file);
  }

  private record Metric(String column, String label, Double warn, Double fail, Double fail2) {}

  private static String qc(Lake lake, Html html, String file) {
    html.h2("qc", "Quality control: distributions and thresholds");
    if (!lake.exists(Tables.SAMPLE_QC)) {
      html.none("no qc runs: run qc first");
      return "no qc runs";
    }
    QcThresholds t = thresholds(lake, file);
    // each sample's row of its latest qc run (every column: the rules are evaluated again on it below)
    Dataset<Row> latest = lake.read(Tables.SAMPLE_QC).groupBy("cohort", "sample_id")
        .agg(expr("max_by(struct(*), qc_at)").as("q"))
        .select("q.*").withColumn("log10_library_size", expr("log10(library_size)")).cache();
    try {
      List<List<String>> status = new ArrayList<>();
      for (Row r : latest.groupBy("cohort").agg(expr("count(*)"), expr("count_if(status = 'pass')"),
          expr("count_if(status = 'warn')"), expr("count_if(status = 'fail')")).orderBy("cohort").collectAsList()) {
        status.add(List.of(r.getString(0), String.valueOf(r.getLong(1)), String.valueOf(r.getLong(2)),
            String.valueOf(r.getLong(3)), String.valueOf(r.getLong(4))));
      }
      html.p("Latest QC of each sample; thresholds from " + t.source() + " (orange: warn, red: fail).");
      html.table(List.of("cohort", "samples", "pass", "warn", "fail"), status);
      String calibration = calibration(html, latest, t);
      List<Metric> metrics = List.of(
          new Metric("log10_library_size", "log10 miR reads", log10(t.librarySize().warnBelow()),
              log10(t.librarySize().failBelow()), null),
          new Metric("mirs_detected", "miRs detected", t.mirsDetected().warnBelow(), t.mirsDetected().failBelow(),
              null),
          new Metric("top10_fraction", "share of reads in the top 10 miRs", t.top10Fraction().warnAbove(),
              t.top10Fraction().failAbove(), null),
          new Metric("hemolysis_log2_ratio", "haemolysis log2((miR-451a+1)/(miR-23a-3p+1))",
              t.hemolysis().warnAbove(), t.hemolysis().failAbove(), null),
          new Metric("protein_missing_fraction", "protein missing fraction", t.proteinMissing().warnAbove(),
              t.proteinMissing().failAbove(), null),
          new Metric("particle_size_nm", "particle size (nm), fail outside", null, t.particleSize().min(),
              t.particleSize().max()));
      html.open("grid");
      int drawn = 0;
      for (Metric m : metrics) {
        List<Charts.Bin> bins = histogram(latest, m.column());
        if (bins.isEmpty()) continue;
        html.png("qc " + m.column(), Charts.histogram(m.label(), m.label(), bins, m.warn(), m.fail(), m.fail2()),
            null);
        drawn++;
      }
      html.close();
      return drawn + " distributions; " + calibration;
    } finally {
      latest.unpersist();
    }
  }

  /**
   * Per cohort and rule, the samples the rule warned on, failed and could not assess (the rules evaluated again
   * with the thresholds shown on each sample's latest QC metrics), and the rules that flagged more than
   * {@code qc.miscalibration.flagged_above} of the samples they assessed: likely mis-calibrated for the cohort.
   */
  private static String calibration(Html html, Dataset<Row> latest, QcThresholds t) {
    List<io.exocohort.qc.QcSummary.CohortSummary> summary =
        io.exocohort.qc.QcSummary.of(io.exocohort.qc.SampleQcRules.evaluate(latest, t), t);
    List<List<String>> counts = new ArrayList<>();
    for (io.exocohort.qc.QcSummary.CohortSummary c : summary) {
      c.rules().forEach((rule, n) -> counts.add(List.of(c.cohort(), rule, String.valueOf(n.warn()),
          String.valueOf(n.fail()), String.valueOf(n.notAssessed()))));
    }
    html.h3("Rules per cohort");
    html.p("Samples each rule warned on, failed, and could not assess (its input absent: no miR or protein data, "
        + "no particle measurement, the haemolysis pair not in the panel).");
    html.table(List.of("cohort", "rule", "warn", "fail", "not assessed"), counts);
    List<io.exocohort.qc.QcSummary.Miscalibrated> mis = io.exocohort.qc.QcSummary.miscalibrated(summary, t);
    String share = QcThresholds.fmt(100 * t.miscalibration().flaggedAbove()) + "%";
    html.h3("Likely mis-calibrated rules");
    if (mis.isEmpty()) {
      html.p("No rule flagged more than " + share + " of the samples it assessed in a cohort (of at least "
          + t.miscalibration().minAssessed() + " assessed samples).");
      return "no mis-calibrated rule";
    }
    html.p("These rules flagged more than " + share + " of the samples they assessed in a cohort: a threshold is "
        + "more likely wrong for the cohort (e.g. set for qPCR or for read counts, or markers absent from the "
        + "panel) than nearly every sample bad. Thresholds from " + t.source() + ".");
    List<List<String>> rows = new ArrayList<>();
    for (io.exocohort.qc.QcSummary.Miscalibrated m : mis) {
      rows.add(List.of(m.cohort(), m.rule(), m.flagged() + " of " + m.assessed(), m.thresholds(), m.basis()));
    }
    html.table(List.of("cohort", "rule", "flagged", "thresholds", "basis"), rows);
    return mis.size() + " mis-calibrated rule(s)";
  }

  private static Double log10(Double v) {
    return v == null || v <= 0 ? null : Math.log10(v);
  }

  /** {@link #BINS} equal-width bins of a column, counted on the cluster; empty if the column has no values. */
  static List<Charts.Bin> histogram(Dataset<Row> df, String column) {
    Dataset<Row> v = df.select(col(column).cast("double").as("x")).filter("x IS NOT NULL AND NOT isnan(x)");
    Row mm = v.agg(expr("min(x)"), expr("max(x)")).head();
    if (mm.isNullAt(0)) return List.of();
    double lo = mm.getDouble(0);
    double hi = mm.getDouble(1);
    double w = hi > lo ? (hi - lo) / BINS : 1;
    List<Charts.Bin> bins = new ArrayList<>();
    for (Row r : v.groupBy(expr("least(CAST(floor((x - " + lo + ") / " + w + ") AS INT), " + (BINS - 1) + ")")
        .as("b")).count().orderBy("b").collectAsList()) {
      int b = r.getInt(0);
      bins.add(new Charts.Bin(lo + b * w, lo + (b + 1) * w, r.getLong(1)));
    }
    return bins;
  }
}
