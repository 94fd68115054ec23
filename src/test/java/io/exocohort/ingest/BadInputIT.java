package io.exocohort.ingest;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.versions;
import static io.exocohort.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.cli.Main;
import io.exocohort.common.BadInputException;
import io.exocohort.common.ExitCodes;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bad-input corpus. Whole-file problems fail the run with one clear message naming the file (and line /
 * column where there is one) and leave every table at its previous version; row problems land in quarantine
 * with their line, column and reason while the good rows are ingested.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputIT {
  @TempDir static Path dir;
  Path lake;
  SparkSession spark;

  static final String MANIFEST = "sample_id\tsubject_id\tcancer_type\tstage\n"
      + "A1\tP1\thealthy\t\nA2\tP2\tpancreatic\tI\nA3\tP3\tbreast\tIV\n";
  static final String WIDE = "feature\tA1\tA2\tA3\nhsa-miR-21-5p\t1\t2\t3\nhsa-miR-16-5p\t4\t5\t6\n";

  @BeforeAll
  void baseline(SparkSession spark) {
    this.spark = spark;
    lake = dir.resolve("lake");
    IngestJob.Result r = IngestJob.run(spark, args(lake, "base", write(dir, "base/m.tsv", MANIFEST),
        write(dir, "base/x.tsv", WIDE), null));
    assertEquals("succeeded", r.status());
  }

  /** name, files to write (name -> content; null content = do not create), manifest, counts, expected text. */
  static Stream<Arguments> wholeFileProblems() {
    return Stream.of(
        Arguments.of("missing file", Map.of("m.tsv", MANIFEST), "m.tsv", "nope.tsv", "nope.tsv: file not found"),
        Arguments.of("empty file", Map.of("m.tsv", MANIFEST, "x.tsv", ""), "m.tsv", "x.tsv", "x.tsv: file is empty"),
        Arguments.of("header only", Map.of("m.tsv", MANIFEST, "x.tsv", "feature\tA1\tA2\n"), "m.tsv", "x.tsv",
            "x.tsv: file has a header but no data rows"),
        Arguments.of("blank lines only", Map.of("m.tsv", MANIFEST, "x.tsv", "\n\n  \n"), "m.tsv", "x.tsv",
            "x.tsv: file has no header"),
        Arguments.of("missing required column", Map.of("m.tsv", "sample_id\tcancer_type\nA1\thealthy\n",
            "x.tsv", WIDE), "m.tsv", "x.tsv", "m.tsv:1: missing required column(s) subject_id"),
        Arguments.of("duplicated header column", Map.of("m.tsv", "sample_id\tsubject_id\tcancer_type\tage\tage\n"
            + "A1\tP1\thealthy\t3\t4\n", "x.tsv", WIDE), "m.tsv", "x.tsv",
            "m.tsv:1: column 'age': column appears twice in the header (columns 4 and 5)"),
        Arguments.of("wide sample not in manifest", Map.of("m.tsv", MANIFEST,
            "x.tsv", "feature\tA1\tZZ9\tA3\tQQ1\nmiR-1\t1\t2\t3\t4\n"), "m.tsv", "x.tsv",
            "x.tsv:1: column 'ZZ9': 2 sample column(s) are not in the manifest: ZZ9, QQ1"),
        Arguments.of("duplicate sample column", Map.of("m.tsv", MANIFEST,
            "x.tsv", "feature\tA1\tA2\tA1\nmiR-1\t1\t2\t3\n"), "m.tsv", "x.tsv",
            "x.tsv:1: column 'A1': sample column appears twice (columns 2 and 4)"),
        Arguments.of("one-column counts", Map.of("m.tsv", MANIFEST, "x.tsv", "feature|A1|A2\nmiR-1|1|2\n"),
            "m.tsv", "x.tsv", "x.tsv:1: wide layout needs a feature column and at least one sample column"),
        Arguments.of("long layout without value", Map.of("m.tsv", MANIFEST, "x.tsv",
            "sample_id,feature\nA1,miR-1\n"), "m.tsv", "x.tsv", "missing value"),
        Arguments.of("unterminated quote in header", Map.of("m.tsv", "sample_id,\"subject_id,cancer_type\nA1,P1,healthy\n",
            "x.tsv", WIDE), "m.tsv", "x.tsv", "m.tsv:1: header: unterminated quote"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("wholeFileProblems")
  void wholeFileProblemFailsAndTouchesNothing(String name, Map<String, String> files, String manifest,
      String counts, String expected) {
    Path d = dir.resolve(name.replace(' ', '_'));
    files.forEach((f, content) -> write(d, f, content));
    Map<String, Long> before = versions(spark, lake);
    BadInputException e = assertThrows(BadInputException.class, () -> IngestJob.run(spark,
        args(lake, "bad", d.resolve(manifest), d.resolve(counts), null)));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertEquals(before, versions(spark, lake), "no table version moved");
  }

  @Test
  void binaryAndWrongEncodingsAreRefused() throws IOException {
    Path d = dir.resolve("binary");
    Path m = write(d, "m.tsv", MANIFEST);
    byte[] junk = new byte[4096];
    new java.util.Random(3).nextBytes(junk);
    junk[0] = 'f';
    Files.write(d.resolve("bin.tsv"), junk);
    Files.write(d.resolve("u16.tsv"), WIDE.getBytes(StandardCharsets.UTF_16));
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(d.resolve("gz.tsv")))) {
      o.write(WIDE.getBytes(StandardCharsets.UTF_8));
    }
    Files.write(d.resolve("latin1.tsv"), "feature\tA1\nmiR-\u00e9\t1\n".getBytes(StandardCharsets.ISO_8859_1));
    Map<String, Long> before = versions(spark, lake);
    for (String[] c : new String[][] {{"bin.tsv", "binary"}, {"u16.tsv", "UTF-16"}, {"gz.tsv", "gzip-compressed"},
        {"latin1.tsv", "not UTF-8"}}) {
      BadInputException e = assertThrows(BadInputException.class,
          () -> IngestJob.run(spark, args(lake, "bad", m, d.resolve(c[0]), null)), c[0]);
      assertTrue(e.getMessage().contains(c[0]) && e.getMessage().contains(c[1]), e.getMessage());
    }
    assertEquals(before, versions(spark, lake));
  }

  @Test
  void unwritableLakeIsAClearError() {
    Path d = dir.resolve("unwritable");
    Path file = write(d, "not-a-folder", "x");
    BadInputException e = assertThrows(BadInputException.class, () -> IngestJob.run(spark,
        args(file.resolve("lake"), "c", write(d, "m.tsv", MANIFEST), write(d, "x.tsv", WIDE), null)));
    // the lake's path as opened (qualified: file:/...)
    assertTrue(e.getMessage().matches("lake path (file:)?" + java.util.regex.Pattern.quote(file.resolve("lake")
        .toString()) + " is not writable: .*"), e.getMessage());
  }

  @Test
  void badRowsAreQuarantinedWithLineColumnAndReason() {
    Path d = dir.resolve("rows");
    String manifest = "sample_id,subject_id,cancer_type,stage,age\n"
        + "R1,P1,Control,,50\n"        // line 2 ok
        + "R2,P2,PDAC,II,61\n"          // line 3 ok
        + "R3,P3,Martian flu,,40\n"     // line 4 unknown cancer type
        + "R4,P4,breast,II,55\n"        // line 5 conflicts with line 6
        + "R4,P4,breast,III,55\n"       // line 6
        + "R5,P5,lung,I,200\n"          // line 7 bad age: set to null, the sample is kept
        + "R2,P2,PDAC,II,61\n"          // line 8 identical duplicate of line 3
        + "R6,P6,healthy\n";            // line 9 ragged
    String wide = "feature\tR1\tR2\tR3\n"
        + "hsa-miR-1\t10\tabc\t1\n"       // line 2: R2 not a number; R3 rejected in manifest
        + "hsa-miR-2\t-3\tNaN\t1\n"       // line 3: negative, NaN
        + "hsa-miR-3\tInf\t\t1\n"         // line 4: infinite, missing
        + "hsa-miR-4\t1\t2\n"             // line 5: ragged
        + "hsa-miR-5\t1e3\t7.0\t1\n"      // line 6: ok (scientific notation)
        + "hsa-miR-5\t1\t1\t1\n";         // line 7: duplicate feature
    IngestJob.Result r = IngestJob.run(spark, args(lake, "rows", write(d, "m.csv", manifest),
        write(d, "x.tsv", wide), null));
    Map<String, String> q = spark.read().format("delta").load(lake.resolve("quarantine").toString())
        .filter(col("run_id").equalTo(r.runId())).collectAsList().stream()
        .collect(Collectors.toMap(
            row -> row.getAs("target_table") + "@" + row.getAs("line") + ":" + row.getAs("sample_id"),
            row -> row.getAs("column") + "|" + row.getAs("value") + "|" + row.getAs("reason"), (a, b) -> a + " & " + b));
    assertTrue(q.get("samples@4:R3").startsWith("cancer_type|Martian flu|unknown cancer type 'Martian flu'"), q.toString());
    assertTrue(q.get("samples@5:R4").contains("conflicting metadata"), q.toString());
    assertTrue(q.get("samples@6:R4").contains("conflicting metadata"), q.toString());
    assertEquals("age|200|age '200' is not from 0 to 130 years (field set to null, sample kept)", q.get("samples@7:R5"));
    assertTrue(q.get("samples@8:R2").contains("identical duplicate of line 3"), q.toString());
    assertTrue(q.get("samples@9:R6").contains("line has 3 fields, the header has 5"), q.toString());
    assertEquals("R2|abc|not a number", q.get("mirna_counts@2:R2"));
    assertTrue(q.get("mirna_counts@2:R3").contains("was rejected in the manifest"), q.toString());
    assertEquals("R1|-3|negative count", q.get("mirna_counts@3:R1"));
    assertEquals("R2|NaN|missing value (NaN)", q.get("mirna_counts@3:R2"));
    assertEquals("R1|Inf|infinite value", q.get("mirna_counts@4:R1"));
    assertEquals("R2||missing count", q.get("mirna_counts@4:R2"));
    assertTrue(q.get("mirna_counts@5:null").contains("line has 3 fields, the header has 4"), q.toString());
    assertTrue(q.get("mirna_counts@6:R1").contains("appears on more than one line"), q.toString());
    assertTrue(q.get("mirna_counts@7:R1").contains("appears on more than one line"), q.toString());

    List<Row> kept = spark.read().format("delta").load(lake.resolve("mirna_counts").toString())
        .filter(col("cohort").equalTo("rows")).orderBy("feature", "sample_id").collectAsList();
    assertEquals(List.of("R1|hsa-miR-1|10.0"), kept.stream()
        .map(x -> x.getAs("sample_id") + "|" + x.getAs("feature") + "|" + x.getAs("count")).toList());
    List<String> samples = spark.read().format("delta").load(lake.resolve("samples").toString())
        .filter(col("cohort").equalTo("rows")).orderBy("sample_id").select("sample_id").as(
            org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertEquals(List.of("R1", "R2", "R5"), samples);
    Function<String, Long> rejected = kind -> r.files().stream().filter(f -> f.kind().equals(kind)).findFirst()
        .orElseThrow().rejected();
    assertEquals(5L, rejected.apply("manifest"));
    assertEquals(q.keySet().stream().filter(k -> k.startsWith("mirna")).count()
        + q.values().stream().filter(v -> v.contains(" & ")).count(), rejected.apply("mirna"));
  }

  @Test
  void longLayoutUnknownSamplesAndDuplicatesAreQuarantined() {
    Path d = dir.resolve("long");
    String longCsv = "sample_id,feature,value\nA1,m1,5\nA2,m1,6\nGHOST,m1,7\nA1,m2,8\nA1,m2,9\n";
    IngestJob.Result r = IngestJob.run(spark, args(lake, "long", write(d, "m.tsv", MANIFEST),
        write(d, "x.csv", longCsv), null));
    List<String> reasons = spark.read().format("delta").load(lake.resolve("quarantine").toString())
        .filter(col("run_id").equalTo(r.runId())).orderBy("line").collectAsList().stream()
        .map(x -> x.getAs("line") + ":" + x.getAs("reason")).toList();
    assertEquals(List.of("4:sample 'GHOST' is not in the manifest",
        "5:duplicate (sample_id, feature): 2 rows, the first on line 5",
        "6:duplicate (sample_id, feature): 2 rows, the first on line 5"), reasons);
    assertEquals(2, spark.read().format("delta").load(lake.resolve("mirna_counts").toString())
        .filter(col("cohort").equalTo("long")).count());
  }

  @Test
  void cliPrintsOneLineAndExitsTwoOnBadInput() {
    Path d = dir.resolve("cli");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, Long> before = versions(spark, lake);
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), "ingest", "--conf",
        "src/test/resources/test.properties", "--lake", lake.toString(), "--cohort", "cli", "--manifest",
        write(d, "m.tsv", MANIFEST).toString(), "--mirna", d.resolve("missing.tsv").toString());
    assertEquals(ExitCodes.BAD_INPUT, code);
    assertEquals("exocohort ingest: error: " + d.resolve("missing.tsv") + ": file not found\n", err.toString());
    assertEquals(before, versions(spark, lake));

    StringWriter err2 = new StringWriter();
    assertEquals(ExitCodes.BAD_INPUT, Main.execute(new PrintWriter(out), new PrintWriter(err2), "ingest",
        "--cohort", "x"));
    assertTrue(err2.toString().contains("Missing required option: '--manifest=FILE'"), err2.toString());

    StringWriter out3 = new StringWriter();
    assertEquals(ExitCodes.OK, Main.execute(new PrintWriter(out3), new PrintWriter(new StringWriter()), "ingest",
        "--conf", "src/test/resources/test.properties", "--lake", lake.toString(), "--cohort", "cli",
        "--manifest", write(d, "m.tsv", MANIFEST).toString(), "--mirna", write(d, "x.tsv", WIDE).toString()));
    assertTrue(out3.toString().contains("mirna    " + d.resolve("x.tsv") + ": 6 rows read, 6 accepted, 0 quarantined"),
        out3.toString());
  }
}
