package io.exocohort.sql;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.common.ExitCodes;
import io.exocohort.ingest.IngestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sql subcommand against a real lake: the three output formats, --file, --out, and a bad query; exports of
 * more than the table format's 1,000 rows (every row, compared with the table), --max-rows, --out-dir.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqlIT {
  @TempDir static Path dir;
  Path lake;

  @BeforeAll
  void ingest(SparkSession spark) {
    lake = dir.resolve("lake");
    IngestJob.run(spark, args(lake, "c1", write(dir, "m.tsv", "sample_id\tsubject_id\tcancer_type\n"
        + "A1\tP1\thealthy\nA2\tP2\tPDAC\nA3\tP3\tbreast, cancer\n".replace("breast, cancer", "breast")),
        write(dir, "x.tsv", "feature\tA1\tA2\tA3\nmiR-a\t1\t2\t3\nmiR-b\t10\t20\t30\n"), null));
    // Cohort "big": 3 samples x 400 miRs = 1,200 count rows, more than the 1,000 the table format shows.
    StringBuilder wide = new StringBuilder("feature\tB1\tB2\tB3\n");
    for (int f = 0; f < 400; f++) wide.append("miR-").append(f).append('\t').append(f).append('\t').append(2 * f)
        .append('\t').append(f + 7).append('\n');
    IngestJob.run(spark, args(lake, "big", write(dir, "big-m.tsv", "sample_id\tsubject_id\tcancer_type\n"
        + "B1\tQ1\thealthy\nB2\tQ2\tPDAC\nB3\tQ3\tbreast\n"), write(dir, "big-x.tsv", wide.toString()), null));
  }

  /** 1,200 rows with a null and a value that needs CSV quoting ({@code a,"b"}, on miR-7). */
  static final String BIG = "SELECT sample_id, feature, count, CASE WHEN feature = 'miR-7' THEN 'a,\"b\"' END AS note "
      + "FROM exocohort.mirna_counts WHERE cohort = 'big' ORDER BY sample_id, feature";

  private String[] run(String... args) {
    return TestLakes.cli(lake, "sql", args);
  }

  @Test
  void tableCsvAndJson() throws Exception {
    String q = "SELECT sample_id, cancer_type FROM exocohort.samples WHERE cohort = 'c1' ORDER BY sample_id";
    String[] t = run(q);
    assertEquals("0", t[0], t[2]);
    assertTrue(t[1].contains("| A2        | pancreatic  |"), t[1]);
    assertTrue(t[1].endsWith("3 rows\n"), t[1]);

    String[] c = run("--format", "csv", q);
    assertEquals("sample_id,cancer_type\nA1,healthy\nA2,pancreatic\nA3,breast\n", c[1]);

    String[] j = run("--format", "json", "SELECT feature, sum(count) AS total FROM mirna_counts WHERE cohort = 'c1' GROUP BY feature "
        + "ORDER BY feature");
    assertEquals("{\"feature\":\"miR-a\",\"total\":6.0}\n{\"feature\":\"miR-b\",\"total\":60.0}\n", j[1]);

    Path sql = write(dir, "q.sql", "SELECT count(*) AS n FROM exocohort.mirna_counts WHERE cohort = 'c1'");
    Path out = dir.resolve("out.csv");
    String[] f = run("--format", "csv", "--file", sql.toString(), "--out", out.toString());
    assertEquals("0", f[0], f[2]);
    assertEquals(List.of("n", "6"), Files.readAllLines(out));
  }

  @Test
  void badQueryIsOneLineAndExitTwo() {
    String[] r = run("SELECT * FROM exocohort.no_such_table");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), r[0]);
    assertTrue(r[2].startsWith("exocohort sql: error: [TABLE_OR_VIEW_NOT_FOUND]"), r[2]);
    assertEquals(1, r[2].strip().lines().count(), r[2]);
    String[] bad = run("--format", "xml", "SELECT 1");
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), bad[0]);
    assertTrue(bad[2].contains("--format must be table, csv or json"), bad[2]);
  }

  @Test
  void exportsHaveEveryRowComparedWithTheTable(SparkSession spark) throws Exception {
    Dataset<Row> table = spark.sql(BIG);
    List<Row> expected = table.collectAsList();
    assertEquals(1200, expected.size());
    assertTrue(expected.stream().anyMatch(r -> r.isNullAt(3)) && expected.stream().anyMatch(r -> !r.isNullAt(3)));

    // --out without --format: csv, every row, streamed; read back with an RFC 4180 reader, row by row.
    Path csv = dir.resolve("big.csv");
    String[] c = run("--out", csv.toString(), BIG);
    assertEquals("0", c[0], c[2]);
    assertEquals("1,200 rows written to " + csv + "\n", c[1]);
    List<String> lines = Files.readAllLines(csv);
    assertEquals(1201, lines.size());
    assertEquals("sample_id,feature,count,note", lines.get(0));
    assertTrue(lines.contains("B1,miR-7,7.0,\"a,\"\"b\"\"\""), lines.toString());
    List<Row> fromCsv = spark.read().option("header", "true").option("escape", "\"").schema(table.schema())
        .csv(csv.toString()).collectAsList();
    assertEquals(expected, fromCsv);

    Path json = dir.resolve("big.json");
    String[] j = run("--format", "json", "--out", json.toString(), BIG);
    assertEquals("0", j[0], j[2]);
    assertEquals(1200, Files.readAllLines(json).size());
    assertEquals(expected, spark.read().schema(table.schema()).json(json.toString()).collectAsList());

    // csv and json to standard output: every row too.
    String[] out = run("--format", "csv", BIG);
    assertEquals("0", out[0], out[2]);
    assertEquals(lines, out[1].lines().toList());
    String[] outJson = run("--format", "json", BIG);
    assertEquals(Files.readAllLines(json), outJson[1].lines().toList());
    // No temporary files left beside the exports.
    try (var files = Files.list(dir)) {
      assertEquals(List.of(), files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList());
    }
  }

  @Test
  void theTableSaysWhenRowsWereNotShown() {
    String[] t = run(BIG);
    assertEquals("0", t[0], t[2]);
    List<String> lines = t[1].lines().toList();
    assertEquals("1,000 of 1,200 rows shown; use --out FILE or --out-dir DIR for all", lines.get(lines.size() - 1));
    assertEquals(1000 + 5, lines.size()); // border, header, border, 1,000 rows, border, the line above
    String[] few = run("--max-rows", "2", BIG);
    assertTrue(few[1].endsWith("+\n2 of 1,200 rows shown; use --out FILE or --out-dir DIR for all\n"), few[1]);
    String[] all = run("--max-rows", "1200", BIG);
    assertTrue(all[1].endsWith("+\n1200 rows\n"), all[1]);
  }

  @Test
  void maxRowsRefusesALargerResultAndWritesNothing() throws Exception {
    Path old = write(dir, "old.csv", "old contents\n");
    String[] r = run("--out", old.toString(), "--max-rows", "1000", BIG);
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), r[0]);
    assertEquals("exocohort sql: error: the result has more than 1,000 rows (--max-rows 1000); nothing written: "
        + "raise --max-rows, or leave it out to write every row\n", r[2]);
    assertEquals("old contents\n", Files.readString(old));
    Path none = dir.resolve("none.json");
    String[] stdout = run("--format", "json", "--max-rows", "1199", BIG);
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), stdout[0]);
    assertEquals("", stdout[1]); // refused before the first row
    String[] f = run("--format", "json", "--out", none.toString(), "--max-rows", "1199", BIG);
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), f[0]);
    assertFalse(Files.exists(none));
    String[] ok = run("--out", old.toString(), "--max-rows", "1200", BIG);
    assertEquals("0", ok[0], ok[2]);
    assertEquals(1201, Files.readAllLines(old).size());
    // table is a screen format: not for --out.
    String[] table = run("--format", "table", "--out", old.toString(), BIG);
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), table[0]);
    assertTrue(table[2].contains("table is for the screen"), table[2]);
  }

  @Test
  void outDirWritesPartFilesThatSparkReadsBack(SparkSession spark) throws Exception {
    Dataset<Row> table = spark.sql(BIG);
    List<Row> expected = sorted(table.collectAsList());
    for (String format : List.of("csv", "parquet")) {
      Path out = dir.resolve("dir-" + format);
      String[] r = run("--out-dir", out.toString(), "--format", format, BIG);
      assertEquals("0", r[0], r[2]);
      assertTrue(r[1].startsWith("1,200 rows written to " + out + ": "), r[1]);
      assertTrue(r[1].contains("(part-*." + format), r[1]);
      assertTrue(Files.exists(out.resolve("_SUCCESS")));
      Dataset<Row> back = format.equals("csv")
          ? spark.read().option("header", "true").option("escape", "\"").schema(table.schema()).csv(out.toString())
          : spark.read().parquet(out.toString());
      assertEquals(expected, sorted(back.collectAsList()), format);

      // A second export into the same, now non-empty directory is refused and leaves it as it was.
      long files;
      try (var s = Files.list(out)) {
        files = s.count();
      }
      String[] again = run("--out-dir", out.toString(), "--format", format, BIG);
      assertEquals(String.valueOf(ExitCodes.BAD_INPUT), again[0]);
      assertTrue(again[2].contains("exists and is not empty"), again[2]);
      try (var s = Files.list(out)) {
        assertEquals(files, s.count());
      }
    }
    // An existing empty directory is fine; table is not a directory format.
    Path empty = Files.createDirectories(dir.resolve("dir-empty"));
    assertEquals("0", run("--out-dir", empty.toString(), "SELECT 1 AS x")[0]);
    assertEquals(List.of("x", "1"), spark.read().text(empty.toString()).as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList());
    String[] t = run("--out-dir", dir.resolve("dir-table").toString(), "--format", "table", BIG);
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), t[0]);
    assertTrue(t[2].contains("--format must be csv, json or parquet with --out-dir"), t[2]);
  }

  private static List<Row> sorted(List<Row> rows) {
    List<Row> copy = new ArrayList<>(rows);
    copy.sort(Comparator.comparing(Row::toString));
    return copy;
  }
}
