package io.exocohort.ingest;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.versions;
import static io.exocohort.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Ingest into real Delta tables under a temporary folder: round trips, idempotency, updates, privacy. */
class IngestIT {
  static final int SAMPLES = 24;
  static final int FEATURES = 15;

  /** A small cohort built in code: manifest + a count matrix with a fixed seed. */
  static final class Cohort {
    final String[] samples = new String[SAMPLES];
    final String[] features = new String[FEATURES];
    final long[][] counts = new long[FEATURES][SAMPLES];

    Cohort(long seed) {
      Random r = new Random(seed);
      for (int j = 0; j < SAMPLES; j++) samples[j] = "S" + (100 + j);
      for (int i = 0; i < FEATURES; i++) features[i] = "hsa-miR-" + (10 + i) + "-5p";
      for (int i = 0; i < FEATURES; i++) {
        for (int j = 0; j < SAMPLES; j++) counts[i][j] = r.nextInt(5) == 0 ? 0 : (long) Math.exp(r.nextDouble() * 12);
      }
    }

    String manifest(char d) {
      String[] types = {"Control", "PDAC", "Breast Cancer", "healthy", "esophageal cancer", "Prostate"};
      StringBuilder sb = new StringBuilder(String.join(String.valueOf(d), "sample_id", "subject_id", "cancer_type",
          "stage", "sex", "age", "batch", "collection_date", "particle_concentration", "particle_size_nm",
          "freezer_box", "patient_name") + "\n");
      for (int j = 0; j < SAMPLES; j++) {
        String t = types[j % types.length];
        boolean healthy = t.equalsIgnoreCase("control") || t.equals("healthy");
        sb.append(String.join(String.valueOf(d), samples[j], "SUBJ-RAW-" + (7000 + j), t, healthy ? "" : "II",
            j % 2 == 0 ? "F" : "M", String.valueOf(40 + j), "B" + (j % 3), "2024-03-" + (10 + j % 18),
            (1.5e10 + j) + "", String.valueOf(80 + j), "box" + j, "Jane Doe " + j)).append('\n');
      }
      return sb.toString();
    }

    String wide(char d) {
      StringBuilder sb = new StringBuilder("miRNA");
      for (String s : samples) sb.append(d).append(s);
      sb.append('\n');
      for (int i = 0; i < FEATURES; i++) {
        sb.append(features[i]);
        for (int j = 0; j < SAMPLES; j++) sb.append(d).append(counts[i][j]).append(".0");
        sb.append('\n');
      }
      return sb.toString();
    }

    String longCsv() {
      StringBuilder sb = new StringBuilder("sample_id,feature,count\n");
      for (int j = 0; j < SAMPLES; j++) {
        for (int i = 0; i < FEATURES; i++) sb.append(samples[j]).append(',').append(features[i]).append(',')
            .append(counts[i][j]).append('\n');
      }
      return sb.toString();
    }
  }

  static Map<String, Double> countsOf(SparkSession spark, Path lake, String cohort) {
    Map<String, Double> m = new HashMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("mirna_counts").toString())
        .filter(col("cohort").equalTo(cohort)).collectAsList()) {
      m.put(r.getAs("sample_id") + "|" + r.getAs("feature"), r.getAs("count"));
    }
    return m;
  }

  static void assertExact(Cohort c, Map<String, Double> got) {
    assertEquals(SAMPLES * FEATURES, got.size());
    for (int i = 0; i < FEATURES; i++) {
      for (int j = 0; j < SAMPLES; j++) {
        assertEquals((double) c.counts[i][j], got.get(c.samples[j] + "|" + c.features[i]), 0.0,
            c.samples[j] + " " + c.features[i]);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"wide-tsv", "wide-csv-gz", "long-csv", "long-parquet"})
  void everyCountComesBackExactly(String format, SparkSession spark, @TempDir Path dir) throws IOException {
    Cohort c = new Cohort(7);
    Path manifest = write(dir, "manifest.tsv", c.manifest('\t'));
    Path counts;
    switch (format) {
      case "wide-tsv" -> counts = write(dir, "counts.tsv", c.wide('\t'));
      case "wide-csv-gz" -> {
        counts = dir.resolve("counts.csv.gz");
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(counts))) {
          o.write(c.wide(',').getBytes(StandardCharsets.UTF_8));
        }
      }
      case "long-csv" -> counts = write(dir, "counts.csv", c.longCsv());
      default -> {
        List<Row> rows = new java.util.ArrayList<>();
        for (int j = 0; j < SAMPLES; j++) {
          for (int i = 0; i < FEATURES; i++) rows.add(RowFactory.create(c.samples[j], c.features[i], c.counts[i][j]));
        }
        StructType st = new StructType().add("sample_id", DataTypes.StringType).add("feature", DataTypes.StringType)
            .add("value", DataTypes.LongType);
        counts = dir.resolve("counts.parquet");
        spark.createDataFrame(rows, st).coalesce(1).write().parquet(counts.toString());
      }
    }
    Path lake = dir.resolve("lake");
    IngestJob.Result r = IngestJob.run(spark, args(lake, "c1", manifest, counts, null));
    assertEquals("succeeded", r.status());
    assertEquals(0, r.quarantined());
    assertExact(c, countsOf(spark, lake, "c1"));
    IngestJob.FileResult f = r.files().get(1);
    assertEquals(SAMPLES * FEATURES, f.read());
    assertEquals(SAMPLES * FEATURES, f.accepted());
    assertEquals(64, f.sha256().length());
    // The catalog names work for analysts.
    assertEquals(SAMPLES, spark.sql("SELECT count(*) FROM exocohort.samples WHERE cohort = 'c1'").head().getLong(0));
  }

  @Test
  void manifestIsNormalisedAndPseudonymised(SparkSession spark, @TempDir Path dir) throws IOException {
    Cohort c = new Cohort(8);
    Path lake = dir.resolve("lake");
    IngestJob.run(spark, args(lake, "c1", write(dir, "m.csv", c.manifest(',')), write(dir, "x.tsv", c.wide('\t')),
        null));
    Dataset<Row> s = spark.read().format("delta").load(lake.resolve("samples").toString());
    Row pdac = s.filter(col("sample_id").equalTo("S101")).head();
    assertEquals("pancreatic", pdac.getAs("cancer_type"));
    assertEquals("PDAC", pdac.getAs("cancer_type_source"));
    assertEquals("II", pdac.getAs("stage"));
    assertEquals("M", pdac.getAs("sex"));
    assertEquals(41.0, (double) pdac.getAs("age"));
    assertEquals(java.sql.Date.valueOf("2024-03-11"), pdac.getAs("collection_date"));
    assertEquals(io.exocohort.TestLakes.TEST_KEY.pseudonym("SUBJ-RAW-7001"), pdac.getAs("subject_key"));
    Map<String, String> extra = pdac.getJavaMap(pdac.fieldIndex("extra"));
    assertEquals(Map.of("freezer_box", "box1"), extra, "identifier column patient_name must be dropped");
    Row healthy = s.filter(col("sample_id").equalTo("S100")).head();
    assertEquals("healthy", healthy.getAs("cancer_type"));
    assertEquals(null, (String) healthy.getAs("stage"));

    // No raw subject id and no dropped identifier anywhere in the lake's files: read every Parquet file and
    // every log/JSON file as text.
    try (Stream<Path> files = Files.walk(lake)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".parquet")) {
          Dataset<Row> df = spark.read().parquet(p.toString());
          long hits = df.toJSON().filter(col("value").contains("SUBJ-RAW").or(col("value").contains("Jane Doe")))
              .count();
          assertEquals(0, hits, p.toString());
        } else if (!name.endsWith(".crc")) {
          String text = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
          assertFalse(text.contains("SUBJ-RAW") || text.contains("Jane Doe"), p.toString());
        }
      }
    }
  }

  @Test
  void sameFilesTwiceChangeNothingAndCorrectionsUpdate(SparkSession spark, @TempDir Path dir) {
    Cohort c = new Cohort(9);
    Path lake = dir.resolve("lake");
    Path m = write(dir, "m.tsv", c.manifest('\t'));
    Path x = write(dir, "x.tsv", c.wide('\t'));
    IngestJob.run(spark, args(lake, "c1", m, x, null));
    Map<String, Long> v1 = versions(spark, lake);

    IngestJob.Result again = IngestJob.run(spark, args(lake, "c1", m, x, null));
    assertEquals("unchanged", again.status());
    Map<String, Long> v2 = versions(spark, lake);
    for (String t : List.of("samples", "mirna_counts", "protein_abundance", "quarantine")) {
      assertEquals(v1.get(t), v2.get(t), t + " must not move");
    }
    assertEquals(v1.get("ingest_runs") + 1, v2.get("ingest_runs"), "the repeat is recorded as a run");

    // Same content, re-saved with other bytes (CRLF): the MERGE still changes no row.
    Path xCrlf = write(dir, "x-crlf.tsv", c.wide('\t').replace("\n", "\r\n"));
    IngestJob.Result crlf = IngestJob.run(spark, args(lake, "c1", m, xCrlf, null));
    assertEquals(0L, crlf.rowsWritten().get("mirna_counts"));
    assertEquals(0L, crlf.rowsWritten().get("samples"));
    assertExact(c, countsOf(spark, lake, "c1"));

    // A corrected re-delivery: one sample's age and one count change.
    String fixedManifest = c.manifest('\t').replace("S105\tSUBJ-RAW-7005\tProstate\tII\tM\t45", "S105\tSUBJ-RAW-7005\tProstate\tII\tM\t46");
    assertNotEquals(c.manifest('\t'), fixedManifest);
    c.counts[3][5] = 123456;
    IngestJob.Result fix = IngestJob.run(spark, args(lake, "c1", write(dir, "m2.tsv", fixedManifest),
        write(dir, "x2.tsv", c.wide('\t')), null));
    assertEquals(1L, fix.rowsWritten().get("samples"));
    assertEquals(1L, fix.rowsWritten().get("mirna_counts"));
    assertExact(c, countsOf(spark, lake, "c1"));
    Row s105 = spark.read().format("delta").load(lake.resolve("samples").toString())
        .filter(col("sample_id").equalTo("S105")).head();
    assertEquals(46.0, (double) s105.getAs("age"));
    assertEquals(fix.runId(), s105.getAs("ingest_run_id"));
    assertEquals(SAMPLES, spark.read().format("delta").load(lake.resolve("samples").toString()).count());

    // A second cohort adds to the same tables and leaves the first alone.
    Cohort c2 = new Cohort(10);
    IngestJob.run(spark, args(lake, "c2", write(dir, "m3.tsv", c2.manifest('\t')), write(dir, "x3.tsv",
        c2.wide('\t')), null));
    assertExact(c, countsOf(spark, lake, "c1"));
    assertExact(c2, countsOf(spark, lake, "c2"));

    // ingest_runs totals agree with the tables.
    Row last = spark.read().format("delta").load(lake.resolve("ingest_runs").toString())
        .filter(col("cohort").equalTo("c2")).head();
    List<Row> files = last.getList(last.fieldIndex("files"));
    assertEquals(SAMPLES * FEATURES, files.get(1).getLong(5));
  }

  @Test
  void tablesAreDocumentedConstrainedAndRegistered(SparkSession spark, @TempDir Path dir) throws Exception {
    Cohort c = new Cohort(11);
    Path lake = dir.resolve("lake");
    IngestJob.run(spark, args(lake, "c1", write(dir, "m.tsv", c.manifest('\t')), write(dir, "x.tsv",
        c.wide('\t')), null));
    Row detail = spark.sql("DESCRIBE DETAIL exocohort.mirna_counts").head();
    assertTrue(((String) detail.getAs("description")).startsWith("Raw microRNA read counts"));
    assertEquals(List.of("cohort"), detail.getList(detail.fieldIndex("partitionColumns")));
    Map<String, String> props = detail.getJavaMap(detail.fieldIndex("properties"));
    assertEquals("true", props.get("delta.enableChangeDataFeed"));
    assertEquals("`count` >= 0", props.get("delta.constraints.count_nonneg"));
    String comment = spark.sql("DESCRIBE TABLE exocohort.samples").filter(col("col_name").equalTo("subject_key"))
        .head().getString(2);
    assertTrue(comment.contains("HMAC"), comment);
    // The CHECK constraint is enforced.
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark.sql(
        "INSERT INTO exocohort.mirna_counts VALUES ('c1', 'S100', 'x', -1.0, 'r')"));
    assertTrue(e.getMessage().contains("count_nonneg"), e.getMessage());
    // Registration survives a fresh catalog: the lake re-registers its tables when opened.
    spark.sql("DROP DATABASE exocohort CASCADE");
    io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    assertEquals((long) SAMPLES * FEATURES, spark.sql("SELECT count(*) FROM exocohort.mirna_counts").head().getLong(0));
    // Change data feed is readable.
    long cdf = spark.read().format("delta").option("readChangeFeed", "true").option("startingVersion", 0)
        .load(lake.resolve("mirna_counts").toString()).count();
    assertEquals((long) SAMPLES * FEATURES, cdf);
    // The tables this run wrote are registered (protein_abundance appears with the first protein file), with
    // job_runs (every job records its run) and the view over samples; the miR counts with their per-sample copy.
    assertEquals(List.of("ingest_runs", "job_runs", "mirna_count_features", "mirna_count_vectors", "mirna_counts",
        "quarantine", "sample_summary", "samples"),
        spark.catalog().listTables("exocohort")
        .collectAsList().stream().map(t -> t.name()).sorted().toList());
  }
}
