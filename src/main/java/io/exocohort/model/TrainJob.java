package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.qc.QcSelection;
import java.io.IOException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code train}: an early-detection or tissue-of-origin model on the normalised miR and/or protein values of the
 * samples that pass QC. Tasks: {@code detect} (any cancer vs healthy), {@code origin} (which cancer, among the
 * cancers), {@code <type>_vs_healthy}. A locked hold-out (a fraction of the subjects of every cancer type and
 * stage, by a seeded keyed hash) is set aside first; k-fold cross-validation (grouped by subject, stratified by
 * type and stage) runs on the rest through MLlib's {@code foldCol}, with imputation and feature selection inside
 * the pipeline, so they are learned on the training folds only. The model fitted on all training rows is saved
 * under {@code <lake>/models/<model_id>} and scored once on the hold-out. Metrics of both go to
 * {@code model_runs}; the run to {@code job_runs}. Every check happens before the first write.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
  private static final String JOB = "train";
  static final String[] KEEP = {"cohort", "sample_id", "label", "cancer_type", "stage"};

  public record Args(String lake, String database, List<String> cohorts, String task, String modality,
      String model, int features, int folds, long seed, double holdoutFraction, double thresholdSpecificity,
      int bootstrapReplicates, int minPerClass, boolean includeFailed, ModelTraining.Hyper hyper, String modelId) {
    public static Args defaults(String lake, String task) {
      return new Args(lake, "exocohort", List.of(), task, "mirna", "logistic", 50, 5, 1L, 0.2, 0.99, 1000, 10,
          false, ModelTraining.Hyper.defaults(), null);
    }

    public Args withModel(String m) {
      return new Args(lake, database, cohorts, task, modality, m, features, folds, seed, holdoutFraction,
          thresholdSpecificity, bootstrapReplicates, minPerClass, includeFailed, hyper, modelId);
    }

    public Args withModality(String m) {
      return new Args(lake, database, cohorts, task, m, model, features, folds, seed, holdoutFraction,
          thresholdSpecificity, bootstrapReplicates, minPerClass, includeFailed, hyper, modelId);
    }

    public Args withFeatures(int n) {
      return new Args(lake, database, cohorts, task, modality, model, n, folds, seed, holdoutFraction,
          thresholdSpecificity, bootstrapReplicates, minPerClass, includeFailed, hyper, modelId);
    }

    public Args withModelId(String id) {
      return new Args(lake, database, cohorts, task, modality, model, features, folds, seed, holdoutFraction,
          thresholdSpecificity, bootstrapReplicates, minPerClass, includeFailed, hyper, id);
    }
  }

  public record Result(String modelId, String task, String[] classes, Map<String, Double> metrics,
      List<ModelMetrics.GroupSensitivity> groups, List<ModelMetrics.Confusion> confusion, Double threshold,
      List<String> selectedFeatures, Map<String, Long> sampleCounts, String modelPath, double seconds) {}

  /** The specificities reported (the field's figures: 95%, 99% as CancerSEEK, 99.5% as Galleri). */
  public static final double[] SPECS = {0.95, 0.99, 0.995};

  private TrainJob() {}

  public static Result run(SparkSession spark, Args a) {
    Instant started = Instant.now();
    String task = a.task() == null ? "" : a.task().trim().toLowerCase(Locale.ROOT);
    if (!task.equals("detect") && !task.equals("origin") && !task.matches("[a-z0-9_]+_vs_healthy")) {
      throw new BadInputException("--task must be detect, origin or <cancer_type>_vs_healthy, not '" + a.task() + "'");
    }
    String modality = a.modality() == null ? "mirna" : a.modality().toLowerCase(Locale.ROOT);
    if (!List.of("mirna", "protein", "both").contains(modality)) {
      throw new BadInputException("--modality must be mirna, protein or both, not '" + a.modality() + "'");
    }
    ModelTraining.Kind kind = ModelTraining.Kind.parse(a.model());
    if (kind == ModelTraining.Kind.GBT && task.equals("origin")) {
      throw new BadInputException("--model gbt is for binary tasks: use logistic or forest for origin");
    }
    if (a.features() < 0) throw new BadInputException("--features must be 0 (all) or more, not " + a.features());
    if (a.folds() < 2 || a.folds() > 20) throw new BadInputException("--folds must be 2..20, not " + a.folds());
    if (!(a.holdoutFraction() >= 0 && a.holdoutFraction() < 0.9)) {
      throw new BadInputException("hold-out fraction must be in [0, 0.9), not " + a.holdoutFraction());
    }
    if (!(a.thresholdSpecificity() > 0 && a.thresholdSpecificity() < 1)) {
      throw new BadInputException("threshold specificity must be in (0, 1), not " + a.thresholdSpecificity());
    }
    String modelId = JobRuns.newRunId(JOB, a.modelId());
    if (!modelId.matches("[A-Za-z0-9_.-]+")) throw new BadInputException("--model-id '" + modelId + "': use letters, digits, . _ -");
    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.SAMPLES)) throw new BadInputException("lake " + a.lake() + " has no samples: ingest first");
    List<String> modalities = modality.equals("both") ? List.of("mirna", "protein") : List.of(modality);
    for (String m : modalities) {
      if (!lake.exists(table(m))) {
        throw new BadInputException("lake " + a.lake() + " has no " + table(m).name() + ": run normalize first");
      }
    }
    String modelPath = lake.path("models/" + modelId);
    if (lake.exists(Tables.MODEL_RUNS) && !lake.read(Tables.MODEL_RUNS).filter(col("model_id").equalTo(modelId))
        .isEmpty()) {
      throw new BadInputException("model " + modelId + " exists already in " + a.lake() + ": choose another --model-id");
    }
    Map<String, Long> inputs = lake.versions(List.of(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_EXPRESSION,
        Tables.PROTEIN_EXPRESSION));
    Dataset<Row> samplesTable = lake.readAsOf(Tables.SAMPLES, inputs.get("samples"));
    List<String> known = samplesTable.select("cohort").distinct().orderBy("cohort").as(Encoders.STRING())
        .collectAsList();
    List<String> cohorts = a.cohorts() == null || a.cohorts().isEmpty() ? known : a.cohorts();
    for (String c : cohorts) {
      if (!known.contains(c)) throw new BadInputException("--cohort " + c + ": no such cohort in " + a.lake()
          + " (cohorts: " + String.join(", ", known) + ")");
    }

    // labels: one small row per sample stays distributed; the classes and their counts come to the driver
    Dataset<Row> meta = samplesTable.filter(col("cohort").isin(cohorts.toArray()))
        .join(QcSelection.usable(lake, cohorts, a.includeFailed()).select("cohort", "sample_id"), seq("cohort",
            "sample_id"))
        .select("cohort", "sample_id", "subject_key", "cancer_type", "stage");
    List<String> types = meta.select("cancer_type").distinct().orderBy("cancer_type").as(Encoders.STRING())
        .collectAsList();
    String[] classes;
    Column label;
    if (task.equals("detect") || task.equals("origin")) {
      // benign and premalignant groups (by the category each sample was ingested with) are neither cancer nor
      // healthy: not in these two tasks
      java.util.Set<String> nonCancer = io.exocohort.ingest.CancerTypes.nonCancerGroups(
          samplesTable.filter(col("cohort").isin(cohorts.toArray())));
      meta = meta.filter(org.apache.spark.sql.functions.not(col("cancer_type").isin(nonCancer.toArray())));
      types = types.stream().filter(t -> !nonCancer.contains(t)).toList();
    }
    if (task.equals("detect")) {
      classes = new String[] {"healthy", "cancer"};
      label = when(col("cancer_type").equalTo("healthy"), 0.0).otherwise(1.0);
    } else if (task.equals("origin")) {
      List<String> cancers = types.stream().filter(t -> !t.equals("healthy")).toList();
      classes = cancers.toArray(new String[0]);
      meta = meta.filter(col("cancer_type").notEqual("healthy"));
      label = lit(-1.0);
      for (int i = classes.length - 1; i >= 0; i--) {
        label = when(col("cancer_type").equalTo(classes[i]), (double) i).otherwise(label);
      }
    } else {
      String type = task.substring(0, task.length() - "_vs_healthy".length());
      if (!types.contains(type)) {
        throw new BadInputException("--task " + task + ": no usable " + type + " samples in " + cohorts
            + " (cancer types: " + String.join(", ", types) + ")");
      }
      classes = new String[] {"healthy", type};
      meta = meta.filter(col("cancer_type").isin("healthy", type));
      label = when(col("cancer_type").equalTo("healthy"), 0.0).otherwise(1.0);
    }
    if (classes.length < 2) {
      throw new BadInputException("--task " + task + ": need at least 2 classes, found " + String.join(", ", classes));
    }
    meta = meta.withColumn("label", label).withColumn("stratum", Folds.stratum());
    int minNeeded = Math.max(a.minPerClass(), a.folds());
    // a first check on the labelled samples (cheap), before any vector is built
    Map<Double, Long> perClass = new LinkedHashMap<>();
    for (Row r : meta.groupBy("label").count().collectAsList()) perClass.put(r.getDouble(0), r.getLong(1));
    checkClasses(task, classes, i -> perClass.getOrDefault((double) i, 0L), minNeeded, "usable");

    // feature index (a few thousand names) and per-sample vectors
    String[] index;
    Dataset<Row> values = null;
    List<String> names = new ArrayList<>();
    Dataset<Row> keys = meta.select("cohort", "sample_id");
    try (Stage s = Stage.start(LOG, spark, JOB, "feature index")) {
      for (String m : modalities) {
        TableDef t = table(m);
        Dataset<Row> v = lake.readAsOf(t, inputs.get(t.name())).filter(col("cohort").isin(cohorts.toArray()))
            .join(keys, seq("cohort", "sample_id"))
            .select(col("cohort"), col("sample_id"), org.apache.spark.sql.functions.concat(lit(m + ":"),
                col("feature")).as("feature"), col("value"));
        values = values == null ? v : values.union(v);
      }
      names.addAll(values.select("feature").distinct().orderBy("feature").as(Encoders.STRING()).collectAsList());
      index = names.toArray(new String[0]);
      s.done("{} features ({})", index.length, modality);
    }
    if (index.length == 0) {
      throw new BadInputException("no " + modality + " values for the usable samples of " + cohorts);
    }
    int top = a.features() == 0 ? index.length : Math.min(a.features(), index.length);

    Dataset<Row> data;
    Dataset<Row> train;
    Dataset<Row> holdout;
    Map<String, Long> sampleCounts = new LinkedHashMap<>();
    try (Stage s = Stage.start(LOG, spark, JOB, "feature vectors, hold-out and folds")) {
      Dataset<Row> vectors = FeatureVectors.assemble(spark, values, index);
      data = vectors.join(meta, seq("cohort", "sample_id"));
      data = Folds.holdout(data, a.holdoutFraction(), a.seed());
      train = Folds.assign(data.filter(col("holdout").equalTo(false)), a.folds(), a.seed())
          .orderBy("cohort", "sample_id").persist(StorageLevel.MEMORY_AND_DISK());
      holdout = data.filter(col("holdout")).orderBy("cohort", "sample_id").persist(StorageLevel.MEMORY_AND_DISK());
      for (Row r : train.groupBy("label").count().collectAsList()) {
        sampleCounts.put("train." + classes[(int) r.getDouble(0)], r.getLong(1));
      }
      for (Row r : holdout.groupBy("label").count().collectAsList()) {
        sampleCounts.put("holdout." + classes[(int) r.getDouble(0)], r.getLong(1));
      }
      s.done("samples per set and class {}", sampleCounts);
    }
    // where every sample went (one small row each, kept for model_folds), and one row per (set, class) of
    // sample and subject counts on the driver: every fold, as held-out fold and inside the others' training set,
    // and the hold-out need a subject of every class, or a fold's fit or metric has nothing to go on
    Column className = lit(classes[0]);
    for (int i = 1; i < classes.length; i++) className = when(col("label").equalTo((double) i), classes[i])
        .otherwise(className);
    Dataset<Row> assignment = train.select(lit(modelId).as("model_id"), col("cohort"), col("sample_id"),
            col("subject_key"), col("fold").cast("string").as("fold"), className.as("label"))
        .union(holdout.select(lit(modelId).as("model_id"), col("cohort"), col("sample_id"), col("subject_key"),
            lit(HOLDOUT).as("fold"), className.as("label")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      checkClasses(task, classes, i -> sampleCounts.getOrDefault("train." + classes[i], 0L), minNeeded, "training");
      checkSubjects(task, classes, a.folds(), a.holdoutFraction() > 0, assignment);
    } catch (BadInputException e) {
      train.unpersist();
      holdout.unpersist();
      assignment.unpersist();
      throw e;
    }

    ModelTraining.Spec spec = new ModelTraining.Spec(kind, classes.length, top, index.length, a.seed(), a.hyper());
    ModelTraining.CvOutput cv;
    ModelMetrics.Scored oof;
    try (Stage s = Stage.start(LOG, spark, JOB, a.folds() + "-fold cross-validation (" + kind.label() + ", "
        + top + " of " + index.length + " features)")) {
      cv = ModelTraining.crossValidate(train, ModelTraining.pipeline(spec), a.folds(), classes.length, a.seed(),
          KEEP);
      oof = ModelMetrics.Scored.collect(cv.outOfFold());
      s.done("{} out-of-fold predictions, mean fold {} {}", oof.size(),
          classes.length == 2 ? "AUC" : "accuracy", String.format(Locale.ROOT, "%.4f", cv.cvMetric()));
    }
    ModelMetrics.Scored held = null;
    if (a.holdoutFraction() > 0) {
      try (Stage s = Stage.start(LOG, spark, JOB, "score the locked hold-out")) {
        held = ModelMetrics.Scored.collect(ModelTraining.predict(cv.model(), holdout, KEEP));
        s.done("{} hold-out samples", held.size());
      }
    }
    train.unpersist();
    holdout.unpersist();

    ModelMetrics.Report report = new ModelMetrics.Report();
    Double threshold = null;
    try (Stage s = Stage.start(LOG, spark, JOB, "metrics")) {
      if (classes.length == 2) {
        double[] p = oof.positive();
        List<Double> controls = new ArrayList<>();
        for (int i = 0; i < p.length; i++) if (oof.label()[i] == 0) controls.add(p[i]);
        threshold = io.exocohort.model.kernel.ClinicalMetrics.thresholdAtSpecificity(
            controls.stream().mapToDouble(Double::doubleValue).toArray(), a.thresholdSpecificity());
        ModelMetrics.binary(report, "cv", oof, SPECS, 0.99, a.bootstrapReplicates(), a.seed(), null);
        if (held != null) {
          ModelMetrics.binary(report, "holdout", held, SPECS, 0.99, a.bootstrapReplicates(), a.seed(), threshold);
        }
      } else {
        ModelMetrics.multiclass(report, "cv", oof, classes);
        if (held != null) ModelMetrics.multiclass(report, "holdout", held, classes);
      }
      s.done("{} metrics", report.metrics.size());
    }
    int[] sel = ModelTraining.selected(cv.model(), index.length);
    List<String> selected = new ArrayList<>();
    for (int i : sel) selected.add(index[i]);

    Map<String, String> params = new LinkedHashMap<>();
    params.put("cohorts", String.join(",", cohorts));
    params.put("task", task);
    params.put("modality", modality);
    params.put("model", kind.label());
    params.put("features", String.valueOf(top));
    params.put("folds", String.valueOf(a.folds()));
    params.put("seed", String.valueOf(a.seed()));
    params.put("holdout_fraction", String.valueOf(a.holdoutFraction()));
    params.put("threshold_specificity", String.valueOf(a.thresholdSpecificity()));
    params.put("bootstrap_replicates", String.valueOf(a.bootstrapReplicates()));
    params.put("include_failed", String.valueOf(a.includeFailed()));
    params.put("selection", top < index.length ? "UnivariateFeatureSelector(ANOVA F, top " + top + ") in each fold"
        : "none");
    params.put("imputation", "feature mean of the training rows (VectorMeanImputer)");
    ModelTraining.Hyper h = a.hyper();
    switch (kind) {
      case LOGISTIC -> {
        params.put("reg_param", String.valueOf(h.regParam()));
        params.put("elastic_net_param", String.valueOf(h.elasticNet()));
        params.put("max_iter", String.valueOf(h.maxIter()));
        params.put("standardization", "true");
      }
      case FOREST -> {
        params.put("num_trees", String.valueOf(h.trees()));
        params.put("max_depth", String.valueOf(h.maxDepth()));
      }
      case GBT -> {
        params.put("max_iter", String.valueOf(h.gbtIter()));
        params.put("max_depth", String.valueOf(Math.min(h.maxDepth(), 4)));
        params.put("step_size", String.valueOf(h.gbtStep()));
      }
    }

    Map<String, Long> before = lake.versions(List.of(Tables.MODEL_RUNS, Tables.MODEL_FOLDS));
    Map<String, Long> written = new LinkedHashMap<>();
    long foldRows;
    try {
      try (Stage s = Stage.start(LOG, spark, JOB, "save model")) {
        try {
          cv.model().write().overwrite().save(modelPath);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("cannot save the model to " + modelPath, e);
        }
        s.done("{}", modelPath);
      }
      try (Stage s = Stage.start(LOG, spark, JOB, "write model_folds")) {
        lake.ensure(Tables.MODEL_FOLDS);
        assignment.write().format("delta").mode("append").save(lake.path(Tables.MODEL_FOLDS));
        written.put(Tables.MODEL_FOLDS.name(), lake.version(Tables.MODEL_FOLDS));
        foldRows = assignment.count();
        s.done("{} samples", foldRows);
      }
      lake.ensure(Tables.MODEL_RUNS);
      Row row = RowFactory.create(modelId, task, modality, kind.label(), seqOf(List.of(classes)),
          CollectionConverters.asScala(params), seqOf(names), seqOf(selected), threshold,
          classes.length == 2 ? a.thresholdSpecificity() : null, CollectionConverters.asScala(report.metrics),
          seqOf(report.groups.stream().map(g -> RowFactory.create(g.set(), g.by(), g.group(), g.nCases(),
              g.detected(), g.sensitivity())).toList()),
          seqOf(report.reliability.stream().map(b -> RowFactory.create(b.set(), b.bin(), b.low(), b.high(), b.n(),
              b.meanPredicted(), b.observedFraction())).toList()),
          seqOf(report.confusion.stream().map(c -> RowFactory.create(c.set(), c.truth(), c.predicted(), c.n()))
              .toList()),
          seqOf(report.roc.stream().map(c -> RowFactory.create(c.set(), c.threshold(), c.fpr(), c.tpr())).toList()),
          CollectionConverters.asScala(sampleCounts), CollectionConverters.asScala(inputs), modelPath,
          Timestamp.from(started), Timestamp.from(Instant.now()));
      spark.createDataFrame(List.of(row), Tables.MODEL_RUNS.schema()).write().format("delta").mode("append")
          .save(lake.path(Tables.MODEL_RUNS));
      written.put(Tables.MODEL_RUNS.name(), lake.version(Tables.MODEL_RUNS));
      JobRuns.record(lake, modelId, JOB, "succeeded", started, params, inputs, written,
          Map.of(Tables.MODEL_RUNS.name(), 1L, Tables.MODEL_FOLDS.name(), foldRows), "model " + modelPath);
    } catch (RuntimeException e) {
      lake.rollbackAll(before, written, e);
      deleteQuietly(spark, modelPath, e);
      throw e;
    } finally {
      assignment.unpersist();
    }
    double secs = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0;
    return new Result(modelId, task, classes, report.metrics, report.groups, report.confusion, threshold, selected,
        sampleCounts, modelPath, secs);
  }

  private static void checkClasses(String task, String[] classes, java.util.function.IntFunction<Long> count,
      int minNeeded, String what) {
    List<String> tooFew = new ArrayList<>();
    for (int i = 0; i < classes.length; i++) {
      long n = count.apply(i);
      if (n < minNeeded) tooFew.add(classes[i] + " (" + n + ")");
    }
    if (!tooFew.isEmpty()) {
      throw new BadInputException("--task " + task + ": too few " + what + " samples for " + String.join(", ", tooFew)
          + "; need at least " + minNeeded + " per class (exocohort.model.min.per.class, --folds)");
    }
  }

  /** The fold value of the hold-out's samples in model_folds. */
  static final String HOLDOUT = "holdout";

  /**
   * Subjects per class in every fold and in the hold-out ({@code assignment}: subject_key, fold, label by class
   * name), before anything is fitted. Folds are dealt per subject within each cancer type and stage, so a class
   * can have enough samples and still leave a fold without any of its subjects (few subjects giving many samples,
   * or subjects spread over many strata); then a fold model is fitted without that class or scored on a fold
   * without it. One line names the class, its samples and subjects, and the folds that have none.
   */
  static void checkSubjects(String task, String[] classes, int folds, boolean holdout, Dataset<Row> assignment) {
    Map<String, Map<String, Long>> subjects = new LinkedHashMap<>(); // class -> fold -> subjects
    Map<String, long[]> totals = new LinkedHashMap<>(); // class -> {samples, subjects}
    for (Row r : assignment.groupBy("label", "fold").agg(org.apache.spark.sql.functions.countDistinct("subject_key"))
        .collectAsList()) {
      subjects.computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>()).put(r.getString(1), r.getLong(2));
    }
    for (Row r : assignment.groupBy("label").agg(org.apache.spark.sql.functions.count(lit(1)),
        org.apache.spark.sql.functions.countDistinct("subject_key")).collectAsList()) {
      totals.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2)});
    }
    int need = folds + (holdout ? 1 : 0);
    List<String> problems = new ArrayList<>();
    for (String c : classes) {
      Map<String, Long> per = subjects.getOrDefault(c, Map.of());
      List<String> empty = new ArrayList<>();
      for (int f = 0; f < folds; f++) if (per.getOrDefault(String.valueOf(f), 0L) == 0) empty.add(String.valueOf(f));
      boolean noHoldout = holdout && per.getOrDefault(HOLDOUT, 0L) == 0;
      if (empty.isEmpty() && !noHoldout) continue;
      long[] t = totals.getOrDefault(c, new long[2]);
      String where = (empty.isEmpty() ? "" : (empty.size() == 1 ? "fold " : "folds ") + String.join(", ", empty))
          + (noHoldout ? (empty.isEmpty() ? "" : " and ") + "the hold-out" : "");
      problems.add("class " + c + " has " + t[0] + " samples from " + t[1] + " subjects (" + where + " "
          + (empty.size() + (noHoldout ? 1 : 0) == 1 ? "has" : "have") + " none)");
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(task + ": " + String.join("; ", problems) + "; " + folds + " folds"
          + (holdout ? " and the hold-out" : "") + " need at least " + need + " subjects per class, dealt per cancer "
          + "type and stage (fewer --folds, exocohort.model.holdout.fraction=0 or more subjects)");
    }
  }

  static TableDef table(String modality) {
    return modality.equals("mirna") ? Tables.MIRNA_EXPRESSION : Tables.PROTEIN_EXPRESSION;
  }

  static scala.collection.immutable.Seq<String> seq(String... names) {
    return CollectionConverters.asScala(List.of(names)).toList();
  }

  static <T> scala.collection.immutable.Seq<T> seqOf(List<T> l) {
    return CollectionConverters.asScala(l).toList();
  }

  private static void deleteQuietly(SparkSession spark, String path, RuntimeException failure) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.delete(p, true);
    } catch (IOException io) {
      failure.addSuppressed(io);
    }
  }

  /** The saved pipeline of a model. */
  public static PipelineModel load(String modelPath) {
    return PipelineModel.load(modelPath);
  }
}
