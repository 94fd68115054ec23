package io.exocohort.sql;

import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sql}: runs one SQL statement against the lake's catalog (tables registered as {@code exocohort.*})
 * and writes the result as an aligned table, CSV or JSON lines, or with Spark's own writer to a directory.
 *
 * <p>What the driver holds: rows stream to standard output or a file through {@code toLocalIterator}, one
 * partition at a time, so the driver never holds a large result whole; only the {@code table} format keeps the
 * rows it shows (at most {@code --max-rows}, default {@value #DISPLAY_ROWS}) to align the columns, and says so
 * when rows were not shown. {@code --out-dir} never brings rows to the driver.
 *
 * <p>{@code --max-rows N} for csv / json / parquet is a guard, never a silent cut: a result of more than N rows
 * is refused (exit 2) before anything is written.
 */
public final class SqlJob {
  private static final Logger LOG = LoggerFactory.getLogger(SqlJob.class);

  /** Rows the {@code table} format shows when {@code --max-rows} is not given. */
  public static final long DISPLAY_ROWS = 1000;
  /** {@link Args#maxRows()} when {@code --max-rows} was not given: no limit for csv / json / parquet. */
  public static final long NO_LIMIT = -1;

  /** Output formats: {@code table} (screens), {@code csv}, {@code json} (JSON lines), {@code parquet} (dirs). */
  public enum Format { TABLE, CSV, JSON, PARQUET }

  /**
   * One statement and how to write it. {@code maxRows}: for {@link Format#TABLE} the rows shown (negative:
   * {@value #DISPLAY_ROWS}); for the others the most rows accepted (negative: {@link #NO_LIMIT}, every row).
   */
  public record Args(String lake, String database, String query, Format format, long maxRows) {}

  /** What {@link #writeDir} wrote: rows, the part files and the directory. */
  public record DirResult(long rows, int files, String dir) {}

  private SqlJob() {}

  /** {@code --format} for standard output and {@code --out}: table, csv or json. */
  public static Format format(String s) {
    Format f = parse(s);
    if (f == null || f == Format.PARQUET) {
      throw new BadInputException("--format must be table, csv or json, not '" + s + "' (parquet: with --out-dir)");
    }
    return f;
  }

  /** {@code --format} for {@code --out-dir}: csv, json or parquet. */
  public static Format dirFormat(String s) {
    Format f = parse(s);
    if (f == null || f == Format.TABLE) {
      throw new BadInputException("--format must be csv, json or parquet with --out-dir, not '" + s + "'");
    }
    return f;
  }

  private static Format parse(String s) {
    try {
      return Format.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** Runs the query and writes it to {@code out}; returns the number of rows written. */
  public static long run(SparkSession spark, Args a, PrintWriter out) {
    try (Stage s = Stage.start(LOG, spark, "sql", "query")) {
      Dataset<Row> df = query(spark, a);
      long n = write(df, a.format(), out, a.maxRows());
      s.done("{} rows", n);
      return n;
    }
  }

  /**
   * Runs the query and writes every row (csv or json) to a local file: first to a temporary file beside it,
   * moved into place at the end, so a refused or failed export leaves an existing file untouched and no partial
   * one. Returns the rows written.
   */
  public static long export(SparkSession spark, Args a, Path file) throws IOException {
    if (a.format() == Format.TABLE || a.format() == Format.PARQUET) {
      throw new BadInputException("--out writes csv or json, not " + a.format().name().toLowerCase(Locale.ROOT)
          + " (table is for the screen; parquet: --out-dir)");
    }
    Path abs = file.toAbsolutePath();
    if (Files.isDirectory(abs)) throw new BadInputException(file.toString(), -1, null, "is a directory (--out-dir?)");
    Path parent = abs.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new BadInputException(file.toString(), -1, null, "its folder does not exist");
    }
    try (Stage s = Stage.start(LOG, spark, "sql", "export")) {
      Dataset<Row> df = query(spark, a);
      Path tmp = Files.createTempFile(parent, "." + abs.getFileName() + ".", ".tmp");
      long n;
      try {
        try (PrintWriter w = new PrintWriter(new OutputStreamWriter(Files.newOutputStream(tmp),
            StandardCharsets.UTF_8))) {
          n = write(df, a.format(), w, a.maxRows());
          if (w.checkError()) throw new IOException("could not write " + tmp);
        }
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
      s.done("{} rows to {}", n, abs);
      return n;
    }
  }

  /**
   * Runs the query and writes it with Spark's own writer (executors write in parallel; nothing passes through
   * the driver) to {@code dir}: part files {@code part-*.csv} (each with a header line), {@code part-*.json}
   * (JSON lines) or {@code part-*.parquet}, and an empty {@code _SUCCESS} marker. An existing directory must be
   * empty (else exit 2: nothing is overwritten or mixed into old results). Local path or {@code s3a://...}.
   */
  public static DirResult writeDir(SparkSession spark, Args a, String dir) throws IOException {
    if (a.format() == Format.TABLE) throw new BadInputException("--out-dir writes csv, json or parquet, not table");
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    if (fs.exists(p)) {
      if (!fs.getFileStatus(p).isDirectory()) throw new BadInputException(dir, -1, null, "exists and is a file");
      if (fs.listStatus(p).length > 0) {
        throw new BadInputException(dir, -1, null, "exists and is not empty; give a new or empty directory");
      }
    }
    try (Stage s = Stage.start(LOG, spark, "sql", "export")) {
      Dataset<Row> df = query(spark, a);
      checkMaxRows(df, a.maxRows());
      // The directory is empty or absent, so "overwrite" deletes nothing.
      var w = df.write().mode(SaveMode.Overwrite);
      switch (a.format()) {
        // RFC 4180 quoting, as the streamed csv: a quote inside a quoted value is doubled, not backslashed.
        case CSV -> w.option("header", "true").option("escape", "\"").csv(dir);
        case JSON -> w.json(dir);
        default -> w.parquet(dir);
      }
      String ext = "." + a.format().name().toLowerCase(Locale.ROOT);
      int files = 0;
      for (FileStatus f : fs.listStatus(p)) {
        String name = f.getPath().getName();
        if (name.startsWith("part-") && name.contains(ext)) files++;
      }
      // Rows: counted from what was written (parquet: from the footers; csv / json: one read of the files).
      long rows = spark.read().schema(df.schema()).format(a.format().name().toLowerCase(Locale.ROOT))
          .option("header", "true").option("escape", "\"").option("multiLine", String.valueOf(a.format() == Format.CSV))
          .load(dir).count();
      s.done("{} rows in {} part files under {}", rows, files, dir);
      return new DirResult(rows, files, dir);
    }
  }

  /**
   * Writes a result as {@code sql} does, for the other subcommands that print small tables they have already
   * limited ({@code runs --n}, {@code history --n}): {@code maxRows} is the rows the table format shows; csv and
   * json write every row of {@code df}. Returns the rows written.
   */
  public static long print(Dataset<Row> df, Format format, PrintWriter out, long maxRows) {
    return write(df, format, out, format == Format.TABLE ? maxRows : NO_LIMIT);
  }

  private static Dataset<Row> query(SparkSession spark, Args a) {
    if (a.query() == null || a.query().isBlank()) throw new BadInputException("no SQL statement given");
    io.exocohort.catalog.LakeCatalog.openExisting(spark, a.lake(), a.database());
    spark.sql("USE `" + a.database() + "`");
    return spark.sql(a.query());
  }

  private static long write(Dataset<Row> df, Format format, PrintWriter out, long maxRows) {
    if (format != Format.TABLE) checkMaxRows(df, maxRows);
    long n = switch (format) {
      case TABLE -> table(df, out, maxRows < 0 ? DISPLAY_ROWS : maxRows);
      case CSV -> csv(df, out, maxRows);
      case JSON -> json(df, out, maxRows);
      case PARQUET -> throw new BadInputException("--format parquet writes a directory: give --out-dir DIR");
    };
    out.flush();
    return n;
  }

  /**
   * Refuses, before anything is written, a result of more than {@code max} rows (none: {@code max < 0}). Runs
   * the query once more, stopping at {@code max + 1} rows where the plan allows.
   */
  static void checkMaxRows(Dataset<Row> df, long max) {
    if (max < 0 || max >= Integer.MAX_VALUE) return;
    if (df.limit((int) max + 1).count() > max) throw tooMany(max);
  }

  private static BadInputException tooMany(long max) {
    return new BadInputException(String.format(Locale.ROOT, "the result has more than %,d rows (--max-rows %d); "
        + "nothing written: raise --max-rows, or leave it out to write every row", max, max));
  }

  private static long table(Dataset<Row> df, PrintWriter out, long max) {
    String[] names = df.columns();
    List<String[]> rows = new ArrayList<>();
    Iterator<Row> it = df.toLocalIterator();
    long n = 0;
    boolean more = false;
    while (it.hasNext()) {
      if (n >= max) {
        more = true;
        break;
      }
      Row r = it.next();
      String[] cells = new String[names.length];
      for (int i = 0; i < names.length; i++) cells[i] = cell(r.get(i));
      rows.add(cells);
      n++;
    }
    int[] w = new int[names.length];
    for (int i = 0; i < names.length; i++) w[i] = names[i].length();
    for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], Math.min(r[i].length(), 60));
    StringBuilder sep = new StringBuilder("+");
    for (int x : w) sep.append("-".repeat(x + 2)).append('+');
    out.println(sep);
    out.println(line(names, w));
    out.println(sep);
    for (String[] r : rows) out.println(line(r, w));
    out.println(sep);
    if (more) {
      // The total costs one more pass of the query; only paid when rows were left out.
      long total = df.count();
      out.println(String.format(Locale.ROOT, "%,d of %,d rows shown; use --out FILE or --out-dir DIR for all", n,
          total));
    } else {
      out.println(n + (n == 1 ? " row" : " rows"));
    }
    return n;
  }

  private static String line(String[] cells, int[] w) {
    StringBuilder sb = new StringBuilder("|");
    for (int i = 0; i < cells.length; i++) {
      String c = cells[i].length() > 60 ? cells[i].substring(0, 57) + "..." : cells[i];
      sb.append(' ').append(c).append(" ".repeat(w[i] - c.length())).append(" |");
    }
    return sb.toString();
  }

  private static String cell(Object v) {
    if (v == null) return "NULL";
    if (v instanceof Double d) {
      double x = d;
      if (x == Math.rint(x) && Math.abs(x) < 1e15) return String.valueOf((long) x);
      return String.format(Locale.ROOT, "%.6g", x);
    }
    if (v instanceof scala.collection.Map<?, ?> m) return m.mkString("{", ", ", "}");
    if (v instanceof scala.collection.Seq<?> s) return s.mkString("[", ", ", "]");
    return v.toString();
  }

  private static long csv(Dataset<Row> df, PrintWriter out, long max) {
    String[] names = df.columns();
    out.println(String.join(",", java.util.Arrays.stream(names).map(SqlJob::quote).toArray(String[]::new)));
    Iterator<Row> it = df.toLocalIterator();
    long n = 0;
    while (it.hasNext()) {
      if (max >= 0 && n >= max) throw tooMany(max); // the table grew since checkMaxRows
      Row r = it.next();
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < names.length; i++) {
        if (i > 0) sb.append(',');
        Object v = r.get(i);
        if (v != null) sb.append(quote(v instanceof Double ? v.toString() : cell(v)));
      }
      out.println(sb);
      n++;
    }
    return n;
  }

  private static String quote(String s) {
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  private static long json(Dataset<Row> df, PrintWriter out, long max) {
    Iterator<String> it = df.toJSON().toLocalIterator();
    long n = 0;
    while (it.hasNext()) {
      if (max >= 0 && n >= max) throw tooMany(max);
      out.println(it.next());
      n++;
    }
    return n;
  }
}
