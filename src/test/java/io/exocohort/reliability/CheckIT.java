package io.exocohort.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Lake;
import io.exocohort.cli.Main;
import io.exocohort.common.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code exocohort check}: exit 0 on a sound lake, 2 listing each violation on a damaged one; and a damaged
 * Delta log (a commit file corrupt or missing) fails a job with exit 2 and one line naming the table and how to
 * recover, not a stack trace.
 */
class CheckIT {
  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  /** The class's generated cohorts (gen-A, gen-B) and the lake both were ingested into ({@code lake}). */
  @TempDir static Path shared;
  private static Path twoCohorts;

  /**
   * A copy, in the test's folder, of a lake into which two generated cohorts (A and B: 20 samples, 60 miRs, 20
   * proteins, DNA variants) were ingested through the command line. The lake is built once per class; each test
   * breaks its own copy of it.
   */
  Path lakeWithTwoCohorts() {
    synchronized (CheckIT.class) {
      if (twoCohorts == null || !twoCohorts.startsWith(shared)) {
        Path lake = shared.resolve("lake");
        for (String c : new String[] {"A", "B"}) {
          Path g = shared.resolve("gen-" + c);
          assertEquals(0, Main.execute("generate", "--out", g.toString(), "--samples", "20", "--mirnas", "60",
              "--proteins", "20", "--cancer-types", "2", "--seed", String.valueOf((int) c.charAt(0)), "--cohort", c,
              "--variants"));
          Run r = run("ingest", "--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "chk", "--cohort", c,
              "--manifest", g + "/manifest.csv", "--mirna", g + "/mirna_counts.csv", "--protein",
              g + "/protein_intensities.csv", "--variants", g + "/dna_variants.tsv");
          assertEquals(0, r.code(), r.err());
        }
        twoCohorts = lake;
      }
    }
    return io.exocohort.TestLakes.copy(twoCohorts, dir.resolve("lake"));
  }

  @Test
  void checkPassesOnASoundLakeAndListsViolations(SparkSession spark) throws Exception {
    Path lake = lakeWithTwoCohorts();
    Run ok = run("check", "--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "chk", "--manifest",
        shared.resolve("gen-A/manifest.csv").toString());
    assertEquals(ExitCodes.OK, ok.code(), ok.out() + ok.err());
    assertTrue(ok.out().contains("0 violation(s)"), ok.out());
    assertTrue(ok.out().contains("raw subject id(s) in"), ok.out());

    // break it: a count row of an unknown sample, a duplicate key, a dropped constraint, a raw id in a file
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "chk");
    spark.sql("INSERT INTO chk.mirna_counts VALUES ('A', 'ghost', 'hsa-miR-1', 3.0, 'nobody')");
    spark.sql("INSERT INTO chk.samples SELECT * FROM chk.samples WHERE cohort = 'B' LIMIT 1");
    spark.sql("ALTER TABLE chk.protein_abundance DROP CONSTRAINT intensity_positive");
    spark.sql("INSERT INTO chk.dna_variants SELECT * FROM chk.dna_variants WHERE cohort = 'A' LIMIT 1");
    String rawId = io.exocohort.check.LakeCheck.rawSubjectIds(shared.resolve("gen-A/manifest.csv")).iterator().next();
    Files.writeString(Path.of(l.root().replaceFirst("^file:", "")).resolve("notes.txt"), "subject " + rawId,
        StandardCharsets.UTF_8);
    Run bad = run("check", "--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "chk", "--manifest",
        shared.resolve("gen-A/manifest.csv").toString());
    assertEquals(ExitCodes.BAD_INPUT, bad.code(), bad.out() + bad.err());
    String o = bad.out();
    assertTrue(o.contains("violation: mirna_counts: values of 1 sample(s) not in samples, e.g. [A/ghost]"), o);
    assertTrue(o.contains("violation: samples: 1 (cohort, sample_id) key(s) appear more than once"), o);
    assertTrue(o.contains("violation: protein_abundance: constraint intensity_positive is missing"), o);
    assertTrue(o.contains("violation: dna_variants: 1 (cohort, sample_id, variant) key(s) appear more than once"), o);
    assertTrue(o.contains("violation: raw subject id found in") && o.contains("notes.txt"), o);
    assertTrue(o.contains("from ingest run nobody, which is not in ingest_runs"), o);
    assertTrue(!o.contains(rawId), "the check must not print the raw id");
  }

  @Test
  void aDamagedDeltaLogGivesOneLineNamingTheTableAndTheWayBack(SparkSession spark) throws Exception {
    Path lake = lakeWithTwoCohorts();
    // 1. the latest commit of samples is corrupt
    Path log = lake.resolve("samples/_delta_log");
    long latest = CrashIT.logVersion(lake, "samples");
    Path commit = log.resolve(String.format("%020d.json", latest));
    byte[] good = Files.readAllBytes(commit);
    Files.write(commit, java.util.Arrays.copyOf(good, good.length / 2));
    DeltaLog.clearCache(); // as a new process would: no snapshot cached
    Run r = run("qc", "--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "chk_damaged1");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    String line = r.err().strip();
    assertEquals(1, line.lines().count(), line);
    assertTrue(line.contains("table samples (") && line.contains(String.format("%020d.json is corrupt", latest))
        && line.contains("VERSION AS OF " + (latest - 1)) && line.contains("move it out of _delta_log")
        && line.contains("RESTORE TABLE"), line);
    Files.write(commit, good);
    DeltaLog.clearCache();

    // 2. a commit in the middle of mirna_counts' log is missing
    Path mlog = lake.resolve("mirna_counts/_delta_log");
    Path middle = mlog.resolve(String.format("%020d.json", 1));
    Files.delete(middle);
    Files.deleteIfExists(mlog.resolve("." + middle.getFileName() + ".crc"));
    DeltaLog.clearCache();
    r = run("normalize", "--conf", CrashIT.CONF, "--lake", lake.toString(), "--database", "chk_damaged2");
    assertEquals(ExitCodes.BAD_INPUT, r.code(), r.err());
    line = r.err().strip();
    assertEquals(1, line.lines().count(), line);
    assertTrue(line.contains("table mirna_counts (") && line.contains("00000000000000000001.json is missing")
        && line.contains("VERSION AS OF 0") && line.contains("CREATE OR REPLACE TABLE"), line);
    DeltaLog.clearCache();
  }
}
