package io.exocohort.model;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.qc.QcSelection;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code score}: applies a saved model to the samples of the given cohorts (those passing QC unless
 * {@code includeFailed}) and appends to {@code predictions}: probability, the call at the model's stored
 * threshold, and for tissue of origin the two most probable types. Features are placed by the model's stored
 * feature index: index features a sample lacks are imputed with the training means (status
 * {@code scored_imputed}; more than {@code maxMissingFraction} of them missing: {@code not_scored}), features the
 * model does not know are ignored and counted; both are reported.
 */
public final class ScoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);
  private static final String JOB = "score";

  public record Args(String lake, String database, String modelId, List<String> cohorts, boolean includeFailed,
      double maxMissingFraction, String runId) {}

  public record Result(String runId, String modelId, String task, Map<String, Long> byStatus, long calledPositive,
      int indexFeaturesAbsent, int extraFeatures, long predictionsVersion) {}

  private ScoreJob() {}

  public static Result run(SparkSession spark, Args a) {
    Instant started = Instant.now();
    if (a.modelId() == null || a.modelId().isBlank()) throw new BadInputException("--model is required");
    if (!(a.maxMissingFraction() >= 0 && a.maxMissingFraction() <= 1)) {
      throw new BadInputException("max missing fraction must be in [0, 1], not " + a.maxMissingFraction());
    }
    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.MODEL_RUNS)) throw new BadInputException("lake " + a.lake() + " has no models: train first");
    List<Row> found = lake.read(Tables.MODEL_RUNS).filter(col("model_id").equalTo(a.modelId())).collectAsList();
    if (found.isEmpty()) {
      List<String> ids = lake.read(Tables.MODEL_RUNS).select("model_id").orderBy("model_id").as(Encoders.STRING())
          .collectAsList();
      throw new BadInputException("no model " + a.modelId() + " in " + a.lake() + " (models: "
          + String.join(", ", ids.subList(0, Math.min(10, ids.size()))) + ")");
    }
    Row m = found.get(0);
    String task = m.getAs("task");
    String modality = m.getAs("modality");
    String[] classes = m.<String>getList(m.fieldIndex("classes")).toArray(new String[0]);
    String[] index = m.<String>getList(m.fieldIndex("feature_index")).toArray(new String[0]);
    Double threshold = m.isNullAt(m.fieldIndex("threshold")) ? null : m.getAs("threshold");
    String modelPath = m.getAs("model_path");
    try {
      Path p = new Path(modelPath);
      if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(new Path(p, "metadata"))) {
        throw new BadInputException("model " + a.modelId() + ": its pipeline is missing at " + modelPath);
      }
    } catch (java.io.IOException e) {
      throw new BadInputException("model " + a.modelId() + ": cannot read " + modelPath + ": " + e.getMessage());
    }
    List<String> modalities = modality.equals("both") ? List.of("mirna", "protein") : List.of(modality);
    for (String mo : modalities) {
      if (!lake.exists(TrainJob.table(mo))) {
        throw new BadInputException("lake " + a.lake() + " has no " + TrainJob.table(mo).name()
            + " (the model uses " + modality + "): run normalize first");
      }
    }
    Map<String, Long> inputs = lake.versions(List.of(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_EXPRESSION,
        Tables.PROTEIN_EXPRESSION, Tables.MODEL_RUNS));
    List<String> known = lake.readAsOf(Tables.SAMPLES, inputs.get("samples")).select("cohort").distinct()
        .as(Encoders.STRING()).collectAsList();
    List<String> cohorts = a.cohorts() == null || a.cohorts().isEmpty() ? known : a.cohorts();
    for (String c : cohorts) {
      if (!known.contains(c)) throw new BadInputException("--cohort " + c + ": no such cohort in " + a.lake()
          + " (cohorts: " + String.join(", ", known) + ")");
    }
    String runId = JobRuns.newRunId(JOB, a.runId());
    Dataset<Row> keys = QcSelection.usable(lake, cohorts, a.includeFailed()).select("cohort", "sample_id");

    Dataset<Row> values = null;
    for (String mo : modalities) {
      TableDef t = TrainJob.table(mo);
      Dataset<Row> v = lake.readAsOf(t, inputs.get(t.name())).filter(col("cohort").isin(cohorts.toArray()))
          .join(keys, TrainJob.seq("cohort", "sample_id"))
          .select(col("cohort"), col("sample_id"), org.apache.spark.sql.functions.concat(lit(mo + ":"),
              col("feature")).as("feature"), col("value"));
      values = values == null ? v : values.union(v);
    }
    int absent;
    int extra;
    Dataset<Row> vectors;
    try (Stage s = Stage.start(LOG, spark, JOB, "feature vectors over the model's index")) {
      Set<String> present = new HashSet<>(values.select("feature").distinct().as(Encoders.STRING()).collectAsList());
      Set<String> idx = Set.of(index);
      absent = (int) idx.stream().filter(f -> !present.contains(f)).count();
      extra = (int) present.stream().filter(f -> !idx.contains(f)).count();
      Dataset<Row> v = FeatureVectors.assemble(spark, values, index);
      Dataset<Row> none = keys.join(v.select("cohort", "sample_id"), TrainJob.seq("cohort", "sample_id"), "left_anti")
          .withColumn("features_raw", lit(null).cast(new org.apache.spark.ml.linalg.VectorUDT()))
          .withColumn("features_missing", lit(index.length)).withColumn("features_extra", lit(0));
      vectors = v.unionByName(none)
          .withColumn("status", when(col("features_raw").isNull()
              .or(col("features_missing").gt(lit(a.maxMissingFraction() * index.length))), "not_scored")
              .when(col("features_missing").gt(0), "scored_imputed").otherwise("scored"))
          .persist(StorageLevel.MEMORY_AND_DISK());
      s.done("{} index features absent from the cohort(s), {} extra features ignored", absent, extra);
    }
    if (vectors.isEmpty()) {
      vectors.unpersist();
      throw new BadInputException("no usable samples to score in " + cohorts
          + " (--include-failed keeps samples that failed QC)");
    }
    if (absent > 0) LOG.warn("model {}: {} of its {} features have no value in {}: imputed with the training means",
        a.modelId(), absent, index.length, cohorts);

    PipelineModel model = PipelineModel.load(modelPath);
    Dataset<Row> scored;
    try (Stage s = Stage.start(LOG, spark, JOB, "apply model " + a.modelId())) {
      Dataset<Row> p = ModelTraining.predict(model, vectors.filter(col("status").notEqual("not_scored")),
          "cohort", "sample_id", "status", "features_missing", "features_extra");
      Column cls = array(java.util.Arrays.stream(classes).map(org.apache.spark.sql.functions::lit)
          .toArray(Column[]::new));
      // classes ranked by probability, ties to the higher index (as the metrics rank them)
      p = p.withColumn("ranked", expr("sort_array(transform(probability, (x, i) -> named_struct('p', x, 'i', i)), "
          + "false)"));
      Column top1 = element_at(cls, col("ranked").getItem(0).getField("i").plus(1));
      Column top2 = element_at(cls, col("ranked").getItem(1).getField("i").plus(1));
      if (classes.length == 2) {
        Column prob = col("probability").getItem(1);
        p = p.select(col("cohort"), col("sample_id"), col("status"), prob.as("probability"),
            prob.gt(lit(threshold)).as("call"), lit(threshold).as("threshold"),
            when(prob.gt(lit(threshold)), classes[1]).otherwise(classes[0]).as("predicted"),
            lit(null).cast("string").as("top1"), lit(null).cast("string").as("top2"),
            lit(null).cast("double").as("top2_probability"), col("features_missing"), col("features_extra"));
      } else {
        p = p.select(col("cohort"), col("sample_id"), col("status"),
            col("ranked").getItem(0).getField("p").as("probability"), lit(null).cast("boolean").as("call"),
            lit(null).cast("double").as("threshold"), top1.as("predicted"), top1.as("top1"), top2.as("top2"),
            col("ranked").getItem(1).getField("p").as("top2_probability"), col("features_missing"),
            col("features_extra"));
      }
      Dataset<Row> skipped = vectors.filter(col("status").equalTo("not_scored")).select(col("cohort"),
          col("sample_id"), col("status"), lit(null).cast("double").as("probability"),
          lit(null).cast("boolean").as("call"), lit(threshold).cast("double").as("threshold"),
          lit(null).cast("string").as("predicted"), lit(null).cast("string").as("top1"),
          lit(null).cast("string").as("top2"), lit(null).cast("double").as("top2_probability"),
          col("features_missing"), col("features_extra"));
      scored = p.unionByName(skipped)
          .select(lit(runId).as("run_id"), lit(a.modelId()).as("model_id"), col("cohort"), col("sample_id"),
              col("status"), col("probability"), col("call"), col("threshold"), col("predicted"), col("top1"),
              col("top2"), col("top2_probability"), col("features_missing"), col("features_extra"),
              lit(Timestamp.from(Instant.now())).as("scored_at"));
      s.done("model {} ({}, {} classes)", a.modelId(), task, classes.length);
    }

    Map<String, Long> before = lake.versions(List.of(Tables.PREDICTIONS));
    Map<String, Long> written = new LinkedHashMap<>();
    Map<String, Long> byStatus = new LinkedHashMap<>();
    long positive = 0;
    try {
      try (Stage s = Stage.start(LOG, spark, JOB, "write predictions")) {
        lake.ensure(Tables.PREDICTIONS);
        spark.createDataFrame(scored.rdd(), Tables.PREDICTIONS.schema()).write().format("delta").mode("append")
            .save(lake.path(Tables.PREDICTIONS));
        written.put(Tables.PREDICTIONS.name(), lake.version(Tables.PREDICTIONS));
        for (Row r : lake.read(Tables.PREDICTIONS).filter(col("run_id").equalTo(runId)).groupBy("status")
            .agg(org.apache.spark.sql.functions.count(lit(1)),
                org.apache.spark.sql.functions.sum(when(col("call"), 1).otherwise(0)))
            .orderBy("status").collectAsList()) {
          byStatus.put(r.getString(0), r.getLong(1));
          positive += r.isNullAt(2) ? 0 : r.getLong(2);
        }
        s.done("{}", byStatus);
      }
      vectors.unpersist();
      Map<String, String> params = new LinkedHashMap<>();
      params.put("model_id", a.modelId());
      params.put("cohorts", String.join(",", cohorts));
      params.put("include_failed", String.valueOf(a.includeFailed()));
      params.put("max_missing_fraction", String.valueOf(a.maxMissingFraction()));
      long rows = byStatus.values().stream().mapToLong(Long::longValue).sum();
      JobRuns.record(lake, runId, JOB, "succeeded", started, params, inputs, written,
          Map.of(Tables.PREDICTIONS.name(), rows), "by status " + byStatus + "; " + absent + " of " + index.length
              + " model features absent, " + extra + " extra features ignored");
    } catch (RuntimeException e) {
      lake.rollbackAll(before, written, e);
      throw e;
    }
    return new Result(runId, a.modelId(), task, byStatus, positive, absent, extra,
        written.get(Tables.PREDICTIONS.name()));
  }
}
