package io.exocohort.sql;

import io.exocohort.catalog.Lake;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sql}: runs one SQL statement against the lake's catalog (tables registered as {@code exocohort.*})
 * and writes the result as an aligned table, CSV or JSON lines. Rows stream to the output through
 * {@code toLocalIterator}, one partition at a time, so the driver never holds a large result whole.
 */
public final class SqlJob {
  private static final Logger LOG = LoggerFactory.getLogger(SqlJob.class);

  public enum Format { TABLE, CSV, JSON }

  public record Args(String lake, String database, String query, Format format, long maxRows) {}

  private SqlJob() {}

  public static Format format(String s) {
    try {
      return Format.valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BadInputException("--format must be table, csv or json, not '" + s + "'");
    }
  }

  /** Runs the query and writes it to {@code out}; returns the number of rows written. */
  public static long run(SparkSession spark, Args a, PrintWriter out) throws IOException {
    if (a.query() == null || a.query().isBlank()) throw new BadInputException("no SQL statement given");
    Lake.open(spark, a.lake(), a.database());
    spark.sql("USE `" + a.database() + "`");
    try (Stage s = Stage.start(LOG, spark, "sql", "query")) {
      Dataset<Row> df = spark.sql(a.query());
      long n = switch (a.format()) {
        case TABLE -> table(df, out, a.maxRows());
        case CSV -> csv(df, out, a.maxRows());
        case JSON -> json(df, out, a.maxRows());
      };
      out.flush();
      s.done("{} rows", n);
      return n;
    }
  }

  /** Writes a result as {@code sql} does (for the other subcommands that print tables); returns the rows. */
  public static long print(Dataset<Row> df, Format format, PrintWriter out, long maxRows) {
    long n = switch (format) {
      case TABLE -> table(df, out, maxRows);
      case CSV -> csv(df, out, maxRows);
      case JSON -> json(df, out, maxRows);
    };
    out.flush();
    return n;
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
    out.println(n + (n == 1 ? " row" : " rows") + (more ? " (more not shown: --max-rows)" : ""));
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
    while (it.hasNext() && n < max) {
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
    while (it.hasNext() && n < max) {
      out.println(it.next());
      n++;
    }
    return n;
  }
}
