package io.exocohort.reliability;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.ExitCodes;
import io.exocohort.ingest.IngestJob;
import io.exocohort.qc.QcJob;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ingest and qc in their run scope: a run that fails after all its writes (a failure injected just before its
 * success is recorded) leaves every table with the contents it had, {@code job_runs} apart from the failed row
 * it adds; and a run id already recorded as succeeded is refused with nothing written.
 */
class IngestQcScopeIT {
  static final String MANIFEST = "sample_id\tsubject_id\tcancer_type\tage\n"
      + "S1\tP1\tPDAC\t61\nS2\tP2\tPDAC\t58\nS3\tP3\thealthy\t49\nS4\tP4\thealthy\t52\n";
  /** S2 corrected, S5 added, and an age out of range (a quarantined field, the sample kept). */
  static final String MANIFEST_2 = "sample_id\tsubject_id\tcancer_type\tage\n"
      + "S1\tP1\tPDAC\t61\nS2\tP2\tPDAC\t59\nS3\tP3\thealthy\t49\nS4\tP4\thealthy\t52\nS5\tP5\tPDAC\t300\n";

  static String counts(String... samples) {
    StringBuilder sb = new StringBuilder("sample_id\tfeature\tcount\n");
    int k = 0;
    for (String s : samples) {
      for (int f = 0; f < 12; f++) sb.append(s).append("\thsa-miR-").append(100 + f).append("-5p\t")
          .append(50 + 13 * (k++ % 7)).append('\n');
    }
    return sb.toString();
  }

  /** Contents of every table (per-run times and version maps left out), job_runs without the given run's rows. */
  static Map<String, LakeState.Table> contents(Lake lake, String leaveOutRun) {
    return LakeState.contents(lake, Tables.ALL, Map.of(Tables.JOB_RUNS.name(), "run_id <> '" + leaveOutRun + "'"));
  }

  /**
   * Every table has the contents it had; one the failed run created (absent before) is empty: restored to its
   * first, empty version.
   */
  static void assertRestored(Map<String, LakeState.Table> before, Map<String, LakeState.Table> after) {
    for (Map.Entry<String, LakeState.Table> e : after.entrySet()) {
      LakeState.Table was = before.get(e.getKey());
      if (was == null && e.getValue() != null) assertEquals(0, e.getValue().rows(), e.getKey() + " created: empty");
      else assertEquals(was, e.getValue(), e.getKey());
    }
  }

  static Row onlyRun(Lake lake, String runId) {
    List<Row> rows = lake.read(Tables.JOB_RUNS).filter("run_id = '" + runId + "'").collectAsList();
    assertEquals(1, rows.size(), rows.toString());
    return rows.get(0);
  }

  static void assertFailedRow(Lake lake, String runId, String job) {
    Row r = onlyRun(lake, runId);
    assertEquals(job, r.getAs("job"));
    assertEquals("failed", r.getAs("status"));
    String message = r.getAs("message");
    assertTrue(message.contains("injected failure: " + job + " " + runId), message);
    assertEquals(1, message.lines().count(), message);
  }

  @Test
  void aFailedIngestOrQcLeavesEveryTableAsItWas(SparkSession spark, @TempDir Path dir) {
    Path lakeDir = dir.resolve("lake");
    Path m1 = write(dir, "m1.tsv", MANIFEST);
    Path x1 = write(dir, "x1.tsv", counts("S1", "S2", "S3", "S4"));
    Lake lake = LakeState.open(spark, lakeDir, "exocohort");

    // The first ingest into a new lake fails: the tables it created are empty, job_runs holds the failure.
    RunScope.injectFailure("ingest");
    assertThrows(IllegalStateException.class, () -> IngestJob.run(spark, args(lakeDir, "c1", m1, x1, null)
        .withRunId("ingest-new")));
    assertFailedRow(lake, "ingest-new", "ingest");
    for (TableDef t : List.of(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.INGEST_RUNS, Tables.QUARANTINE)) {
      assertTrue(lake.version(t) < 0 || lake.read(t).isEmpty(), t.name() + " holds rows of the failed run");
    }

    // A cohort in the lake, checked by qc.
    assertEquals("succeeded", IngestJob.run(spark, args(lakeDir, "c1", m1, x1, null)).status());
    QcJob.run(spark, new QcJob.Args(lakeDir.toString(), "exocohort", List.of(), null, "qc-ok"));

    // A corrected re-delivery (an update, a new sample, a quarantined field, new protein and DNA variant tables)
    // fails.
    Map<String, LakeState.Table> before = contents(lake, "ingest-fails");
    RunScope.injectFailure("ingest");
    assertThrows(IllegalStateException.class, () -> IngestJob.run(spark, args(lakeDir, "c1",
        write(dir, "m2.tsv", MANIFEST_2), write(dir, "x2.tsv", counts("S1", "S2", "S3", "S4", "S5")),
        write(dir, "p2.tsv", "sample_id\tfeature\tintensity\nS1\tCD63\t1000\nS5\tCD9\t800\n"))
        .withVariants(write(dir, "v2.tsv", "sample_id\tgene\tprotein_change\talt_reads\tdepth\n"
            + "S1\tKRAS\tG12D\t12\t1000\nS5\tTP53\tR175H\t8\t900\nS2\tKRAS\tG12V\t9\t5\n").toString())
        .withRunId("ingest-fails")));
    assertFailedRow(lake, "ingest-fails", "ingest");
    assertRestored(before, contents(lake, "ingest-fails"));
    assertEquals(0, lake.read(Tables.PROTEIN_ABUNDANCE).count());
    assertEquals(0, lake.read(Tables.DNA_VARIANTS).count());

    // qc fails after its sample_qc append.
    before = contents(lake, "qc-fails");
    RunScope.injectFailure("qc");
    assertThrows(IllegalStateException.class, () -> QcJob.run(spark, new QcJob.Args(lakeDir.toString(),
        "exocohort", List.of(), null, "qc-fails")));
    assertFailedRow(lake, "qc-fails", "qc");
    assertRestored(before, contents(lake, "qc-fails"));

    // A succeeded run id is refused, for either job, before anything is written (job_runs included).
    Map<String, Long> versions = lake.versions(Tables.ALL);
    String ingestId = lake.read(Tables.INGEST_RUNS).filter("status = 'succeeded'").head().getAs("run_id");
    BadInputException e = assertThrows(BadInputException.class, () -> IngestJob.run(spark,
        args(lakeDir, "c1", write(dir, "m3.tsv", MANIFEST_2), x1, null).withRunId(ingestId)));
    assertTrue(e.getMessage().contains(ingestId + " is already recorded in job_runs as succeeded"), e.getMessage());
    String[] qc = TestLakes.cli(lakeDir, "qc", "--run-id", "qc-ok");
    assertEquals(String.valueOf(ExitCodes.ALREADY_RECORDED), qc[0], qc[2]);
    assertTrue(qc[2].contains("--run-id qc-ok is already recorded"), qc[2]);
    assertEquals(versions, lake.versions(Tables.ALL));
    onlyRun(lake, "qc-ok");
  }
}
