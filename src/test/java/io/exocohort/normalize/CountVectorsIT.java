package io.exocohort.normalize;

import static org.apache.spark.sql.functions.array_contains;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import io.exocohort.matrix.Matrices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
 * The per-sample miR count vectors of ADR 2 on one lake, in order: ingest writes them equal to {@code mirna_counts}
 * (a fresh cohort, then a re-ingest that changes counts and adds a miR that only two samples have, so that the
 * other samples list it as absent); a failed ingest leaves them at their previous version; qc and normalize read
 * them and give the outputs of the long path on the same lake; a lake without them (as written before this change)
 * is read long, and {@code upgrade} builds them without loss, after which normalize reads them again with the same
 * output.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CountVectorsIT {
  static final String DB = "count_vectors_it";
  static final String NEW_MIR = "hsa-miR-9999-3p";

  SparkSession spark;
  Path lake;
  Path data;
  Path dir;
  List<String> samples;
  List<String> features;

  @BeforeAll
  void lake(SparkSession spark, @TempDir Path tmp) {
    this.spark = spark;
    dir = tmp;
    lake = tmp.resolve("lake");
    data = tmp.resolve("data");
    GenerateJob.run(GenerateArgs.defaults(data).withSamples(60).withFeatures(150, 30).withCancerTypes(2).withSeed(11));
  }

  Lake open() {
    return Lake.open(spark, lake.toString(), DB);
  }

  String ok(String command, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--database";
    all[1] = DB;
    System.arraycopy(args, 0, all, 2, args.length);
    String[] r = TestLakes.cli(lake, command, all);
    assertEquals("0", r[0], command + " failed:\n" + r[2] + "\n" + r[1]);
    return r[1];
  }

  String[] ingestArgs(String cohort, Path mirna, String runId) {
    return new String[] {"--cohort", cohort, "--manifest", data.resolve("manifest.csv").toString(), "--mirna",
        mirna.toString(), "--run-id", runId};
  }

  /**
   * The vectors read back long ({@code cohort, sample_id, feature, count}, positions listed absent left out) must
   * be exactly the cohort's rows of mirna_counts, bit for bit, and every absent position must hold 0; the feature
   * index must be the cohort's sorted distinct miRs.
   */
  void assertVectorsAreTheLongTable(Lake l, String cohort) {
    Dataset<Row> v = l.read(Tables.MIRNA_COUNT_VECTORS).filter(col("cohort").equalTo(cohort));
    Dataset<Row> f = l.read(Tables.MIRNA_COUNT_FEATURES).filter(col("cohort").equalTo(cohort));
    assertEquals(1, f.count(), "one feature index row for " + cohort);
    List<String> index = f.head().getList(1);
    List<String> want = l.read(Tables.MIRNA_COUNTS).filter(col("cohort").equalTo(cohort)).select("feature")
        .distinct().as(Encoders.STRING()).collectAsList().stream().sorted().toList();
    assertEquals(want, index, "the feature index of " + cohort);
    Dataset<Row> cells = v.select(col("cohort"), col("sample_id"), col("absent"), posexplode(col("counts")))
        .withColumn("feature", element_at(lit(index.toArray(new String[0])), col("pos").plus(1)))
        .withColumn("is_absent", coalesce(array_contains(col("absent"), col("pos")), lit(false)));
    assertEquals(0, cells.filter(col("is_absent").and(col("col").notEqual(0.0))).count(), "absent = 0");
    Dataset<Row> fromVectors = cells.filter(col("is_absent").equalTo(false))
        .select(col("cohort"), col("sample_id"), col("feature"), col("col").as("count"));
    Dataset<Row> long_ = l.read(Tables.MIRNA_COUNTS).filter(col("cohort").equalTo(cohort))
        .select("cohort", "sample_id", "feature", "count");
    assertTrue(long_.count() > 0);
    assertEquals(long_.count(), fromVectors.count(), "values of " + cohort);
    assertEquals(0, fromVectors.exceptAll(long_).count(), "values the long table does not have");
    assertEquals(0, long_.exceptAll(fromVectors).count(), "long rows the vectors lack");
  }

  /** A long count file: the given counts of some samples (sample -> feature -> count). */
  Path longFile(String name, Map<String, Map<String, Long>> counts) {
    StringBuilder sb = new StringBuilder("sample_id,feature,count\n");
    counts.forEach((s, m) -> m.forEach((f, c) -> sb.append(s).append(',').append(f).append(',').append(c)
        .append('\n')));
    return TestLakes.write(dir, name, sb.toString());
  }

  String parameter(String runId, String key) {
    return open().read(Tables.JOB_RUNS).filter(col("run_id").equalTo(runId).and(col("status").equalTo("succeeded")))
        .select(element_at(col("parameters"), lit(key))).as(Encoders.STRING()).head();
  }

  @Test
  @Order(1)
  void ingestWritesVectorsEqualToTheLongTable() {
    ok("ingest", ingestArgs("alpha", data.resolve("mirna_counts.csv"), "ingest-1"));
    Lake l = open();
    assertVectorsAreTheLongTable(l, "alpha");
    assertEquals(0, l.read(Tables.MIRNA_COUNT_VECTORS).filter(col("absent").isNotNull()).count(),
        "every sample of a full matrix has every miR");
    samples = l.read(Tables.MIRNA_COUNT_VECTORS).select("sample_id").as(Encoders.STRING()).collectAsList()
        .stream().sorted().toList();
    features = l.read(Tables.MIRNA_COUNT_FEATURES).head().getList(1);
    assertEquals(60, samples.size());
    assertEquals("ingest-1", l.read(Tables.MIRNA_COUNT_FEATURES).head().getString(3));
  }

  @Test
  @Order(2)
  void aReIngestThatChangesCountsAndAddsAMiRRewritesThem() {
    Map<String, Map<String, Long>> c = new java.util.LinkedHashMap<>();
    c.put(samples.get(0), Map.of(features.get(0), 123_456L, features.get(5), 0L, NEW_MIR, 77L));
    c.put(samples.get(1), Map.of(features.get(1), 9L, NEW_MIR, 0L));
    c.put(samples.get(2), Map.of(features.get(2), 31_415L));
    ok("ingest", ingestArgs("alpha", longFile("re.csv", c), "ingest-2"));
    Lake l = open();
    assertEquals(123_456.0, l.read(Tables.MIRNA_COUNTS).filter(col("sample_id").equalTo(samples.get(0))
        .and(col("feature").equalTo(features.get(0)))).head().getDouble(3), 0.0, "the MERGE changed the count");
    assertVectorsAreTheLongTable(l, "alpha");
    List<String> index = l.read(Tables.MIRNA_COUNT_FEATURES).head().getList(1);
    assertTrue(index.contains(NEW_MIR), "the new miR is in the index");
    // the new miR has rows for two samples (one a delivered 0): the other 58 list it as absent
    assertEquals(58, l.read(Tables.MIRNA_COUNT_VECTORS)
        .filter(array_contains(col("absent"), index.indexOf(NEW_MIR))).count());
    assertEquals("ingest-2", l.read(Tables.MIRNA_COUNT_FEATURES).head().getString(3));
    // the query docs/tables.md gives for reading the vectors as rows
    Dataset<Row> documented = spark.sql("SELECT v.sample_id, f.features[p.pos] AS feature, p.count FROM " + DB
        + ".mirna_count_vectors v JOIN " + DB + ".mirna_count_features f ON f.cohort = v.cohort "
        + "LATERAL VIEW posexplode(v.counts) p AS pos, count "
        + "WHERE v.cohort = 'alpha' AND NOT coalesce(array_contains(v.absent, p.pos), false)");
    Dataset<Row> long_ = spark.sql("SELECT sample_id, feature, count FROM " + DB + ".mirna_counts "
        + "WHERE cohort = 'alpha'");
    assertEquals(long_.count(), documented.count());
    assertEquals(0, documented.exceptAll(long_).count());
  }

  @Test
  @Order(3)
  void aFailedIngestLeavesTheVectorsAtTheirPreviousVersion() {
    Lake l = open();
    long v = l.version(Tables.MIRNA_COUNT_VECTORS);
    long f = l.version(Tables.MIRNA_COUNT_FEATURES);
    List<Row> before = l.read(Tables.MIRNA_COUNT_VECTORS).orderBy("sample_id").collectAsList();
    Map<String, Map<String, Long>> c = Map.of(samples.get(3), Map.of(features.get(3), 5L, "hsa-miR-8888-5p", 4L));
    RunScope.injectFailure("ingest");
    String[] r = TestLakes.cli(lake, "ingest", withDb(ingestArgs("alpha", longFile("fail.csv", c), "ingest-3")));
    assertFalse(r[0].equals("0"), "the injected failure fails the run");
    Lake after = open();
    assertTrue(after.version(Tables.MIRNA_COUNT_VECTORS) > v, "the failed run wrote the vectors, then restored them");
    assertEquals(before, after.read(Tables.MIRNA_COUNT_VECTORS).orderBy("sample_id").collectAsList());
    assertEquals("ingest-2", after.read(Tables.MIRNA_COUNT_FEATURES).head().getString(3));
    assertFalse(after.read(Tables.MIRNA_COUNT_FEATURES).head().getList(1).contains("hsa-miR-8888-5p"));
    assertTrue(after.version(Tables.MIRNA_COUNT_FEATURES) > f);
    assertVectorsAreTheLongTable(after, "alpha");
  }

  String[] withDb(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "--database";
    all[1] = DB;
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  /** qc's per-sample figures of a run, by sample. */
  Map<String, Row> qcRows(String runId) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : open().read(Tables.SAMPLE_QC).filter(col("run_id").equalTo(runId))
        .select("sample_id", "library_size", "mirs_detected", "top10_fraction", "hemolysis_log2_ratio",
            "library_size_robust_z", "mirs_detected_robust_z", "status", "reasons").collectAsList()) {
      m.put(r.getString(0), r);
    }
    return m;
  }

  /** The normalised miR values a normalize run left in the matrix, by (sample, miR). */
  Map<String, Double> normalised() {
    Lake l = open();
    Map<String, Double> m = new HashMap<>();
    for (Row r : Matrices.longRows(l.read(Tables.MIRNA_MATRIX), l.read(Tables.MIRNA_MATRIX_SAMPLES), false)
        .select("sample_id", "feature", "value").collectAsList()) {
      m.put(r.getString(0) + "|" + r.getString(1), r.getDouble(2));
    }
    return m;
  }

  Map<String, Row> perSample(String runId) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : open().read(Tables.SAMPLE_NORMALIZATION).filter(col("norm_run_id").equalTo(runId))
        .filter(col("modality").equalTo("mirna")).select("sample_id", "library_size", "norm_factor")
        .collectAsList()) {
      m.put(r.getString(0), r);
    }
    return m;
  }

  /** Equal values: the same keys, each value within a few units in the last place. */
  static void assertClose(Map<String, Double> want, Map<String, Double> got, String what) {
    assertEquals(want.keySet(), got.keySet(), what + ": keys");
    List<String> off = new ArrayList<>();
    for (Map.Entry<String, Double> e : want.entrySet()) {
      double a = e.getValue();
      double b = got.get(e.getKey());
      if (Math.abs(a - b) > 1e-12 * Math.max(1, Math.abs(a))) off.add(e.getKey() + ": " + a + " vs " + b);
    }
    assertTrue(off.isEmpty(), what + ": " + off.size() + " values differ, e.g. " + off.subList(0,
        Math.min(5, off.size())));
  }

  @Test
  @Order(4)
  void qcAndNormalizeGiveTheLongPathsOutputsAndUpgradeBuildsMissingVectors() {
    // 1. the vectors
    ok("qc", "--run-id", "qc-vec");
    ok("normalize", "--modality", "mirna", "--run-id", "norm-vec");
    assertEquals(CountVectors.READ_VECTORS, parameter("qc-vec", "mirna_counts_read"));
    assertEquals(CountVectors.READ_VECTORS, parameter("norm-vec", "mirna_counts_read"));
    Map<String, Row> qcVec = qcRows("qc-vec");
    Map<String, Double> normVec = normalised();
    Map<String, Row> factorsVec = perSample("norm-vec");
    assertFalse(normVec.isEmpty());

    // 2. the same lake as written before the vectors: both tables gone, the long path
    for (String t : List.of(Tables.MIRNA_COUNT_VECTORS.name(), Tables.MIRNA_COUNT_FEATURES.name())) {
      delete(lake.resolve(t));
      spark.sql("DROP TABLE IF EXISTS " + DB + "." + t);
    }
    ok("qc", "--run-id", "qc-long");
    ok("normalize", "--modality", "mirna", "--run-id", "norm-long");
    assertEquals(CountVectors.READ_LONG, parameter("qc-long", "mirna_counts_read"));
    assertEquals(CountVectors.READ_LONG, parameter("norm-long", "mirna_counts_read"));
    assertEquals(qcVec, qcRows("qc-long"), "qc from the vectors = qc from the long rows, bit for bit");
    Map<String, Double> normLong = normalised();
    assertClose(normLong, normVec, "log-CPM from the vectors");
    Map<String, Row> factorsLong = perSample("norm-long");
    assertEquals(factorsLong.keySet(), factorsVec.keySet());
    for (String s : factorsLong.keySet()) {
      assertEquals(factorsLong.get(s).getDouble(1), factorsVec.get(s).getDouble(1), 0.0, "library size " + s);
      assertEquals(factorsLong.get(s).getDouble(2), factorsVec.get(s).getDouble(2),
          1e-12 * factorsLong.get(s).getDouble(2), "norm factor " + s);
    }

    // 3. upgrade builds them (checked against the long rows), and normalize reads them again: same output
    String out = ok("upgrade");
    assertTrue(out.contains("mirna_count_vectors") && out.contains("alpha"), out);
    assertVectorsAreTheLongTable(open(), "alpha");
    ok("normalize", "--modality", "mirna", "--run-id", "norm-up");
    assertEquals(CountVectors.READ_VECTORS, parameter("norm-up", "mirna_counts_read"));
    assertClose(normLong, normalised(), "log-CPM after upgrade");
    String again = ok("upgrade");
    assertTrue(again.contains("nothing to do"), again);
  }

  @Test
  @Order(5)
  void vectorsOlderThanAChangeOfTheirCohortsCountsAreNotUsedUntilRebuilt() {
    // an OPTIMIZE rewrites the counts' files without changing a row: the vectors stay in use
    ok("optimize", "--table", Tables.MIRNA_COUNTS.name());
    ok("qc", "--run-id", "qc-optimized");
    assertEquals(CountVectors.READ_VECTORS, parameter("qc-optimized", "mirna_counts_read"));
    // a change of alpha's rows the vectors never saw (SQL on the table, or an ingest killed between its two commits)
    spark.sql("UPDATE delta.`" + lake.resolve(Tables.MIRNA_COUNTS.name()) + "` SET count = count + 1 "
        + "WHERE cohort = 'alpha' AND sample_id = '" + samples.get(0) + "'");
    ok("qc", "--run-id", "qc-stale");
    assertEquals(CountVectors.READ_LONG, parameter("qc-stale", "mirna_counts_read"));
    ok("upgrade");
    assertVectorsAreTheLongTable(open(), "alpha");
    ok("qc", "--run-id", "qc-rebuilt");
    assertEquals(CountVectors.READ_VECTORS, parameter("qc-rebuilt", "mirna_counts_read"));
    assertEquals(qcRows("qc-stale"), qcRows("qc-rebuilt"), "the rebuilt vectors give the long path's qc");
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
