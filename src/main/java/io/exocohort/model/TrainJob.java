package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.ingest.CancerTypes;
import io.exocohort.matrix.SampleVectors;
import io.exocohort.model.kernel.ClinicalMetrics;
import io.exocohort.qc.QcSelection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code train}: an early-detection or tissue-of-origin model on the normalised miR and/or protein values and/or
 * the exosomal DNA variants ({@link DnaFeatures}) of the samples that pass QC. Tasks ({@link Tasks}): {@code detect} (any cancer vs healthy), {@code origin} (which
 * cancer, among the cancers), {@code <type>_vs_healthy}. A locked hold-out (a fraction of the subjects of every
 * cancer type and stage, by a seeded keyed hash) is set aside first; k-fold cross-validation (grouped by subject,
 * stratified by type and stage) runs on the rest through MLlib's {@code foldCol}, with imputation and feature
 * selection inside the pipeline, so they are learned on the training folds only. The model fitted on all training
 * rows is saved under {@code <lake>/models/<model_id>} and scored once on the hold-out. Metrics of both go to
 * {@code model_runs}, the split to {@code model_folds}. The run is one {@link RunScope} whose run id is the model
 * id: every check happens before the first write, and a failed run leaves no table changed and no model folder.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
  static final String JOB = "train";
  static final String[] KEEP = {"cohort", "sample_id", "label", "cancer_type", "stage"};

  /** The specificities reported (the field's figures: 95%, 99% as CancerSEEK, 99.5% as Galleri). */
  public static final double[] SPECS = {0.95, 0.99, 0.995};

  /**
   * A train run's arguments: build them from {@link #defaults} with the {@code withX} copies.
   *
   * @param cohorts cohorts to train on (empty: all)
   * @param modelId the model id, also the run id (null: generated)
   * @param panels selection by stability and the panel-size curve (default: neither)
   * @param evFraction whether the feature vector gets the slot {@code ev:tumour_ev_fraction} ({@link EvFeature})
   */
  public record Args(String lake, String database, List<String> cohorts, String task, Method method,
      Validation validation, boolean includeFailed, String modelId, Panels panels, boolean evFraction) {
    public static Args defaults(String lake, String task) {
      return new Args(lake, "exocohort", List.of(), task, Method.defaults(), Validation.defaults(), false, null,
          Panels.defaults(), false);
    }

    public Args withEvFraction(boolean ev) {
      return new Args(lake, database, cohorts, task, method, validation, includeFailed, modelId, panels, ev);
    }

    public Args withDatabase(String db) {
      return new Args(lake, db, cohorts, task, method, validation, includeFailed, modelId, panels, evFraction);
    }

    public Args withCohorts(List<String> c) {
      return new Args(lake, database, c == null ? List.of() : c, task, method, validation, includeFailed, modelId,
          panels, evFraction);
    }

    public Args withMethod(Method m) {
      return new Args(lake, database, cohorts, task, m, validation, includeFailed, modelId, panels, evFraction);
    }

    public Args withModel(String m) {
      return withMethod(new Method(method.modality(), m, method.features(), method.hyper()));
    }

    public Args withModality(String m) {
      return withMethod(new Method(m, method.model(), method.features(), method.hyper()));
    }

    public Args withFeatures(int n) {
      return withMethod(new Method(method.modality(), method.model(), n, method.hyper()));
    }

    public Args withHyper(ModelTraining.Hyper h) {
      return withMethod(new Method(method.modality(), method.model(), method.features(), h));
    }

    public Args withValidation(Validation v) {
      return new Args(lake, database, cohorts, task, method, v, includeFailed, modelId, panels, evFraction);
    }

    public Args withIncludeFailed(boolean f) {
      return new Args(lake, database, cohorts, task, method, validation, f, modelId, panels, evFraction);
    }

    public Args withModelId(String id) {
      return new Args(lake, database, cohorts, task, method, validation, includeFailed, id, panels, evFraction);
    }

    public Args withPanels(Panels p) {
      return new Args(lake, database, cohorts, task, method, validation, includeFailed, modelId,
          p == null ? Panels.defaults() : p, evFraction);
    }
  }

  /**
   * Stable panels: {@code threshold} (null: no selection by stability; else in (0, 1]) makes each training fold's
   * features, and the final model's panel, the features the top-N selector picks in at least that fraction of
   * {@code resamples} Poisson bootstrap resamples of the fold ({@link StabilitySelector}); {@code sizes} (empty:
   * none) adds the panel-size curve: for each size k, out-of-fold AUC and sensitivity at 99% specificity when each
   * fold's model uses the k features selected most often in that fold (binary tasks).
   */
  public record Panels(Double threshold, int resamples, List<Integer> sizes) {
    /** Resamples per fold when not given (the stability-selection literature uses 50 to 100). */
    public static final int DEFAULT_RESAMPLES = 50;

    public static Panels defaults() {
      return new Panels(null, DEFAULT_RESAMPLES, List.of());
    }

    boolean any() {
      return threshold != null || !sizes.isEmpty();
    }
  }

  /**
   * What is fitted: {@code modality} mirna, protein, dna or a comma-separated combination ({@code both}:
   * mirna,protein); {@code model} logistic, forest or gbt; the top
   * {@code features} selected in each training fold (0: all); the hyperparameters.
   */
  public record Method(String modality, String model, int features, ModelTraining.Hyper hyper) {
    public static Method defaults() {
      return new Method("mirna", "logistic", 50, ModelTraining.Hyper.defaults());
    }
  }

  /**
   * How it is validated: cross-validation {@code folds} and {@code seed}, the hold-out fraction, the specificity
   * the threshold is set at, bootstrap replicates of the sensitivity intervals, the samples needed per class.
   */
  public record Validation(int folds, long seed, double holdoutFraction, double thresholdSpecificity,
      int bootstrapReplicates, int minPerClass) {
    public static Validation defaults() {
      return new Validation(5, 1L, 0.2, 0.99, 1000, 10);
    }

    public Validation withFolds(int k) {
      return new Validation(k, seed, holdoutFraction, thresholdSpecificity, bootstrapReplicates, minPerClass);
    }

    public Validation withSeed(long s) {
      return new Validation(folds, s, holdoutFraction, thresholdSpecificity, bootstrapReplicates, minPerClass);
    }

    public Validation withHoldoutFraction(double f) {
      return new Validation(folds, seed, f, thresholdSpecificity, bootstrapReplicates, minPerClass);
    }

    public Validation withBootstrapReplicates(int n) {
      return new Validation(folds, seed, holdoutFraction, thresholdSpecificity, n, minPerClass);
    }
  }

  public record Result(String modelId, String task, String[] classes, Map<String, Double> metrics,
      List<ModelMetrics.GroupSensitivity> groups, List<ModelMetrics.Confusion> confusion, Double threshold,
      List<String> selectedFeatures, Map<String, Long> sampleCounts, String modelPath, double seconds) {}

  /** The labelled samples of a task: one small row each (cohort, sample_id, subject_key, type, stage, label). */
  private record Labelled(Tasks.Task task, Dataset<Row> meta) {}

  /** The feature index (a few thousand names on the driver), the matrices and the labelled samples' keys. */
  private record Features(String[] index, List<SampleVectors.Source> sources, Dataset<Row> keys,
      DnaFeatures.Source dna, String[] variants, Dataset<Row> ev) {}

  /** Training rows (with folds), hold-out rows, where every sample went, and samples per set and class. */
  private record Split(Dataset<Row> train, Dataset<Row> cachedTrain, Dataset<Row> holdout, Dataset<Row> assignment,
      Map<String, Long> sampleCounts) {
    void unpersist() {
      cachedTrain.unpersist();
      holdout.unpersist();
      assignment.unpersist();
    }
  }

  private TrainJob() {}

  /** Runs {@code train} as one {@link RunScope} whose run id is the model id. */
  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.modelId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    String task = Tasks.parse(a.task());
    String modality = modality(a.method().modality());
    ModelTraining.Kind kind = ModelTraining.Kind.parse(a.method().model());
    validate(a, task, kind);
    String modelId = s.id();
    if (!modelId.matches("[A-Za-z0-9_.-]+")) {
      throw new BadInputException("--model-id '" + modelId + "': use letters, digits, . _ -");
    }
    s.pin(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX,
        Tables.PROTEIN_MATRIX_SAMPLES, Tables.DNA_VARIANTS);
    List<String> cohorts = s.cohorts(a.cohorts());
    List<String> modalities = modalities(modality);
    requireTables(s, a.lake(), modalities, "");
    DnaFeatures.Source dna = modalities.contains(DnaFeatures.MODALITY) ? sequenced(s, cohorts, modality) : null;
    if (s.lake().exists(Tables.MODEL_RUNS)
        && !s.lake().read(Tables.MODEL_RUNS).filter(col("model_id").equalTo(modelId)).isEmpty()) {
      throw new BadInputException("model " + modelId + " exists already in " + a.lake() + ": choose another --model-id");
    }
    Validation v = a.validation();
    Labelled l = labelled(s, task, cohorts, a.includeFailed());
    try {
      String[] classes = l.task().classes();
      int minNeeded = Math.max(v.minPerClass(), v.folds());
      Map<Double, Long> usable = new LinkedHashMap<>();
      for (Row r : l.meta().groupBy("label").count().collectAsList()) usable.put(r.getDouble(0), r.getLong(1));
      checkClasses(task, classes, i -> usable.getOrDefault((double) i, 0L), minNeeded, "usable");
      Dataset<Row> ev = a.evFraction() ? evFractions(s, cohorts, l.meta()) : null;
      Features f = features(s, modalities, cohorts, dna, l.meta().select("cohort", "sample_id"), modality, ev);
      int top = a.method().features() == 0 ? f.index().length : Math.min(a.method().features(), f.index().length);
      checkPanelSizes(a.panels(), f.index().length);
      Split split = split(s, v, modelId, l, f);
      try {
        checkClasses(task, classes, i -> split.sampleCounts().getOrDefault("train." + classes[i], 0L), minNeeded,
            "training");
        Folds.checkSubjects(task, classes, v.folds(), v.holdoutFraction() > 0, split.assignment());
        ModelTraining.Spec spec = new ModelTraining.Spec(kind, classes.length, top, f.index().length, v.seed(),
            a.method().hyper(), stability(a.panels()), dna(f, classes));
        Fit fit = fit(s, spec, split, v);
        ModelRuns.Fitted fitted = metrics(s, v, classes, fit, f.index());
        PanelCurve.run(s, spec, split.train(), v, a.panels(), fitted.report().metrics);
        Map<String, String> params = ModelRuns.parameters(a, task, modality, kind, top, f.index().length, cohorts);
        if (ev != null) {
          params.put("ev_fraction", "feature " + EvFeature.SLOT + " (missing: imputed with the training mean)");
          params.put("ev_origin_runs", String.join(",", ev.join(l.meta().select("cohort", "sample_id"),
              seq("cohort", "sample_id"), "left_semi").select("run_id").distinct().orderBy("run_id")
              .as(Encoders.STRING()).collectAsList()));
        }
        String modelPath = save(s, fit.model(), modelId);
        try (Stage st = Stage.start(LOG, s.spark(), JOB, "write model_folds")) {
          Commit c = s.append(Tables.MODEL_FOLDS, split.assignment());
          st.done("{} samples", c.rowsWritten());
        }
        Row row = ModelRuns.row(modelId, l.task(), params, List.of(f.index()), fitted, split.sampleCounts(),
            s.inputs(), modelPath, s.started());
        // mergeSchema: a model_runs written before the panel column gains it (null in its old rows)
        s.appendMergingSchema(Tables.MODEL_RUNS, s.spark().createDataFrame(List.of(row), Tables.MODEL_RUNS.schema()));
        s.succeeded(params, "model " + modelPath);
        double secs = (Instant.now().toEpochMilli() - s.started().toEpochMilli()) / 1000.0;
        return new Result(modelId, task, classes, fitted.report().metrics, fitted.report().groups,
            fitted.report().confusion, fitted.threshold(), fitted.selected(), split.sampleCounts(), modelPath, secs);
      } finally {
        split.unpersist();
      }
    } finally {
      l.meta().unpersist();
    }
  }

  /** Argument checks that need no data (one line each). */
  private static void validate(Args a, String task, ModelTraining.Kind kind) {
    Validation v = a.validation();
    if (kind == ModelTraining.Kind.GBT && task.equals(Tasks.ORIGIN)) {
      throw new BadInputException("--model gbt is for binary tasks: use logistic or forest for origin");
    }
    int features = a.method().features();
    if (features < 0) throw new BadInputException("--features must be 0 (all) or more, not " + features);
    if (v.folds() < 2 || v.folds() > 20) throw new BadInputException("--folds must be 2..20, not " + v.folds());
    if (!(v.holdoutFraction() >= 0 && v.holdoutFraction() < 0.9)) {
      throw new BadInputException("hold-out fraction must be in [0, 0.9), not " + v.holdoutFraction());
    }
    if (!(v.thresholdSpecificity() > 0 && v.thresholdSpecificity() < 1)) {
      throw new BadInputException("threshold specificity must be in (0, 1), not " + v.thresholdSpecificity());
    }
    Panels p = a.panels();
    if (p.threshold() != null && !(p.threshold() > 0 && p.threshold() <= 1)) {
      throw new BadInputException("--stability-threshold must be in (0, 1], not " + p.threshold());
    }
    if (p.resamples() < 1 || p.resamples() > 10_000) {
      throw new BadInputException("--stability-resamples must be 1..10000, not " + p.resamples());
    }
    for (int k : p.sizes()) {
      if (k < 1) throw new BadInputException("--panel-sizes must be positive, not " + k);
    }
    if (!p.sizes().isEmpty() && task.equals(Tasks.ORIGIN)) {
      throw new BadInputException("--panel-sizes is for binary tasks (AUC, sensitivity at 99% specificity), not "
          + task);
    }
  }

  /** A panel size above the feature count is refused (one line). */
  private static void checkPanelSizes(Panels p, int features) {
    for (int k : p.sizes()) {
      if (k > features) {
        throw new BadInputException("--panel-sizes " + k + " is larger than the " + features + " features");
      }
    }
  }

  /** The stability selection of the folds and the final model (null: the top-N selector). */
  static ModelTraining.Stability stability(Panels p) {
    return p.threshold() == null ? null : new ModelTraining.Stability(p.resamples(), p.threshold(), 0);
  }

  /** The modalities a model can use, in the order of its canonical name. */
  static final List<String> MODALITIES = List.of("mirna", "protein", DnaFeatures.MODALITY);

  /**
   * The canonical modality of {@code --modality}: any combination of mirna, protein and dna, comma-separated, in
   * that order ({@code both}: mirna,protein; a lone modality: its name).
   */
  static String modality(String modality) {
    String m = modality == null ? "mirna" : modality.toLowerCase(Locale.ROOT).replace(" ", "");
    if (m.equals("both")) return "mirna,protein";
    Set<String> given = new java.util.LinkedHashSet<>(List.of(m.split(",", -1)));
    if (m.isEmpty() || !MODALITIES.containsAll(given)) {
      throw new BadInputException("--modality must be mirna, protein, dna or a comma-separated combination "
          + "(mirna,protein,dna), not '" + modality + "'");
    }
    return String.join(",", MODALITIES.stream().filter(given::contains).toList());
  }

  /** The modalities of a canonical (or stored) modality name ({@code both}, as older models stored it). */
  static List<String> modalities(String modality) {
    return modality.equals("both") ? List.of("mirna", "protein") : List.of(modality.split(","));
  }

  /** The modalities stored as matrices (all but dna). */
  static List<String> matrixModalities(List<String> modalities) {
    return modalities.stream().filter(m -> !m.equals(DnaFeatures.MODALITY)).toList();
  }

  /** Each modality's table must exist at its pinned version. */
  static void requireTables(RunScope s, String lake, List<String> modalities, String why) {
    for (String m : modalities) {
      if (m.equals(DnaFeatures.MODALITY)) {
        if (!s.has(Tables.DNA_VARIANTS)) {
          throw new BadInputException("lake " + lake + " has no dna_variants" + why + ": run ingest --variants first");
        }
      } else if (!s.has(table(m))) {
        throw new BadInputException("lake " + lake + " has no " + table(m).name() + why + ": run normalize first");
      }
    }
  }

  /** The usable samples of the cohorts (QC), labelled for the task. */
  private static Labelled labelled(RunScope s, String task, List<String> cohorts, boolean includeFailed) {
    Dataset<Row> samples = s.read(Tables.SAMPLES).filter(col("cohort").isin(cohorts.toArray()));
    Dataset<Row> meta = samples
        .join(QcSelection.usable(s.reader(), cohorts, includeFailed).select("cohort", "sample_id"),
            seq("cohort", "sample_id"))
        .select("cohort", "sample_id", "subject_key", "cancer_type", "stage");
    List<String> types = meta.select("cancer_type").distinct().orderBy("cancer_type").as(Encoders.STRING())
        .collectAsList();
    Set<String> nonCancer = CancerTypes.nonCancerGroups(samples);
    Tasks.Task t = Tasks.of(task, types, nonCancer, cohorts);
    // persisted (one small row per sample; the caller unpersists it): the label counts, the feature index, the
    // vectors and the split read it, and each would otherwise plan and read samples and the QC selection again
    return new Labelled(t, Tasks.labelled(meta, t, nonCancer).persist(StorageLevel.MEMORY_AND_DISK()));
  }

  /**
   * {@code --ev-fraction}: the tumour-EV fractions of the cohorts ({@code ev_origin} pinned). Refused (one line)
   * when no usable sample has one; usable samples without one are counted in a warning (their slot is imputed).
   */
  private static Dataset<Row> evFractions(RunScope s, List<String> cohorts, Dataset<Row> meta) {
    Dataset<Row> ev = EvFeature.fractions(s, cohorts);
    long usable = meta.count();
    long with = meta.join(ev, seq("cohort", "sample_id"), "left_semi").count();
    if (with == 0) {
      throw new BadInputException("--ev-fraction: no usable sample of " + String.join(", ", cohorts)
          + " has a tumour-EV fraction (" + (s.has(Tables.EV_ORIGIN) ? "ev_origin covers none of them"
          : "the lake has no ev_origin") + "): run deconvolve first");
    }
    if (with < usable) {
      LOG.warn("train: {} of {} usable samples have no tumour-EV fraction (no deconvolve run covered them): their "
          + "{} slot is imputed with the training mean", usable - with, usable, EvFeature.SLOT);
    }
    return ev;
  }

  /**
   * The feature index: the matrix modalities' features with a matrix row in a block of a sample of {@code keys},
   * and with dna the genes called in those samples ({@link DnaFeatures}), sorted by prefixed name (a few thousand
   * names on the driver); with dna also the variant index. Every cohort must be sequenced for dna.
   */
  private static Features features(RunScope s, List<String> modalities, List<String> cohorts,
      DnaFeatures.Source dna, Dataset<Row> keys, String modality, Dataset<Row> ev) {
    List<SampleVectors.Source> sources = FeatureVectors.sources(s, matrixModalities(modalities), cohorts);
    DnaFeatures.Index dnaIndex = null;
    String[] index;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "feature index")) {
      List<String> names = new ArrayList<>();
      if (!sources.isEmpty()) names.addAll(FeatureVectors.features(sources, keys).collectAsList());
      if (dna != null) {
        dnaIndex = DnaFeatures.index(dna, keys);
        names.addAll(List.of(dnaIndex.genes()));
      }
      if (ev != null && !names.isEmpty()) names.add(EvFeature.SLOT);
      index = names.stream().sorted().toArray(String[]::new);
      st.done("{} features ({}{})", index.length, modality,
          dnaIndex == null ? "" : "; " + dnaIndex.genes().length + " genes, " + dnaIndex.variants().length
              + " variant slots");
    }
    if (index.length == 0) {
      throw new BadInputException("no " + modality + " values for the usable samples of " + cohorts);
    }
    return new Features(index, sources, keys, dna, dnaIndex == null ? null : dnaIndex.variants(), ev);
  }

  /** The cohorts' calls; every cohort must be sequenced (have rows in dna_variants). */
  private static DnaFeatures.Source sequenced(RunScope s, List<String> cohorts, String modality) {
    DnaFeatures.Source dna = DnaFeatures.source(s, cohorts);
    List<String> unsequenced = cohorts.stream().filter(c -> !dna.sequenced().contains(c)).toList();
    if (!unsequenced.isEmpty()) {
      throw new BadInputException("--modality " + modality + ": cohort(s) " + String.join(", ", unsequenced)
          + " have no dna_variants (ingest --variants first, or leave them out with --cohort)");
    }
    return dna;
  }

  /** The pipeline's DNA stage: healthy reference rows are label 0 of a binary task (none for origin). */
  private static ModelTraining.Dna dna(Features f, String[] classes) {
    if (f.dna() == null) return null;
    double reference = classes.length == 2 && classes[0].equals(Tasks.HEALTHY) ? 0.0 : Double.NaN;
    return new ModelTraining.Dna(f.variants(), DnaFeatures.geneSlots(f.variants(), f.index()), reference);
  }

  /**
   * The feature vectors of the keys (with dna: its gene slots and {@code variants_raw}; with {@code ev}, the
   * fractions of {@link EvFeature}, the slot {@link EvFeature#SLOT} when the index has it).
   */
  static Dataset<Row> vectors(SparkSession spark, List<SampleVectors.Source> sources, DnaFeatures.Source dna,
      Dataset<Row> keys, String[] index, String[] variants, Dataset<Row> ev) {
    Dataset<Row> v = dna == null ? FeatureVectors.assemble(spark, sources, keys, index)
        : DnaFeatures.assemble(spark, sources, dna, keys, index, variants);
    int slot = EvFeature.slot(index);
    return ev == null || slot < 0 ? v : EvFeature.fill(spark, v, ev, slot);
  }

  /** Feature vectors, the locked hold-out and the folds (persisted: the caller unpersists them). */
  private static Split split(RunScope s, Validation v, String modelId, Labelled l, Features f) {
    String[] classes = l.task().classes();
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "feature vectors, hold-out and folds")) {
      // persisted until both sets are: the vectors are assembled (a shuffle per matrix) once, not once per set
      Dataset<Row> data = Folds.holdout(vectors(s.spark(), f.sources(), f.dna(), f.keys(), f.index(), f.variants(), f.ev())
          .join(l.meta(), seq("cohort", "sample_id")), v.holdoutFraction(), v.seed())
          .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> cachedTrain = Folds.assign(data.filter(col("holdout").equalTo(false)), v.folds(), v.seed())
          .orderBy("cohort", "sample_id").persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> holdout = data.filter(col("holdout")).orderBy("cohort", "sample_id")
          .persist(StorageLevel.MEMORY_AND_DISK());
      Map<String, Long> counts = new LinkedHashMap<>();
      long trainRows = 0;
      for (Row r : cachedTrain.groupBy("label").count().collectAsList()) {
        counts.put("train." + classes[(int) r.getDouble(0)], r.getLong(1));
        trainRows += r.getLong(1);
      }
      for (Row r : holdout.groupBy("label").count().collectAsList()) {
        counts.put("holdout." + classes[(int) r.getDouble(0)], r.getLong(1));
      }
      data.unpersist();
      Dataset<Row> train = fitPartitions(cachedTrain, trainRows, f.index().length);
      st.done("samples per set and class {} ({} partitions to fit on)", counts, train.rdd().getNumPartitions());
      Dataset<Row> assignment = Folds.assignment(cachedTrain, holdout, modelId, classes)
          .persist(StorageLevel.MEMORY_AND_DISK());
      return new Split(train, cachedTrain, holdout, assignment, counts);
    }
  }

  /** Bytes of feature vectors per partition that the fits aim at (MLlib's aggregations run one task each). */
  static final long FIT_PARTITION_BYTES = 32L << 20;

  /**
   * The cached training rows merged (without a shuffle) into as many partitions as their vectors need at {@link
   * #FIT_PARTITION_BYTES} each: every optimiser iteration of every fold is a Spark job with a task per partition,
   * so a cohort of a few hundred samples fits in one task per iteration instead of one per shuffle partition, and
   * 10,000 samples x 2,600 features (208 MB) in 7.
   */
  static Dataset<Row> fitPartitions(Dataset<Row> cached, long rows, int features) {
    long bytes = rows * (long) Math.max(1, features) * Double.BYTES;
    int want = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (bytes + FIT_PARTITION_BYTES - 1) / FIT_PARTITION_BYTES));
    return want < cached.rdd().getNumPartitions() ? cached.coalesce(want) : cached;
  }

  /** The fitted pipeline and its scores: out-of-fold on the training rows, and on the hold-out. */
  private record Fit(PipelineModel model, ModelMetrics.Scored oof, ModelMetrics.Scored held) {}

  private static Fit fit(RunScope s, ModelTraining.Spec spec, Split split, Validation v) {
    ModelTraining.CvOutput cv;
    ModelMetrics.Scored oof;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, v.folds() + "-fold cross-validation (" + spec.kind().label()
        + ", " + spec.topFeatures() + " of " + spec.featureCount() + " features)")) {
      cv = ModelTraining.crossValidate(split.train(), ModelTraining.pipeline(spec), v.folds(), spec.classes(),
          v.seed(), KEEP);
      oof = ModelMetrics.Scored.collect(cv.outOfFold());
      st.done("{} out-of-fold predictions, mean fold {} {}", oof.size(), spec.classes() == 2 ? "AUC" : "accuracy",
          String.format(Locale.ROOT, "%.4f", cv.cvMetric()));
    }
    ModelMetrics.Scored held = null;
    if (v.holdoutFraction() > 0) {
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "score the locked hold-out")) {
        held = ModelMetrics.Scored.collect(ModelTraining.predict(cv.model(), split.holdout(), KEEP));
        st.done("{} hold-out samples", held.size());
      }
    }
    return new Fit(cv.model(), oof, held);
  }

  /** The clinical report of both sets, the threshold (binary: at the specificity on out-of-fold controls). */
  private static ModelRuns.Fitted metrics(RunScope s, Validation v, String[] classes, Fit fit, String[] index) {
    ModelMetrics.Report report = new ModelMetrics.Report();
    Double threshold = null;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "metrics")) {
      if (classes.length == 2) {
        double[] p = fit.oof().positive();
        List<Double> controls = new ArrayList<>();
        for (int i = 0; i < p.length; i++) if (fit.oof().label()[i] == 0) controls.add(p[i]);
        threshold = ClinicalMetrics.thresholdAtSpecificity(
            controls.stream().mapToDouble(Double::doubleValue).toArray(), v.thresholdSpecificity());
        ModelMetrics.binary(report, "cv", fit.oof(), SPECS, 0.99, v.bootstrapReplicates(), v.seed(), null);
        if (fit.held() != null) {
          ModelMetrics.binary(report, "holdout", fit.held(), SPECS, 0.99, v.bootstrapReplicates(), v.seed(),
              threshold);
        }
      } else {
        ModelMetrics.multiclass(report, "cv", fit.oof(), classes);
        if (fit.held() != null) ModelMetrics.multiclass(report, "holdout", fit.held(), classes);
      }
      st.done("{} metrics", report.metrics.size());
    }
    List<String> selected = new ArrayList<>();
    for (int i : ModelTraining.selected(fit.model(), index.length)) selected.add(index[i]);
    List<ModelRuns.PanelFeature> panel = null;
    for (org.apache.spark.ml.Transformer t : fit.model().stages()) {
      if (t instanceof StabilitySelectorModel m) panel = ModelRuns.panel(m, index, classes.length);
    }
    return new ModelRuns.Fitted(report, threshold, v.thresholdSpecificity(), selected, panel);
  }

  /** Saves the pipeline under {@code <lake>/models/<model_id>}, a folder the run owns (deleted if it fails). */
  private static String save(RunScope s, PipelineModel model, String modelId) {
    String path = s.lake().path("models/" + modelId);
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "save model")) {
      s.wroteFile(path);
      model.write().overwrite().save(path);
      st.done("{}", path);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot save the model to " + path, e);
    }
    return path;
  }

  private static void checkClasses(String task, String[] classes, IntFunction<Long> count, int minNeeded,
      String what) {
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

  static TableDef table(String modality) {
    return Modality.of(modality).matrix();
  }

  static scala.collection.immutable.Seq<String> seq(String... names) {
    return CollectionConverters.asScala(List.of(names)).toList();
  }

  /** The saved pipeline of a model. */
  public static PipelineModel load(String modelPath) {
    return PipelineModel.load(modelPath);
  }
}
