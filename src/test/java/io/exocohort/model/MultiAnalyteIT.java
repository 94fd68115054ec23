package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.LakeCatalog;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-analyte models ({@code train --modality mirna,protein,dna}) on real Delta tables, with cohorts built for
 * the purpose:
 * <ul>
 *   <li>{@code signal}: 200 healthy people and 200 pancreatic cancers, mostly early stage. miRs and a protein
 *       carry a weak shift in every cancer; tumour DNA (KRAS, TP53 hotspots) is detectable in a stage-dependent
 *       share of the cancers only, and clonal haematopoiesis (DNMT3A, TET2, TP53 R273H) appears in healthy and
 *       cancer alike, rising with age. DNA adds what the miRs lack: the multi-analyte model beats every single
 *       modality on the locked hold-out.</li>
 *   <li>{@code noise}: the same kinds of values with labels that carry no signal: every combination of modalities
 *       gives an out-of-fold AUC about 0.5, over the same hold-out and folds.</li>
 *   <li>{@code later} (sequenced, with a KRAS variant no training sample had) and {@code unsequenced} (no
 *       variants file): scoring.</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiAnalyteIT {
  @TempDir static Path dir;
  Path lake;
  SparkSession spark;
  static final String[] STAGES = {"I", "I", "II", "II", "III", "IV"};
  static final String[] KRAS = {"p.G12D", "p.G12V", "p.G12R"};
  static final String[][] CHIP = {{"DNMT3A", "p.R882H"}, {"TET2", "p.R1216*"}, {"TP53", "p.R273H"},
      {"DNMT3A", "p.R882C"}};

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = dir.resolve("lake");
    Lake l = LakeCatalog.open(spark, lake.toString(), "exocohort");
    List<Row> samples = new ArrayList<>();
    List<Row> mirna = new ArrayList<>();
    List<Row> protein = new ArrayList<>();
    List<Row> dna = new ArrayList<>();
    Random rnd = new Random(2026);
    add(rnd, "signal", 400, true, samples, mirna, protein, dna);
    add(rnd, "noise", 500, false, samples, mirna, protein, dna);
    add(rnd, "later", 20, true, samples, mirna, protein, dna);
    add(rnd, "unsequenced", 10, true, samples, mirna, protein, null);
    // a KRAS change no training sample carries, in a later cancer: scored through the gene's "KRAS *" slot
    dna.add(call("later", "later-1", "KRAS", "p.G12C", 0.02));
    l.ensure(Tables.SAMPLES);
    write(l, Tables.SAMPLES, samples);
    TestLakes.writeExpression(spark, l, Modality.MIRNA, mirna);
    TestLakes.writeExpression(spark, l, Modality.PROTEIN, protein);
    write(l, Tables.DNA_VARIANTS, dna);
  }

  /**
   * {@code n} samples of a cohort, half healthy (even i) and half pancreatic; with {@code signal} the cancers carry
   * the planted miR, protein and tumour-DNA signal, without it the label is independent of every value. Every 15th
   * subject gives two samples.
   */
  private static void add(Random rnd, String cohort, int n, boolean signal, List<Row> samples, List<Row> mirna,
      List<Row> protein, List<Row> dna) {
    for (int i = 0; i < n; i++) {
      boolean cancer = i % 2 == 1;
      String stage = cancer ? STAGES[(i / 2) % STAGES.length] : null;
      double age = 45 + rnd.nextInt(40);
      boolean chip = rnd.nextDouble() < 0.02 + 0.25 / (1 + Math.exp(-(age - 70) / 7.0));
      String[] ch = CHIP[rnd.nextInt(CHIP.length)];
      double chipAf = 0.01 * Math.exp(0.5 * rnd.nextGaussian());
      int stageIx = stage == null ? 0 : List.of("I", "II", "III", "IV").indexOf(stage);
      boolean sheds = signal && cancer && rnd.nextDouble() < 0.45 + 0.15 * stageIx;
      double tumourAf = 0.004 * (1 + stageIx) * Math.exp(0.8 * rnd.nextGaussian());
      String kras = KRAS[rnd.nextInt(KRAS.length)];
      boolean tp53 = rnd.nextDouble() < 0.5;
      boolean shift = signal && cancer;
      for (int r = 0; r < (i % 15 == 0 ? 2 : 1); r++) {
        String id = cohort + "-" + i + (r == 0 ? "" : "b");
        samples.add(RowFactory.create(cohort, id, "key-" + cohort + i, cancer ? "pancreatic" : "healthy",
            cancer ? "pancreatic" : "healthy", null, stage, "F", age, null, null, null, null, null, null, null, null,
            null, "fixture", "fixture"));
        for (int f = 0; f < 20; f++) {
          double v = 8 + rnd.nextGaussian() + (shift && f < 3 ? 0.6 : 0);
          mirna.add(RowFactory.create(cohort, id, String.format("miR-%02d", f), v, "log2_cpm(fixture)", "fixture"));
        }
        for (int f = 0; f < 6; f++) {
          double v = 20 + rnd.nextGaussian() + (shift && f == 0 ? 0.3 : 0);
          protein.add(RowFactory.create(cohort, id, "P" + f, rnd.nextDouble() < 0.1 ? null : v, false,
              "log2_intensity(fixture)", "fixture"));
        }
        if (dna == null) continue;
        if (chip) dna.add(call(cohort, id, ch[0], ch[1], chipAf));
        if (sheds) {
          dna.add(call(cohort, id, "KRAS", kras, Math.min(0.5, tumourAf)));
          if (tp53 && !ch[1].equals("p.R175H")) dna.add(call(cohort, id, "TP53", "p.R175H", 0.8 * tumourAf));
        }
      }
    }
  }

  private static Row call(String cohort, String id, String gene, String change, double af) {
    long depth = 3000;
    long alt = Math.max(4, Math.round(af * depth));
    return RowFactory.create(cohort, id, gene + " " + change, gene, change, null, null, null, null, null,
        (double) alt / depth, alt, depth, "fixture");
  }

  private void write(Lake l, TableDef t, List<Row> rows) {
    l.ensure(t);
    spark.createDataFrame(rows, t.schema()).write().format("delta").mode("append").save(l.path(t));
  }

  private TrainJob.Args args(String cohort, String modality, String id, int folds) {
    return TrainJob.Args.defaults(lake.toString(), "detect").withCohorts(List.of(cohort)).withModality(modality)
        .withFeatures(0).withModelId(id).withValidation(new TrainJob.Validation(folds, 5L, 0.3, 0.99, 50, 10));
  }

  /** The (sample, fold) rows of a model's split. */
  private Map<String, String> folds(String modelId) {
    Map<String, String> out = new TreeMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("model_folds").toString())
        .filter(col("model_id").equalTo(modelId)).select("sample_id", "fold").collectAsList()) {
      out.put(r.getString(0), r.getString(1));
    }
    return out;
  }

  @Test
  void dnaAddsWhatTheMirsLackOnTheHoldout() {
    Map<String, Double> auc = new LinkedHashMap<>();
    for (String m : List.of("mirna", "protein", "dna", "mirna,protein,dna")) {
      TrainJob.Result r = TrainJob.run(spark, args("signal", m, "signal-" + m.replace(',', '-'), 3));
      auc.put(m, r.metrics().get("holdout.roc_auc"));
    }
    double multi = auc.get("mirna,protein,dna");
    for (String single : List.of("mirna", "protein", "dna")) {
      assertTrue(multi > auc.get(single) + 0.03, "hold-out AUC, multi-analyte vs " + single + ": " + auc);
    }
    assertTrue(auc.get("dna") > 0.65 && auc.get("mirna") > 0.6, "each modality carries some signal: " + auc);
    Row run = spark.read().format("delta").load(lake.resolve("model_runs").toString())
        .filter(col("model_id").equalTo("signal-mirna-protein-dna")).head();
    assertEquals("mirna,protein,dna", run.getAs("modality"));
    List<String> index = run.getList(run.fieldIndex("feature_index"));
    assertEquals(List.of("dna:DNMT3A", "dna:KRAS", "dna:TET2", "dna:TP53"),
        index.stream().filter(f -> f.startsWith("dna:")).toList());
    assertEquals(30, index.size(), "20 miRs, 6 proteins, 4 genes");
    // the same split whatever the modalities
    assertEquals(folds("signal-mirna"), folds("signal-mirna-protein-dna"));
    assertEquals(folds("signal-dna"), folds("signal-mirna-protein-dna"));

    // scoring: a sequenced cohort (an unseen KRAS change goes to KRAS's own slot) and one never sequenced
    ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort", "signal-mirna-protein-dna",
        List.of("later", "unsequenced"), false, 0.5, "score-multi"));
    ScoreJob.run(spark, new ScoreJob.Args(lake.toString(), "exocohort", "signal-dna",
        List.of("later", "unsequenced"), false, 0.5, "score-dna"));
    Map<String, Row> multiRows = predictions("score-multi");
    Map<String, Row> dnaRows = predictions("score-dna");
    assertEquals(33, multiRows.size(), "30 people, 3 of them twice");
    for (int i = 0; i < 10; i++) {
      Row m = multiRows.get("unsequenced-" + i);
      assertEquals("scored_imputed", m.getAs("status"), "not sequenced: its 4 gene slots imputed");
      assertTrue(m.<Integer>getAs("features_missing") >= 4, "4 gene slots and the proteins not quantified");
      assertEquals("not_scored", dnaRows.get("unsequenced-" + i).getAs("status"), "dna only, not sequenced");
    }
    Row g12c = dnaRows.get("later-1");
    assertEquals("scored", g12c.getAs("status"));
    assertTrue(g12c.<Boolean>getAs("call"), "a 2% KRAS variant is called: p " + g12c.getAs("probability"));
  }

  private Map<String, Row> predictions(String runId) {
    Map<String, Row> out = new TreeMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("predictions").toString())
        .filter(col("run_id").equalTo(runId)).collectAsList()) {
      out.put(r.getAs("sample_id"), r);
    }
    return out;
  }

  @Test
  void noSignalGivesAucAboutHalfForEveryCombinationOverTheSameSplit() {
    Map<String, Double> auc = new LinkedHashMap<>();
    Map<String, String> split = null;
    for (String m : List.of("mirna", "protein", "dna", "mirna,protein", "mirna,dna", "protein,dna",
        "mirna,protein,dna")) {
      String id = "noise-" + m.replace(',', '-');
      TrainJob.Result r = TrainJob.run(spark, args("noise", m, id, 2));
      auc.put(m, r.metrics().get("cv.roc_auc"));
      Map<String, String> f = folds(id);
      if (split == null) split = f;
      assertEquals(split, f, "the hold-out and folds of " + m);
    }
    for (Map.Entry<String, Double> e : auc.entrySet()) {
      assertEquals(0.5, e.getValue(), 0.1, "out-of-fold AUC without signal: " + auc);
    }
  }

  @Test
  void dnaWithoutVariantsIsOneLineBadInput() {
    Map<String, Long> before = TestLakes.versions(spark, lake);
    String l = lake.toString();
    for (String[] c : List.of(
        new String[] {"train", "--lake", l, "--task", "detect", "--cohort", "unsequenced", "--modality", "dna"},
        new String[] {"train", "--lake", l, "--task", "detect", "--cohort", "signal", "--modality", "mirna,rna"})) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      assertEquals(2, Main.execute(new PrintWriter(out), new PrintWriter(err), c), err.toString());
      String e = err.toString().strip();
      assertEquals(1, e.lines().count(), e);
      assertTrue(e.contains(c[c.length - 1].equals("dna") ? "unsequenced have no dna_variants" : "'mirna,rna'"), e);
    }
    Map<String, Long> after = TestLakes.versions(spark, lake);
    assertEquals(before.get("model_folds"), after.get("model_folds"));
    assertEquals(before.get("model_runs"), after.get("model_runs"));
  }
}
