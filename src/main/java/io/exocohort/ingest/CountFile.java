package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.exocohort.common.BadInputException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.LongAccumulator;

/**
 * One miR count or protein file on its way into the lake, read in as few passes as the checks allow:
 * <ol>
 *   <li>{@link #scan}: one pass that counts lines per partition (for line numbers later) and finds
 *       duplicates: repeated feature lines (wide) or repeated (sample, feature) keys (long, by 64-bit key
 *       hashes, confirmed exactly on the few suspects).</li>
 *   <li>{@link #valid}: the good values, for the write; rejected values are only counted.</li>
 *   <li>{@link #rejected}: only if that count is above zero, the rejected values with line, column and reason.</li>
 * </ol>
 * A value is rejected for a bad number, an unknown or rejected sample, or a duplicate key.
 */
public final class CountFile implements Serializable {
  private static final long serialVersionUID = 1L;
  /** More duplicated keys than this fail the file as a whole (it is then not a count file with a few slips). */
  static final int MAX_DUPLICATE_KEYS = 100_000;

  public static final StructType VALID = new StructType()
      .add("sample_id", StringType, false).add("feature", StringType, false).add("value", DoubleType, true);
  public static final StructType REJECTED = new StructType()
      .add("line", LongType, true).add("column", StringType, true).add("sample_id", StringType, true)
      .add("feature", StringType, true).add("value", StringType, true).add("reason", StringType, false);

  private final transient SparkSession spark;
  final SourceFile file;
  final CountParser parser;
  private Broadcast<Map<String, Boolean>> samples;
  private final transient Records.LineCounts lineCounts;
  private Broadcast<Set<String>> duplicateFeatures;
  private Broadcast<Map<String, String>> duplicateKeys;
  private final transient LongAccumulator rejectedCount;
  private final transient LongAccumulator fractionalCount;
  private long[] prefix;

  public CountFile(SparkSession spark, SourceFile file, CountParser parser) {
    this.spark = spark;
    this.file = file;
    this.parser = parser;
    this.lineCounts = new Records.LineCounts(spark, "lines of " + file.given);
    this.rejectedCount = spark.sparkContext().longAccumulator("rejected in " + file.given);
    this.fractionalCount = spark.sparkContext().longAccumulator("fractional values in " + file.given);
  }

  /**
   * The samples a value may name (set before {@link #valid}; the scan does not need them).
   *
   * @param samples sample id -&gt; accepted (true) or rejected in the manifest (false); ids not in the map are
   *     unknown. One entry per sample: per-sample, bounded, broadcast to the tasks.
   */
  public void samples(Map<String, Boolean> samples) {
    this.samples = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(samples);
  }

  /** Pass 1: line counts per partition and duplicate detection. */
  public void scan() {
    JavaRDD<Records.Record> records = Records.read(spark, file, lineCounts);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    CountParser p = parser;
    if (parser.layout == CountParser.Layout.WIDE) {
      List<String> dups = spark.createDataset(records.map(p::wideFeature).filter(x -> x != null).rdd(),
              Encoders.STRING()).toDF("feature")
          .groupBy("feature").count().filter(col("count").gt(1)).select("feature")
          .limit(MAX_DUPLICATE_KEYS + 1).as(Encoders.STRING()).collectAsList();
      if (dups.size() > MAX_DUPLICATE_KEYS) {
        throw new BadInputException(file.given, -1, null, "more than " + MAX_DUPLICATE_KEYS
            + " features appear on several lines");
      }
      duplicateFeatures = jsc.broadcast(new HashSet<>(dups));
      duplicateKeys = jsc.broadcast(Map.of());
    } else {
      // Long files usually come grouped by sample. One map-only pass summarises each partition's runs of
      // equal sample ids and finds duplicates inside them; only if a sample's rows are scattered over the file
      // does the check fall back to a shuffle of key hashes.
      List<BlockScan.Summary> parts = Records.read(spark, file, lineCounts, parser.keysFirst())
          .mapPartitionsWithIndex((pi, it) -> List.of(BlockScan.summarise(pi, it, p)).iterator(), true)
          .collect();
      prefix = lineCounts.prefix();
      Map<String, String> keys = BlockScan.duplicates(parts, prefix, MAX_DUPLICATE_KEYS);
      if (keys == null) keys = duplicatesByHash(jsc, records, p);
      if (keys.size() > MAX_DUPLICATE_KEYS) {
        throw new BadInputException(file.given, -1, null, "more than " + MAX_DUPLICATE_KEYS
            + " (sample_id, feature) pairs appear on several lines");
      }
      duplicateFeatures = jsc.broadcast(Set.of());
      duplicateKeys = jsc.broadcast(keys);
    }
    if (prefix == null) prefix = lineCounts.prefix();
  }

  /** Duplicate (sample, feature) keys of a long file whose samples are not in contiguous runs. */
  private Map<String, String> duplicatesByHash(JavaSparkContext jsc, JavaRDD<Records.Record> records, CountParser p) {
    List<Long> dupHashes = spark.createDataset(records.map(r -> {
          String[] k = p.longKey(r);
          return k == null ? null : keyHash(k[0], k[1]);
        }).filter(x -> x != null).rdd(), Encoders.LONG()).toDF("h")
        .groupBy("h").count().filter(col("count").gt(1)).select("h")
        .limit(MAX_DUPLICATE_KEYS + 1).as(Encoders.LONG()).collectAsList();
    if (dupHashes.size() > MAX_DUPLICATE_KEYS) {
      throw new BadInputException(file.given, -1, null, "more than " + MAX_DUPLICATE_KEYS
          + " (sample_id, feature) pairs appear on several lines");
    }
    Map<String, String> keys = new HashMap<>();
    if (dupHashes.isEmpty()) return keys;
    Broadcast<Set<Long>> b = jsc.broadcast(new HashSet<>(dupHashes));
    long[] pre = prefix;
    JavaRDD<Row> rows = Records.read(spark, file, null).map(r -> {
      String[] k = p.longKey(r);
      return k == null || !b.value().contains(keyHash(k[0], k[1])) ? null
          : RowFactory.create(k[0], k[1], r.line(pre));
    }).filter(x -> x != null);
    StructType st = new StructType().add("s", StringType).add("f", StringType).add("line", LongType);
    for (Row r : spark.createDataFrame(rows, st).groupBy("s", "f")
        .agg(count(lit(1)).as("n"), min("line").as("first")).filter(col("n").gt(1)).collectAsList()) {
      keys.put(r.getString(0) + '\u0000' + r.getString(1), BlockScan.reason(r.getLong(2), r.getLong(3)));
    }
    return keys;
  }

  /** 64-bit FNV-1a of sample and feature (only a pre-filter: suspects are confirmed on the strings). */
  static long keyHash(String sample, String feature) {
    long h = 0xcbf29ce484222325L;
    byte[] a = sample.getBytes(StandardCharsets.UTF_8);
    for (byte x : a) h = (h ^ (x & 0xff)) * 0x100000001b3L;
    h = (h ^ 0xff) * 0x100000001b3L;
    byte[] b = feature.getBytes(StandardCharsets.UTF_8);
    for (byte x : b) h = (h ^ (x & 0xff)) * 0x100000001b3L;
    return h;
  }

  /** The reason a parsed value is rejected for reasons beyond the file itself, or null. */
  private String check(String sample, String feature, String reason) {
    if (reason != null) return reason;
    Boolean ok = samples.value().get(sample);
    if (ok == null) return "sample '" + sample + "' is not in the manifest";
    if (!ok) return "sample '" + sample + "' was rejected in the manifest (see quarantine)";
    if (duplicateFeatures.value().contains(feature)) return "feature '" + feature + "' appears on more than one line";
    Map<String, String> dk = duplicateKeys.value();
    if (!dk.isEmpty()) return dk.get(sample + '\u0000' + feature);
    return null;
  }

  /** Pass 2: the good values (sample_id, feature, value); rejected values are counted, see {@link #rejectedCount}. */
  public Dataset<Row> valid() {
    LongAccumulator rejected = rejectedCount;
    LongAccumulator fractional = fractionalCount;
    CountFile self = this;
    JavaRDD<Row> rows = Records.read(spark, file, null).mapPartitions(it -> {
      List<Row> batch = new ArrayList<>();
      return new java.util.Iterator<Row>() {
        int i;

        @Override
        public boolean hasNext() {
          while (i >= batch.size()) {
            if (!it.hasNext()) return false;
            batch.clear();
            i = 0;
            self.parser.cells(it.next(), (s, f, v, c, raw, reason) -> {
              String why = self.check(s, f, reason);
              if (why == null) {
                batch.add(RowFactory.create(s, f, v));
                if (v != null && v != Math.rint(v)) fractional.add(1);
              } else {
                rejected.add(1);
              }
            });
          }
          return true;
        }

        @Override
        public Row next() {
          if (!hasNext()) throw new java.util.NoSuchElementException();
          return batch.get(i++);
        }
      };
    });
    return spark.createDataFrame(rows, VALID);
  }

  /** Rejected values counted during the last {@link #valid} pass (at least; retried tasks may add). */
  public long rejectedCount() {
    return rejectedCount.value();
  }

  /**
   * Whether the last {@link #valid} pass met a good value with a fractional part (e.g. a quantifier's
   * multi-mapping shares in a count file): recorded per run, not a problem.
   */
  public boolean fractional() {
    return fractionalCount.value() > 0;
  }

  /** Pass 3: the rejected values with their line, column and reason. */
  public Dataset<Row> rejected() {
    CountFile self = this;
    long[] pre = prefix;
    JavaRDD<Row> rows = Records.read(spark, file, null).flatMap(rec -> {
      List<Row> out = new ArrayList<>();
      long line = rec.line(pre);
      self.parser.cells(rec, (s, f, v, c, raw, reason) -> {
        String why = s == null ? reason : self.check(s, f, reason);
        if (why != null) out.add(RowFactory.create(line, c, s, f, raw, why));
      });
      return out.iterator();
    });
    return spark.createDataFrame(rows, REJECTED);
  }
}
