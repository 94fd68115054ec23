package io.exocohort.maintenance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.ExitCodes;
import io.exocohort.de.DeJob;
import io.exocohort.report.AnalystLake;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** optimize (Z-order, compaction measured by DESCRIBE DETAIL and the commit metrics), vacuum's guard, history. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MaintenanceIT {
  SparkSession spark;
  Path lake;
  Lake l;

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = AnalystLake.get(spark);
    // a second de run: de_results then has two files in each modality partition
    DeJob.run(spark, DeJob.Args.defaults(lake.toString()));
    l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
  }

  String[] cli(String... args) {
    return TestLakes.cli(lake, args[0], java.util.Arrays.copyOfRange(args, 1, args.length));
  }

  @Test
  void optimizeZOrdersDeResultsAndCompactsJobRuns() {
    long[] de = LakeMaintenance.detail(l, Tables.DE_RESULTS);
    assertTrue(de[0] >= 4, "two de runs x two modality partitions: " + de[0] + " files");

    List<LakeMaintenance.Optimized> o = LakeMaintenance.optimize(spark, optimizeArgs("de_results"));
    assertEquals(1, o.size());
    assertEquals(List.of("contrast", "feature"), o.get(0).zorderBy());
    assertEquals(de[0], o.get(0).filesBefore());
    assertEquals(2, o.get(0).filesAfter(), "one file per modality partition after Z-ordering");
    assertEquals(LakeMaintenance.detail(l, Tables.DE_RESULTS)[0], o.get(0).filesAfter());
    assertTrue(o.get(0).filesRemoved() >= de[0] && o.get(0).filesAdded() == 2, o.toString());
    String op = l.delta(Tables.DE_RESULTS).history(1).select("operation", "operationParameters").head().toString();
    assertTrue(op.contains("OPTIMIZE") && op.contains("contrast") && op.contains("feature"), op);

    String optimizeRuns = "job = 'optimize' AND status = 'succeeded' AND parameters['table'] = 'job_runs'";
    long recorded = l.read(Tables.JOB_RUNS).filter(optimizeRuns).count();
    String[] cli = cli("optimize", "--table", "job_runs");
    assertEquals("0", cli[0], cli[2]);
    String line = cli[1].lines().filter(s -> s.startsWith("job_runs")).findFirst().orElseThrow();
    assertTrue(line.contains("(compaction)"), cli[1]);
    // compacted to one file, then the optimize run's own job_runs row: a second
    assertEquals(2, LakeMaintenance.detail(l, Tables.JOB_RUNS)[0], cli[1]);
    assertEquals(recorded + 1, l.read(Tables.JOB_RUNS).filter(optimizeRuns).count(), "optimize recorded in job_runs");
  }

  @Test
  void aFailedOptimizeIsRecordedAndLeavesTheTablesAsTheyWere() {
    io.exocohort.catalog.Lake fresh = io.exocohort.catalog.Lake.open(spark, lake.toString(), "exocohort");
    java.util.Map<String, Long> before = fresh.versions(Tables.ALL);
    java.util.Map<String, Long> rowsBefore = new java.util.LinkedHashMap<>();
    for (io.exocohort.catalog.TableDef t : Tables.ALL) {
      if (before.get(t.name()) >= 0 && t != Tables.JOB_RUNS) rowsBefore.put(t.name(), fresh.read(t).count());
    }
    long files = LakeMaintenance.detail(fresh, Tables.SAMPLE_QC)[0];
    io.exocohort.catalog.RunScope.injectFailure("optimize");
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LakeMaintenance.optimize(spark, optimizeArgs(null)));
    assertTrue(e.getMessage().startsWith("injected failure: optimize"), e.getMessage());
    java.util.Map<String, Long> after = fresh.versions(Tables.ALL);
    for (io.exocohort.catalog.TableDef t : Tables.ALL) {
      long was = before.get(t.name());
      if (was < 0 || t == Tables.JOB_RUNS) continue;
      // restored: either no commit (nothing to compact) or the compaction and a RESTORE to the old version
      long now = after.get(t.name());
      assertTrue(now == was || now == was + 2, t.name() + " " + was + " -> " + now);
      if (now > was) {
        String op = fresh.delta(t).history(1).select("operation", "operationParameters").head().toString();
        assertTrue(op.contains("RESTORE") && op.contains("version -> " + was), op);
      }
      assertEquals(rowsBefore.get(t.name()), fresh.read(t).count(), t.name());
    }
    assertEquals(files, LakeMaintenance.detail(fresh, Tables.SAMPLE_QC)[0], "sample_qc's files as before");
    List<org.apache.spark.sql.Row> failed = fresh.read(Tables.JOB_RUNS)
        .filter("job = 'optimize' AND status = 'failed'").select("message").collectAsList();
    assertEquals(1, failed.size());
    assertTrue(failed.get(0).getString(0).startsWith("injected failure: optimize"), failed.toString());
  }

  static LakeMaintenance.OptimizeArgs optimizeArgs(String lakeDir, String table) {
    return new LakeMaintenance.OptimizeArgs(lakeDir, "exocohort", table);
  }

  LakeMaintenance.OptimizeArgs optimizeArgs(String table) {
    return optimizeArgs(lake.toString(), table);
  }

  @Test
  void vacuumRefusesShortRetentionWithoutForce() {
    String[] r = cli("vacuum", "--retain-hours", "24");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), r[0], r[2]);
    assertEquals(1, r[2].strip().lines().count(), r[2]);
    assertTrue(r[2].contains("--retain-hours 24 is below Delta's retention of 168 hours"), r[2]);
    assertThrows(BadInputException.class, () -> LakeMaintenance.vacuum(spark,
        new LakeMaintenance.VacuumArgs(lake.toString(), "exocohort", null, -1, true)));

    // the default keeps a week: nothing written today goes
    long files = LakeMaintenance.dataFiles(l, Tables.SAMPLES);
    String[] ok = cli("vacuum", "--table", "samples");
    assertEquals("0", ok[0], ok[2]);
    assertEquals(files, LakeMaintenance.dataFiles(l, Tables.SAMPLES));
  }

  @Test
  void vacuumWithForceRemovesFilesNoLongerReferenced() {
    // job_runs: one file per appended run; compacted, the old files stay on storage until vacuumed
    LakeMaintenance.optimize(spark, optimizeArgs("job_runs"));
    long current = LakeMaintenance.detail(l, Tables.JOB_RUNS)[0];
    long onDisk = LakeMaintenance.dataFiles(l, Tables.JOB_RUNS);
    long rows = l.read(Tables.JOB_RUNS).count();
    assertEquals(2, current, "compacted, and the optimize run's own job_runs row");
    assertTrue(onDisk > current, onDisk + " files on storage");
    String[] r = cli("vacuum", "--table", "job_runs", "--retain-hours", "0", "--force");
    assertEquals("0", r[0], r[2]);
    // the current files, then the vacuum run's own job_runs row
    assertEquals(current + 1, LakeMaintenance.dataFiles(l, Tables.JOB_RUNS), r[1]);
    assertTrue(r[1].lines().anyMatch(s -> s.matches("job_runs\\s+" + onDisk + "\\s+" + current + "\\s.*")), r[1]);
    assertEquals(rows + 1, l.read(Tables.JOB_RUNS).count());
    assertEquals(1, l.read(Tables.JOB_RUNS).filter("job = 'vacuum' AND status = 'succeeded' "
        + "AND parameters['force'] = 'true'").count());
    assertEquals("true", spark.conf().get("spark.databricks.delta.retentionDurationCheck.enabled", "true"));
  }

  @Test
  void historyPrintsTheTableLog() {
    String[] r = cli("history", "samples", "--n", "2");
    assertEquals("0", r[0], r[2]);
    assertTrue(r[1].contains("| version ") && r[1].contains("| operation "), r[1]);
    assertTrue(r[1].strip().endsWith("2 rows") || r[1].strip().endsWith("1 row"), r[1]);
    String[] bad = cli("history", "no_such_table");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), bad[0]);
    assertTrue(bad[2].contains("unknown table 'no_such_table'"), bad[2]);
    String[] none = cli("history");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), none[0]);
  }
}
