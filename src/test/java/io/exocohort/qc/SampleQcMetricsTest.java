package io.exocohort.qc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SampleQcMetrics} on in-memory long tables, against values worked out by hand in plain Java. */
class SampleQcMetricsTest {
  static final StructType COUNTS = new StructType()
      .add("cohort", DataTypes.StringType, false).add("sample_id", DataTypes.StringType, false)
      .add("feature", DataTypes.StringType, false).add("count", DataTypes.DoubleType, false);
  static final StructType PROTEINS = new StructType()
      .add("cohort", DataTypes.StringType, false).add("sample_id", DataTypes.StringType, false)
      .add("feature", DataTypes.StringType, false).add("intensity", DataTypes.DoubleType, true);
  static final StructType SAMPLES = new StructType()
      .add("cohort", DataTypes.StringType, false).add("sample_id", DataTypes.StringType, false)
      .add("batch", DataTypes.StringType, true).add("library_size", DataTypes.DoubleType, true)
      .add("mirs_detected", DataTypes.IntegerType, true);

  static Map<String, Row> bySample(List<Row> rows) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : rows) m.put(r.getAs("sample_id"), r);
    return m;
  }

  @Test
  void mirnaMetrics(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    // A: 12 ordinary miRs with counts 1..12, a zero, miR-451a = 1023 and miR-23a-3p = 7 (written in odd cases).
    double[] ordinary = new double[12];
    for (int i = 0; i < 12; i++) {
      ordinary[i] = i + 1;
      rows.add(RowFactory.create("c1", "A", "hsa-miR-" + (100 + i) + "-5p", ordinary[i]));
    }
    rows.add(RowFactory.create("c1", "A", "hsa-miR-999-3p", 0.0));
    rows.add(RowFactory.create("c1", "A", " HSA-MIR-451A", 1023.0));
    rows.add(RowFactory.create("c1", "A", "miR-23a-3p", 7.0));
    // B: no hsa- prefix, only miR-451a (miR-23a-3p absent counts 0); C: neither; Z: an empty library.
    rows.add(RowFactory.create("c1", "B", "miR-451a", 15.0));
    rows.add(RowFactory.create("c1", "B", "miR-16-5p", 5.0));
    rows.add(RowFactory.create("c2", "C", "hsa-miR-16-5p", 5.0));
    rows.add(RowFactory.create("c2", "Z", "hsa-miR-16-5p", 0.0));
    // H: cohort c3's panel has miR-451a but no miR-23a-3p: haemolysis not assessed (a 0 would read as haemolysed)
    rows.add(RowFactory.create("c3", "H", "hsa-miR-451a", 900.0));
    rows.add(RowFactory.create("c3", "H", "hsa-miR-16-5p", 50.0));
    Map<String, Row> m = bySample(SampleQcMetrics.mirna(spark.createDataFrame(rows, COUNTS), 1).collectAsList());

    Row a = m.get("A");
    double lib = Arrays.stream(ordinary).sum() + 1023 + 7;
    assertEquals(lib, a.<Double>getAs("library_size"), 0.0);
    assertEquals(14, (int) a.<Integer>getAs("mirs_detected"));
    double[] all = new double[14];
    System.arraycopy(ordinary, 0, all, 0, 12);
    all[12] = 1023;
    all[13] = 7;
    Arrays.sort(all);
    double top10 = 0;
    for (int i = 0; i < 10; i++) top10 += all[13 - i];
    assertEquals(top10 / lib, a.<Double>getAs("top10_fraction"), 1e-12);
    assertEquals(7.0, a.<Double>getAs("hemolysis_log2_ratio"), 1e-12); // log2(1024 / 8)

    assertEquals(Math.log(16) / Math.log(2), m.get("B").<Double>getAs("hemolysis_log2_ratio"), 1e-12);
    assertEquals(1.0, m.get("B").<Double>getAs("top10_fraction"), 1e-12);
    assertNull(m.get("C").getAs("hemolysis_log2_ratio"));
    Row z = m.get("Z");
    assertEquals(0.0, z.<Double>getAs("library_size"), 0.0);
    assertEquals(0, (int) z.<Integer>getAs("mirs_detected"));
    assertNull(z.getAs("top10_fraction"));
    assertNull(m.get("H").getAs("hemolysis_log2_ratio"), "miR-23a-3p not in cohort c3's panel");
    assertEquals(950.0, m.get("H").<Double>getAs("library_size"), 0.0);
    assertEquals(5, m.size());

    // The detection threshold is a parameter.
    Map<String, Row> m5 = bySample(SampleQcMetrics.mirna(spark.createDataFrame(rows, COUNTS), 5).collectAsList());
    assertEquals(8 + 2, (int) m5.get("A").<Integer>getAs("mirs_detected")); // 5..12, 1023, 7
  }

  /**
   * The pass over a Delta table gives exactly what it gives over an in-memory frame of the same rows, and what
   * the SQL aggregation it replaced gives ({@code sum}, {@code count(when)}, the 10 largest of
   * {@code sort_array(collect_list)} added largest first; the counts are whole numbers, so every sum is exact):
   * with the columns dictionary-encoded across many small row groups (a sample's rows span batches and row
   * groups), with dictionaries switched off, and with the rows in random order (a sample's rows scattered over
   * the table, split between partitions).
   */
  @ParameterizedTest
  @ValueSource(strings = {"dictionary", "plain", "scattered"})
  void mirnaMetricsFromDeltaEqualTheFrameAndSql(String layout, SparkSession spark, @TempDir Path dir) {
    boolean dictionary = !layout.equals("plain");
    List<Row> rows = new ArrayList<>();
    java.util.Random r = new java.util.Random(11);
    String[] names = new String[400];
    for (int f = 0; f < names.length; f++) names[f] = "hsa-miR-" + (1000 + f) + (f % 2 == 0 ? "-5p" : "-3p");
    names[7] = "hsa-miR-451a";
    names[8] = "hsa-miR-23a-3p";
    names[9] = "miR-451"; // a second spelling of miR-451a: the two add up
    for (String cohort : List.of("c1", "c2")) {
      for (int s = 0; s < 25; s++) {
        for (int f = 0; f < names.length; f++) {
          if (r.nextInt(10) == 0) continue; // not every miR in every sample
          double c = r.nextInt(4) == 0 ? 0.0 : Math.floor(Math.exp(r.nextGaussian() * 2 + 3));
          rows.add(RowFactory.create(cohort, "S" + s, names[f], c)); // S0..S24 in both cohorts
        }
      }
    }
    // scattered: a sample's rows do not come together (the passes then look its key up on most rows)
    if (layout.equals("scattered")) java.util.Collections.shuffle(rows, new java.util.Random(2));
    Dataset<Row> frame = spark.createDataFrame(rows, COUNTS);
    String table = dir.resolve("mirna_counts").toString();
    frame.withColumn("ingest_run_id", functions.lit("r1")).write().format("delta").partitionBy("cohort")
        .option("parquet.block.size", "8192").option("parquet.enable.dictionary", String.valueOf(dictionary))
        .save(table);
    Dataset<Row> delta = spark.read().format("delta").load(table).filter(functions.col("cohort").isin("c1", "c2"));

    Map<String, Row> fromDelta = byKey(SampleQcMetrics.mirna(delta, 1).collectAsList());
    Map<String, Row> byRows = byKey(SampleQcMetrics.mirna(frame.repartition(3), 1).collectAsList());
    Column counts = functions.col("count");
    Map<String, Row> sql = byKey(frame.groupBy("cohort", "sample_id").agg(
        functions.sum(counts).as("library_size"),
        functions.count(functions.when(counts.geq(1), functions.lit(1))).cast("int").as("mirs_detected"),
        functions.aggregate(functions.slice(functions.sort_array(functions.collect_list(counts), false), 1, 10),
            functions.lit(0.0), (a, x) -> a.plus(x)).as("top10_reads"))
        .withColumn("top10_fraction", functions.col("top10_reads").divide(functions.col("library_size")))
        .collectAsList());
    assertEquals(50, fromDelta.size());
    assertEquals(byRows.keySet(), fromDelta.keySet());
    assertEquals(sql.keySet(), fromDelta.keySet());
    for (String k : byRows.keySet()) {
      Row a = byRows.get(k);
      Row b = fromDelta.get(k);
      for (String c : List.of("library_size", "mirs_detected", "top10_fraction", "hemolysis_log2_ratio")) {
        assertEquals((Object) a.getAs(c), b.getAs(c), k + " " + c);
        if (!c.startsWith("hemolysis")) assertEquals((Object) sql.get(k).getAs(c), b.getAs(c), k + " " + c + " (SQL)");
      }
    }
  }

  static Map<String, Row> byKey(List<Row> rows) {
    Map<String, Row> m = new HashMap<>();
    for (Row r : rows) m.put(r.getAs("cohort") + "/" + r.getAs("sample_id"), r);
    return m;
  }

  /** The rows as an in-memory frame, or as a Delta table partitioned by cohort. */
  static Dataset<Row> frame(SparkSession spark, List<Row> rows, StructType schema, Path dir, boolean delta,
      boolean dictionary) {
    Dataset<Row> f = spark.createDataFrame(rows, schema);
    if (!delta) return f;
    String table = dir.resolve("t" + System.nanoTime()).toString();
    f.write().format("delta").partitionBy("cohort").option("parquet.block.size", "8192")
        .option("parquet.enable.dictionary", String.valueOf(dictionary)).save(table);
    return spark.read().format("delta").load(table);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void proteinMetrics(boolean delta, SparkSession spark, @TempDir Path dir) {
    List<Row> rows = new ArrayList<>();
    // Cohort c1 has 6 proteins. ALB log2 intensities 10, 10, 13, 11 -> median 10.5: s3 (+2.5) is contaminated,
    // s4 (+0.5) is not. APOB 8, 8, 8, 10.6 -> median 8: s4 (+2.6) is contaminated.
    String[] samples = {"s1", "s2", "s3", "s4"};
    double[] alb = {10, 10, 13, 11};
    double[] apob = {8, 8, 8, 10.6};
    for (int j = 0; j < 4; j++) {
      String s = samples[j];
      rows.add(RowFactory.create("c1", s, "ALB", Math.pow(2, alb[j])));
      rows.add(RowFactory.create("c1", s, "apob", Math.pow(2, apob[j])));
      rows.add(RowFactory.create("c1", s, "TSG101", 1000.0));
      if (!s.equals("s2")) rows.add(RowFactory.create("c1", s, "cd63", 500.0));
      if (s.equals("s2")) rows.add(RowFactory.create("c1", s, "CD9", null)); // not quantified
      if (s.equals("s1")) rows.add(RowFactory.create("c1", s, "GPC1", 42.0));
    }
    // Cohort c2: its own proteins and medians; one sample without a cytosolic marker.
    rows.add(RowFactory.create("c2", "t1", "CD81", 5.0));
    rows.add(RowFactory.create("c2", "t1", "ALB", Math.pow(2, 20)));
    // Cohort c3: proteins named by UniProt identifiers (FASTA-style id, entry name, isoform, protein groups).
    // ALB (P02768) log2 10, 10, 14 -> median 10: u3 (+4) is contaminated.
    rows.add(RowFactory.create("c3", "u1", "sp|P21926|CD9_HUMAN", 100.0));
    rows.add(RowFactory.create("c3", "u1", "TS101_HUMAN", 50.0));
    rows.add(RowFactory.create("c3", "u1", "P02768-2;P02768", Math.pow(2, 10)));
    rows.add(RowFactory.create("c3", "u2", "p21926-2", 80.0));
    rows.add(RowFactory.create("c3", "u2", "Q8WUM4", 10.0));
    rows.add(RowFactory.create("c3", "u2", "P02768-2;P02768", Math.pow(2, 10)));
    rows.add(RowFactory.create("c3", "u3", "Q9Y6K9;O00560", 5.0));
    rows.add(RowFactory.create("c3", "u3", "P02768-2;P02768", Math.pow(2, 14)));
    // Cohort c4: no contaminant protein quantified: contamination not assessed (null), not "none found".
    rows.add(RowFactory.create("c4", "v1", "CD63", 5.0));
    rows.add(RowFactory.create("c4", "v1", "ALB", null));
    Map<String, Row> m = bySample(SampleQcMetrics.protein(frame(spark, rows, PROTEINS, dir, delta, true),
        QcThresholds.defaults()).collectAsList());

    Row s1 = m.get("s1");
    assertEquals(5, (int) s1.<Integer>getAs("proteins_quantified"));
    assertEquals(1.0 - 5.0 / 6, s1.<Double>getAs("protein_missing_fraction"), 1e-12);
    assertTrue(s1.<Boolean>getAs("ev_tetraspanin"));
    assertTrue(s1.<Boolean>getAs("ev_cytosolic"));
    assertEquals(List.of(), s1.getList(s1.fieldIndex("contaminants")));
    Row s2 = m.get("s2");
    assertEquals(3, (int) s2.<Integer>getAs("proteins_quantified"));
    assertEquals(0.5, s2.<Double>getAs("protein_missing_fraction"), 1e-12);
    assertFalse(s2.<Boolean>getAs("ev_tetraspanin"));
    assertEquals(List.of("ALB"), m.get("s3").getList(m.get("s3").fieldIndex("contaminants")));
    assertEquals(List.of("APOB"), m.get("s4").getList(m.get("s4").fieldIndex("contaminants")));
    Row t1 = m.get("t1");
    assertEquals(0.0, t1.<Double>getAs("protein_missing_fraction"), 1e-12);
    assertTrue(t1.<Boolean>getAs("ev_tetraspanin"));
    assertFalse(t1.<Boolean>getAs("ev_cytosolic"));
    assertEquals(List.of(), t1.getList(t1.fieldIndex("contaminants")), "its own cohort's median");

    Row u1 = m.get("u1");
    assertTrue(u1.<Boolean>getAs("ev_tetraspanin"), "sp|P21926|CD9_HUMAN is CD9");
    assertTrue(u1.<Boolean>getAs("ev_cytosolic"), "TS101_HUMAN is TSG101");
    assertEquals(0.5, u1.<Double>getAs("protein_missing_fraction"), 1e-12); // 3 of c3's 6 names
    assertEquals(List.of(), u1.getList(u1.fieldIndex("contaminants")));
    Row u2 = m.get("u2");
    assertTrue(u2.<Boolean>getAs("ev_tetraspanin"), "p21926-2 is an isoform of CD9");
    assertTrue(u2.<Boolean>getAs("ev_cytosolic"), "Q8WUM4 is PDCD6IP");
    Row u3 = m.get("u3");
    assertFalse(u3.<Boolean>getAs("ev_tetraspanin"));
    assertTrue(u3.<Boolean>getAs("ev_cytosolic"), "a group with O00560 (SDCBP) counts");
    assertEquals(List.of("ALB"), u3.getList(u3.fieldIndex("contaminants")), "the albumin group, 4 log2 above");
    Row v1 = m.get("v1");
    assertNull(v1.getAs("contaminants"), "no contaminant quantified in cohort c4: not assessed");
    assertEquals(0.5, v1.<Double>getAs("protein_missing_fraction"), 1e-12);
  }

  /** The forms a protein table delivers, reduced to the symbols the rules look for (plain Java). */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '!', value = {
      "CD9!CD9", "P21926!CD9", "P21926-2!CD9", "SP|P21926|CD9_HUMAN!CD9", "TR|P21926|X_HUMAN DESCRIPTION!CD9",
      "CD9_HUMAN!CD9", "PDC6I_HUMAN!PDCD6IP", "Q8WUM4!PDCD6IP", "SDCB1_HUMAN!SDCBP", "ALBU_HUMAN!ALB",
      "CALX_HUMAN!CANX", "P27824!CANX", "Q9Y6K9;P21926!Q9Y6K9,CD9", "P21926 ; P21926-3!CD9",
      "Q12345-2!Q12345", "HLA-A!HLA-A", "NKX2-1!NKX2-1", "GPC1!GPC1", "A0A024R161-1!A0A024R161", ";!''"})
  void proteinIdentifiersAreReducedToSymbols(String feature, String members) {
    List<String> want = members.isEmpty() ? List.of("") : List.of(members.split(","));
    assertEquals(want, ProteinMarkers.shipped().members(feature));
  }

  /** The row pass's Spark expression reduces names exactly as the plain-Java form the batch pass uses. */
  @Test
  void proteinIdentifiersAreReducedAlikeBySparkAndJava(SparkSession spark) {
    List<String> names = List.of("CD9", "P21926-2", "SP|P21926|CD9_HUMAN", "CD9_HUMAN", "Q9Y6K9;O00560",
        " P02768 ; ALB ", "TR|A0A024R161|A0A024R161_HUMAN", "P12345-10", "HLA-DRB1", ";", "", "SP|X", "CD63;;CD81",
        "O00560-1;SDCB1_HUMAN");
    List<Row> rows = names.stream().map(n -> RowFactory.create(n)).toList();
    Dataset<Row> df = spark.createDataFrame(rows, new StructType().add("symbol", DataTypes.StringType, false));
    ProteinMarkers markers = ProteinMarkers.shipped();
    for (Row r : df.select(functions.col("symbol"), markers.members(functions.col("symbol"))).collectAsList()) {
      assertEquals(markers.members(r.getString(0)), r.getList(1), r.getString(0));
    }
  }

  /**
   * The protein pass over Parquet batches equals the SQL aggregation over rows on a larger random cohort pair:
   * markers and contaminants in mixed case and with spaces, proteins not quantified (null or 0), many row groups,
   * with and without dictionaries, and with the rows in random order.
   */
  @ParameterizedTest
  @ValueSource(strings = {"dictionary", "plain", "scattered"})
  void proteinMetricsFromParquetBatchesEqualTheRowPass(String layout, SparkSession spark, @TempDir Path dir) {
    boolean dictionary = !layout.equals("plain");
    List<Row> rows = new ArrayList<>();
    java.util.Random r = new java.util.Random(5);
    List<String> names = new ArrayList<>(List.of("CD9", " cd63", "CD81 ", "tsg101", "PDCD6IP", "SDCBP", "ALB",
        "apoa1", " APOB ", "CANX",
        // the same proteins by UniProt identifier, as proteomics tables deliver them
        "sp|P21926|CD9_HUMAN", "P08962-2", "cd81_human", "Q99816", "Q9Y6K9;Q8WUM4", " o00560 ", "P02768-1;P02768",
        "sp|P02647|APOA1_HUMAN", "P04114;Q12345", "CALX_HUMAN"));
    for (int f = 0; f < 60; f++) names.add("P" + f);
    for (String cohort : List.of("c1", "c2")) {
      for (int s = 0; s < 40; s++) {
        for (String name : names) {
          if (r.nextInt(8) == 0) continue;
          int u = r.nextInt(10);
          Double x = u == 0 ? null : u == 1 ? 0.0 : Math.pow(2, 10 + 3 * r.nextGaussian());
          rows.add(RowFactory.create(cohort, "S" + s, name, x));
        }
      }
    }
    rows.add(RowFactory.create("c2", "S0", "alb", Math.pow(2, 30))); // a second spelling of ALB in one sample
    if (layout.equals("scattered")) java.util.Collections.shuffle(rows, new java.util.Random(3));
    Map<String, Row> byRows = byKey(SampleQcMetrics.protein(frame(spark, rows, PROTEINS, dir, false, dictionary),
        QcThresholds.defaults()).collectAsList());
    Map<String, Row> batches = byKey(SampleQcMetrics.protein(frame(spark, rows, PROTEINS, dir, true, dictionary),
        QcThresholds.defaults()).collectAsList());
    assertEquals(80, batches.size());
    assertEquals(byRows.keySet(), batches.keySet());
    int contaminated = 0;
    for (String k : byRows.keySet()) {
      Row a = byRows.get(k);
      Row b = batches.get(k);
      for (String c : List.of("proteins_quantified", "protein_missing_fraction", "ev_tetraspanin", "ev_cytosolic")) {
        assertEquals((Object) a.getAs(c), b.getAs(c), k + " " + c);
      }
      assertEquals(a.getList(a.fieldIndex("contaminants")), b.getList(b.fieldIndex("contaminants")), k);
      if (!a.getList(a.fieldIndex("contaminants")).isEmpty()) contaminated++;
    }
    assertTrue(contaminated > 5, "the random cohorts have contaminated samples: " + contaminated);
  }

  static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = a.length;
    return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
  }

  /** 0.6745 (x - median) / MAD over the group's values, in plain Java. */
  static Map<String, Double> modifiedZ(Map<String, Double> x) {
    double med = median(new ArrayList<>(x.values()));
    List<Double> dev = x.values().stream().map(v -> Math.abs(v - med)).toList();
    double mad = median(dev);
    Map<String, Double> z = new HashMap<>();
    x.forEach((k, v) -> z.put(k, 0.6745 * (v - med) / mad));
    return z;
  }

  @Test
  void robustZWithinCohortAndBatch(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    Map<String, Double> libB1 = new HashMap<>();
    Map<String, Double> detB1 = new HashMap<>();
    Map<String, Double> libNone = new HashMap<>();
    java.util.Random r = new java.util.Random(3);
    for (int i = 0; i < 11; i++) {
      double lib = i == 10 ? 2.0e4 : 1e6 * (1 + r.nextDouble());
      int det = 400 + r.nextInt(100);
      rows.add(RowFactory.create("c1", "b" + i, "B1", lib, det));
      libB1.put("b" + i, Math.log10(lib));
      detB1.put("b" + i, (double) det);
    }
    for (int i = 0; i < 10; i++) { // no batch: one group per cohort
      double lib = 5e5 * (1 + r.nextDouble());
      rows.add(RowFactory.create("c1", "n" + i, null, lib, 300 + i));
      libNone.put("n" + i, Math.log10(lib));
    }
    rows.add(RowFactory.create("c1", "nomir", "B1", null, null)); // no miR data: not counted in B1
    for (int i = 0; i < 9; i++) rows.add(RowFactory.create("c1", "small" + i, "B2", 1e6 * (i + 1), 300 + i));
    for (int i = 0; i < 10; i++) rows.add(RowFactory.create("c2", "same" + i, "B1", 1e6, 500));
    Map<String, Row> m = bySample(SampleQcMetrics.robustZ(spark.createDataFrame(rows, SAMPLES), 10).collectAsList());

    Map<String, Double> zLib = modifiedZ(libB1);
    Map<String, Double> zDet = modifiedZ(detB1);
    for (String s : libB1.keySet()) {
      assertEquals(zLib.get(s), m.get(s).<Double>getAs("library_size_robust_z"), 1e-9, s);
      assertEquals(zDet.get(s), m.get(s).<Double>getAs("mirs_detected_robust_z"), 1e-9, s);
    }
    assertTrue(m.get("b10").<Double>getAs("library_size_robust_z") < -3.5, "the 20k library stands out");
    Map<String, Double> zNone = modifiedZ(libNone);
    for (String s : libNone.keySet()) assertEquals(zNone.get(s), m.get(s).<Double>getAs("library_size_robust_z"), 1e-9);
    assertNull(m.get("nomir").getAs("library_size_robust_z"));
    assertNull(m.get("small0").getAs("library_size_robust_z"), "groups under min_group_size are skipped");
    assertNull(m.get("same0").getAs("mirs_detected_robust_z"), "MAD 0: no scale");
    assertEquals(rows.size(), m.size());
  }
}
