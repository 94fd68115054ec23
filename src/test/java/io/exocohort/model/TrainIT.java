package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.Main;
import io.exocohort.common.BadInputException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * train and score end to end on real Delta tables: a seeded cohort with planted markers (samples,
 * mirna_expression and protein_expression with missing values written as the normalize job writes them), then
 * detection and tissue-of-origin models, their model_runs rows and saved pipelines, reproducibility, scoring with
 * missing and extra features, and bad input (one line, exit 2, tables unchanged).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrainIT {
  @TempDir static Path dir;
  Path lake;
  SparkSession spark;
  static final String[] TYPES = {"healthy", "pancreatic", "breast", "lung"};
  static final String[] STAGES = {"I", "II", "III", "IV"};

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = dir.resolve("lake");
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    List<Row> samples = new ArrayList<>();
    List<Row> mirna = new ArrayList<>();
    List<Row> protein = new ArrayList<>();
    Random rnd = new Random(99);
    // cohort "main": 90 healthy + 30 of each of three cancers; every 10th subject gives two samples
    int subject = 0;
    for (int i = 0; i < 180; i++) {
      String type = i < 90 ? "healthy" : TYPES[1 + (i - 90) / 30];
      String stage = type.equals("healthy") ? null : STAGES[i % 4];
      int reps = i % 10 == 0 ? 2 : 1;
      for (int r = 0; r < reps; r++) {
        String id = "M" + i + "_" + r;
        samples.add(sample("main", id, "subj" + subject, type, stage));
        addValues(rnd, "main", id, type, mirna, protein, 0, false);
      }
      subject++;
    }
    // cohort "later": 12 samples, one miR never measured, one unknown miR and protein added
    for (int i = 0; i < 12; i++) {
      String type = TYPES[i % 4];
      samples.add(sample("later", "L" + i, "later" + i, type, type.equals("healthy") ? null : "II"));
      addValues(rnd, "later", "L" + i, type, mirna, protein, 1, true);
    }
    // cohort "tiny": 3 melanoma and 3 healthy (too few to train on)
    for (int i = 0; i < 6; i++) {
      String type = i < 3 ? "melanoma" : "healthy";
      samples.add(sample("tiny", "T" + i, "tiny" + i, type, i < 3 ? "I" : null));
      addValues(rnd, "tiny", "T" + i, type, mirna, protein, 0, false);
    }
    // cohort "fewsubjects": 10 controls from only 3 people (4 + 3 + 3 samples) and 30 pancreatic cancers from 30:
    // enough control samples (exocohort.model.min.per.class = 10), too few control subjects for 5 folds
    for (int i = 0; i < 40; i++) {
      boolean control = i < 10;
      String subj = control ? "fewctl" + (i < 4 ? 0 : i < 7 ? 1 : 2) : "fewcase" + i;
      samples.add(sample("fewsubjects", "F" + i, subj, control ? "healthy" : "pancreatic",
          control ? null : STAGES[i % 4]));
      addValues(rnd, "fewsubjects", "F" + i, control ? "healthy" : "pancreatic", mirna, protein, 0, false);
    }
    Map<String, Double> fractions = evSignal(rnd, samples, mirna);
    write(l, Tables.SAMPLES, samples);
    io.exocohort.TestLakes.writeExpression(spark, l, io.exocohort.catalog.Modality.MIRNA, mirna);
    TestLakes.writeEvOrigin(spark, l, "deconv-evsig", fractions, java.sql.Timestamp.valueOf("2026-02-01 00:00:00"));
    io.exocohort.TestLakes.writeExpression(spark, l, io.exocohort.catalog.Modality.PROTEIN, protein);
  }

  /** Samples of cohort evsig without a tumour-EV fraction (no deconvolve run covered them). */
  static final int EV_UNCOVERED = 12;

  /**
   * Cohort "evsig": 150 healthy and 150 pancreatic samples whose only signal is the tumour-EV fraction (healthy
   * uniform in 0.02-0.14, pancreatic in 0.06-0.24); its 10 miRs are noise. The last {@link #EV_UNCOVERED} samples
   * have no fraction. Returns the fractions by cohort/sample, for ev_origin rows standing in for a deconvolve run.
   */
  private static Map<String, Double> evSignal(Random rnd, List<Row> samples, List<Row> mirna) {
    Map<String, Double> fractions = new java.util.LinkedHashMap<>();
    for (int i = 0; i < 300; i++) {
      boolean cancer = i % 2 == 1;
      String id = String.format(java.util.Locale.ROOT, "E%03d", i);
      samples.add(sample("evsig", id, "ev" + i, cancer ? "pancreatic" : "healthy", cancer ? STAGES[i % 4] : null));
      for (int f = 0; f < 10; f++) {
        mirna.add(RowFactory.create("evsig", id, String.format("miR-%02d", f), 8 + rnd.nextGaussian(),
            "log2_cpm(fixture)", "fixture"));
      }
      double fraction = cancer ? 0.06 + 0.18 * rnd.nextDouble() : 0.02 + 0.12 * rnd.nextDouble();
      if (i < 300 - EV_UNCOVERED) fractions.put("evsig/" + id, fraction);
    }
    return fractions;
  }

  private static Row sample(String cohort, String id, String subject, String type, String stage) {
    return RowFactory.create(cohort, id, "key-" + subject, type, type, null, stage, "F", 60.0, null, null, null, null,
        null, null, null, null, null, "fixture", "fixture");
  }

  /** 40 miRs (0-3 up in all cancers, 4-5 up in pancreatic, 6-7 in breast), 10 proteins with 15% missing. */
  private static void addValues(Random rnd, String cohort, String id, String type, List<Row> mirna,
      List<Row> protein, int skipFirst, boolean extra) {
    boolean cancer = !type.equals("healthy");
    for (int f = skipFirst; f < 40; f++) {
      double v = 8 + rnd.nextGaussian();
      if (cancer && f < 4) v += 1.2;
      if (type.equals("pancreatic") && (f == 4 || f == 5)) v += 2;
      if (type.equals("breast") && (f == 6 || f == 7)) v += 2;
      mirna.add(RowFactory.create(cohort, id, String.format("miR-%02d", f), v, "log2_cpm(fixture)", "fixture"));
    }
    if (extra) mirna.add(RowFactory.create(cohort, id, "miR-new", 5.0, "log2_cpm(fixture)", "fixture"));
    for (int f = 0; f < 10; f++) {
      double v = 20 + rnd.nextGaussian() + (cancer && f < 2 ? 0.8 : 0);
      Double value = rnd.nextDouble() < 0.15 ? null : v;
      protein.add(RowFactory.create(cohort, id, "P" + f, value, false, "log2_intensity(fixture)", "fixture"));
    }
  }

  private void write(Lake l, TableDef t, List<Row> rows) {
    l.ensure(t);
    spark.createDataFrame(rows, t.schema()).write().format("delta").mode("append").save(l.path(t));
  }

  private TrainJob.Args args(String task) {
    return TrainJob.Args.defaults(lake.toString(), task).withCohorts(List.of("main")).withModality("both")
        .withFeatures(10).withValidation(new TrainJob.Validation(3, 7L, 0.2, 0.99, 200, 10));
  }

  private Row modelRun(String id) {
    return spark.read().format("delta").load(lake.resolve("model_runs").toString())
        .filter(col("model_id").equalTo(id)).head();
  }

  /**
   * The vectors train and score assemble from the matrices (blocks of 4 samples) hold exactly the values of the
   * long rows (what they read before the matrices): every slot, missing and extra count of every sample, over an
   * index of the main cohort's features applied to the main and later cohorts (later lacks miR-00, adds miR-new).
   */
  @Test
  void vectorsFromTheMatricesEqualTheLongRows() {
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    List<String> cohorts = List.of("main", "later");
    List<io.exocohort.matrix.SampleVectors.Source> sources = new ArrayList<>();
    Map<String, Map<String, Double>> expected = new java.util.TreeMap<>();
    for (io.exocohort.catalog.Modality m : io.exocohort.catalog.Modality.values()) {
      sources.add(new io.exocohort.matrix.SampleVectors.Source(l.read(m.matrix()), l.read(m.samples()),
          m.label() + ":"));
      for (Row r : io.exocohort.matrix.Matrices.longRows(l.read(m.matrix()), l.read(m.samples()), m.protein())
          .filter(col("cohort").isin(cohorts.toArray())).collectAsList()) {
        expected.computeIfAbsent(r.getAs("cohort") + "/" + r.getAs("sample_id"), k -> new java.util.HashMap<>())
            .put(m.label() + ":" + r.getAs("feature"), r.isNullAt(3) ? Double.NaN : r.<Double>getAs("value"));
      }
    }
    String[] index = FeatureVectors.features(sources, spark.createDataFrame(List.of(RowFactory.create("main",
        "M0_0")), new org.apache.spark.sql.types.StructType().add("cohort", "string").add("sample_id", "string")))
        .orderBy("feature").collectAsList().toArray(new String[0]);
    assertEquals(50, index.length);
    Map<String, Row> got = new java.util.TreeMap<>();
    for (Row r : FeatureVectors.assemble(spark, sources, spark.read().format("delta").load(lake.resolve("samples")
        .toString()).filter(col("cohort").isin(cohorts.toArray())), index).collectAsList()) {
      got.put(r.getString(0) + "/" + r.getString(1), r);
    }
    assertEquals(expected.keySet(), got.keySet());
    for (var e : expected.entrySet()) {
      double[] v = got.get(e.getKey()).<org.apache.spark.ml.linalg.Vector>getAs("features_raw").toArray();
      int missing = 0;
      for (int i = 0; i < index.length; i++) {
        double want = e.getValue().getOrDefault(index[i], Double.NaN);
        assertEquals(want, v[i], 0, e.getKey() + " " + index[i]);
        if (Double.isNaN(want)) missing++;
      }
      assertEquals(missing, (int) got.get(e.getKey()).<Integer>getAs("features_missing"), e.getKey());
      int extra = e.getKey().startsWith("later/") ? 1 : 0;
      assertEquals(extra, (int) got.get(e.getKey()).<Integer>getAs("features_extra"), e.getKey());
    }
  }

  private TrainJob.Result detectA;

  /**
   * The detection model {@code detect-a} (both modalities, top 10, 3 folds), trained once: the reproducibility test
   * checks it and the two-stage test scores with it, as it would with a second model trained on the same arguments.
   */
  private synchronized TrainJob.Result detectA() {
    if (detectA == null) detectA = TrainJob.run(spark, args("detect").withModelId("detect-a"));
    return detectA;
  }

  @Test
  void detectModelIsRecordedReproducibleAndScores() {
    TrainJob.Result a = detectA();
    TrainJob.Result b = TrainJob.run(spark, args("detect").withModelId("detect-b"));
    Map<String, Double> m = a.metrics();
    assertTrue(m.get("cv.roc_auc") > 0.85, "planted markers: cv AUC " + m.get("cv.roc_auc"));
    assertTrue(m.get("holdout.roc_auc") > 0.8, "hold-out AUC " + m.get("holdout.roc_auc"));
    for (String k : List.of("cv.pr_auc", "cv.brier", "cv.sens_at_spec_0.95", "cv.sens_at_spec_0.99.ci_low",
        "cv.sens_at_spec_0.995.ci_high", "holdout.sens_at_stored_threshold", "holdout.spec_at_stored_threshold")) {
      assertNotNull(m.get(k), k);
      assertTrue(m.get(k) >= 0 && m.get(k) <= 1, k + " = " + m.get(k));
    }
    assertTrue(m.get("cv.sens_at_spec_0.99.ci_low") <= m.get("cv.sens_at_spec_0.99")
        && m.get("cv.sens_at_spec_0.99") <= m.get("cv.sens_at_spec_0.99.ci_high"));
    // same seed and input versions: same metrics (floating-point sums merged in task order: 1e-9)
    assertEquals(m.keySet(), b.metrics().keySet());
    for (String k : m.keySet()) assertEquals(m.get(k), b.metrics().get(k), 1e-9, k);
    assertEquals(a.selectedFeatures(), b.selectedFeatures());
    assertEquals(a.threshold(), b.threshold(), 1e-9);

    Row run = modelRun("detect-a");
    assertEquals(50, run.getList(run.fieldIndex("feature_index")).size(), "40 miRs + 10 proteins");
    assertEquals(10, run.getList(run.fieldIndex("selected_features")).size());
    Map<String, Long> inputs = run.getJavaMap(run.fieldIndex("input_versions"));
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    assertEquals(l.version(Tables.MIRNA_MATRIX), inputs.get("mirna_matrix"));
    assertEquals(l.version(Tables.PROTEIN_MATRIX), inputs.get("protein_matrix"));
    assertEquals(-1L, inputs.get("sample_qc"));
    assertTrue(Files.isDirectory(Path.of(java.net.URI.create(run.<String>getAs("model_path"))).resolve("stages")));
    // sensitivity by type and by stage for both sets
    List<Row> groups = run.getList(run.fieldIndex("group_sensitivity"));
    assertTrue(groups.stream().anyMatch(g -> g.getString(0).equals("holdout") && g.getString(1).equals("stage")));
    assertEquals(3, groups.stream().filter(g -> g.getString(0).equals("cv") && g.getString(1).equals("cancer_type"))
        .count());
    assertTrue(run.getList(run.fieldIndex("reliability")).size() > 1);
    assertRocCurve(run);
    assertEquals(1, spark.read().format("delta").load(lake.resolve("job_runs").toString())
        .filter(col("run_id").equalTo("detect-a").and(col("job").equalTo("train"))).count());

    assertModelFolds(a);

    // score the later cohort: a missing miR (imputed) and an unknown one (ignored), both reported
    ScoreJob.Result s = ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort", "detect-a",
        List.of("later"), false, 0.5, "score-detect"));
    assertEquals(1, s.indexFeaturesAbsent());
    assertEquals(1, s.extraFeatures());
    List<Row> preds = spark.read().format("delta").load(lake.resolve("predictions").toString())
        .filter(col("run_id").equalTo("score-detect")).collectAsList();
    assertEquals(12, preds.size());
    for (Row p : preds) {
      assertEquals("scored_imputed", p.getAs("status"));
      assertEquals(1, (int) p.<Integer>getAs("features_extra"));
      assertTrue((int) p.<Integer>getAs("features_missing") >= 1);
      assertEquals(a.threshold(), p.<Double>getAs("threshold"), 0);
      assertEquals(p.<Double>getAs("probability") > a.threshold(), p.<Boolean>getAs("call"));
    }
    // the cancers of the later cohort score higher than its healthy samples on average
    double cancer = preds.stream().filter(p -> !p.<String>getAs("sample_id").matches("L(0|4|8)"))
        .mapToDouble(p -> p.<Double>getAs("probability")).average().orElseThrow();
    double healthy = preds.stream().filter(p -> p.<String>getAs("sample_id").matches("L(0|4|8)"))
        .mapToDouble(p -> p.<Double>getAs("probability")).average().orElseThrow();
    assertTrue(cancer > healthy, "cancer " + cancer + " vs healthy " + healthy);
  }

  /** The out-of-fold ROC curve of a model_runs row: from (0, 0) to (1, 1), monotone, its area the recorded AUC. */
  private static void assertRocCurve(Row run) {
    List<Row> roc = run.<Row>getList(run.fieldIndex("roc")).stream().filter(p -> p.getString(0).equals("cv")).toList();
    assertEquals(0.0, roc.get(0).getDouble(2));
    assertEquals(1.0, roc.get(roc.size() - 1).getDouble(2), 1e-12);
    assertEquals(1.0, roc.get(roc.size() - 1).getDouble(3), 1e-12);
    double area = 0;
    for (int i = 1; i < roc.size(); i++) {
      assertTrue(roc.get(i).getDouble(2) >= roc.get(i - 1).getDouble(2) && roc.get(i).getDouble(3) >= roc.get(i - 1)
          .getDouble(3));
      area += (roc.get(i).getDouble(2) - roc.get(i - 1).getDouble(2)) * (roc.get(i).getDouble(3) + roc.get(i - 1)
          .getDouble(3)) / 2;
    }
    assertEquals(run.<scala.collection.Map<String, Double>>getAs("metrics").apply("cv.roc_auc"), area, 1e-9);
  }

  /** model_folds: every sample of the run once, with its fold or the hold-out; a subject's samples share one. */
  private void assertModelFolds(TrainJob.Result a) {
    List<Row> folds = spark.read().format("delta").load(lake.resolve("model_folds").toString())
        .filter(col("model_id").equalTo("detect-a")).collectAsList();
    assertEquals(198, folds.size(), "180 subjects of cohort main, 18 of them with two samples");
    assertEquals(folds.size(), folds.stream().map(r -> r.getString(r.fieldIndex("sample_id"))).distinct().count());
    Map<String, java.util.Set<String>> foldsOfSubject = new java.util.HashMap<>();
    for (Row r : folds) {
      foldsOfSubject.computeIfAbsent(r.getAs("subject_key"), k -> new java.util.HashSet<>()).add(r.getAs("fold"));
    }
    assertEquals(180, foldsOfSubject.size());
    assertTrue(foldsOfSubject.values().stream().allMatch(f -> f.size() == 1), "a subject's samples in two folds");
    assertEquals(java.util.Set.of("0", "1", "2", "holdout"), folds.stream().map(r -> r.<String>getAs("fold"))
        .collect(java.util.stream.Collectors.toSet()));
    // the labels and the hold-out are those model_runs counted
    for (String set : List.of("holdout", "train")) {
      for (String cls : List.of("healthy", "cancer")) {
        long n = folds.stream().filter(r -> r.<String>getAs("label").equals(cls)
            && (r.<String>getAs("fold").equals("holdout") == set.equals("holdout"))).count();
        assertEquals(a.sampleCounts().get(set + "." + cls), n, set + "." + cls);
      }
    }
    // the healthy samples are labelled healthy
    assertTrue(folds.stream().filter(r -> r.<String>getAs("sample_id").equals("M0_1")).allMatch(r -> r.<String>getAs(
        "label").equals("healthy")));
  }

  @Test
  void originModelReportsTopTwoAndScoresTopTwoTissues() {
    TrainJob.Args o = args("origin").withModelId("origin-rf")
        .withMethod(new TrainJob.Method("mirna", "forest", 0, new ModelTraining.Hyper(0.05, 0.5, 100, 30, 5, 20, 0.1)))
        .withValidation(new TrainJob.Validation(3, 7L, 0.2, 0.99, 100, 10));
    TrainJob.Result r = TrainJob.run(spark, o);
    assertEquals(List.of("breast", "lung", "pancreatic"), List.of(r.classes()));
    double top1 = r.metrics().get("cv.top1_accuracy");
    double top2 = r.metrics().get("cv.top2_accuracy");
    assertTrue(top1 > 0.5 && top2 >= top1, "top-1 " + top1 + ", top-2 " + top2);
    assertEquals(r.metrics().get("cv.n").longValue(), r.confusion().stream().filter(c -> c.set().equals("cv"))
        .mapToLong(ModelMetrics.Confusion::n).sum());
    assertNotNull(r.metrics().get("holdout.recall.lung"));
    ScoreJob.Result s = ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort", "origin-rf",
        List.of("main"), false, 0.5, "score-origin"));
    assertEquals(Map.of("scored", 198L), s.byStatus());
    Row p = spark.read().format("delta").load(lake.resolve("predictions").toString())
        .filter(col("run_id").equalTo("score-origin")).head();
    assertNotNull(p.getAs("top1"));
    assertNotNull(p.getAs("top2"));
    assertNotEquals(p.<String>getAs("top1"), p.<String>getAs("top2"));
    assertTrue(p.<Double>getAs("probability") >= p.<Double>getAs("top2_probability"));
  }

  /**
   * Two-stage screening (issue 18): a detection model ({@link #detectA}) and an origin model trained with the same
   * seed and hold-out fraction, scored as a pair. Each positive gets the origin model's two tissues, each negative none; the figures on
   * the hold-out land in screening_metrics with their intervals, PPV and NPV following from the sensitivity and
   * specificity by Bayes' rule, the counts those of model_folds. A pair in the wrong order is one line of bad input.
   */
  @Test
  void twoStageScoreGivesTissuesToPositivesAndScreeningFiguresOnTheHoldout() {
    detectA();
    TrainJob.run(spark, args("origin").withModelId("origin-2s"));
    ScoreJob.TwoStage two = new ScoreJob.TwoStage("origin-2s", 0.01, 200, 3L);
    ScoreJob.Result s = ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort", "detect-a",
        List.of("main"), false, 0.5, "score-2s", two));
    List<Row> preds = spark.read().format("delta").load(lake.resolve("predictions").toString())
        .filter(col("run_id").equalTo("score-2s")).collectAsList();
    assertEquals(198, preds.size());
    assertEquals(s.calledPositive(), preds.stream().filter(p -> p.<Boolean>getAs("call")).count());
    for (Row p : preds) {
      if (p.<Boolean>getAs("call")) {
        assertNotNull(p.getAs("top2"));
        assertEquals(p.<String>getAs("top1"), p.<String>getAs("predicted"));
        assertTrue(List.of("breast", "lung", "pancreatic").contains(p.<String>getAs("top1")));
      } else {
        assertNull(p.getAs("top1"));
        assertEquals("healthy", p.<String>getAs("predicted"));
      }
    }
    Map<String, Row> all = new java.util.HashMap<>();
    List<Row> figures = spark.read().format("delta").load(lake.resolve("screening_metrics").toString())
        .filter(col("run_id").equalTo("score-2s")).collectAsList();
    assertEquals(s.screeningFigures(), figures.size());
    for (Row f : figures) {
      if (f.<String>getAs("group_kind").equals("all")) all.put(f.getAs("metric"), f);
      if (!f.isNullAt(f.fieldIndex("estimate")) && f.<Integer>getAs("replicates") > 0) {
        assertTrue(f.<Double>getAs("low") <= f.<Double>getAs("estimate") + 1e-12
            && f.<Double>getAs("estimate") <= f.<Double>getAs("high") + 1e-12, f.toString());
      }
    }
    List<Row> held = spark.read().format("delta").load(lake.resolve("model_folds").toString())
        .filter(col("model_id").equalTo("detect-a").and(col("fold").equalTo("holdout"))).collectAsList();
    long controls = held.stream().filter(r -> r.<String>getAs("label").equals("healthy")).count();
    assertEquals(controls, all.get("specificity").<Long>getAs("n"));
    assertEquals(held.size() - controls, all.get("sensitivity").<Long>getAs("n"));
    double se = all.get("sensitivity").getAs("estimate");
    double sp = all.get("specificity").getAs("estimate");
    assertTrue(se > 0.5, "planted markers: hold-out sensitivity " + se);
    assertEquals(se * 0.01 / (se * 0.01 + (1 - sp) * 0.99), all.get("ppv").<Double>getAs("estimate"), 1e-12);
    assertEquals(sp * 0.99 / (sp * 0.99 + (1 - se) * 0.01), all.get("npv").<Double>getAs("estimate"), 1e-12);
    assertTrue(all.get("origin_top1").<Double>getAs("estimate") <= all.get("origin_top2").<Double>getAs("estimate"));
    assertEquals(3, figures.stream().filter(f -> f.<String>getAs("group_kind").equals("cancer_type")).count());
    assertTrue(figures.stream().anyMatch(f -> f.<String>getAs("group_kind").equals("stage")));
    BadInputException wrongOrder = assertThrows(BadInputException.class, () -> ScoreJob.run(spark,
        new ScoreJob.Args(lake.toString(), "exocohort", "detect-a", List.of("main"), false, 0.5, "score-2s-bad",
            new ScoreJob.TwoStage("detect-a", 0.01, 10, 1L))));
    assertTrue(wrongOrder.getMessage().contains("origin model"), wrongOrder.getMessage());
    assertThrows(BadInputException.class, () -> ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort",
        "detect-a", List.of("main"), false, 0.5, "score-2s-bad2", new ScoreJob.TwoStage("origin-2s", 0, 10, 1L))));
  }

  /**
   * A forced failure of train and of score (after all their writes): each is recorded in job_runs as failed with
   * the one-line error, every table holds what it held, the failed model's folder is gone; the failed ids can be
   * run again, and once they succeeded they are refused.
   */
  @Test
  void failedTrainAndScoreRunsLeaveNothingAndSucceededIdsAreRefused() {
    TrainJob.Args quick = args("detect").withModality("mirna").withFeatures(5)
        .withValidation(new TrainJob.Validation(3, 7L, 0.2, 0.99, 20, 10)).withModelId("detect-fail");
    Map<String, String> before = FailedRuns.contents(spark, lake);
    RunScope.injectFailure("train");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> TrainJob.run(spark, quick));
    assertTrue(e.getMessage().startsWith("injected failure: train detect-fail"), e.getMessage());
    FailedRuns.assertRolledBack(spark, lake, before, "train", "detect-fail");
    assertFalse(Files.exists(lake.resolve("models").resolve("detect-fail")), "the failed run's model folder");

    TrainJob.Result ok = TrainJob.run(spark, quick); // a failed run may be re-run under its id
    assertTrue(Files.isDirectory(lake.resolve("models").resolve("detect-fail")));
    BadInputException again = assertThrows(BadInputException.class, () -> TrainJob.run(spark, quick));
    assertTrue(again.getMessage().startsWith("--run-id detect-fail is already recorded in job_runs as succeeded"),
        again.getMessage());

    ScoreJob.Args score = new ScoreJob.Args(lake.toString(), "exocohort", ok.modelId(), List.of("later"), false,
        0.5, "score-fail");
    before = FailedRuns.contents(spark, lake);
    RunScope.injectFailure("score");
    assertThrows(IllegalStateException.class, () -> ScoreJob.run(spark, score));
    FailedRuns.assertRolledBack(spark, lake, before, "score", "score-fail");
    assertEquals(12, ScoreJob.run(spark, score).byStatus().values().stream().mapToLong(Long::longValue).sum());
    again = assertThrows(BadInputException.class, () -> ScoreJob.run(spark, score));
    assertTrue(again.getMessage().startsWith("--run-id score-fail is already recorded in job_runs as succeeded"),
        again.getMessage());
  }

  private String[] cli(int expectCode, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    assertEquals(expectCode, code, "exit code of " + String.join(" ", args) + "; stderr: " + err);
    return new String[] {out.toString(), err.toString()};
  }

  /**
   * {@code train --ev-fraction}: on cohort evsig, whose signal is only in the tumour-EV fraction (ev_origin rows
   * standing in for a deconvolve run), the slot ev:tumour_ev_fraction is in model_runs.feature_index, selected by
   * the pipeline's top-N selector inside the folds, and the out-of-fold AUC is clearly above 0.5; the same model
   * without the slot is at chance. Score fills the slot from ev_origin: the samples without a fraction are
   * scored_imputed, the others scored. On a cohort no deconvolve run covered, --ev-fraction is refused in one line.
   */
  @Test
  void theTumourEvFractionIsAFeatureThatTrainsRecordsAndScores() {
    TrainJob.Args base = TrainJob.Args.defaults(lake.toString(), "detect").withCohorts(List.of("evsig"))
        .withFeatures(3).withValidation(new TrainJob.Validation(3, 7L, 0.2, 0.99, 200, 10));
    String[] o = cli(0, "train", "--lake", lake.toString(), "--task", "detect", "--cohort", "evsig", "--features",
        "3", "--folds", "3", "--seed", "7", "--ev-fraction", "--model-id", "ev-with");
    TrainJob.Result without = TrainJob.run(spark, base.withModelId("ev-without"));
    Row run = modelRun("ev-with");
    List<String> index = run.getList(run.fieldIndex("feature_index"));
    assertEquals(11, index.size(), index.toString());
    assertTrue(index.contains(EvFeature.SLOT), index.toString());
    assertTrue(run.<String>getList(run.fieldIndex("selected_features")).contains(EvFeature.SLOT),
        run.getList(run.fieldIndex("selected_features")).toString());
    Map<String, String> params = run.getJavaMap(run.fieldIndex("parameters"));
    assertEquals("deconv-evsig", params.get("ev_origin_runs"));
    assertEquals("mirna", params.get("modality"));
    Map<String, Long> inputs = run.getJavaMap(run.fieldIndex("input_versions"));
    assertEquals(io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort")
        .version(Tables.EV_ORIGIN), inputs.get("ev_origin"));
    Map<String, Double> metrics = run.getJavaMap(run.fieldIndex("metrics"));
    double with = metrics.get("cv.roc_auc");
    double chance = without.metrics().get("cv.roc_auc");
    String fig = "out-of-fold AUC with the fraction " + with + ", without " + chance + "; " + o[0].lines()
        .filter(x -> x.contains("ROC AUC")).toList();
    System.out.println("tumour-EV fraction feature: " + fig);
    assertTrue(with > 0.7, fig);
    assertTrue(Math.abs(chance - 0.5) < 0.1, fig);

    ScoreJob.Result sr = ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort", "ev-with",
        List.of("evsig"), false, 0.5, "score-ev"));
    assertEquals(Map.of(Predictions.SCORED, 300L - EV_UNCOVERED, Predictions.SCORED_IMPUTED, (long) EV_UNCOVERED),
        sr.byStatus());
    assertEquals(0, sr.indexFeaturesAbsent());
    long imputed = spark.read().format("delta").load(lake.resolve("predictions").toString())
        .filter("run_id = 'score-ev' AND status = 'scored_imputed' AND features_missing = 1 AND sample_id >= 'E"
            + (300 - EV_UNCOVERED) + "'").count();
    assertEquals(EV_UNCOVERED, imputed);

    String[] bad = cli(2, "train", "--lake", lake.toString(), "--task", "detect", "--cohort", "main",
        "--ev-fraction", "--model-id", "ev-bad");
    assertEquals("exocohort train: error: --ev-fraction: no usable sample of main has a tumour-EV fraction "
        + "(ev_origin covers none of them): run deconvolve first", bad[1].strip());
  }

  @Test
  void badInputIsOneLineExitTwoAndChangesNothing() {
    Map<String, Long> before = TestLakes.versions(spark, lake);
    String l = lake.toString();
    List<String[]> cases = List.of(
        new String[] {"train", "--lake", l, "--task", "prognosis"},
        new String[] {"train", "--lake", l, "--task", "melanoma_vs_healthy", "--cohort", "tiny"},
        new String[] {"train", "--lake", l, "--task", "glioma_vs_healthy"},
        new String[] {"train", "--lake", l, "--task", "origin", "--model", "gbt"},
        new String[] {"train", "--lake", l, "--task", "detect", "--model", "svm"},
        new String[] {"train", "--lake", l, "--task", "detect", "--cohort", "nosuch"},
        new String[] {"train", "--lake", dir.resolve("empty-lake").toString(), "--task", "detect"},
        new String[] {"score", "--lake", l, "--model", "no-such-model"});
    for (String[] c : cases) {
      String[] o = cli(2, c);
      String err = o[1].strip();
      assertEquals(1, err.lines().count(), "one line: " + err);
      assertTrue(err.startsWith("exocohort " + c[0] + ": error: "), err);
    }
    Map<String, Long> after = TestLakes.versions(spark, lake);
    // the detect/origin tests may have run in between: compare only what a failed run could have touched
    for (String t : List.of("samples", "mirna_matrix", "protein_matrix")) {
      assertEquals(before.get(t), after.get(t), t);
    }
    assertEquals(before.get("model_runs"), after.get("model_runs"));
    assertEquals(before.get("model_folds"), after.get("model_folds"));
    assertEquals(before.get("predictions"), after.get("predictions"));
  }

  @Test
  void controlsFromTooFewSubjectsFailBeforeFittingWithOneLine() {
    Map<String, Long> before = TestLakes.versions(spark, lake);
    String[] o = cli(2, "train", "--lake", lake.toString(), "--task", "detect", "--cohort", "fewsubjects",
        "--model-id", "few");
    String err = o[1].strip();
    assertEquals(1, err.lines().count(), "one line: " + err);
    // 3 control subjects are dealt (in hash order) to folds 0, 1, 2; a stratum of 3 has nobody held out
    assertTrue(err.startsWith("exocohort train: error: detect: class healthy has 10 samples from 3 subjects "
        + "(folds 3, 4 and the hold-out have none); 5 folds and the hold-out need at least 6 subjects per class"),
        err);
    Map<String, Long> after = TestLakes.versions(spark, lake);
    assertEquals(before.get("model_folds"), after.get("model_folds"));
    assertTrue(!Files.exists(lake.resolve("models").resolve("few")), "no model saved");
  }

  @Test
  void lakeWithoutExpressionTablesIsBadInput() {
    Path other = dir.resolve("no-expression");
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, other.toString(), "exocohort_other");
    write(l, Tables.SAMPLES, List.of(sample("c", "S1", "s1", "healthy", null)));
    String[] o = cli(2, "train", "--lake", other.toString(), "--database", "exocohort_other", "--task", "detect");
    assertTrue(o[1].contains("mirna_matrix") && o[1].contains("normalize"), o[1]);
    assertEquals(-1L, l.version(Tables.MODEL_RUNS));
  }
}
