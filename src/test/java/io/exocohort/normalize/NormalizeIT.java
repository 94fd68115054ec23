package io.exocohort.normalize;

import static io.exocohort.TestLakes.versions;
import static io.exocohort.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.common.BadInputException;
import io.exocohort.ingest.IngestJob;
import io.exocohort.normalize.kernel.Golden;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The normalize job end to end on real Delta tables, against edgeR / limma / sva outputs for the same fixtures
 * (src/test/resources/golden/normalize, made by make_golden.R): filterByExpr keep sets, TMM and upper-quartile
 * factors, log-CPM, ComBat, quantile normalisation, all within 1e-6.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NormalizeIT {
  static final double TOL = 1e-6;
  @TempDir static Path dir;
  Path lake;
  SparkSession spark;

  /** Golden group labels to canonical cancer types, keeping R's alphabetical level order. */
  static final Map<String, String> GROUPS = Map.of("GBM", "glioblastoma", "Glioma", "glioma", "Control", "healthy",
      "cancerA", "breast", "cancerB", "colorectal", "control", "healthy");

  @BeforeAll
  void ingest(SparkSession spark) throws IOException {
    this.spark = spark;
    lake = dir.resolve("lake");
    ingestFixture("gbm", "gbm_groups.tsv", "gbm_counts.tsv", null);
    ingestFixture("syn", "synthetic_samples.tsv", "synthetic_counts.tsv", "synthetic_protein_log2.tsv");
  }

  private void ingestFixture(String cohort, String samples, String counts, String protein) throws IOException {
    Golden.Table s = Golden.table(samples);
    StringBuilder m = new StringBuilder("sample_id\tsubject_id\tcancer_type\tbatch\n");
    boolean hasBatch = List.of(s.header()).contains("batch");
    String[] ids = s.strings("sample");
    String[] groups = s.strings("group");
    String[] batches = hasBatch ? s.strings("batch") : null;
    for (int i = 0; i < ids.length; i++) {
      m.append(ids[i]).append('\t').append("P-").append(ids[i]).append('\t').append(GROUPS.get(groups[i]))
          .append('\t').append(hasBatch ? batches[i] : "").append('\n');
    }
    Path d = dir.resolve(cohort);
    Path manifest = write(d, "manifest.tsv", m.toString());
    Path c = copy(counts, d);
    Path p = protein == null ? null : copy(protein, d);
    IngestJob.Result r = IngestJob.run(spark, new IngestJob.Args(lake.toString(), "exocohort", cohort,
        manifest.toString(), c.toString(), p == null ? null : p.toString(), "wide", "log2", null, null,
        TestLakes.TEST_KEY, IngestJob.DEFAULT_IDENTIFIER_COLUMNS));
    assertEquals(0, r.quarantined());
  }

  private static Path copy(String name, Path d) throws IOException {
    Path out = d.resolve(name);
    try (InputStream in = NormalizeIT.class.getResourceAsStream("/golden/normalize/" + name)) {
      Files.copy(in, out);
    }
    return out;
  }

  private NormalizeJob.Result normalize(String cohort, String modality, String method, boolean filter,
      boolean center, boolean quantile, String batchCorrection) {
    return NormalizeJob.run(spark, args(cohort, modality).withMirna(new NormalizeJob.Args.Mirna(method, 2, filter))
        .withProtein(new NormalizeJob.Args.Protein(center, quantile, false, 1))
        .withSamples(NormalizeJob.Args.Samples.defaults().withBatchCorrection(batchCorrection, "batch")));
  }

  private NormalizeJob.Args args(String cohort, String modality) {
    return NormalizeJob.Args.defaults(lake.toString()).withCohorts(List.of(cohort)).withModality(modality);
  }

  /** (feature, sample) -> value of a normalize run's output table for one cohort. */
  /** The long rows of an expression view's matrix ({@code mirna_expression} or {@code protein_expression}). */
  private org.apache.spark.sql.Dataset<Row> expression(String view) {
    io.exocohort.catalog.Modality m = view.startsWith("mirna") ? io.exocohort.catalog.Modality.MIRNA
        : io.exocohort.catalog.Modality.PROTEIN;
    return io.exocohort.matrix.Matrices.longRows(
        spark.read().format("delta").load(lake.resolve(m.matrix().name()).toString()),
        spark.read().format("delta").load(lake.resolve(m.samples().name()).toString()), m.protein());
  }

  private Map<String, Double> output(String table, String cohort) {
    Map<String, Double> m = new HashMap<>();
    for (Row r : expression(table).filter(col("cohort").equalTo(cohort)).collectAsList()) {
      m.put(r.getAs("feature") + "|" + r.getAs("sample_id"), r.isNullAt(r.fieldIndex("value")) ? Double.NaN
          : r.getAs("value"));
    }
    return m;
  }

  private static void assertClose(double want, double got, String what) {
    if (Double.isNaN(want)) {
      assertTrue(Double.isNaN(got), what + ": want NA, got " + got);
      return;
    }
    assertTrue(Math.abs(want - got) <= TOL * Math.max(1, Math.abs(want)), what + ": want " + want + ", got " + got);
  }

  private void assertMatrix(String golden, Map<String, Double> got) {
    Golden.Matrix g = Golden.matrix(golden);
    assertEquals(g.rowNames().length * g.columnNames().length, got.size(), golden + ": number of values");
    for (int i = 0; i < g.rowNames().length; i++) {
      for (int j = 0; j < g.columnNames().length; j++) {
        String key = g.rowNames()[i] + "|" + g.columnNames()[j];
        assertTrue(got.containsKey(key), golden + ": missing " + key);
        assertClose(g.values()[i][j], got.get(key), golden + " " + key);
      }
    }
  }

  private void assertFactors(String golden, String runId) {
    Golden.Table g = Golden.table(golden);
    Map<String, Double> got = new HashMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("sample_normalization").toString())
        .filter(col("norm_run_id").equalTo(runId)).collectAsList()) {
      got.put(r.getAs("sample_id"), r.getAs("norm_factor"));
    }
    String[] s = g.strings("sample");
    double[] f = g.doubles("norm_factor");
    assertEquals(s.length, got.size());
    for (int i = 0; i < s.length; i++) assertClose(f[i], got.get(s[i]), golden + " " + s[i]);
  }

  /**
   * The miR sample index carries what de's voom needs: each block's scale (the matrix rows'), its samples'
   * effective library sizes (library size x norm factor of sample_normalization, in entry order) and the mean of
   * those over the run.
   */
  private void assertIndexHoldsVoomFigures(String cohort, String runId) {
    Map<String, Double> eff = new HashMap<>();
    for (Row x : spark.read().format("delta").load(lake.resolve("sample_normalization").toString())
        .filter(col("norm_run_id").equalTo(runId)).collectAsList()) {
      eff.put(x.getAs("sample_id"), (double) x.getAs("library_size") * (double) x.getAs("norm_factor"));
    }
    double mean = eff.values().stream().mapToDouble(Double::doubleValue).sum() / eff.size();
    String scale = spark.read().format("delta").load(lake.resolve("mirna_matrix").toString())
        .filter(col("norm_run_id").equalTo(runId)).select("scale").distinct().as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList().get(0);
    List<Row> blocks = spark.read().format("delta").load(lake.resolve("mirna_matrix_samples").toString())
        .filter(col("cohort").equalTo(cohort).and(col("norm_run_id").equalTo(runId))).collectAsList();
    int samples = 0;
    for (Row b : blocks) {
      assertEquals(scale, b.getAs("scale"));
      assertClose(mean, b.getAs("mean_library_size"), "mean effective library size");
      List<String> ids = b.getList(b.fieldIndex("sample_ids"));
      List<Double> sizes = b.getList(b.fieldIndex("library_sizes"));
      assertEquals(ids.size(), sizes.size());
      for (int i = 0; i < ids.size(); i++) assertClose(eff.get(ids.get(i)), sizes.get(i), "library size " + ids.get(i));
      samples += ids.size();
    }
    assertEquals(eff.size(), samples);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"gbm", "synthetic"})
  void filterTmmAndLogCpmEqualEdgeR(String fixture) {
    String cohort = fixture.equals("gbm") ? "gbm" : "syn";
    NormalizeJob.Result r = normalize(cohort, "mirna", "tmm", true, true, false, "none");
    assertFactors(fixture + "_kept_tmm_factors.tsv", r.runId());
    assertMatrix(fixture + "_logcpm.tsv", output("mirna_expression", cohort));
    assertIndexHoldsVoomFigures(cohort, r.runId());
    // The kept set is filterByExpr's.
    Golden.Table keep = Golden.table(fixture + "_filter_keep.tsv");
    long kept = java.util.Arrays.stream(keep.strings("keep")).filter("TRUE"::equals).count();
    assertEquals(kept, output("mirna_expression", cohort).keySet().stream().map(k -> k.split("\\|")[0]).distinct()
        .count());
  }

  /**
   * The path of a cohort too large to cache (100,000 samples on a 2 GB driver): every pass reads the count vectors
   * from the table again, and the matrix write cuts a partition into small batches; the same edgeR values.
   */
  @Test
  void vectorsReadAtEachPassAndSmallBatchesGiveTheSameValues() {
    SampleMatrix.cacheForTests(false);
    MatrixWrite.chunkBytesForTests(1024L);
    try {
      NormalizeJob.Result r = normalize("gbm", "mirna", "tmm", true, true, false, "none");
      assertFactors("gbm_kept_tmm_factors.tsv", r.runId());
      assertMatrix("gbm_logcpm.tsv", output("mirna_expression", "gbm"));
    } finally {
      SampleMatrix.cacheForTests(null);
      MatrixWrite.chunkBytesForTests(null);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"gbm,tmm", "gbm,upperquartile", "synthetic,tmm", "synthetic,upperquartile"})
  void factorsOnAllFeaturesEqualCalcNormFactors(String fixture, String method) {
    String cohort = fixture.equals("gbm") ? "gbm" : "syn";
    NormalizeJob.Result r = normalize(cohort, "mirna", method, false, true, false, "none");
    assertFactors(fixture + (method.equals("tmm") ? "_tmm_factors.tsv" : "_uq_factors.tsv"), r.runId());
  }

  @Test
  void comBatOnLogCpmEqualsSva() {
    normalize("syn", "mirna", "tmm", true, true, false, "combat");
    assertMatrix("synthetic_combat.tsv", output("mirna_expression", "syn"));
  }

  @Test
  void proteinQuantileAndComBatWithMissingValuesEqualLimmaAndSva() {
    normalize("syn", "protein", "tmm", true, false, true, "none");
    assertMatrix("synthetic_protein_quantile.tsv", output("protein_expression", "syn"));
    normalize("syn", "protein", "tmm", true, false, false, "combat");
    assertMatrix("synthetic_protein_combat.tsv", output("protein_expression", "syn"));
  }

  @Test
  void proteinMedianCentringAndImputation() {
    NormalizeJob.Result r = NormalizeJob.run(spark, args("syn", "protein")
        .withProtein(new NormalizeJob.Args.Protein(true, false, true, 7)));
    List<Row> rows = expression("protein_expression").filter(col("cohort").equalTo("syn")).collectAsList();
    Golden.Matrix raw = Golden.matrix("synthetic_protein_log2.tsv");
    long missing = java.util.Arrays.stream(raw.values()).flatMapToDouble(java.util.Arrays::stream)
        .filter(Double::isNaN).count();
    assertEquals(missing, rows.stream().filter(x -> x.getAs("imputed")).count(), "every missing value imputed");
    assertTrue(rows.stream().noneMatch(x -> x.isNullAt(x.fieldIndex("value"))));
    // After centring every sample has the same median of observed values (the median of the sample medians).
    Map<String, List<Double>> bySample = new HashMap<>();
    for (Row x : rows) {
      if (!(Boolean) x.getAs("imputed")) {
        bySample.computeIfAbsent(x.getAs("sample_id"), k -> new java.util.ArrayList<>()).add(x.getAs("value"));
      }
    }
    double first = Double.NaN;
    for (List<Double> v : bySample.values()) {
      double med = io.exocohort.normalize.kernel.ProteinNormalization.sampleMedian(
          v.stream().mapToDouble(Double::doubleValue).toArray());
      if (Double.isNaN(first)) first = med;
      assertClose(first, med, "sample median");
    }
    assertTrue(r.summary().get("protein").contains("imputed"));
  }

  @Test
  void badParametersFailClearlyAndTouchNothing() {
    Map<String, Long> before = versions(spark, lake);
    String[][] cases = {
        {"method", "--method must be tmm, upperquartile or none, not 'quantum'"},
        {"batch", "--batch-column 'plate' is not a samples column"},
        {"cohort", "--cohort nope: no such cohort"},
        {"modality", "--modality must be mirna, protein or all"}};
    for (String[] c : cases) {
      BadInputException e = assertThrows(BadInputException.class, () -> NormalizeJob.run(spark,
          args(c[0].equals("cohort") ? "nope" : "gbm", c[0].equals("modality") ? "rna" : "mirna")
              .withMirna(new NormalizeJob.Args.Mirna(c[0].equals("method") ? "quantum" : "tmm", 2, true))
              .withSamples(NormalizeJob.Args.Samples.defaults().withBatchCorrection(
                  c[0].equals("batch") ? "combat" : "none", c[0].equals("batch") ? "plate" : "batch"))));
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
    // an unknown cohort beside a known one: the selection's read finds only the known one, and the check names it
    BadInputException mixed = assertThrows(BadInputException.class, () -> NormalizeJob.run(spark,
        args("gbm", "mirna").withCohorts(List.of("gbm", "nope"))));
    assertTrue(mixed.getMessage().contains("--cohort nope: no such cohort"), mixed.getMessage());
    // A single batch cannot be corrected (gbm has no batches): a clear error and the tables as they were.
    BadInputException e = assertThrows(BadInputException.class, () -> normalize("gbm", "mirna", "tmm", true, true,
        false, "combat"));
    assertTrue(e.getMessage().contains("ComBat"), e.getMessage());
    assertEquals(before, versions(spark, lake));
  }

  @Test
  void proteinSampleMediansAreStoredInSampleNormalization() {
    // linear intensities that are powers of 2, so every log2 and median is exact and derivable by hand
    Path d = dir.resolve("pmed");
    IngestJob.Result in = IngestJob.run(spark, TestLakes.args(lake, "pmed", write(d, "m.tsv",
            "sample_id\tsubject_id\tcancer_type\n"
                + "S1\tP1\thealthy\nS2\tP2\thealthy\nS3\tP3\tbreast\nS4\tP4\tbreast\n"),
        null, write(d, "p.tsv", "feature\tS1\tS2\tS3\tS4\n"
            + "A\t2\t4\t2\t1024\n"     // log2: 1, 2, 1, 10
            + "B\t8\t16\t4\t1\n"       // 3, 4, 2, 0
            + "C\t32\tNA\t8\tNA\n"     // 5, -, 3, -
            + "D\tNA\t64\t16\tNA\n"))); // -, 6, 4, -
    assertEquals(0, in.quarantined());
    NormalizeJob.Result r = normalize("pmed", "protein", "tmm", true, true, false, "none");
    // medians of the observed log2 values: S1 {1,3,5} -> 3, S2 {2,4,6} -> 4, S3 {1,2,3,4} -> 2.5, S4 {10,0} -> 5
    Map<String, Double> want = Map.of("S1", 3.0, "S2", 4.0, "S3", 2.5, "S4", 5.0);
    List<Row> rows = spark.read().format("delta").load(lake.resolve("sample_normalization").toString())
        .filter(col("norm_run_id").equalTo(r.runId())).collectAsList();
    assertEquals(4, rows.size());
    for (Row x : rows) {
      assertEquals("protein", x.getAs("modality"));
      assertEquals("pmed", x.getAs("cohort"));
      assertEquals(want.get(x.<String>getAs("sample_id")), x.<Double>getAs("sample_median"), 0.0,
          x.<String>getAs("sample_id"));
      assertTrue(x.isNullAt(x.fieldIndex("library_size")) && x.isNullAt(x.fieldIndex("norm_factor")));
    }
    // and they are what centring subtracted: value = log2 - sample median + median of the medians (3.5)
    Map<String, Double> out = output("protein_expression", "pmed");
    assertClose(1 - 3 + 3.5, out.get("A|S1"), "A S1");
    assertClose(0 - 5 + 3.5, out.get("B|S4"), "B S4");
    assertClose(4 - 2.5 + 3.5, out.get("D|S3"), "D S3");
    assertTrue(Double.isNaN(out.get("C|S2")), "missing stays missing");
  }

  @Test
  void aGroupThatQcShrankStopsNormalizeWithOneLine() throws IOException {
    Path d = dir.resolve("qcn");
    StringBuilder counts = new StringBuilder("feature\tH1\tH2\tH3\tB1\tB2\tB3\n");
    for (int f = 0; f < 5; f++) {
      counts.append("miR-").append(f);
      for (int s = 0; s < 6; s++) counts.append('\t').append(200 + 37 * f + 11 * s);
      counts.append('\n');
    }
    IngestJob.run(spark, TestLakes.args(lake, "qcn", write(d, "m.tsv", "sample_id\tsubject_id\tcancer_type\n"
        + "H1\tQ1\thealthy\nH2\tQ2\thealthy\nH3\tQ3\thealthy\n"
        + "B1\tQ4\tbreast\nB2\tQ5\tbreast\nB3\tQ6\tbreast\n"),
        write(d, "c.tsv", counts.toString()), null));
    QcFixture.write(io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort"), "qc-qcn", "qcn",
        Map.of("H1", "fail", "H2", "fail", "H3", "pass", "B1", "pass", "B2", "warn", "B3", "pass"),
        java.sql.Timestamp.valueOf("2026-01-01 00:00:00"));
    Map<String, Long> before = versions(spark, lake);
    String[] o = TestLakes.cli(lake, "normalize", "--cohort", "qcn", "--modality", "mirna");
    assertEquals("2", o[0], o[2]);
    assertEquals("exocohort normalize: error: normalize: too few samples per cancer_type in cohort qcn: healthy 1 of "
        + "3 (2 excluded by QC); need at least 2 per group (exocohort.min.samples.per.group); 2 samples failed QC; "
        + "--include-failed keeps them", o[2].strip());
    // a minimum --include-failed cannot reach says so
    BadInputException e = assertThrows(BadInputException.class, () -> NormalizeJob.run(spark,
        args("qcn", "mirna").withMinPerGroup(4)));
    assertEquals("normalize: too few samples per cancer_type in cohort qcn: breast 3 of 3, healthy 1 of 3 (2 excluded "
        + "by QC); need at least 4 per group (exocohort.min.samples.per.group); 2 samples failed QC (--include-failed "
        + "would still leave breast with 3, healthy with 3)", e.getMessage());
    assertEquals(before, versions(spark, lake));
    // --include-failed keeps them; the conf key lowers the minimum
    assertEquals("0", TestLakes.cli(lake, "normalize", "--cohort", "qcn", "--modality", "mirna",
        "--include-failed")[0]);
    Path conf = write(d, "min1.properties", Files.readString(Path.of("src/test/resources/test.properties"))
        + "exocohort.min.samples.per.group=1\n");
    java.io.StringWriter err = new java.io.StringWriter();
    int code = io.exocohort.cli.Main.execute(new java.io.PrintWriter(new java.io.StringWriter()),
        new java.io.PrintWriter(err), "normalize", "--conf", conf.toString(), "--lake", lake.toString(), "--cohort",
        "qcn", "--modality", "mirna");
    assertEquals(0, code, err.toString());
  }

  @Test
  void aCohortEmptyAfterFilteringFailsClearly() {
    Path d = dir.resolve("tiny");
    IngestJob.run(spark, TestLakes.args(lake, "tiny", write(d, "m.tsv",
            "sample_id\tsubject_id\tcancer_type\nT1\tP1\thealthy\nT2\tP2\tbreast\nT3\tP3\tbreast\n"
                + "T4\tP4\thealthy\n"),
        write(d, "x.tsv", "feature\tT1\tT2\tT3\tT4\nmiR-1\t1\t0\t2\t0\nmiR-2\t0\t3\t1\t1\n"), null));
    Map<String, Long> before = versions(spark, lake);
    BadInputException e = assertThrows(BadInputException.class, () -> normalize("tiny", "mirna", "tmm", true, true,
        false, "none"));
    assertEquals("no miR passes the expression filter (filterByExpr): nothing to normalise", e.getMessage());
    assertEquals(before, versions(spark, lake));
  }

  @Test
  void aFailedRunIsRecordedAndLeavesEveryTableAsItWas() {
    io.exocohort.catalog.Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    normalize("syn", "all", "tmm", true, true, false, "none"); // every output table exists and has rows
    List<io.exocohort.catalog.TableDef> outputs = List.of(io.exocohort.catalog.Tables.MIRNA_MATRIX,
        io.exocohort.catalog.Tables.MIRNA_MATRIX_SAMPLES, io.exocohort.catalog.Tables.PROTEIN_MATRIX,
        io.exocohort.catalog.Tables.PROTEIN_MATRIX_SAMPLES, io.exocohort.catalog.Tables.SAMPLE_NORMALIZATION,
        io.exocohort.catalog.Tables.JOB_RUNS);
    Map<String, List<String>> before = new HashMap<>();
    Map<String, Long> versions = new HashMap<>();
    for (io.exocohort.catalog.TableDef t : outputs) {
      before.put(t.name(), contents(l, t, null));
      versions.put(t.name(), l.version(t));
    }
    io.exocohort.catalog.RunScope.injectFailure("normalize");
    // imputation and quantile: different values than the run before, so a write left behind would show
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> NormalizeJob.run(spark,
        args("syn", "all").withProtein(new NormalizeJob.Args.Protein(true, true, true, 3)).withRunId("norm-fail")));
    assertTrue(e.getMessage().startsWith("injected failure"), e.getMessage());
    assertEquals(List.of("failed: " + e.getMessage()), runRecord(l, "norm-fail"));
    for (io.exocohort.catalog.TableDef t : outputs) {
      if (t != io.exocohort.catalog.Tables.JOB_RUNS) {
        assertTrue(l.version(t) > versions.get(t.name()), t.name() + " was written and restored");
      }
      assertEquals(before.get(t.name()), contents(l, t, t == io.exocohort.catalog.Tables.JOB_RUNS ? "norm-fail"
          : null), t.name());
    }
    // the failed id may be run again; once it succeeded it is refused, before anything is read
    NormalizeJob.run(spark, args("gbm", "mirna").withRunId("norm-fail"));
    Map<String, Long> done = versions(spark, lake);
    BadInputException again = assertThrows(BadInputException.class, () -> NormalizeJob.run(spark,
        args("gbm", "mirna").withRunId("norm-fail")));
    assertEquals("--run-id norm-fail is already recorded in job_runs as succeeded: give a new one (a failed run may "
        + "be re-run under its id)", again.getMessage());
    assertEquals(done, versions(spark, lake));
  }

  /** A table's rows as sorted JSON lines (empty when absent): equal lists mean equal contents. */
  private List<String> contents(io.exocohort.catalog.Lake l, io.exocohort.catalog.TableDef t, String withoutRun) {
    long v = l.version(t);
    if (v < 0) return List.of();
    org.apache.spark.sql.Dataset<Row> d = l.readAsOf(t, v);
    if (withoutRun != null) d = d.filter(col("run_id").notEqual(withoutRun));
    return d.select(org.apache.spark.sql.functions.to_json(org.apache.spark.sql.functions.struct(col("*"))))
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList().stream().sorted().toList();
  }

  /** The job_runs rows of one run: status and message. */
  private List<String> runRecord(io.exocohort.catalog.Lake l, String runId) {
    return l.read(io.exocohort.catalog.Tables.JOB_RUNS).filter(col("run_id").equalTo(runId))
        .selectExpr("concat(status, ': ', message)").as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
  }
}
