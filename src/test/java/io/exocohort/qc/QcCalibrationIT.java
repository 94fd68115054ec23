package io.exocohort.qc;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.delta.tables.DeltaTable;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.common.ExitCodes;
import io.exocohort.ingest.IngestJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link QcJob} on cohorts as real public EV cohorts come: miR counts without particle measurements (no NTA), UMI
 * counts, and proteins named by UniProt accession. Counts are built here so that every expected figure can be
 * worked out by hand: 120 ordinary miRs with counts proportional to 1 / rank^0.8, miR-451a 8 times miR-23a-3p
 * (haemolysis index log2(8001 / 1001) = 3.0, far below 6).
 */
class QcCalibrationIT {
  static final int MIRS = 120;

  @TempDir static Path dir;
  static Path lake;

  /** A wide miR count file: one column per sample with the given number of reads over the ordinary miRs. */
  static String mirna(Map<String, Double> depth) {
    double norm = 0;
    for (int i = 1; i <= MIRS; i++) norm += Math.pow(i, -0.8);
    StringBuilder b = new StringBuilder("miRNA");
    for (String s : depth.keySet()) b.append('\t').append(s);
    b.append('\n');
    for (int i = 1; i <= MIRS + 2; i++) {
      b.append(i <= MIRS ? "hsa-miR-" + (1000 + i) + "-5p" : i == MIRS + 1 ? "hsa-miR-451a" : "hsa-miR-23a-3p");
      for (double d : depth.values()) {
        long c = i <= MIRS ? Math.round(d * Math.pow(i, -0.8) / norm) : i == MIRS + 1 ? 800 : 100;
        b.append('\t').append(c);
      }
      b.append('\n');
    }
    return b.toString();
  }

  /** A manifest without particle columns (no NTA). */
  static String manifest(Iterable<String> samples) {
    StringBuilder b = new StringBuilder("sample_id\tsubject_id\tcancer_type\n");
    int j = 0;
    for (String s : samples) {
      b.append(s).append("\tP").append(s).append('\t').append(j++ % 2 == 0 ? "healthy" : "pancreatic").append('\n');
    }
    return b.toString();
  }

  static final Map<String, Double> NONTA = new LinkedHashMap<>();
  static final Map<String, Double> UMI = new LinkedHashMap<>();
  static final List<String> TMT = new ArrayList<>();
  static {
    for (int j = 0; j < 12; j++) NONTA.put("N" + j, 1.0e6 + 1.0e5 * j);
    // UMI counts: 30,000-44,000 per sample (under the 100,000-read minimum), and one of 20,000
    for (int j = 0; j < 11; j++) UMI.put("U" + j, 30000.0 + 1400.0 * j);
    UMI.put("ULOW", 20000.0);
    for (int j = 0; j < 12; j++) TMT.add("T" + j);
  }

  /** TMT protein table by UniProt identifier (as a sarcoma plasma-EV cohort in the issue); T0 lacks CD9. */
  static String proteins() {
    List<String> ids = new ArrayList<>(List.of("sp|P21926|CD9_HUMAN", "Q99816", "P02768", "P02647;P02647-2",
        "P04114-2"));
    for (int k = 0; k < 10; k++) ids.add("Q9" + "ABCDEFGHIJ".charAt(k) + "X" + k + "0"); // other proteins
    StringBuilder b = new StringBuilder("protein");
    for (String s : TMT) b.append('\t').append(s);
    b.append('\n');
    for (int p = 0; p < ids.size(); p++) {
      b.append(ids.get(p));
      for (int j = 0; j < TMT.size(); j++) {
        boolean missing = p == 0 && j == 0;
        b.append('\t').append(missing ? "NA" : String.valueOf(1.0e5 * (p + 1) * (1 + 0.02 * (j % 5))));
      }
      b.append('\n');
    }
    return b.toString();
  }

  @BeforeAll
  static void ingest(SparkSession spark) {
    lake = dir.resolve("lake");
    assertEquals("succeeded", IngestJob.run(spark, args(lake, "nonta", write(dir, "nonta/m.tsv",
        manifest(NONTA.keySet())), write(dir, "nonta/mirna.tsv", mirna(NONTA)), null)).status());
    assertEquals("succeeded", IngestJob.run(spark, args(lake, "umi", write(dir, "umi/m.tsv", manifest(UMI.keySet())),
        write(dir, "umi/mirna.tsv", mirna(UMI)), null)).status());
    assertEquals("succeeded", IngestJob.run(spark, args(lake, "tmt", write(dir, "tmt/m.tsv", manifest(TMT)), null,
        write(dir, "tmt/protein.tsv", proteins()))).status());
    // What `ingest --count-unit umi` records: the unit in the run's options (set here on the ingest run itself,
    // so that this test does not depend on the ingest option's spelling).
    DeltaTable.forPath(spark, lake.resolve("ingest_runs").toString()).update(col("cohort").equalTo("umi"),
        Map.of("options", functions.expr("map_concat(map_filter(options, (k, v) -> k != 'count_unit'), "
            + "map('count_unit', 'umi'))")));
  }

  static QcJob.Result qc(SparkSession spark, String cohort, String unit, String runId) {
    return QcJob.run(spark, new QcJob.Args(lake.toString(), "exocohort", List.of(cohort), null, runId, unit));
  }

  static Map<String, Row> rows(SparkSession spark, String runId) {
    return QcIT.rowsOf(spark, lake, runId);
  }

  /** No NTA: every otherwise fine sample passes; the particle rules are counted as not assessed, not as warnings. */
  @Test
  void aCohortWithoutParticleMeasurementsPasses(SparkSession spark) {
    QcJob.Result r = qc(spark, "nonta", null, "qc-nonta");
    QcSummary.CohortSummary c = r.cohorts().get(0);
    assertEquals(List.of(12L, 12L, 0L, 0L), List.of(c.samples(), c.pass(), c.warn(), c.fail()));
    assertEquals(new QcSummary.RuleCount(0, 0, 12), c.rules().get("vesicles.particle_size"));
    assertEquals(new QcSummary.RuleCount(0, 0, 12), c.rules().get("vesicles.particle_concentration"));
    assertEquals(new QcSummary.RuleCount(0, 0, 12), c.rules().get("protein.ev_identity"));
    assertEquals(new QcSummary.RuleCount(0, 0, 0), c.rules().get("mirna.hemolysis"));
    assertEquals(new QcSummary.RuleCount(0, 0, 0), c.rules().get("mirna.library_size"));
    assertTrue(r.miscalibrated().isEmpty(), r.miscalibrated().toString());
    String text = r.summary();
    assertTrue(text.contains("cohort nonta: 12 samples: 12 pass, 0 warn, 0 fail"), text);
    assertTrue(text.matches("(?s).*\\n    vesicles\\.particle_concentration\\s+0\\s+0\\s+12\\n.*"), text);
    for (Row q : rows(spark, "qc-nonta").values()) {
      assertEquals("pass", q.getAs("status"));
      assertEquals(List.of(), QcIT.reasons(q));
      assertEquals(List.of("protein.quantified", "protein.missing", "protein.ev_identity", "protein.contamination",
          "vesicles.particle_size", "vesicles.particle_concentration"), q.getList(q.fieldIndex("not_assessed")));
      assertEquals(Math.log(801.0 / 101.0) / Math.log(2), q.<Double>getAs("hemolysis_log2_ratio"), 1e-9);
    }
  }

  /**
   * UMI counts: judged by the UMI thresholds when ingest_runs says umi; as reads (--count-unit reads), every sample
   * fails the 100,000-read minimum and the summary names the rule as likely mis-calibrated for the cohort.
   */
  @Test
  void umiCountsAreJudgedByTheUmiThresholds(SparkSession spark) {
    QcJob.Result r = qc(spark, "umi", null, "qc-umi");
    QcSummary.CohortSummary c = r.cohorts().get(0);
    assertEquals("umi", c.countUnit());
    assertTrue(c.unitSource().startsWith("ingest run "), c.unitSource());
    assertEquals(new QcSummary.RuleCount(0, 1, 0), c.rules().get("mirna.library_size"));
    Map<String, Row> rows = rows(spark, "qc-umi");
    for (int j = 0; j < 11; j++) {
      Row q = rows.get("U" + j);
      assertEquals("umi", q.getAs("count_unit"));
      assertFalse(QcIT.reasons(q).stream().anyMatch(s -> s.startsWith("library_size ")), QcIT.reasons(q).toString());
      assertEquals("pass", q.getAs("status"), "U" + j + " " + QcIT.reasons(q));
    }
    Row low = rows.get("ULOW");
    assertEquals("fail", low.getAs("status"));
    double lib = low.<Double>getAs("library_size");
    assertTrue(lib < 25000 && lib > 20000, "20,000 over the ordinary miRs + 900: " + lib);
    assertTrue(QcIT.reasons(low).contains(String.format(java.util.Locale.ROOT,
        "library_size %.0f UMIs < 25000 (fail)", lib)), QcIT.reasons(low).toString());
    assertTrue(r.summary().contains("    count unit: umi (ingest run "), r.summary());
    assertTrue(r.miscalibrated().isEmpty(), r.miscalibrated().toString());

    // The same counts judged as reads, through the command: every sample fails, and the summary says why that is
    // more likely the threshold's fault.
    String[] out = io.exocohort.TestLakes.cli(lake, "qc", "--cohort", "umi", "--count-unit", "reads", "--run-id",
        "qc-umi-as-reads");
    assertEquals(String.valueOf(ExitCodes.OK), out[0], out[2]);
    assertTrue(out[1].contains("cohort umi: 12 samples: 0 pass, 0 warn, 12 fail"), out[1]);
    assertTrue(out[1].contains("    count unit: reads (--count-unit)"), out[1]);
    assertTrue(out[1].contains("  rule mirna.library_size flagged 12 of 12 assessed samples of cohort umi "
        + "(100% > 90%): likely mis-calibrated for this cohort; thresholds qc.mirna.library_size.fail_below=100000, "
        + "qc.mirna.library_size.warn_below=250000 (reads counts) (basis: reads: exRNA Atlas minimum of 100,000 reads"),
        out[1]);
    assertTrue(out[1].contains(" from " + QcThresholds.BUILT_IN + "\n"), out[1]);
    for (Row q : rows(spark, "qc-umi-as-reads").values()) assertEquals("reads", q.getAs("count_unit"));
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    Row run = l.read(Tables.JOB_RUNS).filter(col("run_id").equalTo("qc-umi-as-reads")).head();
    assertTrue(run.<String>getAs("message").endsWith("; likely mis-calibrated: umi mirna.library_size"),
        run.<String>getAs("message"));
    Map<String, String> params = run.getJavaMap(run.fieldIndex("parameters"));
    assertEquals("reads", params.get("count_unit_given"));
    assertEquals("reads", params.get("count_unit.umi"));

    // A unit that is neither is refused before any table is touched.
    String[] bad = io.exocohort.TestLakes.cli(lake, "qc", "--cohort", "umi", "--count-unit", "cpm");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), bad[0], bad[2]);
    assertTrue(bad[2].contains("--count-unit 'cpm' is not a count unit (reads or umi)"), bad[2]);
  }

  /** Proteins named by UniProt accession: CD9 (sp|P21926|CD9_HUMAN) and TSG101 (Q99816) are found. */
  @Test
  void markersNamedByAccessionAreFound(SparkSession spark) {
    QcJob.Result r = qc(spark, "tmt", null, "qc-tmt");
    QcSummary.CohortSummary c = r.cohorts().get(0);
    assertEquals(List.of(12L, 11L, 0L, 1L), List.of(c.samples(), c.pass(), c.warn(), c.fail()));
    assertEquals(new QcSummary.RuleCount(0, 1, 0), c.rules().get("protein.ev_identity"));
    assertEquals(new QcSummary.RuleCount(0, 0, 0), c.rules().get("protein.contamination"));
    assertEquals(new QcSummary.RuleCount(0, 0, 12), c.rules().get("mirna.library_size"));
    assertEquals("no ingest run of a miR count file recorded a unit: reads", c.unitSource());
    Map<String, Row> rows = rows(spark, "qc-tmt");
    for (String s : TMT) {
      Row q = rows.get(s);
      assertEquals(!s.equals("T0"), q.<Boolean>getAs("ev_tetraspanin"), s);
      assertTrue(q.<Boolean>getAs("ev_cytosolic"), s);
      assertEquals(List.of(), q.getList(q.fieldIndex("contaminants")), s);
      assertNull(q.getAs("count_unit"), "no miR data");
    }
    assertEquals(List.of("ev_identity: no tetraspanin (CD9/CD63/CD81) detected (fail)"), QcIT.reasons(rows.get("T0")));
  }
}
