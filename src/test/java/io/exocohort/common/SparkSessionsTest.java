package io.exocohort.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.metrics.source.CodegenMetrics;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkSessionsTest {
  /** A query whose generated code no other test makes, run in a session of its own. */
  private static List<Row> query(SparkSession session) {
    return session.range(0, 400, 1, 2).selectExpr("id * 7919 + 104729 AS sparksessionstest_x")
        .filter("sparksessionstest_x % 3 = 1").collectAsList();
  }

  @Test
  void aNewSessionReusesTheCodeAnEarlierSessionCompiled(SparkSession spark) {
    assertEquals("false", spark.conf().get(SparkSessions.ARTIFACT_ISOLATION));
    List<Row> first = query(spark.newSession()); // compiles this query's classes (in the driver and the tasks)
    long compiled = CodegenMetrics.METRIC_COMPILATION_TIME().getCount();
    List<Row> second = query(spark.newSession()); // as the server's next request: a new session, the same query
    assertEquals(first, second);
    assertEquals(compiled, CodegenMetrics.METRIC_COMPILATION_TIME().getCount(),
        "the second session compiled generated code again");
  }

  @Test
  void droppingTheCachesDropsDeltasLogsAndTheTableStillReads(SparkSession spark, @TempDir Path dir) {
    String table = dir.resolve("t").toString();
    spark.range(0, 10, 1, 1).write().format("delta").save(table);
    DeltaLog before = DeltaLog.forTable(spark, table);
    assertSame(before, DeltaLog.forTable(spark, table), "Delta caches a table's log");
    SparkSessions.dropCached(spark);
    assertNotSame(before, DeltaLog.forTable(spark, table));
    assertEquals(10, spark.read().format("delta").load(table).count());
  }
}
