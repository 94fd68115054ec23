package io.exocohort.normalize;

import io.exocohort.common.SamplePartials;
import java.io.Serializable;
import java.util.HashMap;
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
import org.apache.spark.storage.StorageLevel;

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
      info.put(SamplePartials.key(r.getString(0), r.getString(1)),
          new String[] {r.getString(0), r.getString(1), r.getString(2), r.getString(3)});
    }
    Broadcast<Map<String, Integer>> idx = jsc.broadcast(index);
    Broadcast<Map<String, String[]>> inf = jsc.broadcast(info);
    int n = features.length;
    boolean nanFill = Double.isNaN(fill);
    JavaRDD<Vec> rows = SamplePartials.of(values, idx, n, fill, false, PARTIAL_BYTES)
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
