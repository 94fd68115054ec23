package io.exocohort.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.CliLakes;
import io.exocohort.matrix.Matrices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code upgrade} on a lake laid out as before the expression matrices: long Delta tables {@code mirna_expression}
 * / {@code protein_expression} partitioned by cohort, two cohorts from two normalize runs (one with imputed protein
 * values, one with missing ones), registered in the catalog as the former version registered them, and no matrix
 * tables. The old rows are the views' rows of a lake the pipeline built, written long; then the matrix folders
 * are deleted. The methods run in order on that one lake.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UpgradeIT {
  static final String BUILD_DB = "upgrade_it_build";
  /** The cohort normalised with imputed protein values (the other, beta, keeps its missing ones). */
  static final String ALPHA = "synthetic";
  static final String DB = "upgrade_it";

  SparkSession spark;
  Path lake;
  /** The old tables' rows per modality, counted before any upgrade. */
  final Map<Modality, Long> oldRows = new EnumMap<>(Modality.class);

  @BeforeAll
  void oldLake(SparkSession spark, @TempDir Path tmp) {
    this.spark = spark;
    // the first cohort, synthetic: CliLakes' shared lake (a generated cohort of 60 samples, 150 miRs, 30 proteins,
    // ingested through the command line and nothing else), copied; the same files again as cohort beta
    Path data;
    try {
      lake = TestLakes.copy(CliLakes.ingested(), tmp.resolve("lake"));
      data = CliLakes.data();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ok(BUILD_DB, "ingest", "--cohort", "beta", "--manifest", data.resolve("manifest.csv").toString(), "--mirna",
        data.resolve("mirna_counts.csv").toString(), "--protein", data.resolve("protein_intensities.csv").toString());
    ok(BUILD_DB, "qc");
    ok(BUILD_DB, "normalize", "--cohort", ALPHA, "--impute");
    ok(BUILD_DB, "normalize", "--cohort", "beta");
    Lake l = Lake.open(spark, lake.toString(), BUILD_DB);
    for (Modality m : Modality.values()) {
      Dataset<Row> rows = Matrices.longRows(l.read(m.matrix()), l.read(m.samples()), m.protein());
      rows.write().format("delta").partitionBy("cohort").save(l.preMatrixPath(m));
      delete(lake.resolve(m.matrix().name()));
      delete(lake.resolve(m.samples().name()));
      // a former version registered the long table under the name the view now takes
      spark.sql("CREATE DATABASE IF NOT EXISTS " + DB);
      spark.sql("CREATE TABLE " + DB + "." + m.view() + " USING delta LOCATION '" + l.preMatrixPath(m) + "'");
      oldRows.put(m, old(m).count());
    }
  }

  Dataset<Row> old(Modality m) {
    return spark.read().format("delta").load(lake.resolve(m.view()).toString());
  }

  String[] cli(String db, String command, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--database";
    all[1] = db;
    System.arraycopy(args, 0, all, 2, args.length);
    return TestLakes.cli(lake, command, all);
  }

  String ok(String db, String command, String... args) {
    String[] r = cli(db, command, args);
    assertEquals("0", r[0], command + " failed:\n" + r[2] + "\n" + r[1]);
    return r[1];
  }

  long upgradeRuns() {
    return Lake.open(spark, lake.toString(), DB).read(Tables.JOB_RUNS)
        .filter("job = 'upgrade' AND status = 'succeeded'").count();
  }

  @Test
  @Order(1)
  void theFixtureIsAnOldLakeWithNullsAndImputedValues() {
    Dataset<Row> p = old(Modality.PROTEIN);
    assertTrue(p.filter("cohort = 'beta' AND value IS NULL").count() > 0, "missing protein values in beta");
    assertTrue(p.filter("cohort = '" + ALPHA + "' AND imputed").count() > 0,
        "imputed protein values in " + ALPHA);
    assertEquals(2, old(Modality.MIRNA).select("norm_run_id").distinct().count(), "two normalize runs");
    assertFalse(Files.exists(lake.resolve(Tables.MIRNA_MATRIX.name())));
  }

  @Test
  @Order(2)
  void jobsOnAnOldLakeAskForTheUpgrade() {
    String[] r = cli(DB, "de");
    assertEquals("2", r[0], r[1] + r[2]);
    assertTrue(r[2].contains("was written before the expression matrices") && r[2].contains("mirna_expression")
        && r[2].contains("run jobs/exocohort upgrade --lake "), r[2]);
    assertEquals(1, r[2].strip().lines().count(), "one line: " + r[2]);
  }

  @Test
  @Order(3)
  void aFailedUpgradePutsTheOldTablesBack() {
    RunScope.injectFailure(LakeUpgrade.JOB);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LakeUpgrade.run(spark, new LakeUpgrade.Args(lake.toString(), DB, null)));
    assertTrue(e.getMessage().startsWith("injected failure: upgrade"), e.getMessage());
    for (Modality m : Modality.values()) {
      assertEquals(oldRows.get(m), old(m).count(), m.view() + " back in place");
      assertFalse(Files.exists(lake.resolve(Lake.PRE_MATRIX).resolve(m.view())));
      // the matrix the failed run created is restored to its empty first version
      assertEquals(0, Lake.open(spark, lake.toString(), DB).read(m.matrix()).count(), m.matrix().name());
    }
    assertTrue(spark.catalog().tableExists(DB, "mirna_expression"), "the old catalog entry back");
    assertEquals(0, upgradeRuns());
  }

  @Test
  @Order(4)
  void upgradeConvertsEveryRowAndKeepsTheOldTables() {
    String out = ok(DB, "upgrade");
    Path kept = lake.resolve(Lake.PRE_MATRIX);
    assertTrue(out.contains("mirna_expression") && out.contains("protein_expression")
        && out.contains(kept.resolve("mirna_expression").toString()), out);
    for (Modality m : Modality.values()) {
      assertFalse(Files.exists(lake.resolve(m.view())), m.view() + " moved away");
      Dataset<Row> before = spark.read().format("delta").load(kept.resolve(m.view()).toString());
      assertEquals(oldRows.get(m), before.count(), "the old table, readable where it was moved");
      String[] cols = Matrices.longSchema(m).fieldNames();
      Dataset<Row> view = spark.table(DB + "." + m.view()).selectExpr(cols);
      Dataset<Row> was = before.selectExpr(cols);
      assertEquals(oldRows.get(m), view.count(), m.view());
      assertEquals(0, view.exceptAll(was).count(), m.view() + ": rows the old table did not have");
      assertEquals(0, was.exceptAll(view).count(), m.view() + ": old rows the view lacks");
    }
    Row run = Lake.open(spark, lake.toString(), DB).read(Tables.JOB_RUNS)
        .filter("job = 'upgrade' AND status = 'succeeded'").selectExpr("parameters['mirna_expression.rows']",
            "output_versions['mirna_matrix'] IS NOT NULL").head();
    assertEquals(String.valueOf(oldRows.get(Modality.MIRNA)), run.getString(0));
    assertTrue(run.getBoolean(1), "the matrix commit recorded");
  }

  @Test
  @Order(5)
  void aSecondUpgradeIsANoOp() {
    long runs = upgradeRuns();
    String out = ok(DB, "upgrade");
    assertTrue(out.contains("is already upgraded") && out.contains("nothing to do"), out);
    assertEquals(runs, upgradeRuns(), "nothing recorded");
  }

  @Test
  @Order(6)
  void deRunsOnTheUpgradedLake() {
    ok(DB, "de");
    assertTrue(spark.table(DB + ".de_results").filter("modality = 'protein'").count() > 0);
  }

  @Test
  @Order(7)
  void upgradeSetsTheMatrixWriterPropertiesOnATableCreatedWithoutThem() {
    Lake l = Lake.open(spark, lake.toString(), DB);
    String path = l.path(Tables.MIRNA_MATRIX);
    spark.sql("ALTER TABLE delta.`" + path + "` UNSET TBLPROPERTIES ('parquet.block.row.count.limit', '"
        + Tables.NO_DICTIONARY_ENTRIES + "')");
    assertEquals(Map.of("parquet.block.row.count.limit", String.valueOf(Tables.MATRIX_ROW_GROUP_ROWS),
        Tables.NO_DICTIONARY_ENTRIES, "false"), l.missingWriterProperties(Tables.MIRNA_MATRIX));
    long runs = upgradeRuns();
    String out = ok(DB, "upgrade");
    assertTrue(out.contains("Parquet writer properties of mirna_matrix"), out);
    assertEquals(runs + 1, upgradeRuns(), "recorded as a run");
    assertEquals(Map.of(), l.missingWriterProperties(Tables.MIRNA_MATRIX));
    assertTrue(ok(DB, "upgrade").contains("nothing to do"));
  }

  @Test
  @Order(8)
  void upgradePutsADeclaredConstraintInPlaceOnATableWithAnOlderOne() {
    Lake l = Lake.open(spark, lake.toString(), DB);
    String path = l.path(Tables.DE_RESULTS);
    long rows = spark.read().format("delta").load(path).count();
    // de_results as an exocohort before treat created it
    spark.sql("ALTER TABLE delta.`" + path + "` DROP CONSTRAINT method_valid");
    spark.sql("ALTER TABLE delta.`" + path + "` ADD CONSTRAINT method_valid CHECK (method IN ('moderated_t', "
        + "'welch_t', 'wilcoxon', 'kruskal', 'anova'))");
    assertEquals(java.util.Set.of("method_valid"), l.outdatedConstraints(Tables.DE_RESULTS).keySet());
    long runs = upgradeRuns();
    String out = ok(DB, "upgrade");
    assertTrue(out.contains("CHECK constraints of de_results in place"), out);
    assertEquals(runs + 1, upgradeRuns(), "recorded as a run");
    assertEquals(Map.of(), l.outdatedConstraints(Tables.DE_RESULTS));
    assertEquals(rows, spark.read().format("delta").load(path).count(), "no row lost");
    assertTrue(ok(DB, "upgrade").contains("nothing to do"));
  }

  /**
   * A miR sample index as exocohort wrote it before the index held voom's figures (four columns): de reads the
   * library sizes from sample_normalization; normalize's next write adds the columns (null in the other cohorts'
   * blocks) and fills them for its cohort; de then reads them from the index, and the two paths give the same
   * moderated t to rounding.
   */
  @Test
  @Order(9)
  void aSampleIndexWrittenBeforeItHeldVoomsFiguresStillServesDeAndGainsThem() {
    Lake l = Lake.open(spark, lake.toString(), DB);
    String path = l.path(Tables.MIRNA_MATRIX_SAMPLES);
    spark.read().format("delta").load(path).select("cohort", "block", "sample_ids", "norm_run_id").write()
        .format("delta").mode("overwrite").option("overwriteSchema", "true").save(path);
    ok(DB, "de", "--cohort", ALPHA, "--modality", "mirna", "--methods", "moderated_t", "--run-id", "de-old-index");
    ok(DB, "normalize", "--cohort", ALPHA, "--modality", "mirna");
    Dataset<Row> index = spark.read().format("delta").load(path);
    assertTrue(java.util.Arrays.asList(index.columns()).containsAll(
        java.util.List.of("scale", "library_sizes", "mean_library_size")), "the columns are added");
    assertEquals(0, index.filter("cohort = '" + ALPHA + "' AND library_sizes IS NULL").count());
    assertTrue(index.filter("cohort = 'beta'").count() > 0
        && index.filter("cohort = 'beta' AND library_sizes IS NOT NULL").count() == 0, "beta's blocks as they were");
    ok(DB, "de", "--cohort", ALPHA, "--modality", "mirna", "--methods", "moderated_t", "--run-id", "de-new-index");
    Dataset<Row> runs = spark.read().format("delta").load(l.path(Tables.DE_RUNS))
        .filter("run_id IN ('de-old-index', 'de-new-index')").selectExpr("parameters['weights.mirna']");
    assertEquals(java.util.List.of("voom", "voom"), runs.as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    Map<String, Double> before = new java.util.HashMap<>();
    for (Row r : spark.read().format("delta").load(l.path(Tables.DE_RESULTS)).filter("run_id = 'de-old-index'")
        .select("contrast", "feature", "statistic").collectAsList()) {
      before.put(r.getString(0) + "|" + r.getString(1), r.isNullAt(2) ? Double.NaN : r.getDouble(2));
    }
    java.util.List<Row> after = spark.read().format("delta").load(l.path(Tables.DE_RESULTS))
        .filter("run_id = 'de-new-index'").select("contrast", "feature", "statistic").collectAsList();
    assertEquals(before.size(), after.size());
    assertTrue(!after.isEmpty());
    for (Row r : after) {
      double want = before.get(r.getString(0) + "|" + r.getString(1));
      double got = r.isNullAt(2) ? Double.NaN : r.getDouble(2);
      assertTrue(Double.isNaN(want) ? Double.isNaN(got) : Math.abs(want - got) <= 1e-9 * Math.max(1, Math.abs(want)),
          r + " against " + want);
    }
  }

  @Test
  void aLakeWithoutExpressionIsRefused(@TempDir Path empty) throws IOException {
    Files.createDirectories(empty.resolve("lake"));
    String[] r = TestLakes.cli(empty.resolve("lake"), "upgrade");
    assertEquals("2", r[0], r[1] + r[2]);
    assertTrue(r[2].contains("has no expression tables to upgrade"), r[2]);
    assertEquals(1, r[2].strip().lines().count(), r[2]);
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
