package io.exocohort.de;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.qc.QcSelection;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code de}: differential expression of the normalised miR and protein values between cancer types, for the
 * samples that pass QC. Per (modality, contrast, feature): limma's moderated t (lmFit on {@code ~0 + group +
 * covariates} from per-feature sufficient statistics, contrasts.fit, eBayes), Welch's t, the Wilcoxon rank-sum
 * (Mann-Whitney U) test with AUC; across all groups Kruskal-Wallis and one-way ANOVA. Every input is read at the
 * Delta version recorded in {@code de_runs} and {@code job_runs}; results are appended to {@code de_results}.
 * Every check happens before the first write; a failed write restores the tables.
 */
public final class DeJob {
  private static final Logger LOG = LoggerFactory.getLogger(DeJob.class);
  private static final String JOB = "de";

  public record Args(String lake, String database, List<String> cohorts, String modality, List<String> contrasts,
      List<String> covariates, boolean trend, boolean includeFailed, String runId) {
    public static Args defaults(String lake) {
      return new Args(lake, "exocohort", List.of(), "all", List.of(), List.of(), false, false, null);
    }
  }

  public record Result(String runId, Map<String, Long> rowsWritten, Map<String, Long> sampleCounts,
      Map<String, List<String>> contrasts) {}

  private DeJob() {}

  public static Result run(SparkSession spark, Args a) {
    return JobRuns.track(spark, a.lake(), a.database(), JOB, a.runId(), a, run -> run(spark, a, run));
  }

  private static Result run(SparkSession spark, Args a, JobRuns.Run run) {
    Instant started = run.started();
    String modality = a.modality() == null ? "all" : a.modality().toLowerCase(Locale.ROOT);
    if (!List.of("mirna", "protein", "all").contains(modality)) {
      throw new BadInputException("--modality must be mirna, protein or all, not '" + a.modality() + "'");
    }
    List<String> covariates = new ArrayList<>();
    for (String c : a.covariates() == null ? List.<String>of() : a.covariates()) {
      String t = c.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty() || covariates.contains(t)) continue;
      DeDesign.checkCovariate(t);
      covariates.add(t);
    }
    String runId = run.id();
    Lake lake = Lake.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.SAMPLES)) throw new BadInputException("lake " + a.lake() + " has no samples: ingest first");
    Map<String, Long> inputs = lake.versions(List.of(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_EXPRESSION,
        Tables.PROTEIN_EXPRESSION));
    run.inputs(inputs);
    Dataset<Row> samplesTable = lake.readAsOf(Tables.SAMPLES, inputs.get("samples"));
    List<String> known = samplesTable.select("cohort").distinct().as(Encoders.STRING()).collectAsList();
    List<String> cohorts = a.cohorts() == null || a.cohorts().isEmpty() ? known : a.cohorts();
    for (String c : cohorts) {
      if (!known.contains(c)) throw new BadInputException("--cohort " + c + ": no such cohort in " + a.lake()
          + " (cohorts: " + String.join(", ", known) + ")");
    }
    List<String> modalities = new ArrayList<>();
    if (!modality.equals("protein") && inputs.get("mirna_expression") >= 0) modalities.add("mirna");
    if (!modality.equals("mirna") && inputs.get("protein_expression") >= 0) modalities.add("protein");
    if (modalities.isEmpty()) {
      throw new BadInputException("no " + (modality.equals("all") ? "mirna_expression or protein_expression"
          : modality + "_expression") + " in " + a.lake() + ": run normalize first");
    }

    // the samples and the design (one small record per sample on the driver)
    // QC statuses as of the recorded input versions, not whatever a concurrent qc or ingest committed since
    Dataset<Row> usable = QcSelection.usable(lake.pinned(inputs), cohorts, a.includeFailed());
    List<org.apache.spark.sql.Column> cols = new ArrayList<>(List.of(col("cohort"), col("sample_id"),
        col("cancer_type")));
    for (String c : covariates) cols.add(col(c));
    Dataset<Row> meta = samplesTable.filter(col("cohort").isin(cohorts.toArray()))
        .join(usable.select("cohort", "sample_id"), CollectionConverters.asScala(List.of("cohort", "sample_id")).toList())
        .select(cols.toArray(new org.apache.spark.sql.Column[0]));
    List<DeDesign.Sample> samples = new ArrayList<>();
    for (Row r : meta.collectAsList()) {
      Object[] cv = new Object[covariates.size()];
      for (int i = 0; i < cv.length; i++) cv[i] = r.get(3 + i);
      samples.add(new DeDesign.Sample(DeDesign.key(r.getString(0), r.getString(1)), r.getString(2), cv));
    }
    if (samples.size() < 3) {
      throw new BadInputException("only " + samples.size() + " usable sample(s) in " + cohorts
          + ": nothing to compare (--include-failed keeps failed samples)");
    }
    DeDesign design = DeDesign.build(samples, covariates);
    List<DeDesign.Contrast> contrasts = design.contrasts(a.contrasts());
    if (contrasts.isEmpty()) {
      throw new BadInputException("no contrasts: groups " + String.join(", ", design.groups)
          + " (need a cancer type and healthy samples or another cancer type, or give --contrasts a_vs_b)");
    }

    // analyse every modality before writing anything
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Row> rows = new ArrayList<>();
    Map<String, Long> sampleCounts = new LinkedHashMap<>();
    Map<String, Long> rowsPerModality = new LinkedHashMap<>();
    for (String m : modalities) {
      TableDef t = m.equals("mirna") ? Tables.MIRNA_EXPRESSION : Tables.PROTEIN_EXPRESSION;
      // the design's samples are picked inside the pass (a broadcast index), so no join here
      Dataset<Row> values = lake.readAsOf(t, inputs.get(t.name())).filter(col("cohort").isin(cohorts.toArray()))
          .select("cohort", "sample_id", "feature", "value");
      DeStats.ByFeature stats;
      try (Stage s = Stage.start(LOG, spark, JOB, m + " sufficient statistics and rank scans")) {
        stats = DeStats.byFeature(jsc, values, design, contrasts, m.equals("protein"));
        s.done("{} features x {} design columns, {} contrasts", stats.features().length, design.p(),
            contrasts.size());
      }
      if (stats.features().length == 0) {
        if (!modality.equals("all")) throw new BadInputException("no " + m + " values for the samples of " + cohorts);
        continue;
      }
      DeStats.Sums sums = stats.sums();
      for (int g = 0; g < design.groups.length; g++) sampleCounts.put(m + "." + design.groups[g], sums.groupSamples[g]);
      for (int g = 0; g < design.groups.length; g++) {
        if (sums.groupSamples[g] == 0) {
          throw new BadInputException("group " + design.groups[g] + " has no " + m + " values in " + cohorts
              + ": choose --cohort or --modality so that every group has values");
        }
      }
      for (DeDesign.Contrast c : contrasts) {
        for (int[] set : new int[][] {c.caseGroups(), c.controlGroups()}) {
          for (int g : set) {
            if (sums.groupSamples[g] < 2) {
              throw new BadInputException("contrast " + c.name() + ": group " + design.groups[g] + " has "
                  + sums.groupSamples[g] + " " + m + " sample(s); need at least 2");
            }
          }
        }
      }
      List<DeResults.Result> res;
      try (Stage s = Stage.start(LOG, spark, JOB, m + " models and tests")) {
        res = DeResults.analyse(m, stats.features(), design, contrasts, sums, stats.ranks(), a.trend());
        s.done("{} results", res.size());
      }
      for (DeResults.Result r : res) rows.add(r.toRow(runId, m));
      rowsPerModality.put(m, (long) res.size());
    }
    if (rows.isEmpty()) throw new BadInputException("no expression values for the samples of " + cohorts);

    Map<String, String> params = new LinkedHashMap<>();
    params.put("cohorts", String.join(",", cohorts));
    params.put("modality", modality);
    params.put("contrasts", String.join(",", contrasts.stream().map(DeDesign.Contrast::name).toList()));
    params.put("covariates", String.join(",", covariates));
    params.put("design", String.join(" + ", design.columns));
    params.put("trend", String.valueOf(a.trend()));
    params.put("include_failed", String.valueOf(a.includeFailed()));

    Map<String, Long> before = lake.versions(List.of(Tables.DE_RESULTS, Tables.DE_RUNS));
    Map<String, Long> written = new LinkedHashMap<>();
    try {
      try (Stage s = Stage.start(LOG, spark, JOB, "write de_results")) {
        if (!lake.exists(Tables.DE_RESULTS)) lake.ensure(Tables.DE_RESULTS);
        // a local relation: the rows are encoded once on the driver and shipped as compact binary rows (an RDD of
        // Row objects went through Java serialization, most of this stage's time)
        spark.createDataFrame(rows, Tables.DE_RESULTS.schema())
            .write().format("delta").mode("append").save(lake.path(Tables.DE_RESULTS));
        written.put(Tables.DE_RESULTS.name(), lake.version(Tables.DE_RESULTS));
        s.done("{} rows", rows.size());
      }
      if (!lake.exists(Tables.DE_RUNS)) lake.ensure(Tables.DE_RUNS);
      Row runRow = RowFactory.create(runId, CollectionConverters.asScala(params), CollectionConverters.asScala(inputs),
          CollectionConverters.asScala(sampleCounts), Timestamp.from(started), Timestamp.from(Instant.now()));
      spark.createDataFrame(List.of(runRow), Tables.DE_RUNS.schema()).write().format("delta").mode("append")
          .save(lake.path(Tables.DE_RUNS));
      written.put(Tables.DE_RUNS.name(), lake.version(Tables.DE_RUNS));
      Map<String, Long> rowsWritten = new LinkedHashMap<>();
      rowsWritten.put(Tables.DE_RESULTS.name(), (long) rows.size());
      rowsWritten.put(Tables.DE_RUNS.name(), 1L);
      run.succeeded(lake, params, inputs, written, rowsWritten, "results per modality " + rowsPerModality);
      Map<String, List<String>> cn = new LinkedHashMap<>();
      for (String m : rowsPerModality.keySet()) cn.put(m, contrasts.stream().map(DeDesign.Contrast::name).toList());
      return new Result(runId, rowsPerModality, sampleCounts, cn);
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared (checked in Java)
      lake.rollbackAll(before, written, e);
      throw e;
    }
  }

  /** Options of {@code de top}. */
  public record TopArgs(String lake, String database, String contrast, String method, String modality, int n,
      String runId) {}

  /**
   * The top table of one run, contrast, method and modality, sorted by p-value: the run given, or the latest
   * (by end time in de_runs) when {@code runId} is null or "latest".
   */
  public static Dataset<Row> top(SparkSession spark, TopArgs a) {
    if (a.contrast() == null || a.contrast().isBlank()) throw new BadInputException("--contrast is required");
    if (a.n() < 1) throw new BadInputException("--n must be at least 1, not " + a.n());
    Lake lake = Lake.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.DE_RESULTS) || !lake.exists(Tables.DE_RUNS)) {
      throw new BadInputException("lake " + a.lake() + " has no de results: run de first");
    }
    String runId = a.runId();
    if (runId == null || runId.isBlank() || runId.equals("latest")) {
      List<Row> latest = lake.read(Tables.DE_RUNS).orderBy(col("ended_at").desc()).select("run_id").limit(1)
          .collectAsList();
      if (latest.isEmpty()) throw new BadInputException("lake " + a.lake() + " has no de runs");
      runId = latest.get(0).getString(0);
    }
    String method = a.method() == null ? "moderated_t" : a.method();
    String modality = a.modality() == null ? "mirna" : a.modality();
    Dataset<Row> r = lake.read(Tables.DE_RESULTS).filter(col("run_id").equalTo(runId)
        .and(col("contrast").equalTo(a.contrast())).and(col("method").equalTo(method))
        .and(col("modality").equalTo(modality)));
    if (r.isEmpty()) {
      List<String> have = lake.read(Tables.DE_RESULTS).filter(col("run_id").equalTo(runId))
          .select("modality", "contrast", "method").distinct().orderBy("modality", "contrast", "method")
          .collectAsList().stream().map(x -> x.getString(0) + "/" + x.getString(1) + "/" + x.getString(2)).toList();
      throw new BadInputException("run " + runId + " has no results for " + modality + "/" + a.contrast() + "/"
          + method + (have.isEmpty() ? "" : " (it has: " + String.join(", ", have) + ")"));
    }
    return r.orderBy(col("pvalue").asc_nulls_last(), col("feature")).limit(a.n())
        .select("feature", "n_case", "n_control", "log2fc", "ave_expr", "statistic", "df", "pvalue", "padj", "auc",
            "b", "run_id");
  }
}
