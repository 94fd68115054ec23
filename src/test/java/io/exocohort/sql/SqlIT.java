package io.exocohort.sql;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.common.ExitCodes;
import io.exocohort.ingest.IngestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The sql subcommand against a real lake: the three output formats, --file, --out, and a bad query. */
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
  }

  private String[] run(String... args) {
    return TestLakes.cli(lake, "sql", args);
  }

  @Test
  void tableCsvAndJson() throws Exception {
    String q = "SELECT sample_id, cancer_type FROM exocohort.samples ORDER BY sample_id";
    String[] t = run(q);
    assertEquals("0", t[0], t[2]);
    assertTrue(t[1].contains("| A2        | pancreatic  |"), t[1]);
    assertTrue(t[1].endsWith("3 rows\n"), t[1]);

    String[] c = run("--format", "csv", q);
    assertEquals("sample_id,cancer_type\nA1,healthy\nA2,pancreatic\nA3,breast\n", c[1]);

    String[] j = run("--format", "json", "SELECT feature, sum(count) AS total FROM mirna_counts GROUP BY feature "
        + "ORDER BY feature");
    assertEquals("{\"feature\":\"miR-a\",\"total\":6.0}\n{\"feature\":\"miR-b\",\"total\":60.0}\n", j[1]);

    Path sql = write(dir, "q.sql", "SELECT count(*) AS n FROM exocohort.mirna_counts");
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
}
