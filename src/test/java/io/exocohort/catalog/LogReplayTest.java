package io.exocohort.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver-side log replay ({@link LogReplay}) reads every version of a table as Delta's own reader does: the same
 * rows and the same columns, across appends, a partition replaced, rows deleted, a column added with mergeSchema, a
 * checkpoint and an empty table, with no Delta Spark job before the read; and what it does not read as Delta does
 * (deletion vectors, column mapping, a commit file missing) it leaves to Delta.
 */
class LogReplayTest {
  /** Every version of the table at {@code dir}, replayed and read by Delta, compared. */
  private static void sameAsDelta(SparkSession spark, String dir, long upTo) throws Exception {
    for (long v = 0; v <= upTo; v++) {
      Optional<Dataset<Row>> replayed = LogReplay.read(spark, dir, v);
      assertTrue(replayed.isPresent(), "version " + v + " replayed");
      Dataset<Row> delta = spark.read().format("delta").option("versionAsOf", v).load(dir);
      assertSame(delta, replayed.get(), "version " + v);
      assertEquals(files(delta), files(LogReplay.replay(spark.sparkContext().hadoopConfiguration(), dir, v)),
          "version " + v + ": files");
    }
  }

  private static void assertSame(Dataset<Row> delta, Dataset<Row> replayed, String what) {
    List<String> want = new ArrayList<>();
    for (StructField f : delta.schema().fields()) want.add(f.name() + " " + f.dataType().json() + " " + f.nullable());
    List<String> got = new ArrayList<>();
    for (StructField f : replayed.schema().fields()) got.add(f.name() + " " + f.dataType().json() + " " + f.nullable());
    assertEquals(want, got, what + ": columns");
    assertEquals(sorted(delta), sorted(replayed), what + ": rows");
  }

  private static java.util.Set<String> files(Dataset<Row> delta) {
    return paths(List.of(delta.inputFiles()));
  }

  private static java.util.Set<String> files(LogReplay.Version v) {
    return paths(v.files());
  }

  private static java.util.Set<String> paths(List<String> files) {
    java.util.Set<String> s = new java.util.TreeSet<>();
    for (String f : files) s.add(new org.apache.hadoop.fs.Path(f).toUri().getPath());
    return s;
  }

  private static List<String> sorted(Dataset<Row> d) {
    List<String> rows = new ArrayList<>();
    for (Row r : d.collectAsList()) rows.add(r.toString());
    Collections.sort(rows);
    return rows;
  }

  private static String table(Path tmp, String name) {
    return tmp.resolve(name).toUri().toString().replaceAll("/$", "");
  }

  @Test
  void everyVersionReadsAsDeltaReadsIt(SparkSession spark, @TempDir Path tmp) throws Exception {
    String t = table(tmp, "t");
    Dataset<Row> a = spark.range(20).selectExpr("IF(id % 2 = 0, 'c1', 'c-2.x') AS cohort", "id", "id / 2.0D AS v");
    a.write().format("delta").partitionBy("cohort").save(t); // 0
    spark.range(20, 25).selectExpr("'c3' AS cohort", "id", "id / 2.0D AS v").write().format("delta")
        .mode("append").save(t); // 1
    spark.range(100, 103).selectExpr("'c1' AS cohort", "id", "id * 2.0D AS v").write().format("delta")
        .mode("overwrite").option("replaceWhere", "cohort = 'c1'").save(t); // 2: c1's files removed, new added
    spark.sql("DELETE FROM delta.`" + t + "` WHERE id = 21"); // 3: a file rewritten
    spark.range(200, 202).selectExpr("'c4' AS cohort", "id", "id / 2.0D AS v", "array(id, id) AS extra").write()
        .format("delta").mode("append").option("mergeSchema", "true").save(t); // 4: older files lack `extra`
    sameAsDelta(spark, t, 4);
    assertEquals(4, LogReplay.replay(spark.sparkContext().hadoopConfiguration(), t, LogReplay.LATEST).version());
    assertSame(spark.read().format("delta").load(t), LogReplay.read(spark, t, LogReplay.LATEST).orElseThrow(),
        "the newest version");
    Dataset<Row> last = LogReplay.read(spark, t, 4).orElseThrow();
    assertEquals(0, last.where("cohort = 'c1' AND extra IS NOT NULL").count(), "older files read `extra` as null");
    assertEquals(3, last.where("cohort = 'c1'").count());
  }

  @Test
  void declaredNullabilityIsKept(SparkSession spark, @TempDir Path tmp) throws Exception {
    // as the matrix tables declare them: NOT NULL columns, entries that are never null
    String t = tmp.resolve("m").toString();
    StructType schema = new StructType().add("cohort", DataTypes.StringType, false)
        .add("feature", DataTypes.StringType, false)
        .add("entries", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
        .add("note", DataTypes.StringType, true);
    io.delta.tables.DeltaTable.create(spark).location(t).addColumns(schema).partitionedBy("cohort").execute();
    spark.range(6).selectExpr("IF(id < 3, 'a', 'b') AS cohort", "concat('f', id) AS feature",
        "array(CAST(id AS DOUBLE), 0.5D) AS entries", "CAST(NULL AS STRING) AS note").write().format("delta")
        .mode("append").save(t);
    sameAsDelta(spark, t, 1);
    StructType read = LogReplay.read(spark, t, 1).orElseThrow().schema();
    assertFalse(read.apply("feature").nullable(), "a NOT NULL column stays NOT NULL");
    assertFalse(((org.apache.spark.sql.types.ArrayType) read.apply("entries").dataType()).containsNull(),
        "non-null entries stay non-null");
  }

  @Test
  void readsFromACheckpointWithoutTheCommitsBeforeIt(SparkSession spark, @TempDir Path tmp) throws Exception {
    String t = table(tmp, "t");
    spark.range(10).selectExpr("'a' AS cohort", "id").write().format("delta").partitionBy("cohort").save(t);
    for (int i = 1; i <= 3; i++) {
      spark.range(10 * i, 10 * i + 5).selectExpr("'b" + i + "' AS cohort", "id").write().format("delta")
          .mode("append").save(t);
    }
    spark.sql("DELETE FROM delta.`" + t + "` WHERE cohort = 'b1'"); // 4
    DeltaLog.forTable(spark, t).checkpoint(); // at 4: the removes are tombstones there
    spark.range(90, 92).selectExpr("'c' AS cohort", "id").write().format("delta").mode("append").save(t); // 5
    sameAsDelta(spark, t, 5);
    // Without the commits before the checkpoint, only the checkpoint can give versions 4 and 5.
    Path log = tmp.resolve("t/_delta_log");
    for (int v = 0; v < 4; v++) Files.delete(log.resolve(String.format("%020d.json", v)));
    assertFalse(LogReplay.read(spark, t, 3).isPresent(), "version 3 has no commits left: Delta's to read");
    LogReplay.Version v5 = LogReplay.replay(spark.sparkContext().hadoopConfiguration(), t, 5);
    assertEquals(List.of("cohort"), v5.partitionColumns());
    assertEquals(files(spark.read().format("delta").load(t)), files(v5), "b1's files are gone");
    DeltaLog.clearCache();
    assertSame(spark.read().format("delta").load(t), LogReplay.read(spark, t, 5).orElseThrow(), "version 5");
  }

  @Test
  void anEmptyVersionHasTheColumnsAndNoRows(SparkSession spark, @TempDir Path tmp) throws Exception {
    String t = table(tmp, "t");
    spark.range(3).selectExpr("'a' AS cohort", "id").write().format("delta").partitionBy("cohort").save(t);
    spark.sql("DELETE FROM delta.`" + t + "`");
    sameAsDelta(spark, t, 1);
    assertEquals(0, LogReplay.replay(spark.sparkContext().hadoopConfiguration(), t, 1).files().size());
  }

  @Test
  void theLakesReadsRunNoDeltaJobUnlessSwitchedOff(SparkSession spark, @TempDir Path tmp) throws Exception {
    Lake lake = Lake.open(spark, tmp.resolve("lake").toString(), "log_replay_test");
    String t = lake.path(Tables.SAMPLES);
    spark.range(50).selectExpr("CAST(id % 3 AS STRING) AS cohort", "id").write().format("delta")
        .partitionBy("cohort").save(t);
    List<String> jobs = new CopyOnWriteArrayList<>();
    SparkListener l = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        String d = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        jobs.add(d == null ? "" : d);
      }
    };
    spark.sparkContext().addSparkListener(l);
    try {
      assertTrue(LogReplay.enabled(spark), "on by default");
      for (boolean on : new boolean[] {true, false}) {
        if (!on) spark.conf().set(LogReplay.KEY, "false");
        DeltaLog.clearCache();
        jobs.clear();
        assertEquals(17, lake.read(Tables.SAMPLES).where("cohort = '1'").count());
        assertEquals(50, lake.readAsOf(Tables.SAMPLES, 0).count());
        spark.sparkContext().listenerBus().waitUntilEmpty();
        assertEquals(on, jobs.stream().noneMatch(d -> d.startsWith("Delta")), "Delta jobs: " + jobs);
      }
    } finally {
      spark.conf().unset(LogReplay.KEY);
      spark.sparkContext().removeSparkListener(l);
    }
  }

  @Test
  void leavesToDeltaWhatItDoesNotReadAsDeltaDoes(SparkSession spark, @TempDir Path tmp) throws Exception {
    // deletion vectors on a live file
    String dv = table(tmp, "dv");
    spark.sql("CREATE TABLE delta.`" + dv + "` (cohort STRING, id BIGINT) USING delta PARTITIONED BY (cohort) "
        + "TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')");
    spark.range(10).selectExpr("'a' AS cohort", "id").write().format("delta").mode("append").save(dv);
    assertTrue(LogReplay.read(spark, dv, 1).isPresent(), "no deletion vector yet");
    spark.sql("DELETE FROM delta.`" + dv + "` WHERE id = 3");

    assertFalse(LogReplay.read(spark, dv, 2).isPresent(), "a deletion vector: Delta's to read");
    // column mapping
    String cm = table(tmp, "cm");
    spark.sql("CREATE TABLE delta.`" + cm + "` (id BIGINT) USING delta TBLPROPERTIES ("
        + "'delta.columnMapping.mode' = 'name', 'delta.minReaderVersion' = '2', 'delta.minWriterVersion' = '5')");
    assertFalse(LogReplay.read(spark, cm, 0).isPresent(), "column mapping: Delta's to read");
    // data files outside the folders of their partition values
    String rnd = table(tmp, "rnd");
    spark.sql("CREATE TABLE delta.`" + rnd + "` (cohort STRING, id BIGINT) USING delta PARTITIONED BY (cohort) "
        + "TBLPROPERTIES ('delta.randomizeFilePrefixes' = 'true')");
    spark.range(4).selectExpr("'a' AS cohort", "id").write().format("delta").mode("append").save(rnd);
    assertFalse(LogReplay.read(spark, rnd, 1).isPresent(), "random prefixes: Delta's to read");
    String rnd2 = table(tmp, "rnd2");
    spark.sql("CREATE TABLE delta.`" + rnd2 + "` (id BIGINT) USING delta "
        + "TBLPROPERTIES ('delta.randomizeFilePrefixes' = 'true')");
    spark.range(4).write().format("delta").mode("append").save(rnd2);
    assertFalse(LogReplay.read(spark, rnd2, 1).isPresent(), "unpartitioned, in folders: Delta's to read");
    // a partition column that is not a string (Spark and Delta parse its folder values each their own way)
    String ints = table(tmp, "ints");
    spark.range(4).selectExpr("CAST(id % 2 AS INT) AS part", "id").write().format("delta").partitionBy("part")
        .save(ints);
    assertFalse(LogReplay.read(spark, ints, 0).isPresent(), "an int partition: Delta's to read");
    // a commit missing in the middle, and a version past the newest
    String gap = table(tmp, "gap");
    for (int i = 0; i < 3; i++) {
      spark.range(i, i + 1).selectExpr("id").write().format("delta").mode("append").save(gap);
    }
    assertTrue(LogReplay.read(spark, gap, 2).isPresent());
    assertFalse(LogReplay.read(spark, gap, 3).isPresent(), "no version 3");
    Files.delete(tmp.resolve("gap/_delta_log").resolve(String.format("%020d.json", 1)));
    assertThrows(LogReplay.Unsupported.class,
        () -> LogReplay.replay(spark.sparkContext().hadoopConfiguration(), gap, 2));
  }

  @Test
  void folderNamesUnescapeAsHiveEscapesThem() {
    assertEquals("cohort=a:b/c", LogReplay.unescape("cohort=a%3Ab%2Fc"));
    assertEquals("x=100%", LogReplay.unescape("x=100%"));
    assertEquals("x=%zz", LogReplay.unescape("x=%zz"));
  }
}
