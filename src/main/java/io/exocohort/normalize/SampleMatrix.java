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

  /** Test hook: force (true) or forbid (false) caching the vectors read from a table (null: by size). */
  private static volatile Boolean cacheForTests;

  /** Test hook: see {@link #cacheable}; null restores the decision by size. */
  public static void cacheForTests(Boolean cache) {
    cacheForTests = cache;
  }

  /**
   * Whether {@code samples} vectors of {@code features} doubles, read from a table, are worth caching: when they
   * take at most half the storage memory of the block managers (the executors', and in local mode the driver's,
   * which runs them). Larger (100,000 samples of a miR panel on a 2 GB driver), the cache would spill to local disk
   * through Java serialisation and every pass would read it back slower than the table's Parquet files, and the
   * partitions that stay in memory would crowd the passes' own buffers: every pass reads the table again instead.
   */
  public static boolean cacheable(JavaSparkContext jsc, long samples, int features) {
    if (cacheForTests != null) return cacheForTests;
    return bytes(samples, features) <= storageMemory(jsc) / 2;
  }

  /** About how many bytes {@code samples} cached vectors of {@code features} doubles take on the heap. */
  static long bytes(long samples, int features) {
    return samples * ((long) features * 8 + 200);
  }

  /** The storage memory of every block manager (the executors and the driver), from their last status. */
  public static long storageMemory(JavaSparkContext jsc) {
    long total = 0;
    for (scala.Tuple2<Object, Object> t : scala.jdk.javaapi.CollectionConverters.asJava(
        jsc.sc().getExecutorMemoryStatus()).values()) {
      total += (Long) t._1();
    }
    return total;
  }

  public final String[] features;
  public final transient JavaRDD<Vec> rows;
  /** What {@link #unpersist} frees: the cached RDD the rows are read from (they may be a map over it). */
  private final transient JavaRDD<?> cached;

  private SampleMatrix(String[] features, JavaRDD<Vec> rows, JavaRDD<?> cached) {
    this.features = features;
    this.rows = rows;
    this.cached = cached;
  }

  public static SampleMatrix of(String[] features, JavaRDD<Vec> rows) {
    return new SampleMatrix(features, rows, rows);
  }

  /** Rows that are a map over {@code cached} (what {@link #unpersist} frees; null: nothing is cached). */
  static SampleMatrix over(String[] features, JavaRDD<Vec> rows, JavaRDD<?> cached) {
    return new SampleMatrix(features, rows, cached);
  }

  /**
   * The sample vectors of {@code values}, read in one pass. The feature index is guessed from the table's first
   * {@link #GUESS_ROWS} rows (cheap: a limit stops the scan early; a sample carries all or most features); the
   * values of features the guess lacks travel by name with their sample ({@link SamplePartials.Partial#extra}),
   * and if there are any the vectors are laid out again over the whole, sorted feature set. Either way the index is
   * the sorted distinct features of {@code values}, as a separate {@code distinct} pass would give, without that
   * second scan of the long table.
   *
   * @param values long rows {@code cohort, sample_id, feature, value} (value may be null)
   * @param meta one row per sample to include: {@code cohort, sample_id, grp, batch} (per-sample, broadcast)
   * @param fill the value of an absent (sample, feature): 0 for counts (partials add up), NaN for intensities
   *     (partials take the value that is present)
   */
  public static SampleMatrix build(SparkSession spark, Dataset<Row> values, Dataset<Row> meta, double fill) {
    return build(spark, values, meta, fill, GUESS_ROWS);
  }

  /** {@link #build} guessing the index from the first {@code guessRows} rows (tests make it miss features). */
  static SampleMatrix build(SparkSession spark, Dataset<Row> values, Dataset<Row> meta, double fill,
      int guessRows) {
    Map<String, String[]> info = new HashMap<>();
    for (Row r : meta.collectAsList()) {
      info.put(SamplePartials.key(r.getString(0), r.getString(1)),
          new String[] {r.getString(0), r.getString(1), r.getString(2), r.getString(3)});
    }
    return build(spark, values, info, info.size(), fill, guessRows);
  }

  /**
   * The vectors of every sample of {@code values}, without a selection, group or batch (null in each {@link Vec}):
   * ingest's per-sample count matrix ({@code CountVectors}), built by the same transpose as normalize's.
   *
   * @param samplesHint about how many samples {@code values} holds (sizes the shuffle's partitions only)
   */
  public static SampleMatrix buildAll(SparkSession spark, Dataset<Row> values, double fill, long samplesHint) {
    return build(spark, values, null, samplesHint, fill, GUESS_ROWS);
  }

  /** The transpose; {@code info} (sample key to cohort, id, group, batch) selects samples, null keeps all. */
  private static SampleMatrix build(SparkSession spark, Dataset<Row> values, Map<String, String[]> info,
      long samples, double fill, int guessRows) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<String> guess = values.select("feature").limit(guessRows).distinct().orderBy("feature")
        .as(Encoders.STRING()).collectAsList();
    String[] guessed = guess.toArray(new String[0]);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < guessed.length; i++) index.put(guessed[i], i);
    Broadcast<Map<String, Integer>> idx = jsc.broadcast(index);
    Broadcast<Map<String, String[]>> inf = info == null ? null : jsc.broadcast(info);
    int n = guessed.length;
    boolean nanFill = Double.isNaN(fill);
    JavaRDD<Staged> staged = SamplePartials.of(values, idx, n, fill, PARTIAL_BYTES)
        .reduceByKey(partitioner(jsc, samples, n), (a, b) -> a.merge(b, nanFill))
        .flatMap(t -> {
          String[] s;
          if (inf == null) {
            String[] k = SamplePartials.split(t._1());
            s = new String[] {k[0], k[1], null, null};
          } else {
            s = inf.value().get(t._1());
          }
          if (s == null) return List.<Staged>of().iterator();
          return List.of(new Staged(new Vec(s[0], s[1], s[2], s[3], t._2().v), t._2().extra)).iterator();
        })
        .persist(CACHE);
    List<String> more = staged.filter(x -> x.extra() != null).flatMap(x -> x.extra().keySet().iterator())
        .distinct().collect();
    if (more.isEmpty()) return new SampleMatrix(guessed, staged.map(Staged::vec), staged);
    // Lay the vectors out again over the whole feature set (the guess missed some features).
    java.util.TreeSet<String> all = new java.util.TreeSet<>(guess);
    all.addAll(more);
    String[] features = all.toArray(new String[0]);
    int[] moved = new int[n];
    for (int i = 0; i < n; i++) moved[i] = java.util.Arrays.binarySearch(features, guessed[i]);
    Broadcast<String[]> fs = jsc.broadcast(features);
    JavaRDD<Vec> rows = staged.map(x -> {
      String[] f = fs.value();
      double[] v = new double[f.length];
      java.util.Arrays.fill(v, fill);
      double[] old = x.vec().v();
      for (int i = 0; i < old.length; i++) v[moved[i]] = old[i];
      if (x.extra() != null) x.extra().forEach((k, val) -> v[java.util.Arrays.binarySearch(f, k)] = val);
      return x.vec().with(v);
    }).persist(CACHE);
    rows.count();
    staged.unpersist(false);
    return new SampleMatrix(features, rows, rows);
  }

  /** Rows read to guess the feature index: a few dozen samples of a full miR panel. */
  static final int GUESS_ROWS = 200_000;

  /** A sample vector over the guessed index and the values of features the guess missed (null: none). */
  private record Staged(Vec vec, java.util.HashMap<String, Double> extra) implements Serializable {}

  /** Enough partitions that each holds about 32 MB of arrays ({@link #partitions}). */
  static org.apache.spark.HashPartitioner partitioner(JavaSparkContext jsc, long samples, int n) {
    return new org.apache.spark.HashPartitioner(partitions(samples * (long) Math.max(n, 1) * 8,
        jsc.defaultParallelism()));
  }

  /**
   * Partitions for a shuffle of {@code bytes} of arrays: about 32 MB each (at most 10,000), rounded up to a
   * multiple of the cores ({@code cores}: the default parallelism), so that the last wave of tasks is not one task
   * alone (10,000 samples of 1,151 miRs: 92 MB, 4 partitions in 2 waves on 2 cores instead of 3 in 2).
   */
  static int partitions(long bytes, int cores) {
    long want = Math.min(10_000, bytes / (32L << 20) + 1);
    long c = Math.max(1, cores);
    return (int) Math.max(c, (want + c - 1) / c * c);
  }

  /** Same features, new rows (persisted). */
  public SampleMatrix map(org.apache.spark.api.java.function.Function<Vec, Vec> f) {
    JavaRDD<Vec> mapped = rows.map(f).persist(CACHE);
    return new SampleMatrix(features, mapped, mapped);
  }

  /** A distributed aggregation over the samples (partial results merged in a tree). */
  public <A> A aggregate(A zero, Function2<A, Vec, A> add, Function2<A, A, A> merge) {
    return rows.treeAggregate(zero, add, merge);
  }

  public void unpersist() {
    if (cached != null) cached.unpersist(false);
  }
}
