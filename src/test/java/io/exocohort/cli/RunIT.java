package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run qc normalize de}: three stages in one session, each its own run in {@code job_runs}, with the results
 * of three separate commands; a failing stage stops the run and leaves the stages before it committed; usage
 * errors (an option no stage takes, an unknown stage, one run id for several runs) run nothing.
 */
class RunIT {
  @TempDir Path dir;

  /**
   * A copy, at {@code to}, of the lake into which the cohort was ingested through the command line
   * ({@link CliLakes#ingested}): the cohort is generated and ingested once per test JVM, and every test (or the two
   * lakes one test compares) starts from a copy of that lake, not from an ingest of its own (the tests check the
   * stages after ingest; ingest itself is IngestIT's).
   */
  static Path ingestedLake(Path to) throws java.io.IOException {
    return TestLakes.copy(CliLakes.ingested(), to);
  }

  static long runs(SparkSession spark, Path lake, String job, String status) {
    Lake l = Lake.open(spark, lake.toString(), "exocohort");
    return l.read(Tables.JOB_RUNS).filter("job = '" + job + "' AND status = '" + status + "'").count();
  }

  /** de_results without its run id, in a fixed order: every value of every row. */
  static List<Row> deValues(SparkSession spark, Path lake) {
    Lake l = Lake.open(spark, lake.toString(), "exocohort");
    return l.read(Tables.DE_RESULTS).drop("run_id").orderBy("modality", "contrast", "method", "feature")
        .collectAsList();
  }

  @Test
  void runQcNormalizeDeEqualsThreeSeparateCommands(SparkSession spark) throws Exception {
    Path together = ingestedLake(dir.resolve("together"));
    // the same ingested lake after three separate commands, qc --cohort synthetic, normalize --cohort synthetic and
    // de --cohort synthetic --covariates age,sex: built once per test JVM (ReadOnlyIT reads a copy of it)
    Path separate = CliLakes.analysed();

    String out = CliLakes.ok(together, "run", "qc", "normalize", "de", "--cohort", "synthetic", "--covariates",
        "age,sex");
    assertTrue(out.contains("== run 1/3: qc") && out.contains("== run 3/3: de"), out);

    for (String job : List.of("qc", "normalize", "de")) {
      assertEquals(1, runs(spark, together, job, "succeeded"), job + " recorded once");
    }
    Lake l = Lake.open(spark, together.toString(), "exocohort");
    assertEquals(3, l.read(Tables.JOB_RUNS).filter("job IN ('qc', 'normalize', 'de')").select("run_id").distinct()
        .count(), "three runs, three run ids");
    List<Row> a = deValues(spark, together);
    List<Row> b = deValues(spark, separate);
    assertTrue(a.size() > 100, a.size() + " de results");
    assertEquals(b.size(), a.size());
    for (int i = 0; i < a.size(); i++) {
      // The normalised values of two runs may differ in their last bits (Spark merges partial sums in task order);
      // the rank tests (wilcoxon, kruskal) can then break a near-tie the other way, so for them the rows, counts
      // and group means are compared; every value of the other methods to 1e-9.
      String method = a.get(i).getString(2);
      Row x = b.get(i);
      Row y = a.get(i);
      if (method.equals("wilcoxon") || method.equals("kruskal")) {
        x = org.apache.spark.sql.RowFactory.create(x.get(0), x.get(1), x.get(2), x.get(3), x.get(4), x.get(5),
            x.get(6), x.get(7));
        y = org.apache.spark.sql.RowFactory.create(y.get(0), y.get(1), y.get(2), y.get(3), y.get(4), y.get(5),
            y.get(6), y.get(7));
      }
      assertSameRow(x, y, "de_results row " + i);
    }
  }

  /**
   * Equal rows: every value equal, doubles to 1e-9 relative (Spark merges the partial sums of a distributed
   * aggregation in task order, so two runs of one computation may differ in the last bits).
   */
  static void assertSameRow(Row expected, Row actual, String what) {
    assertEquals(expected.length(), actual.length(), what);
    for (int k = 0; k < expected.length(); k++) {
      Object e = expected.get(k);
      Object v = actual.get(k);
      if (e instanceof Double x && v instanceof Double y && !x.equals(y)) {
        assertEquals(x, y, 1e-9 * Math.max(1, Math.abs(x)), what + ", column " + k + ": " + actual);
      } else {
        assertEquals(e, v, what + ", column " + k + ": " + actual);
      }
    }
  }

  @Test
  void aFailingStageStopsTheRunAndEarlierStagesStayCommitted(SparkSession spark) throws Exception {
    Path lake = ingestedLake(dir.resolve("lake"));
    long deVersion = Lake.open(spark, lake.toString(), "exocohort").version(Tables.DE_RESULTS);

    String[] r = TestLakes.cli(lake, "run", "qc", "normalize", "de", "report", "--covariates", "no_such_column");
    assertEquals("2", r[0], r[2]);
    assertTrue(r[2].contains("--covariates: 'no_such_column'"), r[2]);
    assertTrue(r[2].contains("exocohort run: stopped at de (exit 2); qc, normalize succeeded and stay committed"),
        r[2]);
    assertTrue(!r[1].contains("== run 4/4: report"), "report did not run:\n" + r[1]);
    assertEquals(1, runs(spark, lake, "qc", "succeeded"));
    assertEquals(1, runs(spark, lake, "normalize", "succeeded"));
    assertEquals(0, runs(spark, lake, "de", "succeeded"));
    assertEquals(1, runs(spark, lake, "de", "failed"), "de's failure recorded");
    assertEquals(0, runs(spark, lake, "report", "succeeded") + runs(spark, lake, "report", "failed"));
    assertEquals(deVersion, Lake.open(spark, lake.toString(), "exocohort").version(Tables.DE_RESULTS));
  }

  @Test
  void usageErrorsRunNothing(SparkSession spark) throws Exception {
    Path lake = ingestedLake(dir.resolve("lake"));
    String[][] bad = {
        {"qc", "normalize", "--covariates", "age"},     // de's option, de not named
        {"qc", "nosuchstage"},
        {"qc", "normalize", "--run-id", "one-id"},      // one id for two runs
        {"--cohort", "synthetic"},                      // no stage
        {"qc", "--cohort", "synthetic", "normalize"},   // a stage after the options
        {"normalize", "de", "--modality"},              // an option without its value
        {"train"},                                      // train's required --task
    };
    String[] expect = {"no stage of qc, normalize takes --covariates", "unknown stage 'nosuchstage'",
        "--run-id names one run", "name at least one stage", "'normalize' is not an option",
        "Missing required parameter for option '--modality'", "train: Missing required option: '--task"};
    for (int i = 0; i < bad.length; i++) {
      String[] r = TestLakes.cli(lake, "run", bad[i]);
      assertEquals("2", r[0], String.join(" ", bad[i]) + ": " + r[2]);
      assertTrue(r[2].contains(expect[i]), String.join(" ", bad[i]) + ": " + r[2]);
    }
    Lake l = Lake.open(spark, lake.toString(), "exocohort");
    assertEquals(1, l.read(Tables.JOB_RUNS).count(), "only the ingest ran");
  }
}
