package io.exocohort.ingest;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.cli;
import static io.exocohort.TestLakes.versions;
import static io.exocohort.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.delta.tables.DeltaTable;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.common.ExitCodes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shapes met in public EV cohorts: decimal ages and age bands, non-cancer disease groups, bad optional fields,
 * UMI counts, a user's alias overlay, R {@code write.csv} count files, and a lake written before {@code age}
 * became DOUBLE.
 */
class RealCohortIT {
  @TempDir Path dir;

  /** A glioblastoma-plasma-like cohort: wide UMI counts, decimal ages, a band, brain metastasis, benign. */
  static final String MANIFEST = "sample_id,subject_id,cancer_type,sex,age,collection_date\n"
      + "G1,P1,GBM,M,52.75,2019-03-01\n"                   // line 2
      + "G2,P2,Glioblastoma,F,70.65,2019-03-02\n"          // line 3
      + "G3,P3,Brain metastasis,F,40-49,2019-03-03\n"      // line 4: band
      + "G4,P4,benign disease control,X,>80,2019-03-04\n"  // line 5: bad sex, band
      + "G5,P5,healthy control,M,33,2019-13-45\n"          // line 6: bad date
      + "G6,P6,Meningioma,F,80+,\n";                       // line 7: benign tumour, band
  /** 10 features x 6 samples = 60 values, 4 of them NA: 6.7% quarantined. */
  static final String COUNTS;

  static {
    StringBuilder sb = new StringBuilder("feature\tG1\tG2\tG3\tG4\tG5\tG6\n");
    for (int f = 0; f < 10; f++) {
      sb.append("hsa-miR-").append(100 + f);
      for (int s = 0; s < 6; s++) sb.append('\t').append(f < 4 && s == 5 ? "NA" : String.valueOf(f * 10 + s));
      sb.append('\n');
    }
    COUNTS = sb.toString();
  }

  @Test
  void decimalAgesBandsNonCancerGroupsAndBadOptionalFieldsKeepEverySample(SparkSession spark) {
    Path lake = dir.resolve("lake");
    Path m = write(dir, "gbm/manifest.csv", MANIFEST);
    Path x = write(dir, "gbm/counts.tsv", COUNTS);
    String[] r = cli(lake, "ingest", "--cohort", "gbm", "--manifest", m.toString(), "--mirna", x.toString(),
        "--count-unit", "umi", "--run-id", "gbm-1");
    assertEquals(String.valueOf(ExitCodes.OK), r[0], r[2]);
    // 4 of 60 values: 6.7% > 5%, one line naming the file and the top reason
    assertTrue(r[1].contains("WARNING: 6.7% of " + x + " quarantined (4 of 60 values): top reason: missing value "
        + "(NA) (4)\n"), r[1]);
    assertTrue(r[1].contains("NOTE: 2 optional manifest field(s) set to null, the samples kept (see quarantine): "
        + "collection_date 1, sex 1\n"), r[1]);
    assertTrue(r[1].contains("manifest " + m + ": 6 rows read, 6 accepted, 0 quarantined"), r[1]);

    Map<String, Row> s = spark.read().format("delta").load(lake.resolve("samples").toString())
        .filter(col("cohort").equalTo("gbm")).collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getAs("sample_id"), row -> row, (a, b) -> a, TreeMap::new));
    assertEquals(List.of("G1", "G2", "G3", "G4", "G5", "G6"), List.copyOf(s.keySet()));
    assertEquals(52.75, (double) s.get("G1").getAs("age"));
    assertEquals(70.65, (double) s.get("G2").getAs("age"));
    assertEquals("glioblastoma", s.get("G1").getAs("cancer_type"));
    assertNull(s.get("G3").getAs("age"));
    assertEquals("40-49", s.get("G3").getAs("age_band"));
    assertEquals(">80", s.get("G4").getAs("age_band"));
    assertEquals("80+", s.get("G6").getAs("age_band"));
    assertNull(s.get("G1").getAs("age_band"));
    assertEquals("brain_metastasis|cancer|unknown", s.get("G3").getAs("cancer_type") + "|"
        + s.get("G3").getAs("category") + "|" + s.get("G3").getAs("stage"));
    assertEquals("benign_disease|benign|null", s.get("G4").getAs("cancer_type") + "|"
        + s.get("G4").getAs("category") + "|" + s.get("G4").getAs("stage"));
    assertEquals("benign_brain_tumor|benign", s.get("G6").getAs("cancer_type") + "|" + s.get("G6").getAs("category"));
    assertEquals("healthy", s.get("G5").getAs("category"));
    assertNull(s.get("G4").getAs("sex"));
    assertNull(s.get("G5").getAs("collection_date"));
    assertEquals("M", s.get("G5").getAs("sex"));

    List<String> q = spark.read().format("delta").load(lake.resolve("quarantine").toString())
        .filter(col("run_id").equalTo("gbm-1").and(col("target_table").equalTo("samples"))).orderBy("line")
        .collectAsList().stream().map(row -> row.getAs("source_file") + ":" + row.getAs("line") + ":"
            + row.getAs("column") + ":" + row.getAs("sample_id") + ":" + row.getAs("value") + ":" + row.getAs("reason"))
        .toList();
    assertEquals(List.of(
        m + ":5:sex:G4:X:sex 'X' is not M or F (field set to null, sample kept)",
        m + ":6:collection_date:G5:2019-13-45:collection_date '2019-13-45' is not a date yyyy-MM-dd (field set to "
            + "null, sample kept)"), q);
    assertEquals(56, spark.read().format("delta").load(lake.resolve("mirna_counts").toString())
        .filter(col("cohort").equalTo("gbm")).count());

    Row run = spark.read().format("delta").load(lake.resolve("ingest_runs").toString())
        .filter(col("run_id").equalTo("gbm-1")).head();
    Map<String, String> options = run.getJavaMap(run.fieldIndex("options"));
    assertEquals("umi", options.get("count_unit"));
    assertEquals("false", options.get("counts_fractional"));
    assertEquals("2", options.get("fields_nulled"));

    // the same files with another count unit are a new ingest, not "unchanged"
    String[] again = cli(lake, "ingest", "--cohort", "gbm", "--manifest", m.toString(), "--mirna", x.toString(),
        "--count-unit", "reads", "--run-id", "gbm-2");
    assertTrue(again[1].contains("ingest gbm-2: succeeded"), again[1] + again[2]);
    String[] same = cli(lake, "ingest", "--cohort", "gbm", "--manifest", m.toString(), "--mirna", x.toString(),
        "--run-id", "gbm-3");
    assertTrue(same[1].contains("ingest gbm-3: unchanged"), same[1] + same[2]);
  }

  @Test
  void countUnitIsChecked() {
    Path lake = dir.resolve("lake-unit");
    String[] r = cli(lake, "ingest", "--cohort", "u", "--manifest", write(dir, "u/m.csv", MANIFEST).toString(),
        "--count-unit", "molecules");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), r[0]);
    assertEquals("exocohort ingest: error: --count-unit must be reads or umi, not 'molecules'\n", r[2]);
  }

  @Test
  void cancerTypesOverlayAddsAndOverridesForOneRun(SparkSession spark) {
    Path lake = dir.resolve("lake-overlay");
    Path m = write(dir, "ov/m.tsv", "sample_id\tsubject_id\tcancer_type\n"
        + "O1\tP1\tMartian flu\nO2\tP2\tGBM\nO3\tP3\thealthy\n");
    // without the overlay: the unknown name is quarantined with the hint
    IngestJob.Result plain = IngestJob.run(spark, args(lake, "plain", m, null, null));
    Row q = spark.read().format("delta").load(lake.resolve("quarantine").toString())
        .filter(col("run_id").equalTo(plain.runId())).head();
    assertEquals("unknown cancer type 'Martian flu' (add it to conf/cancer_types.tsv, or give a table of your own "
        + "with ingest --cancer-types FILE)", q.getAs("reason"));

    Path overlay = write(dir, "ov/types.tsv", "# site names\nMartian flu\tmartian_flu\tbenign\nGBM\tglioma\n");
    String[] r = cli(lake, "ingest", "--cohort", "ov", "--manifest", m.toString(), "--cancer-types",
        overlay.toString());
    assertEquals(String.valueOf(ExitCodes.OK), r[0], r[2]);
    Map<String, String> got = spark.read().format("delta").load(lake.resolve("samples").toString())
        .filter(col("cohort").equalTo("ov")).collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getAs("sample_id"),
            row -> row.getAs("cancer_type") + "|" + row.getAs("category")));
    // the overlay's GBM row wins over the shipped GBM -> glioblastoma; glioma keeps its shipped category
    assertEquals(Map.of("O1", "martian_flu|benign", "O2", "glioma|cancer", "O3", "healthy|healthy"), got);
    // de and train read the stored category: the overlay's benign group is not a cancer there
    assertEquals(java.util.Set.of("martian_flu"), CancerTypes.nonCancerGroups(spark.read().format("delta")
        .load(lake.resolve("samples").toString()).filter(col("cohort").equalTo("ov"))));

    Path bad = write(dir, "ov/bad.tsv", "Martian flu\tmartian_flu\tbenign\nonly-one-column\n");
    Map<String, Long> before = versions(spark, lake);
    String[] e = cli(lake, "ingest", "--cohort", "ov", "--manifest", m.toString(), "--cancer-types", bad.toString());
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), e[0]);
    assertEquals("exocohort ingest: error: " + bad + ":2: alias table rows are 'alias<TAB>canonical[<TAB>category]'\n",
        e[2]);
    String[] missing = cli(lake, "ingest", "--cohort", "ov", "--manifest", m.toString(), "--cancer-types",
        dir.resolve("ov/nope.tsv").toString());
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), missing[0]);
    assertEquals("exocohort ingest: error: " + dir.resolve("ov/nope.tsv") + ": alias table not found\n", missing[2]);
    assertEquals(before, versions(spark, lake));
  }

  @Test
  void rWriteCsvCountFiles(SparkSession spark) {
    Path lake = dir.resolve("lake-r");
    Path fx = Path.of("src/test/resources/ingest/exosomepurity");
    Path m = write(dir, "r/m.csv", "sample_id,subject_id,cancer_type\n"
        + "SRR1917333.count,C1,colorectal\nSRR1917334.count,C2,colorectal\nSRR1917338.count,C3,colorectal\n"
        + "SRR8733171.count,H1,healthy\nSRR8733183.count,H2,healthy\nSRR8733192.count,H3,healthy\n");
    // (a) unnamed first column holding the miR names
    IngestJob.Result a = IngestJob.run(spark, args(lake, "crc", m,
        fx.resolve("cancer_cellline_derived_exosomes1.cut.csv"), null));
    assertEquals(0, a.quarantined());
    // (b) unnamed R row-number column, then gene_id: the row numbers are skipped
    IngestJob.Result b = IngestJob.run(spark, args(lake, "hc", m,
        fx.resolve("healthy_cellline_derived_exosomes.cut.csv"), null));
    assertEquals(0, b.quarantined());
    Map<String, Double> c = spark.read().format("delta").load(lake.resolve("mirna_counts").toString())
        .collectAsList().stream().collect(Collectors.toMap(
            row -> row.getAs("cohort") + "/" + row.getAs("sample_id") + "/" + row.getAs("feature"),
            row -> (Double) row.getAs("count")));
    assertEquals(24, c.size());
    // values read off the fixture lines
    assertEquals(1805.0, c.get("crc/SRR1917334.count/hsa-miR-4454"));
    assertEquals(292.0, c.get("crc/SRR1917338.count/hsa-miR-802"));
    assertEquals(51718.0, c.get("hc/SRR8733171.count/hsa-miR-101-3p"));
    assertEquals(445.0, c.get("hc/SRR8733192.count/hsa-miR-8055"));
    assertFalse(c.keySet().stream().anyMatch(k -> k.contains("/24") || k.endsWith("/2")), c.keySet().toString());

    // CPM (fractional) values: kept as given, and the run records that the file had fractional values
    IngestJob.Result cpm = IngestJob.run(spark, args(lake, "crc_cpm", m,
        fx.resolve("cancer_cellline_derived_cpm_exosomes1.cut.csv"), null));
    Row run = spark.read().format("delta").load(lake.resolve("ingest_runs").toString())
        .filter(col("run_id").equalTo(cpm.runId())).head();
    assertEquals("true", run.<String, String>getJavaMap(run.fieldIndex("options")).get("counts_fractional"));
    assertEquals("reads", run.<String, String>getJavaMap(run.fieldIndex("options")).get("count_unit"));
    Row v = spark.read().format("delta").load(lake.resolve("mirna_counts").toString())
        .filter(col("cohort").equalTo("crc_cpm").and(col("sample_id").equalTo("SRR1917333.count"))
            .and(col("feature").equalTo("hsa-miR-4454"))).head();
    assertEquals(25055.5247084953, (double) v.getAs("count"));
  }

  /** The samples declaration before age became DOUBLE and category / age_band were added. */
  static final StructType OLD_SAMPLES = new StructType()
      .add("cohort", DataTypes.StringType, false).add("sample_id", DataTypes.StringType, false)
      .add("subject_key", DataTypes.StringType, false).add("cancer_type", DataTypes.StringType, false)
      .add("cancer_type_source", DataTypes.StringType, true).add("stage", DataTypes.StringType, true)
      .add("sex", DataTypes.StringType, true).add("age", DataTypes.IntegerType, true)
      .add("biofluid", DataTypes.StringType, true).add("isolation_method", DataTypes.StringType, true)
      .add("batch", DataTypes.StringType, true).add("site", DataTypes.StringType, true)
      .add("collection_date", DataTypes.DateType, true).add("particle_concentration", DataTypes.DoubleType, true)
      .add("particle_size_nm", DataTypes.DoubleType, true)
      .add("extra", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true), true)
      .add("source_file", DataTypes.StringType, false).add("ingest_run_id", DataTypes.StringType, false);

  @Test
  void anOldLakeWithIntegerAgeIsWidened(SparkSession spark) {
    Path lake = dir.resolve("lake-old");
    // the table as the previous version created it: age INT, the same constraints and properties
    DeltaTable.createIfNotExists(spark).location(lake.resolve("samples").toString()).addColumns(OLD_SAMPLES)
        .partitionedBy("cohort").property("delta.enableChangeDataFeed", "true")
        .property("delta.constraints.stage_valid", "stage IS NULL OR stage IN ('0', 'I', 'II', 'III', 'IV', 'unknown')")
        .property("delta.constraints.age_range", "age IS NULL OR (age >= 0 AND age <= 130)")
        .property("delta.constraints.particles_nonneg", "particle_concentration IS NULL OR particle_concentration >= 0")
        .property("delta.constraints.size_positive", "particle_size_nm IS NULL OR particle_size_nm > 0")
        .execute();
    spark.createDataFrame(List.of(RowFactory.create("old", "O1", "key-o1", "breast", "breast", "II", "F", 55, null,
            null, null, null, null, null, null, null, "m.tsv", "ingest-old-1")), OLD_SAMPLES)
        .write().format("delta").mode("append").save(lake.resolve("samples").toString());

    Path m = write(dir, "old/m.csv", MANIFEST);
    IngestJob.Result r = IngestJob.run(spark, args(lake, "gbm", m, write(dir, "old/x.tsv", COUNTS), null));
    assertEquals("succeeded", r.status());
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    StructType now = l.read(Tables.SAMPLES).schema();
    assertArrayEquals(Tables.SAMPLES.columnNames(), now.fieldNames(), "declared columns, declared order");
    assertEquals(DataTypes.DoubleType, now.apply("age").dataType());
    Map<String, Object> ages = l.read(Tables.SAMPLES).collectAsList().stream()
        .collect(Collectors.toMap(row -> row.getAs("sample_id"), row -> row.get(row.fieldIndex("age")) == null ? "null"
            : row.get(row.fieldIndex("age"))));
    assertEquals(55.0, ages.get("O1"), "the old row reads as a double");
    assertEquals(52.75, ages.get("G1"));
    assertEquals(7, ages.size());
    Map<String, String> props = l.delta(Tables.SAMPLES).detail().select("properties").head().getJavaMap(0);
    assertEquals("true", props.get("delta.enableTypeWidening"));
    assertEquals("ageISNULLOR(age>=0ANDage<=130)", props.get("delta.constraints.age_range").replaceAll("\\s", ""));
    Row old = l.read(Tables.SAMPLES).filter(col("sample_id").equalTo("O1")).head();
    assertNull(old.getAs("category"));
    assertNull(old.getAs("age_band"));

    // the widened table takes further ingests (MERGE into the existing cohort's partition)
    IngestJob.Result again = IngestJob.run(spark, args(lake, "gbm", m,
        write(dir, "old/x2.tsv", COUNTS.replace("\t90\t", "\t91\t")), null));
    assertEquals("succeeded", again.status());
    // the CHECK constraint still guards the double column
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark.sql(
        "UPDATE delta.`" + lake.resolve("samples") + "` SET age = 131.5 WHERE sample_id = 'O1'"));
    assertTrue(String.valueOf(e.getMessage()).contains("age_range"), e.getMessage());
  }
}
