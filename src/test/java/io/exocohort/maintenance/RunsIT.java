package io.exocohort.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.common.ExitCodes;
import io.exocohort.report.AnalystLake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * job_runs for every job, failed runs included: a failure is recorded (status failed, the one-line error) and the
 * exception still reaches the runner's exit code; the same run id then re-runs cleanly; {@code runs} lists them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RunsIT {
  @TempDir Path dir;
  SparkSession spark;
  Path lake;
  Lake l;

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = AnalystLake.get(spark);
    l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
  }

  String[] cli(String... args) {
    return TestLakes.cli(lake, args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
  }

  /** (status, message) of each row of a run id, in order of the end time. */
  List<Row> runsOf(String runId) {
    return l.read(Tables.JOB_RUNS).filter("run_id = '" + runId + "'").orderBy("ended_at")
        .select("status", "message", "job", "parameters", "input_versions", "output_versions").collectAsList();
  }

  @Test
  void everyJobOfTheFixtureIsRecorded() {
    List<Row> jobs = l.read(Tables.JOB_RUNS).filter("status = 'succeeded'").select("job").distinct()
        .collectAsList();
    for (String j : new String[] {"ingest", "qc", "normalize", "de"}) {
      assertTrue(jobs.stream().anyMatch(r -> r.getString(0).equals(j)), j + " not in job_runs: " + jobs);
    }
    Row ingest = l.read(Tables.JOB_RUNS).filter("job = 'ingest'").head();
    Map<String, Long> out = ingest.getJavaMap(ingest.fieldIndex("output_versions"));
    Map<String, Long> rows = ingest.getJavaMap(ingest.fieldIndex("rows_written"));
    assertTrue(out.containsKey("mirna_counts") && out.containsKey("ingest_runs"), out.toString());
    assertEquals(90L * 200, rows.get("mirna_counts"), rows.toString());
  }

  @Test
  void aFailedQcRunIsRecordedAndReRunsUnderItsId() throws Exception {
    Path thresholds = dir.resolve("qc-lenient.properties");
    String[] failed = cli("qc", "--run-id", "qc-rerun", "--thresholds", thresholds.toString());
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), failed[0], failed[2]);
    assertEquals(1, failed[2].strip().lines().count(), failed[2]);
    List<Row> r1 = runsOf("qc-rerun");
    assertEquals(1, r1.size());
    assertEquals("failed", r1.get(0).getString(0));
    assertTrue(r1.get(0).getString(1).contains(thresholds.toString()), r1.get(0).getString(1));
    assertEquals(thresholds.toString(), r1.get(0).getJavaMap(3).get("thresholds"));

    Files.writeString(thresholds, "qc.mirna.hemolysis.fail_above=9\n");
    String[] ok = cli("qc", "--run-id", "qc-rerun", "--thresholds", thresholds.toString());
    assertEquals("0", ok[0], ok[2]);
    List<Row> r2 = runsOf("qc-rerun");
    assertEquals(List.of("failed", "succeeded"), r2.stream().map(r -> r.getString(0)).toList());
    assertEquals(1L, l.read(Tables.SAMPLE_QC).filter("run_id = 'qc-rerun'").select("run_id").distinct().count());

    // a succeeded run id is not reused, and the refusal is not recorded as a run of its own
    String[] again = cli("qc", "--run-id", "qc-rerun");
    assertEquals(String.valueOf(ExitCodes.ALREADY_RECORDED), again[0]);
    assertTrue(again[2].contains("qc-rerun is already recorded in job_runs as succeeded"), again[2]);
    assertEquals(2, runsOf("qc-rerun").size());
  }

  /**
   * An injected storage-side failure in the middle of normalize: a CHECK constraint on protein_matrix that
   * this run id's rows violate. The miR tables written before it are restored; the failure is recorded with the
   * runner's one-line error and a non-zero exit; after the constraint is dropped the same command with the same
   * run id succeeds.
   */
  @Test
  void normalizeFailingMidRunIsRolledBackRecordedAndReRuns() {
    Map<String, Long> before = TestLakes.versions(spark, lake);
    spark.sql("ALTER TABLE exocohort.protein_matrix ADD CONSTRAINT injected_failure "
        + "CHECK (norm_run_id <> 'normalize-rerun')");
    long pv = l.version(Tables.PROTEIN_MATRIX);
    String[] failed = cli("normalize", "--run-id", "normalize-rerun");
    // the runner still maps the exception (Delta reports the violated write as an analysis error: exit 2)
    assertTrue(!failed[0].equals("0"), failed[2]);
    assertTrue(failed[2].startsWith("exocohort normalize: error: "), failed[2]);
    String error = failed[2].lines().findFirst().orElseThrow().substring("exocohort normalize: error: ".length());
    Map<String, Long> after = TestLakes.versions(spark, lake);
    // the miR matrix, its sample index and sample_normalization were written, then restored (one RESTORE each);
    // sample_normalization's protein rows are appended beside the protein matrix's write (a second driver thread),
    // so that append lands before the matrix's failure is seen: two appends, then the RESTORE
    for (String t : new String[] {"mirna_matrix", "mirna_matrix_samples", "sample_normalization"}) {
      long b = before.get(t);
      int commits = t.equals("sample_normalization") ? 3 : 2;
      assertEquals(b + commits, after.get(t), t + ": write(s) + restore");
      assertEquals(0, l.read(Tables.byName(t)).filter(
          "norm_run_id = 'normalize-rerun'")
          .count(), t);
    }
    assertEquals(pv, l.version(Tables.PROTEIN_MATRIX));
    List<Row> r1 = runsOf("normalize-rerun");
    assertEquals(1, r1.size());
    assertEquals("failed", r1.get(0).getString(0));
    assertEquals("normalize", r1.get(0).getString(2));
    assertEquals(error, r1.get(0).getString(1), "job_runs holds the one line the runner printed");
    assertEquals(before.get("samples"), r1.get(0).<String, Long>getJavaMap(4).get("samples"));

    spark.sql("ALTER TABLE exocohort.protein_matrix DROP CONSTRAINT injected_failure");
    String[] ok = cli("normalize", "--run-id", "normalize-rerun");
    assertEquals("0", ok[0], ok[2]);
    List<Row> r2 = runsOf("normalize-rerun");
    assertEquals(List.of("failed", "succeeded"), r2.stream().map(r -> r.getString(0)).toList());
    assertTrue(l.read(Tables.PROTEIN_MATRIX).filter("norm_run_id = 'normalize-rerun'").count() > 0);

    // runs lists both, newest first
    String[] runs = cli("runs", "--job", "normalize", "--n", "5");
    assertEquals("0", runs[0], runs[2]);
    List<String> lines = runs[1].lines().filter(s -> s.contains("normalize-rerun")).toList();
    assertEquals(2, lines.size(), runs[1]);
    assertTrue(lines.get(0).contains("succeeded") && lines.get(1).contains("failed"), runs[1]);
    assertTrue(runs[1].contains("| run_id ") && runs[1].contains("| status "), runs[1]);
  }

  @Test
  void runsRejectsBadArgumentsInOneLine() {
    for (String[] bad : new String[][] {{"runs", "--n", "0"}, {"runs", "--job", "qc; DROP TABLE x"},
        {"runs", "--format", "xml"}, {"runs", "--n", "many"}}) {
      String[] r = cli(bad);
      assertEquals(String.valueOf(ExitCodes.BAD_INPUT), r[0], String.join(" ", bad) + ": " + r[2]);
      assertTrue(r[2].startsWith("exocohort"), r[2]);
    }
    String[] all = cli("runs", "--n", "3", "--format", "csv");
    assertEquals("0", all[0], all[2]);
    assertEquals(4, all[1].strip().lines().count(), all[1]);
    assertTrue(all[1].startsWith("run_id,job,status,started_at,seconds,rows_written,output_versions,message"),
        all[1]);
  }
}
