package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/**
 * For the forced-failure tests of the model and report jobs: the contents of every table of a lake (rows and an
 * order-independent checksum of every row; {@code job_runs} aside), and the check that a failed run left them as
 * they were and recorded its failure.
 */
public final class FailedRuns {
  private FailedRuns() {}

  /**
   * Per table (but {@code job_runs}): {@code "<rows> rows, <sum of xxhash64 of each row as JSON>"}; an absent
   * table reads as empty (a table the failed run created is restored to its empty version 0).
   */
  public static Map<String, String> contents(SparkSession spark, Path root) {
    Lake lake = Lake.open(spark, root.toString(), "exocohort");
    Map<String, String> m = new LinkedHashMap<>();
    for (TableDef t : Tables.ALL) {
      if (t == Tables.JOB_RUNS) continue;
      long v = lake.version(t);
      if (v < 0) {
        m.put(t.name(), "0 rows, 0");
        continue;
      }
      Row r = lake.readAsOf(t, v)
          .select(functions.xxhash64(functions.to_json(functions.struct(col("*")))).cast("decimal(38,0)").as("h"))
          .agg(functions.count("*"), functions.sum("h")).head();
      m.put(t.name(), r.getLong(0) + " rows, " + (r.isNullAt(1) ? "0" : r.getDecimal(1).toPlainString()));
    }
    return m;
  }

  /**
   * Asserts that run {@code runId} of {@code job} failed by the injected failure: {@code job_runs} has its
   * {@code failed} row with the one-line error, and every table holds what it held before ({@code before}).
   */
  public static void assertRolledBack(SparkSession spark, Path root, Map<String, String> before, String job,
      String runId) {
    assertEquals(before, contents(spark, root), "every table as before the failed " + job + " run");
    Lake lake = Lake.open(spark, root.toString(), "exocohort");
    List<Row> rows = lake.read(Tables.JOB_RUNS).filter(col("run_id").equalTo(runId)).collectAsList();
    assertEquals(1, rows.size(), "one job_runs row for " + runId + ": " + rows);
    Row r = rows.get(0);
    assertEquals(job, r.getAs("job"));
    assertEquals("failed", r.getAs("status"));
    String message = r.getAs("message");
    assertTrue(message.contains("injected failure: " + job + " " + runId), message);
    assertEquals(1, message.lines().count(), message);
  }
}
