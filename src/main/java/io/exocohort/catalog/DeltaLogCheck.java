package io.exocohort.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.exocohort.common.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Explains a table that cannot be opened because its Delta log is damaged (a commit file missing from the
 * sequence or not valid JSON): one line naming the table, the damaged version and how to recover, instead of
 * Delta's stack trace. It only looks at the log after opening the table failed, so it costs nothing otherwise.
 */
public final class DeltaLogCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  private DeltaLogCheck() {}

  /** What is wrong with a table's log: the first damaged version and why, or null if the log looks whole. */
  public record Damage(long version, String file, String problem, long latest) {}

  /**
   * The user-facing error for {@code failure} if the log of table {@code name} at {@code path} ({@code qualified}
   * in SQL) is damaged; otherwise {@code failure} itself.
   */
  public static RuntimeException explain(org.apache.spark.sql.SparkSession spark, String name, String path,
      String qualified, RuntimeException failure) {
    Damage d;
    try {
      d = inspect(spark, path);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
      return failure;
    }
    if (d == null) return failure;
    return new BadInputException(null, -1, null, message(name, path, qualified, d), failure);
  }

  /** The roots of the lakes this process opened, most recent first (at most 8): see {@link #watch}. */
  private static final java.util.concurrent.ConcurrentLinkedDeque<String> WATCHED =
      new java.util.concurrent.ConcurrentLinkedDeque<>();

  /**
   * Notes a lake root this process opened: a Delta failure that names no table is explained by inspecting the
   * tables of the watched lakes (see {@link #translate}).
   */
  public static void watch(String root) {
    WATCHED.remove(root);
    WATCHED.addFirst(root);
    while (WATCHED.size() > 8) WATCHED.pollLast();
  }

  private static final java.util.regex.Pattern LOG_PATH = java.util.regex.Pattern.compile(
      "((?:file:|s3a:|hdfs:|/)[^\\s'`\"]*?)/_delta_log");

  /**
   * For {@link io.exocohort.common.JobRunner}: a failure anywhere in a job whose messages name a table's
   * {@code _delta_log} becomes the one-line explanation if that log is damaged (a job may first read a damaged
   * commit after opening the lake: Delta's checksum files let it open a table without parsing every commit).
   */
  public static Throwable translate(Throwable ex) {
    for (Throwable c = ex; c != null; c = c.getCause()) {
      if (c instanceof BadInputException) return ex;
      java.util.regex.Matcher m = LOG_PATH.matcher(String.valueOf(c.getMessage()));
      if (m.find()) {
        String table = m.group(1);
        org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.active();
        try {
          Damage d = inspect(spark, table);
          if (d == null) return ex;
          String name = table.replaceAll("/+$", "");
          name = name.substring(name.lastIndexOf('/') + 1);
          return new BadInputException(null, -1, null, message(name, table, "delta.`" + table + "`", d), ex);
        } catch (IOException | RuntimeException e) {
          return ex;
        }
      }
      if (c.getCause() == c) break;
    }
    return pathless(ex);
  }

  /**
   * A Delta failure whose message names no table (e.g. {@code DELTA_VERSIONS_NOT_CONTIGUOUS}, a commit missing
   * from the middle of a log): the logs of the lakes this process opened are inspected, and the first damaged one
   * is explained.
   */
  private static Throwable pathless(Throwable ex) {
    boolean delta = false;
    for (Throwable c = ex; c != null && !delta; c = c.getCause()) {
      String m = String.valueOf(c.getMessage());
      delta = m.contains("[DELTA_") || c.getClass().getName().startsWith("org.apache.spark.sql.delta.");
      if (c.getCause() == c) break;
    }
    if (!delta) return ex;
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.active();
    for (String root : java.util.List.copyOf(WATCHED)) {
      for (TableDef t : Tables.ALL) {
        String path = root + "/" + t.name();
        try {
          Damage d = inspect(spark, path);
          if (d != null) {
            return new BadInputException(null, -1, null, message(t.name(), path, "delta.`" + path + "`", d), ex);
          }
        } catch (IOException | RuntimeException e) {
          ex.addSuppressed(e);
        }
      }
    }
    return ex;
  }

  static String message(String name, String path, String table, Damage d) {
    String where = "delta.`" + path + "`";
    StringBuilder sb = new StringBuilder("table ").append(name).append(" (").append(path)
        .append("): its Delta log is damaged: ").append(d.file()).append(' ').append(d.problem()).append('.');
    if (d.version() == 0) {
      sb.append(" Restore _delta_log/").append(d.file()).append(" from a backup: without it the table has no"
          + " readable version.");
      return sb.toString();
    }
    long good = d.version() - 1;
    sb.append(" Versions up to ").append(good).append(" are intact (SELECT * FROM ").append(where)
        .append(" VERSION AS OF ").append(good).append(").");
    sb.append(" To recover, restore the file from a backup");
    if (d.version() == d.latest()) {
      sb.append(", or move it out of _delta_log (the table is then at version ").append(good).append(')');
    } else {
      sb.append(", or rebuild the table from version ").append(good).append(" (CREATE OR REPLACE TABLE ")
          .append(table).append(" ... AS SELECT * FROM ").append(where).append(" VERSION AS OF ").append(good)
          .append(')');
    }
    sb.append("; then RESTORE TABLE ").append(table).append(" TO VERSION AS OF <v> rolls it back further if needed.");
    return sb.toString();
  }

  /** Reads the table's log listing and commit files from the last checkpoint on (null: the log looks whole). */
  public static Damage inspect(org.apache.spark.sql.SparkSession spark, String tablePath) throws IOException {
    Path log = new Path(tablePath, "_delta_log");
    FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (!fs.exists(log)) return null;
    TreeSet<Long> commits = new TreeSet<>();
    long checkpoint = -1;
    for (FileStatus f : fs.listStatus(log)) {
      String n = f.getPath().getName();
      if (n.length() == 25 && n.endsWith(".json") && n.substring(0, 20).chars().allMatch(Character::isDigit)) {
        commits.add(Long.parseLong(n.substring(0, 20)));
      } else if (n.matches("\\d{20}\\.checkpoint(\\..*)?\\.parquet")) {
        checkpoint = Math.max(checkpoint, Long.parseLong(n.substring(0, 20)));
      }
    }
    if (commits.isEmpty()) return null;
    long latest = commits.last();
    long from = checkpoint >= 0 ? checkpoint + 1 : 0;
    for (long v = from; v <= latest; v++) {
      String file = String.format("%020d.json", v);
      if (!commits.contains(v)) return new Damage(v, file, "is missing", latest);
      String problem = parseProblem(fs, new Path(log, file));
      if (problem != null) return new Damage(v, file, problem, latest);
    }
    return null;
  }

  private static String parseProblem(FileSystem fs, Path file) throws IOException {
    try {
      return parseLines(fs, file);
    } catch (org.apache.hadoop.fs.ChecksumException e) {
      // the local file system keeps a .crc beside each file: a damaged commit fails it before parsing
      return "is corrupt (its bytes do not match their checksum)";
    }
  }

  private static String parseLines(FileSystem fs, Path file) throws IOException {
    boolean any = false;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
      String line;
      long n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) continue;
        any = true;
        try {
          if (!JSON.readTree(line).isObject()) return "is corrupt (line " + n + " is not a JSON object)";
        } catch (IOException e) {
          return "is corrupt (line " + n + " is not valid JSON)";
        }
      }
    }
    return any ? null : "is empty";
  }
}
