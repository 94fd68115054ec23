package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read-only commands ({@code sql}, {@code runs}, {@code history}, {@code check}) write nothing under the lake
 * root: every file (path, size, modification time) is the same after each of them, on a lake built by ingest, qc,
 * normalize and de. A lake folder that does not exist is refused in one line (exit 2) and not created.
 */
class ReadOnlyIT {
  @TempDir Path dir;

  /** Every file under the root: relative path -&gt; "size mtime" (folders too, as "dir"). */
  static Map<String, String> listing(Path root) throws IOException {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String rel = root.relativize(p).toString();
        m.put(rel, Files.isDirectory(p) ? "dir" : Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return m;
  }

  @Test
  void sqlRunsHistoryAndCheckWriteNothingUnderTheLake(org.apache.spark.sql.SparkSession spark) throws IOException {
    // a copy of the test JVM's lake built through the command line by ingest, qc, normalize and de (RunIT's
    // three separate commands), not a build of its own: these commands only read it
    Path lake = TestLakes.copy(CliLakes.analysed(), dir.resolve("lake"));
    Map<String, String> before = listing(lake);
    assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("de_results/_delta_log/")), before.toString());
    Path export = dir.resolve("out").resolve("de.csv");
    Files.createDirectories(export.getParent());

    // a database of its own: read-only commands register every table and view from scratch in it
    for (String db : new String[] {"readonly_it", "exocohort"}) {
      String q = CliLakes.ok(lake, "sql", "--database", db, "SELECT cohort, count(*) AS n FROM " + db
          + ".samples GROUP BY cohort");
      assertTrue(q.contains("| synthetic ") && q.contains("| 60 "), q);
      CliLakes.ok(lake, "sql", "--database", db, "SELECT count(*) FROM " + db + ".de_significant");
      CliLakes.ok(lake, "sql", "--database", db, "--out", export.toString(), "SELECT * FROM " + db + ".de_results");
      assertTrue(Files.readAllLines(export).size() > 100, "the export holds de_results");
      assertTrue(CliLakes.ok(lake, "runs", "--database", db).contains("| de "));
      assertTrue(CliLakes.ok(lake, "history", "--database", db, "de_results").contains("| version "));
      CliLakes.ok(lake, "history", "--database", db, "job_runs", "--format", "csv");
      assertTrue(CliLakes.ok(lake, "check", "--database", db).contains("0 violation(s)"));
      assertEquals(before, listing(lake), "files under the lake after sql, runs, history and check (" + db + ")");
    }
  }

  @Test
  void aLakeThatDoesNotExistIsRefusedInOneLineAndNotCreated(org.apache.spark.sql.SparkSession spark) {
    Path missing = dir.resolve("no").resolve("such-lake");
    String[][] commands = {{"sql", "SELECT 1"}, {"runs"}, {"history", "samples"}, {"check"}};
    for (String[] c : commands) {
      String[] r = TestLakes.cli(missing, c[0], java.util.Arrays.copyOfRange(c, 1, c.length));
      assertEquals("2", r[0], c[0] + ": " + r[2] + r[1]);
      assertEquals(1, r[2].strip().lines().count(), c[0] + ": " + r[2]);
      assertTrue(r[2].contains("no lake at ") && r[2].contains("such-lake"), c[0] + ": " + r[2]);
      assertFalse(Files.exists(missing.getParent()), c[0] + " created " + missing.getParent());
    }
  }
}
