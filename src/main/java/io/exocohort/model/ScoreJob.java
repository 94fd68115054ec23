package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.matrix.SampleVectors;
import io.exocohort.qc.QcSelection;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code score}: applies a saved model to the samples of the given cohorts (those passing QC unless
 * {@code includeFailed}) and appends to {@code predictions}: probability, the call at the model's stored
 * threshold ({@link Predictions#calledPositive}), and for tissue of origin the two most probable types. Features
 * are placed by the model's stored feature index: index features a sample lacks are imputed with the training
 * means (status {@code scored_imputed}; more than {@code maxMissingFraction} of them missing: {@code not_scored}),
 * features the model does not know are ignored and counted; both are reported. The run is one {@link RunScope}.
 */
public final class ScoreJob {
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);
  static final String JOB = "score";

  public record Args(String lake, String database, String modelId, List<String> cohorts, boolean includeFailed,
      double maxMissingFraction, String runId) {}

  public record Result(String runId, String modelId, String task, Map<String, Long> byStatus, long calledPositive,
      int indexFeaturesAbsent, int extraFeatures, long predictionsVersion) {}

  /** A model as {@code model_runs} records it. */
  record StoredModel(String id, String task, String modality, String[] classes, String[] index, Double threshold,
      String path) {}

  private ScoreJob() {}

  /** Runs {@code score} as one {@link RunScope}. */
  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    if (a.modelId() == null || a.modelId().isBlank()) throw new BadInputException("--model is required");
    if (!(a.maxMissingFraction() >= 0 && a.maxMissingFraction() <= 1)) {
      throw new BadInputException("max missing fraction must be in [0, 1], not " + a.maxMissingFraction());
    }
    s.pin(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX, Tables.PROTEIN_MATRIX_SAMPLES,
        Tables.MODEL_RUNS);
    StoredModel m = model(s, a);
    List<String> modalities = TrainJob.modalities(m.modality());
    TrainJob.requireTables(s, a.lake(), modalities, " (the model uses " + m.modality() + ")");
    List<String> cohorts = s.cohorts(a.cohorts());
    Dataset<Row> keys = QcSelection.usable(s.reader(), cohorts, a.includeFailed()).select("cohort", "sample_id");
    List<SampleVectors.Source> sources = FeatureVectors.sources(s, modalities, cohorts);
    Predictions.Coverage coverage;
    Dataset<Row> vectors;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "feature vectors over the model's index")) {
      coverage = Predictions.Coverage.of(new HashSet<>(FeatureVectors.features(sources, keys).collectAsList()),
          m.index());
      vectors = Predictions.withStatus(FeatureVectors.assemble(s.spark(), sources, keys, m.index()), keys,
          m.index().length, a.maxMissingFraction()).persist(StorageLevel.MEMORY_AND_DISK());
      st.done("{} index features absent from the cohort(s), {} extra features ignored", coverage.absent(),
          coverage.extra());
    }
    try {
      if (vectors.isEmpty()) {
        throw new BadInputException("no usable samples to score in " + cohorts
            + " (--include-failed keeps samples that failed QC)");
      }
      if (coverage.absent() > 0) {
        LOG.warn("model {}: {} of its {} features have no value in {}: imputed with the training means", m.id(),
            coverage.absent(), m.index().length, cohorts);
      }
      Dataset<Row> rows;
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "apply model " + m.id())) {
        Dataset<Row> predicted = ModelTraining.predict(PipelineModel.load(m.path()), Predictions.scorable(vectors),
            "cohort", "sample_id", "status", "features_missing", "features_extra");
        rows = Predictions.rows(predicted, vectors, m.classes(), m.threshold(), s.id(), m.id(),
            Timestamp.from(Instant.now()));
        st.done("model {} ({}, {} classes)", m.id(), m.task(), m.classes().length);
      }
      Map<String, Long> byStatus = new LinkedHashMap<>();
      long positive;
      Commit c;
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "write predictions")) {
        c = s.append(Tables.PREDICTIONS, s.spark().createDataFrame(rows.rdd(), Tables.PREDICTIONS.schema()));
        positive = countByStatus(s.lake().readAsOf(Tables.PREDICTIONS, c.version())
            .filter(col("run_id").equalTo(s.id())), byStatus);
        st.done("{}", byStatus);
      }
      s.succeeded(parameters(a, cohorts), "by status " + byStatus + "; " + coverage.absent() + " of "
          + m.index().length + " model features absent, " + coverage.extra() + " extra features ignored");
      return new Result(s.id(), m.id(), m.task(), byStatus, positive, coverage.absent(), coverage.extra(),
          c.version());
    } finally {
      vectors.unpersist();
    }
  }

  /** The model's {@code model_runs} row (at the pinned version) and a check that its pipeline is on disk. */
  private static StoredModel model(RunScope s, Args a) {
    if (!s.has(Tables.MODEL_RUNS)) throw new BadInputException("lake " + a.lake() + " has no models: train first");
    List<Row> found = s.read(Tables.MODEL_RUNS).filter(col("model_id").equalTo(a.modelId())).collectAsList();
    if (found.isEmpty()) {
      List<String> ids = s.read(Tables.MODEL_RUNS).select("model_id").orderBy("model_id").as(Encoders.STRING())
          .collectAsList();
      throw new BadInputException("no model " + a.modelId() + " in " + a.lake() + " (models: "
          + String.join(", ", ids.subList(0, Math.min(10, ids.size()))) + ")");
    }
    Row m = found.get(0);
    StoredModel model = new StoredModel(a.modelId(), m.getAs("task"), m.getAs("modality"),
        m.<String>getList(m.fieldIndex("classes")).toArray(new String[0]),
        m.<String>getList(m.fieldIndex("feature_index")).toArray(new String[0]),
        m.isNullAt(m.fieldIndex("threshold")) ? null : m.getAs("threshold"), m.getAs("model_path"));
    try {
      Path p = new Path(model.path());
      if (!p.getFileSystem(s.spark().sparkContext().hadoopConfiguration()).exists(new Path(p, "metadata"))) {
        throw new BadInputException("model " + a.modelId() + ": its pipeline is missing at " + model.path());
      }
    } catch (IOException e) {
      throw new BadInputException("model " + a.modelId() + ": cannot read " + model.path() + ": " + e.getMessage());
    }
    return model;
  }

  /** Fills rows per status of one run's predictions; returns the samples called positive. */
  static long countByStatus(Dataset<Row> predictions, Map<String, Long> byStatus) {
    long positive = 0;
    for (Row r : predictions.groupBy("status").agg(functions.count(lit(1)),
        functions.sum(when(col("call"), 1).otherwise(0))).orderBy("status").collectAsList()) {
      byStatus.put(r.getString(0), r.getLong(1));
      positive += r.isNullAt(2) ? 0 : r.getLong(2);
    }
    return positive;
  }

  private static Map<String, String> parameters(Args a, List<String> cohorts) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("model_id", a.modelId());
    params.put("cohorts", String.join(",", cohorts));
    params.put("include_failed", String.valueOf(a.includeFailed()));
    params.put("max_missing_fraction", String.valueOf(a.maxMissingFraction()));
    return params;
  }
}
