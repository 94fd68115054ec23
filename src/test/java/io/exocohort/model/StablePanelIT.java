package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stable panels end to end on real Delta tables (issue 18, point 4): {@code train --stability-threshold
 * --panel-sizes} on a small cohort with 4 planted miRs among 30, into a lake whose {@code model_runs} was written
 * before the {@code panel} column (and holds a model without it); the panel in {@code model_runs}, the curve's metrics, {@code model
 * export-panel}, scoring with the saved selector, and bad input (one line, exit 2).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StablePanelIT {
  @TempDir static Path dir;
  Path lake;
  SparkSession spark;

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = dir.resolve("lake");
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort_panel");
    List<Row> samples = new ArrayList<>();
    List<Row> mirna = new ArrayList<>();
    Random rnd = new Random(18);
    for (int i = 0; i < 120; i++) {
      boolean cancer = i >= 60;
      String id = "P" + i;
      samples.add(RowFactory.create("panel", id, "key-" + id, cancer ? "pancreatic" : "healthy",
          cancer ? "pancreatic" : "healthy", null, cancer ? "II" : null, "F", 60.0, null, null, null, null, null,
          null, null, null, null, "fixture", "fixture"));
      for (int f = 0; f < 30; f++) {
        double v = 8 + rnd.nextGaussian() + (cancer && f < 4 ? 1.5 - 0.2 * f : 0);
        mirna.add(RowFactory.create("panel", id, String.format("miR-%02d", f), v, "log2_cpm(fixture)", "fixture"));
      }
    }
    l.ensure(Tables.SAMPLES);
    spark.createDataFrame(samples, Tables.SAMPLES.schema()).write().format("delta").mode("append")
        .save(l.path(Tables.SAMPLES));
    io.exocohort.TestLakes.writeExpression(spark, l, Modality.MIRNA, mirna);
    // a model_runs as a lake written before the panel column has it
    StructType old = new StructType(Arrays.stream(Tables.MODEL_RUNS.schema().fields())
        .filter(f -> !f.name().equals("panel")).toArray(StructField[]::new));
    Row full = ModelRuns.row("old", new Tasks.Task("detect", new String[] {"healthy", "cancer"}),
        Map.of("modality", "mirna", "model", "logistic"), List.of("mirna:miR-00"), new ModelRuns.Fitted(
            new ModelMetrics.Report(), 0.5, 0.99, List.of("mirna:miR-00")), Map.of(), Map.of(), "/nowhere",
        java.time.Instant.now());
    Object[] values = new Object[old.size()];
    for (int i = 0; i < values.length; i++) values[i] = full.get(i);
    spark.createDataFrame(List.of(RowFactory.create(values)), old).write().format("delta")
        .save(l.path(Tables.MODEL_RUNS));
  }

  private String[] cli(int expectCode, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    assertEquals(expectCode, code, "exit code of " + String.join(" ", args) + "; stderr: " + err);
    return new String[] {out.toString(), err.toString()};
  }

  private String[] train(int expectCode, String id, String... more) {
    List<String> a = new ArrayList<>(List.of("train", "--lake", lake.toString(), "--database", "exocohort_panel",
        "--task", "detect", "--features", "5", "--folds", "3", "--model-id", id));
    a.addAll(List.of(more));
    return cli(expectCode, a.toArray(new String[0]));
  }

  @Test
  void stablePanelIsStoredCurvedExportedAndScores() throws Exception {
    String[] o = train(0, "stable", "--stability-threshold", "0.6", "--stability-resamples", "20", "--panel-sizes",
        "2,20");
    assertTrue(o[0].contains("panel     2: out-of-fold ROC AUC"), o[0]);
    Row run = spark.read().format("delta").load(lake.resolve("model_runs").toString())
        .filter(col("model_id").equalTo("stable")).head();
    Map<String, Double> m = run.getJavaMap(run.fieldIndex("metrics"));
    for (int k : new int[] {2, 20}) {
      double auc = m.get(PanelCurve.aucKey(k));
      double sens = m.get(PanelCurve.sensKey(k));
      assertTrue(auc >= 0 && auc <= 1 && sens >= 0 && sens <= 1, k + ": " + auc + ", " + sens);
      assertTrue(auc > 0.75, "planted signal: panel " + k + " AUC " + auc);
    }
    assertTrue(m.get(PanelCurve.aucKey(20)) > m.get(PanelCurve.aucKey(2)) - 0.1, "20 not much worse than 2: " + m);
    List<Row> panel = run.getList(run.fieldIndex("panel"));
    List<String> features = panel.stream().map(p -> p.getString(0)).toList();
    assertEquals(features, run.getList(run.fieldIndex("selected_features")), "the final model uses the panel");
    assertTrue(features.containsAll(List.of("mirna:miR-00", "mirna:miR-01")), features.toString());
    for (int i = 0; i < panel.size(); i++) {
      Row p = panel.get(i);
      assertEquals(i + 1, p.getInt(1));
      assertTrue(p.getDouble(2) >= 0.6, p.toString());
      if (p.getString(0).compareTo("mirna:miR-04") < 0) {
        assertEquals("up", p.getString(5), p.toString());
        assertTrue(p.getDouble(3) > p.getDouble(4));
      }
    }
    Map<String, String> params = run.getJavaMap(run.fieldIndex("parameters"));
    assertEquals("0.6", params.get("stability_threshold"));
    assertEquals("2,20", params.get("panel_sizes"));

    Path tsv = dir.resolve("panel.tsv");
    cli(0, "model", "export-panel", "--lake", lake.toString(), "--database", "exocohort_panel", "--model-id",
        "stable", "--out", tsv.toString());
    List<String> lines = Files.readAllLines(tsv);
    assertEquals(String.join("\t", PanelExport.HEADER), lines.get(0));
    assertEquals(panel.size() + 1, lines.size());
    String[] first = lines.get(1).split("\t", -1);
    assertEquals(features.get(0), "mirna:" + first[0]);
    assertEquals("mirna", first[1]);
    assertEquals("1", first[2]);
    assertEquals(lines, cli(0, "model", "export-panel", "--lake", lake.toString(), "--database", "exocohort_panel",
        "--model-id", "stable")[0].lines().toList(), "the same TSV on standard output");

    // the saved pipeline (with its stability selector) scores
    cli(0, "score", "--lake", lake.toString(), "--database", "exocohort_panel", "--model", "stable");
  }

  @Test
  void aModelOfALakeBeforeThePanelColumnHasNoPanel() {
    // before the other test's train adds the column the row has none; after it, the row reads back with a null panel
    String err = cli(2, "model", "export-panel", "--lake", lake.toString(), "--database", "exocohort_panel",
        "--model-id", "old")[1].strip();
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("model old has no stable panel"), err);
  }

  @Test
  void badInputIsOneLineExitTwo() {
    List<String[]> cases = List.of(new String[] {"--stability-threshold", "0"},
        new String[] {"--stability-threshold", "1.5"}, new String[] {"--panel-sizes", "5,0"},
        new String[] {"--panel-sizes", "5,31"}, new String[] {"--stability-resamples", "0", "--panel-sizes", "5"});
    for (String[] c : cases) {
      String err = train(2, "bad", c)[1].strip();
      assertEquals(1, err.lines().count(), String.join(" ", c) + ": " + err);
      assertTrue(err.contains(c[0]), err);
    }
    String err = cli(2, "model", "export-panel", "--lake", lake.toString(), "--database", "exocohort_panel",
        "--model-id", "nope")[1].strip();
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.contains("no model nope"), err);
  }
}
