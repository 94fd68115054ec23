package io.exocohort.ingest;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads a {@link SourceFile}'s data rows in parallel, each with its 1-based line number (row number for
 * Parquet) so that every problem can be reported where it is. Header and blank lines are skipped.
 */
public final class Records {
  private Records() {}

  /** One data row: its line, its fields, or the reason it could not be split. */
  public static final class Record implements Serializable {
    private static final long serialVersionUID = 1L;
    public final long line;
    public final String[] fields;
    /** Non-null when the line is unreadable (unterminated quote, binary bytes); fields is then null. */
    public final String problem;

    Record(long line, String[] fields, String problem) {
      this.line = line;
      this.fields = fields;
      this.problem = problem;
    }
  }

  public static JavaRDD<Record> read(SparkSession spark, SourceFile f) {
    if (f.parquet) {
      int width = f.header.length;
      return spark.read().parquet(f.path).toJavaRDD().zipWithIndex().map(t -> {
        Row r = t._1();
        String[] fields = new String[width];
        for (int i = 0; i < width; i++) {
          Object v = r.get(i);
          fields[i] = v == null ? "" : v.toString();
        }
        return new Record(t._2() + 1, fields, null);
      });
    }
    final long headerIndex = f.headerIndex;
    final char delim = f.delimiter;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return jsc.textFile(f.path).zipWithIndex()
        .filter(t -> t._2() > headerIndex && !t._1().isBlank())
        .map(t -> {
          String line = t._1();
          long no = t._2() + 1;
          for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\uFFFD' || c == 0 || (c < 0x20 && c != '\t' && c != '\r')) {
              return new Record(no, null, c == '\uFFFD' ? "line is not valid UTF-8 text"
                  : "line has a control character (binary data?)");
            }
          }
          try {
            return new Record(no, LineSplitter.split(line, delim), null);
          } catch (LineSplitter.SplitException e) {
            return new Record(no, null, e.getMessage());
          }
        });
  }
}
