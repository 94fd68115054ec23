package io.exocohort.normalize;

import static org.apache.spark.sql.functions.col;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Tuple2;

/**
 * A cohort's values "transposed once" into one record per sample with a dense array over a stable feature index
 * ({@link Vec}). Built with a map-side combine: each partition fills the arrays of the samples it holds
 * (flushing when a memory bound is reached), and the partial arrays of a sample are merged by key; when the long
 * table is laid out by sample (as ingest writes long files) almost nothing but one array per sample is shuffled.
 * Every later step is a map over these records or a distributed aggregation of per-feature arrays: the driver
 * holds the feature index and per-feature arrays, never samples x features.
 */
public final class SampleMatrix implements Serializable {
  private static final long serialVersionUID = 1L;
  /** A partition holds at most this many bytes of partial arrays before it flushes them. */
  static final long PARTIAL_BYTES = 64L << 20;
  /**
   * How sample vectors are cached: deserialized (every later pass reads the arrays in place, no
   * deserialisation), spilling to disk when storage memory runs short.
   */
  static final StorageLevel CACHE = StorageLevel.MEMORY_AND_DISK();

  /** One sample: its cohort, id, biological group, batch and values over the feature index. */
  public record Vec(String cohort, String sampleId, String grp, String batch, double[] v) implements Serializable {
    public Vec with(double[] values) {
      return new Vec(cohort, sampleId, grp, batch, values);
    }
  }

  public final String[] features;
  public final transient JavaRDD<Vec> rows;

  private SampleMatrix(String[] features, JavaRDD<Vec> rows) {
    this.features = features;
    this.rows = rows;
  }

  public static SampleMatrix of(String[] features, JavaRDD<Vec> rows) {
    return new SampleMatrix(features, rows);
  }

  /**
   * @param values long rows {@code cohort, sample_id, feature, value} (value may be null)
   * @param meta one row per sample to include: {@code cohort, sample_id, grp, batch} (per-sample, broadcast)
   * @param fill the value of an absent (sample, feature): 0 for counts (partials add up), NaN for intensities
   *     (partials take the value that is present)
   */
  public static SampleMatrix build(SparkSession spark, Dataset<Row> values, Dataset<Row> meta, double fill) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> fs = values.select("feature").distinct().orderBy("feature").as(Encoders.STRING()).collectAsList();
    String[] features = fs.toArray(new String[0]);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < features.length; i++) index.put(features[i], i);
    Map<String, String[]> info = new HashMap<>();
    for (Row r : meta.collectAsList()) {
      info.put(key(r.getString(0), r.getString(1)), new String[] {r.getString(0), r.getString(1), r.getString(2),
          r.getString(3)});
    }
    Broadcast<Map<String, Integer>> idx = jsc.broadcast(index);
    Broadcast<Map<String, String[]>> inf = jsc.broadcast(info);
    int n = features.length;
    boolean nanFill = Double.isNaN(fill);
    int maxPartials = (int) Math.max(16, PARTIAL_BYTES / (8L * Math.max(n, 1)));
    // Catalyst's own rows (no conversion to external Rows and Java strings per value): a sample's key string
    // is made only when the sample changes, which in a table laid out by sample is once per sample.
    JavaRDD<InternalRow> internal = values.select(col("cohort"), col("sample_id"), col("feature"),
        col("value").cast("double")).queryExecution().toRdd().toJavaRDD();
    JavaRDD<Vec> rows = internal
        .mapPartitionsToPair(it -> new Iterator<Tuple2<String, double[]>>() {
          final Map<String, double[]> partial = new HashMap<>();
          final Map<UTF8String, Integer> ix = new HashMap<>();
          UTF8String lastCohort;
          UTF8String lastSample;
          double[] current;
          Iterator<Map.Entry<String, double[]>> out;

          private void fillUp() {
            partial.clear();
            lastCohort = null;
            if (ix.isEmpty()) {
              Map<String, Integer> byName = idx.value();
              byName.forEach((k, v) -> ix.put(UTF8String.fromString(k), v));
            }
            while (it.hasNext() && partial.size() < maxPartials) {
              InternalRow r = it.next();
              UTF8String c = r.getUTF8String(0);
              UTF8String s = r.getUTF8String(1);
              if (lastCohort == null || !s.equals(lastSample) || !c.equals(lastCohort)) {
                lastCohort = c.clone();
                lastSample = s.clone();
                current = partial.computeIfAbsent(key(lastCohort.toString(), lastSample.toString()), k -> {
                  double[] x = new double[n];
                  Arrays.fill(x, fill);
                  return x;
                });
              }
              if (!r.isNullAt(3)) current[ix.get(r.getUTF8String(2))] = r.getDouble(3);
            }
            out = new ArrayList<>(partial.entrySet()).iterator();
          }

          @Override
          public boolean hasNext() {
            while (out == null || !out.hasNext()) {
              if (!it.hasNext()) return false;
              fillUp();
            }
            return true;
          }

          @Override
          public Tuple2<String, double[]> next() {
            Map.Entry<String, double[]> e = out.next();
            return new Tuple2<>(e.getKey(), e.getValue());
          }
        })
        .reduceByKey(partitioner(jsc, info.size(), n), (a, b) -> {
          for (int i = 0; i < a.length; i++) {
            if (nanFill) {
              if (Double.isNaN(a[i])) a[i] = b[i];
            } else {
              a[i] += b[i];
            }
          }
          return a;
        })
        .flatMap(t -> {
          String[] s = inf.value().get(t._1());
          return s == null ? List.<Vec>of().iterator() : List.of(new Vec(s[0], s[1], s[2], s[3], t._2())).iterator();
        })
        .persist(CACHE);
    return new SampleMatrix(features, rows);
  }

  /** Enough partitions that each holds about 32 MB of arrays (at least the default parallelism). */
  static org.apache.spark.HashPartitioner partitioner(JavaSparkContext jsc, long samples, int n) {
    long bytes = samples * (long) Math.max(n, 1) * 8;
    return new org.apache.spark.HashPartitioner((int) Math.max(jsc.defaultParallelism(), Math.min(10_000,
        bytes / (32L << 20) + 1)));
  }

  private static String key(String cohort, String sample) {
    return cohort + '\u0001' + sample;
  }

  /** Same features, new rows (persisted). */
  public SampleMatrix map(org.apache.spark.api.java.function.Function<Vec, Vec> f) {
    return new SampleMatrix(features, rows.map(f).persist(CACHE));
  }

  /** A distributed aggregation over the samples (partial results merged in a tree). */
  public <A> A aggregate(A zero, Function2<A, Vec, A> add, Function2<A, A, A> merge) {
    return rows.treeAggregate(zero, add, merge);
  }

  /** A per-sample scalar as a one-column Dataset (for percentiles and orderings of per-sample figures). */
  public Dataset<Double> scalar(SparkSession spark, org.apache.spark.api.java.function.Function<Vec, Double> f) {
    return spark.createDataset(rows.map(f).rdd(), Encoders.DOUBLE());
  }

  public void unpersist() {
    rows.unpersist(false);
  }
}
