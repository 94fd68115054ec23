package io.exocohort.reliability;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.catalog.Views;
import io.exocohort.cli.CliLakes;
import io.exocohort.cli.Main;
import io.exocohort.qc.QcSelection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Concurrent writers on one lake, as two threads sharing the SparkSession (two drivers of one cluster): two
 * cohorts ingested at the same moment into a lake that has no tables yet (the table creations race) both land
 * completely, and again as corrected re-deliveries (two MERGEs); an ingest and a qc racing a {@code de} run leave
 * {@code de_results} computed from exactly the input versions {@code de_runs} records; two cohorts normalised at
 * once on a lake whose sample index predates voom's columns both land, and so do their first de runs at once.
 */
class ConcurrencyIT {
  @TempDir Path dir;

  static String[] ingest(Path lake, Path gen, String cohort, String runId) {
    return ingest(lake, gen, cohort, runId, "conc");
  }

  static String[] ingest(Path lake, Path gen, String cohort, String runId, String database) {
    return new String[] {"ingest", "--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", database,
        "--cohort", cohort, "--manifest", gen + "/manifest.csv", "--mirna", gen + "/mirna_counts.csv", "--protein",
        gen + "/protein_intensities.csv", "--run-id", runId};
  }

  /** Runs the command lines at the same moment, each in its own thread; returns each one's exit code and output. */
  static List<String> together(String[]... cmds) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(cmds.length);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> fs = new ArrayList<>();
    for (String[] c : cmds) {
      fs.add(pool.submit((Callable<String>) () -> {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        go.await();
        int code = Main.execute(new PrintWriter(out), new PrintWriter(err), c);
        return code + "\n" + String.join(" ", c) + "\n" + out + err;
      }));
    }
    go.countDown();
    List<String> res = new ArrayList<>();
    for (Future<String> f : fs) res.add(f.get(10, TimeUnit.MINUTES));
    pool.shutdown();
    return res;
  }

  static void assertAllSucceeded(List<String> results) {
    for (String r : results) assertTrue(r.startsWith("0\n"), r);
  }

  Path generate(String cohort, int samples, int seed) {
    Path out = dir.resolve("gen-" + cohort + "-" + seed);
    assertEquals(0, Main.execute("generate", "--out", out.toString(), "--samples", String.valueOf(samples),
        "--mirnas", "120", "--proteins", "30", "--cancer-types", "3", "--seed", String.valueOf(seed), "--cohort",
        cohort));
    return out;
  }

  @Test
  void twoCohortsAtOnceBothLandCompletely(SparkSession spark) throws Exception {
    Path lake = dir.resolve("lake");
    Path a = generate("A", 30, 1);
    Path b = generate("B", 30, 2);
    assertAllSucceeded(together(ingest(lake, a, "A", "a-1"), ingest(lake, b, "B", "b-1")));
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "conc");
    assertLanded(l, "a-1", "b-1");
    LakeState.assertInvariants(l, "after two concurrent first ingests");

    // corrected re-deliveries of both at once: two MERGEs into different partitions of the same tables
    Path a2 = generate("A", 30, 11);
    Path b2 = generate("B", 30, 12);
    assertAllSucceeded(together(ingest(lake, a2, "A", "a-2"), ingest(lake, b2, "B", "b-2")));
    assertLanded(l, "a-2", "b-2");
    LakeState.assertInvariants(l, "after two concurrent re-deliveries");

    twoNormalizesThenTwoFirstDeRunsAtOnceAllLand(spark, lake, l);
  }

  /**
   * Two cohorts normalised at the same moment on a lake whose miR sample index has the four columns exocohort
   * wrote before the index held voom's figures: both writes add the columns ({@code mergeSchema}); the second to
   * commit meets the first's schema change (Delta's MetadataChangedException), which DeltaRetry retries against the
   * new schema, so both land with their figures and the lake's invariants hold. Then the two cohorts' first de runs
   * at the same moment: both create the de tables and load the shipped marker annotations (a whole-table overwrite
   * whose check and write retry together), and both land.
   */
  static void twoNormalizesThenTwoFirstDeRunsAtOnceAllLand(SparkSession spark, Path lake, Lake l) throws Exception {
    // no qc: every sample is used (30 per cohort, some groups of 2)
    String[] base = {"--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "conc", "--include-failed"};
    assertAllSucceeded(together(concat(new String[] {"normalize"}, base, "--cohort", "A", "--modality", "mirna",
        "--run-id", "norm-a-1")));
    String index = l.path(Tables.MIRNA_MATRIX_SAMPLES);
    spark.read().format("delta").load(index).select("cohort", "block", "sample_ids", "norm_run_id").write()
        .format("delta").mode("overwrite").option("overwriteSchema", "true").save(index);
    assertAllSucceeded(together(
        concat(new String[] {"normalize"}, base, "--cohort", "A", "--modality", "mirna", "--run-id", "norm-a-2"),
        concat(new String[] {"normalize"}, base, "--cohort", "B", "--modality", "mirna", "--run-id", "norm-b-1")));
    Dataset<Row> rows = spark.read().format("delta").load(index);
    assertTrue(List.of(rows.columns()).containsAll(List.of("scale", "library_sizes", "mean_library_size")),
        "the index gained voom's columns: " + List.of(rows.columns()));
    for (String[] cr : new String[][] {{"A", "norm-a-2"}, {"B", "norm-b-1"}}) {
      Dataset<Row> blocks = rows.filter(col("cohort").equalTo(cr[0]));
      assertTrue(blocks.count() > 0, cr[0] + " has index blocks");
      assertEquals(0, blocks.filter(col("norm_run_id").notEqual(cr[1]).or(col("library_sizes").isNull())
          .or(col("mean_library_size").isNull())).count(), cr[0] + "'s blocks are " + cr[1] + "'s, with its figures");
      assertEquals(1, l.read(Tables.JOB_RUNS).filter(col("run_id").equalTo(cr[1])
          .and(col("status").equalTo("succeeded"))).count(), cr[1] + " recorded as succeeded");
    }
    LakeState.assertInvariants(l, "after two concurrent normalizes on a four-column index");

    // then the two cohorts' first de runs at once: both create the de tables and load the marker annotations
    assertAllSucceeded(together(
        concat(new String[] {"de"}, base, "--cohort", "A", "--modality", "mirna", "--methods", "moderated_t",
            "--run-id", "de-a-1"),
        concat(new String[] {"de"}, base, "--cohort", "B", "--modality", "mirna", "--methods", "moderated_t",
            "--run-id", "de-b-1")));
    for (String run : new String[] {"de-a-1", "de-b-1"}) {
      assertEquals(1, l.read(Tables.DE_RUNS).filter(col("run_id").equalTo(run)).count(), run + " in de_runs");
      assertTrue(l.read(Tables.DE_RESULTS).filter(col("run_id").equalTo(run)).count() > 0, run + " has results");
    }
    assertEquals(Views.parseMarkers(Files.readAllBytes(Path.of("conf/marker_annotations.tsv"))).size(),
        l.read(Tables.MARKER_ANNOTATIONS).count(), "the marker annotations loaded whole (by one run, or by both with the same rows)");
    LakeState.assertInvariants(l, "after two concurrent first de runs");
  }

  /** Each run's recorded acceptances are in the tables (the cohort's rows are at least what it accepted). */
  static void assertLanded(Lake l, String... runs) {
    for (String run : runs) {
      Row r = l.read(Tables.INGEST_RUNS).filter(col("run_id").equalTo(run)).head();
      assertEquals("succeeded", r.getString(r.fieldIndex("status")), run);
      String cohort = r.getString(r.fieldIndex("cohort"));
      for (Row f : r.<Row>getList(r.fieldIndex("files"))) {
        var t = switch (f.getString(0)) {
          case "manifest" -> Tables.SAMPLES;
          case "mirna" -> Tables.MIRNA_COUNTS;
          default -> Tables.PROTEIN_ABUNDANCE;
        };
        long have = l.read(t).filter(col("cohort").equalTo(cohort)).count();
        assertTrue(f.getLong(5) > 0, run + " accepted nothing for " + t.name());
        assertEquals(f.getLong(5), have, run + ": " + t.name() + " rows of cohort " + cohort);
      }
    }
  }

  @Test
  void deRacingIngestAndQcReadsExactlyTheVersionsItRecords(SparkSession spark) throws Exception {
    // a lake with one cohort ingested, qc'd, normalised and tested by de through the command line (60 samples;
    // CliLakes' shared lake, copied), its tables registered in this test's database as those commands register them
    Path lake = TestLakes.copy(CliLakes.analysed(), dir.resolve("lake2"));
    io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "conc2");
    Path c = generate("C", 40, 4);
    String[] base = {"--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "conc2"};

    List<String> res = together(concat(new String[] {"de"}, base, "--modality", "mirna", "--run-id", "de-race"),
        ingest(lake, c, "C", "c-1", "conc2"),
        concat(new String[] {"qc"}, base, "--run-id", "qc-race"));
    assertAllSucceeded(res);

    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "conc2");
    Row run = l.read(Tables.DE_RUNS).filter(col("run_id").equalTo("de-race")).head();
    Map<String, Long> inputs = run.getJavaMap(run.fieldIndex("input_versions"));
    Map<String, Long> recorded = run.getJavaMap(run.fieldIndex("sample_counts"));
    // the samples per group, recomputed from the tables at the recorded versions
    Lake pinned = l.pinned(inputs);
    List<String> cohorts = List.of(run.<String, String>getJavaMap(run.fieldIndex("parameters")).get("cohorts")
        .split(","));
    Dataset<Row> usable = QcSelection.usable(pinned, cohorts, false).select("cohort", "sample_id");
    Dataset<Row> withValues = io.exocohort.matrix.Matrices.longRows(pinned.read(Tables.MIRNA_MATRIX),
        pinned.read(Tables.MIRNA_MATRIX_SAMPLES), false).select("cohort", "sample_id").distinct();
    Map<String, Long> expected = new HashMap<>();
    for (Row g : pinned.read(Tables.SAMPLES).join(usable, seq("cohort", "sample_id"))
        .join(withValues, seq("cohort", "sample_id")).groupBy("cancer_type").count().collectAsList()) {
      expected.put("mirna." + g.getString(0), g.getLong(1));
    }
    assertEquals(expected, recorded, "de_runs.sample_counts vs the tables at de_runs.input_versions " + inputs);
    assertTrue(l.read(Tables.DE_RESULTS).filter(col("run_id").equalTo("de-race")).count() > 0);
    LakeState.assertInvariants(l, "after de raced ingest and qc");
  }

  @Test
  void qcSelectionOfAPinnedLakeIgnoresLaterQcRuns(SparkSession spark) throws Exception {
    // a lake with a cohort ingested and checked by qc through the command line (CliLakes' shared lake, copied)
    Path lake = TestLakes.copy(CliLakes.analysed(), dir.resolve("lake3"));
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "conc3");
    Map<String, Long> pins = l.versions(List.of(Tables.SAMPLES, Tables.SAMPLE_QC));
    long usable = QcSelection.usable(l.pinned(pins), List.of("synthetic"), false).count();
    assertTrue(usable > 0);
    // a later qc run fails every sample
    l.read(Tables.SAMPLE_QC).withColumn("status", lit("fail")).withColumn("run_id", lit("qc-later"))
        .withColumn("qc_at", current_timestamp()).write().format("delta").mode("append").save(l.path(Tables.SAMPLE_QC));
    assertEquals(0, QcSelection.usable(l, List.of("synthetic"), false).count());
    assertEquals(usable, QcSelection.usable(l.pinned(pins), List.of("synthetic"), false).count());
  }

  static scala.collection.immutable.Seq<String> seq(String... s) {
    return CollectionConverters.asScala(List.of(s)).toList();
  }

  static String[] concat(String[] a, String... b) {
    String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  static String[] concat(String[] a, String[] b, String... more) {
    return concat(concat(a, b), more);
  }
}
