package io.exocohort.ingest;

import java.io.Serializable;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;

/**
 * Reads a {@link SourceFile}'s data rows in parallel, each with where it is in the file, so that every problem
 * can be reported by line (row number for Parquet). Header and blank lines are skipped.
 *
 * <p>Line numbers without an extra pass: a record carries its partition and its index within the partition;
 * the first full pass over the file reports each partition's line count to a {@link LineCounts} accumulator,
 * and later passes turn (partition, index) into the 1-based line number by prefix sums. Small files (the
 * manifest) can ask for exact line numbers up front instead ({@link #readNumbered}).
 */
public final class Records {
  private Records() {}

  /** One data row: where it is, its fields, or the reason it could not be split. */
  public static final class Record implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Partition of the file's lines, or -1 when {@link #index} is already the 1-based line number. */
    public final int partition;
    /** 0-based index of the line within its partition (or the line number, see above). */
    public final long index;
    public final String[] fields;
    /** Non-null when the line is unreadable (unterminated quote, binary bytes); fields is then null. */
    public final String problem;

    Record(int partition, long index, String[] fields, String problem) {
      this.partition = partition;
      this.index = index;
      this.fields = fields;
      this.problem = problem;
    }

    /** The 1-based line number, given the per-partition line counts (null when numbered up front). */
    public long line(long[] prefix) {
      return partition < 0 ? index : prefix[partition] + index + 1;
    }
  }

  /** Per-partition line counts, reported by the first pass over a file (duplicates from retries agree). */
  public static final class LineCounts implements Serializable {
    private static final long serialVersionUID = 1L;
    final CollectionAccumulator<long[]> acc;

    LineCounts(SparkSession spark, String name) {
      acc = spark.sparkContext().collectionAccumulator(name);
    }

    /** Lines before each partition; valid once a full pass over every partition has run. */
    public long[] prefix() {
      TreeMap<Integer, Long> counts = new TreeMap<>();
      for (long[] pc : acc.value()) counts.put((int) pc[0], pc[1]);
      int n = counts.isEmpty() ? 0 : counts.lastKey() + 1;
      long[] prefix = new long[Math.max(n, 1)];
      long sum = 0;
      for (int p = 0; p < n; p++) {
        Long c = counts.get(p);
        if (c == null) throw new IllegalStateException("no line count for partition " + p);
        prefix[p] = sum;
        sum += c;
      }
      return prefix;
    }
  }

  /** A text file's records with (partition, index) positions; pass {@code counts} to have lines counted. */
  public static JavaRDD<Record> read(SparkSession spark, SourceFile f, LineCounts counts) {
    return read(spark, f, counts, false);
  }

  /**
   * As {@link #read(SparkSession, SourceFile, LineCounts)}; with {@code keysOnly} unquoted lines are cut only into
   * their first two fields (the others are empty strings), which is all a long file's key check needs when its
   * sample and feature columns come first ({@link #keys}).
   */
  public static JavaRDD<Record> read(SparkSession spark, SourceFile f, LineCounts counts, boolean keysOnly) {
    if (f.parquet) return readNumbered(spark, f);
    final long headerIndex = f.headerIndex;
    final char delim = f.delimiter;
    final CollectionAccumulator<long[]> acc = counts == null ? null : counts.acc;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return jsc.textFile(f.path).mapPartitionsWithIndex((p, it) -> new Iterator<Record>() {
      long idx = -1;
      Record next;
      boolean reported;

      private void advance() {
        next = null;
        while (it.hasNext()) {
          String line = it.next();
          idx++;
          if ((p == 0 && idx <= headerIndex) || line.isBlank()) continue;
          next = keysOnly ? keys(p, idx, line, delim) : record(p, idx, line, delim);
          return;
        }
        if (acc != null && !reported) {
          acc.add(new long[] {p, idx + 1});
          reported = true;
        }
      }

      @Override
      public boolean hasNext() {
        if (next == null) advance();
        return next != null;
      }

      @Override
      public Record next() {
        if (!hasNext()) throw new NoSuchElementException();
        Record r = next;
        next = null;
        return r;
      }
    }, true);
  }

  /** Records with exact line numbers computed up front (an extra pass: for small files). */
  public static JavaRDD<Record> readNumbered(SparkSession spark, SourceFile f) {
    if (f.parquet) {
      int width = f.header.length;
      return spark.read().parquet(f.path).toJavaRDD().zipWithIndex().map(t -> {
        Row r = t._1();
        String[] fields = new String[width];
        for (int i = 0; i < width; i++) {
          Object v = r.get(i);
          fields[i] = v == null ? "" : v.toString();
        }
        return new Record(-1, t._2() + 1, fields, null);
      });
    }
    final long headerIndex = f.headerIndex;
    final char delim = f.delimiter;
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return jsc.textFile(f.path).zipWithIndex()
        .filter(t -> t._2() > headerIndex && !t._1().isBlank())
        .map(t -> record(-1, t._2() + 1, t._1(), delim));
  }

  /**
   * A record for the scan pass of a long file: the same line checks as {@link #record}, and the fields split at the
   * delimiters (so a ragged line has its true field count), but only the first two of a short line are cut out as
   * strings when the line has no quotes; a quoted line goes through the full splitter.
   */
  static Record keys(int partition, long index, String line, char delim) {
    int n = line.length();
    int fieldsCount = 1;
    int d1 = -1;
    int d2 = -1;
    for (int i = 0; i < n; i++) {
      char c = line.charAt(i);
      if (c == delim) {
        fieldsCount++;
        if (d1 < 0) d1 = i;
        else if (d2 < 0) d2 = i;
      } else if (c == '"' || c == '\uFFFD' || c < 0x20 && c != '\t' && c != '\r') {
        return record(partition, index, line, delim);
      }
    }
    String[] fields = new String[fieldsCount];
    fields[0] = line.substring(0, d1 < 0 ? n : d1);
    if (d1 >= 0) fields[1] = line.substring(d1 + 1, d2 < 0 ? n : d2);
    for (int k = 2; k < fieldsCount; k++) fields[k] = "";
    return new Record(partition, index, fields, null);
  }

  static Record record(int partition, long index, String line, char delim) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\uFFFD' || c == 0 || (c < 0x20 && c != '\t' && c != '\r')) {
        return new Record(partition, index, null, c == '\uFFFD' ? "line is not valid UTF-8 text"
            : "line has a control character (binary data?)");
      }
    }
    try {
      return new Record(partition, index, LineSplitter.split(line, delim), null);
    } catch (LineSplitter.SplitException e) {
      return new Record(partition, index, null, e.getMessage());
    }
  }
}
