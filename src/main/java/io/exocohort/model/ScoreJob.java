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
import java.util.Set;
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

  /**
   * What to score. {@code modelId} is the model, or with {@code twoStage} the detection model of a two-stage test.
   */
  public record Args(String lake, String database, String modelId, List<String> cohorts, boolean includeFailed,
      double maxMissingFraction, String runId, TwoStage twoStage) {
    public Args(String lake, String database, String modelId, List<String> cohorts, boolean includeFailed,
        double maxMissingFraction, String runId) {
      this(lake, database, modelId, cohorts, includeFailed, maxMissingFraction, runId, null);
    }
  }

  /**
   * {@code score --detect-model A --origin-model B}: the origin model, the prevalence of the screened population and
   * the bootstrap of the hold-out figures ({@link TwoStageScreening}).
   */
  public record TwoStage(String originModelId, double prevalence, int replicates, long seed) {}

  public record Result(String runId, String modelId, String task, Map<String, Long> byStatus, long calledPositive,
      int indexFeaturesAbsent, int extraFeatures, long predictionsVersion, long screeningFigures) {}

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
    TwoStage two = a.twoStage();
    if (two != null && !(two.prevalence() > 0 && two.prevalence() < 1)) {
      throw new BadInputException("--prevalence must be in (0, 1), not " + two.prevalence());
    }
    s.pin(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX,
        Tables.PROTEIN_MATRIX_SAMPLES, Tables.DNA_VARIANTS, Tables.MODEL_RUNS, Tables.MODEL_FOLDS);
    StoredModel m = model(s, a, a.modelId());
    StoredModel o = two == null ? null : model(s, a, two.originModelId());
    if (o != null) TwoStageScreening.check(m.id(), m.classes(), o.id(), o.task(), o.classes());
    List<String> cohorts = s.cohorts(a.cohorts());
    Dataset<Row> keys = QcSelection.usable(s.reader(), cohorts, a.includeFailed()).select("cohort", "sample_id");
    Scored sm = score(s, a, m, cohorts, keys);
    Scored so = null;
    try {
      if (o != null) so = score(s, a, o, cohorts, keys);
      Dataset<Row> rows = so == null ? sm.rows() : TwoStageScreening.combine(sm.rows(), so.rows());
      Map<String, Long> byStatus = new LinkedHashMap<>();
      long positive;
      Commit c;
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "write predictions")) {
        c = s.append(Tables.PREDICTIONS, s.spark().createDataFrame(rows.rdd(), Tables.PREDICTIONS.schema()));
        positive = countByStatus(s.lake().readAsOf(Tables.PREDICTIONS, c.version())
            .filter(col("run_id").equalTo(s.id())), byStatus);
        st.done("{}", byStatus);
      }
      long figures = o == null ? 0 : screening(s, m, o, two, c.version());
      Map<String, String> params = parameters(a, cohorts);
      String summary = "by status " + byStatus + "; " + sm.coverage().absent() + " of " + m.index().length
          + " model features absent, " + sm.coverage().extra() + " extra features ignored";
      if (o != null) {
        params.put("origin_model_id", o.id());
        params.put("prevalence", String.valueOf(two.prevalence()));
        summary += "; two-stage with origin model " + o.id() + ": " + figures + " hold-out figures";
      }
      s.succeeded(params, summary);
      return new Result(s.id(), m.id(), o == null ? m.task() : m.task() + "+" + o.task(), byStatus, positive,
          sm.coverage().absent(), sm.coverage().extra(), c.version(), figures);
    } finally {
      sm.vectors().unpersist();
      if (so != null) so.vectors().unpersist();
    }
  }

  /** One model's predictions rows of the run (lazy), the coverage of its index and its cached vectors. */
  private record Scored(Dataset<Row> rows, Predictions.Coverage coverage, Dataset<Row> vectors) {}

  private static Scored score(RunScope s, Args a, StoredModel m, List<String> cohorts, Dataset<Row> keys) {
    List<String> modalities = TrainJob.modalities(m.modality());
    TrainJob.requireTables(s, a.lake(), modalities, " (the model uses " + m.modality() + ")");
    List<SampleVectors.Source> sources = FeatureVectors.sources(s, TrainJob.matrixModalities(modalities), cohorts);
    PipelineModel pipeline = PipelineModel.load(m.path());
    DnaFeatures.Source dna = modalities.contains(DnaFeatures.MODALITY) ? DnaFeatures.source(s, cohorts) : null;
    String[] variants = dna == null ? null : variants(pipeline, m.id());
    Dataset<Row> ev = EvFeature.slot(m.index()) < 0 ? null : EvFeature.fractions(s, cohorts);
    Predictions.Coverage coverage;
    Dataset<Row> vectors;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "feature vectors over the index of " + m.id())) {
      Set<String> present = new HashSet<>();
      if (!sources.isEmpty()) present.addAll(FeatureVectors.features(sources, keys).collectAsList());
      if (dna != null && !dna.sequenced().isEmpty()) {
        // a sequenced sample has a value (0: none called) for every gene of the panel, and its calls' genes
        present.addAll(DnaFeatures.genes(m.index()));
        present.addAll(List.of(DnaFeatures.index(dna, keys).genes()));
      }
      // the tumour-EV fraction slot: present when a deconvolve run covered a sample (missing ones are imputed)
      if (ev != null && !ev.join(keys, TrainJob.seq("cohort", "sample_id"), "left_semi").isEmpty()) {
        present.add(EvFeature.SLOT);
      }
      coverage = Predictions.Coverage.of(present, m.index());
      vectors = Predictions.withStatus(TrainJob.vectors(s.spark(), sources, dna, keys, m.index(), variants, ev), keys,
          m.index().length, a.maxMissingFraction()).persist(StorageLevel.MEMORY_AND_DISK());
      st.done("{} index features absent from the cohort(s), {} extra features ignored", coverage.absent(),
          coverage.extra());
    }
    if (vectors.isEmpty()) {
      vectors.unpersist();
      throw new BadInputException("no usable samples to score in " + cohorts
          + " (--include-failed keeps samples that failed QC)");
    }
    if (coverage.absent() > 0) {
      LOG.warn("model {}: {} of its {} features have no value in {}: imputed with the training means", m.id(),
          coverage.absent(), m.index().length, cohorts);
    }
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "apply model " + m.id())) {
      Dataset<Row> predicted = ModelTraining.predict(pipeline, Predictions.scorable(vectors),
          "cohort", "sample_id", "status", "features_missing", "features_extra");
      Dataset<Row> rows = Predictions.rows(predicted, vectors, m.classes(), m.threshold(), s.id(), m.id(),
          Timestamp.from(Instant.now()));
      st.done("model {} ({}, {} classes)", m.id(), m.task(), m.classes().length);
      return new Scored(rows, coverage, vectors);
    }
  }

  /** The variant index a dna model's pipeline was fitted over. */
  private static String[] variants(PipelineModel p, String modelId) {
    for (org.apache.spark.ml.Transformer t : p.stages()) {
      if (t instanceof DnaHealthyScalerModel d) return d.getVariants();
    }
    throw new BadInputException("model " + modelId + " uses dna but its pipeline has no DNA stage");
  }

  /** The two-stage test's figures on the hold-out, appended to {@code screening_metrics}; returns their rows. */
  private static long screening(RunScope s, StoredModel d, StoredModel o, TwoStage two, long predictionsVersion) {
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "two-stage figures on the hold-out")) {
      Dataset<Row> written = s.lake().readAsOf(Tables.PREDICTIONS, predictionsVersion)
          .filter(col("run_id").equalTo(s.id()));
      TwoStageScreening.Holdout h = TwoStageScreening.holdout(written, s.read(Tables.MODEL_FOLDS),
          s.read(Tables.SAMPLES), d.id(), d.classes()[0], o.id());
      if (d.threshold() == null) throw new BadInputException("model " + d.id() + " has no stored threshold");
      List<Row> figures = TwoStageScreening.figures(h, d.threshold(), two.prevalence(), two.replicates(),
          two.seed(), s.id(), d.id(), o.id());
      s.append(Tables.SCREENING_METRICS, s.spark().createDataFrame(figures, Tables.SCREENING_METRICS.schema()));
      TwoStageScreening.log(LOG, figures);
      st.done("{} figures over {} hold-out cases and {} controls", figures.size(), h.cases(), h.controls());
      return figures.size();
    }
  }

  /** The model's {@code model_runs} row (at the pinned version) and a check that its pipeline is on disk. */
  private static StoredModel model(RunScope s, Args a, String modelId) {
    if (!s.has(Tables.MODEL_RUNS)) throw new BadInputException("lake " + a.lake() + " has no models: train first");
    List<Row> found = s.read(Tables.MODEL_RUNS).filter(col("model_id").equalTo(modelId)).collectAsList();
    if (found.isEmpty()) {
      List<String> ids = s.read(Tables.MODEL_RUNS).select("model_id").orderBy("model_id").as(Encoders.STRING())
          .collectAsList();
      throw new BadInputException("no model " + modelId + " in " + a.lake() + " (models: "
          + String.join(", ", ids.subList(0, Math.min(10, ids.size()))) + ")");
    }
    Row m = found.get(0);
    StoredModel model = new StoredModel(modelId, m.getAs("task"), m.getAs("modality"),
        m.<String>getList(m.fieldIndex("classes")).toArray(new String[0]),
        m.<String>getList(m.fieldIndex("feature_index")).toArray(new String[0]),
        m.isNullAt(m.fieldIndex("threshold")) ? null : m.getAs("threshold"), m.getAs("model_path"));
    try {
      Path p = new Path(model.path());
      if (!p.getFileSystem(s.spark().sparkContext().hadoopConfiguration()).exists(new Path(p, "metadata"))) {
        throw new BadInputException("model " + modelId + ": its pipeline is missing at " + model.path());
      }
    } catch (IOException e) {
      throw new BadInputException("model " + modelId + ": cannot read " + model.path() + ": " + e.getMessage());
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
