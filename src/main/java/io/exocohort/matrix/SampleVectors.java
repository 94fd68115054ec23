package io.exocohort.matrix;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Sample vectors read from feature-major matrices ({@code mirna_matrix} / {@code protein_matrix}): the inverse of
 * {@code normalize.MatrixWrite}. Each matrix row (one feature of one sample block) keeps only the entries of the
 * wanted samples (a broadcast join with one small row per block: the positions of those samples), cuts them into
 * sample ranges, and each partition sends, per (cohort, block, range), one chunk holding its features' slots in
 * the feature index and their entries for the range. The chunks of a range are placed into one array per sample:
 * the shuffle moves arrays, never a row per value. Per range one more chunk carries the samples' ids and the count
 * of the block's matrix rows whose feature is not in the index. Entries that are null (protein: missing) or absent
 * (a feature of the index without a row in the block) are NaN. The driver holds only the feature index.
 */
public final class SampleVectors {
  private SampleVectors() {}

  /** A range's arrays (samples x index features) are at most about this many bytes. */
  static final long RANGE_BYTES = 16L << 20;

  /** A partition holds at most about this many bytes of chunk entries before it sends them. */
  static final long PARTIAL_BYTES = 64L << 20;

  /**
   * One modality's matrix: its rows ({@code cohort, block, feature, entries, norm_run_id}, other columns
   * ignored), its sample index ({@code cohort, block, sample_ids, norm_run_id}), and the prefix that makes its
   * feature names the index's names (e.g. {@code mirna:}).
   */
  public record Source(Dataset<Row> matrix, Dataset<Row> samples, String prefix) {}

  /** One sample's vector over the feature index (NaN: no value) and its matrix rows not in the index. */
  public record Vec(String cohort, String sampleId, double[] values, int extra) implements Serializable {}

  /** Range {@code range} of a block's wanted samples: its samples {@code range * size ..} in their kept order. */
  record Key(String cohort, int block, int range) implements Serializable {}

  /**
   * Part of a range: entries {@code values[j]} of index slot {@code slots[j]} (one per sample of the range), or
   * (when {@code ids} is set) the range's sample ids and the block's matrix rows outside the index.
   */
  record Chunk(int[] slots, double[][] values, String[] ids, int extra) implements Serializable {}

  /** A matrix row gathered to the wanted samples of its block, with its feature's slot in the index. */
  public static final class Gathered implements Serializable {
    private String cohort;
    private int block;
    private int slot;
    private double[] values;

    public String getCohort() {
      return cohort;
    }

    public void setCohort(String c) {
      cohort = c;
    }

    public int getBlock() {
      return block;
    }

    public void setBlock(int b) {
      block = b;
    }

    public int getSlot() {
      return slot;
    }

    public void setSlot(int s) {
      slot = s;
    }

    public double[] getValues() {
      return values;
    }

    public void setValues(double[] v) {
      values = v;
    }
  }

  /** Samples per range for an index of {@code features} (a range's arrays stay near {@link #RANGE_BYTES}). */
  public static int rangeSamples(int features) {
    return (int) Math.max(1, RANGE_BYTES / (8L * Math.max(1, features)));
  }

  /**
   * The prefixed names of the features that have a matrix row in a block holding a sample of {@code keys}
   * (distinct; read from the {@code cohort, block, feature} columns only).
   */
  public static Dataset<String> features(Source s, Dataset<Row> keys) {
    return s.matrix().select("cohort", "block", "feature", "norm_run_id")
        .join(wanted(s, keys).select("cohort", "block", "norm_run_id"),
            seq("cohort", "block", "norm_run_id"), "left_semi")
        .select(concat(lit(s.prefix()), col("feature")).as("feature")).distinct().as(Encoders.STRING());
  }

  /**
   * One vector per sample of {@code keys} ({@code cohort, sample_id}) that has a matrix row in some source, over
   * {@code index} (position = vector slot). A sample in several sources gets the slots of each (a later source
   * fills only slots still NaN) and the sum of their extra rows.
   *
   * @param rangeSamples samples per shuffled range ({@link #rangeSamples} of the index size; tests use fewer)
   */
  public static JavaRDD<Vec> of(SparkSession spark, List<Source> sources, Dataset<Row> keys, String[] index,
      int rangeSamples) {
    int n = index.length;
    JavaRDD<Vec> out = null;
    for (Source s : sources) {
      JavaRDD<Vec> v = of(spark, s, keys, index, rangeSamples);
      out = out == null ? v : out.union(v);
    }
    if (sources.size() < 2) return out;
    int parts = Math.max(JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism(),
        out.getNumPartitions());
    return out.mapToPair(v -> new Tuple2<>(v.cohort() + '\u0001' + v.sampleId(), v))
        .reduceByKey(new HashPartitioner(parts), (a, b) -> {
          double[] x = a.values().clone();
          for (int i = 0; i < n; i++) if (Double.isNaN(x[i])) x[i] = b.values()[i];
          return new Vec(a.cohort(), a.sampleId(), x, a.extra() + b.extra());
        })
        .values();
  }

  private static JavaRDD<Vec> of(SparkSession spark, Source s, Dataset<Row> keys, String[] index, int range) {
    int n = index.length;
    List<Row> slots = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (index[i].startsWith(s.prefix())) slots.add(RowFactory.create(index[i].substring(s.prefix().length()), i));
    }
    Dataset<Row> ix = spark.createDataFrame(slots, new StructType().add("feature", DataTypes.StringType, false)
        .add("slot", DataTypes.IntegerType, false));
    Dataset<Row> wanted = wanted(s, keys);
    // per block: its matrix rows outside the index (only the key columns of the matrix are read)
    Dataset<Row> extra = s.matrix().select("cohort", "block", "feature", "norm_run_id")
        .join(broadcast(ix), seq("feature"), "left_outer")
        .groupBy("cohort", "block", "norm_run_id")
        .agg(sum(when(col("slot").isNull(), 1).otherwise(0)).cast("int").as("extra"));
    Dataset<Row> blocks = wanted.join(extra, seq("cohort", "block", "norm_run_id"));
    // the entries' side needs the positions only (a block without matrix rows joins no row either way)
    Dataset<Gathered> rows = s.matrix().join(broadcast(ix), seq("feature"))
        .join(broadcast(wanted.select("cohort", "block", "norm_run_id", "pos")),
            seq("cohort", "block", "norm_run_id"))
        .select(col("cohort"), col("block"), col("slot"), transform(col("pos"),
            p -> coalesce(element_at(col("entries"), p.plus(1)), lit(Double.NaN))).as("values"))
        .as(Encoders.bean(Gathered.class));
    JavaPairRDD<Key, Chunk> data = rows.javaRDD().mapPartitionsToPair(it -> new Packer(it, range, PARTIAL_BYTES));
    JavaPairRDD<Key, Chunk> ids = blocks.select("cohort", "block", "ids", "extra").javaRDD()
        .flatMapToPair(r -> idChunks(r, range));
    int parts = Math.max(JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism(),
        data.getNumPartitions());
    return data.union(ids).groupByKey(new HashPartitioner(parts)).flatMap(t -> assemble(t._1(), t._2(), n).iterator());
  }

  /**
   * Per block of the source that holds a sample of {@code keys}: {@code cohort, block, norm_run_id, pos} (the
   * entry positions of those samples, ascending) and {@code ids} (their sample ids, in the same order).
   */
  static Dataset<Row> wanted(Source s, Dataset<Row> keys) {
    return s.samples().select(col("cohort"), col("block"), col("norm_run_id"),
            posexplode(col("sample_ids")).as(new String[] {"pos", "sample_id"}))
        .join(keys.select("cohort", "sample_id"), seq("cohort", "sample_id"), "left_semi")
        .groupBy("cohort", "block", "norm_run_id")
        .agg(sort_array(collect_list(struct(col("pos"), col("sample_id")))).as("s"))
        .select(col("cohort"), col("block"), col("norm_run_id"), col("s.pos").as("pos"),
            col("s.sample_id").as("ids"));
  }

  private static scala.collection.immutable.Seq<String> seq(String... names) {
    return scala.jdk.javaapi.CollectionConverters.asScala(List.of(names)).toList();
  }

  /** The id chunks of one block ({@code cohort, block, ids, extra}): one per range. */
  private static Iterator<Tuple2<Key, Chunk>> idChunks(Row r, int range) {
    List<String> ids = r.getList(2);
    List<Tuple2<Key, Chunk>> out = new ArrayList<>();
    for (int k = 0; k * (long) range < ids.size(); k++) {
      String[] part = ids.subList(k * range, Math.min(ids.size(), (k + 1) * range)).toArray(new String[0]);
      out.add(new Tuple2<>(new Key(r.getString(0), r.getInt(1), k), new Chunk(null, null, part, r.getInt(3))));
    }
    return out.iterator();
  }

  /** The vectors of one range from its chunks (its id chunk and any number of entry chunks). */
  static List<Vec> assemble(Key key, Iterable<Chunk> chunks, int n) {
    Chunk head = null;
    for (Chunk c : chunks) {
      if (c.ids() != null) head = c;
    }
    if (head == null) throw new IllegalStateException("a sample range without its ids");
    int m = head.ids().length;
    double[][] v = new double[m][n];
    for (double[] x : v) Arrays.fill(x, Double.NaN);
    for (Chunk c : chunks) {
      if (c.ids() != null) continue;
      for (int j = 0; j < c.slots().length; j++) {
        int slot = c.slots()[j];
        double[] e = c.values()[j];
        for (int i = 0; i < m; i++) v[i][slot] = e[i];
      }
    }
    List<Vec> out = new ArrayList<>(m);
    for (int i = 0; i < m; i++) out.add(new Vec(key.cohort(), head.ids()[i], v[i], head.extra()));
    return out;
  }

  /**
   * The map side: a partition's gathered rows cut into ranges and packed, per range, into one chunk of all the
   * partition's features for it; at most about {@code maxBytes} of entries are held before they are sent.
   */
  static final class Packer implements Iterator<Tuple2<Key, Chunk>> {
    private final Iterator<Gathered> rows;
    private final int range;
    private final long maxBytes;
    private Iterator<Tuple2<Key, Chunk>> out = List.<Tuple2<Key, Chunk>>of().iterator();

    Packer(Iterator<Gathered> rows, int range, long maxBytes) {
      this.rows = rows;
      this.range = range;
      this.maxBytes = maxBytes;
    }

    private void fill() {
      Map<Key, List<Integer>> slots = new HashMap<>();
      Map<Key, List<double[]>> values = new HashMap<>();
      long bytes = 0;
      while (rows.hasNext() && bytes < maxBytes) {
        Gathered g = rows.next();
        double[] e = g.getValues();
        for (int k = 0; k * (long) range < e.length; k++) {
          Key key = new Key(g.getCohort(), g.getBlock(), k);
          slots.computeIfAbsent(key, x -> new ArrayList<>()).add(g.getSlot());
          values.computeIfAbsent(key, x -> new ArrayList<>())
              .add(Arrays.copyOfRange(e, k * range, Math.min(e.length, (k + 1) * range)));
        }
        bytes += 8L * e.length + 64;
      }
      List<Tuple2<Key, Chunk>> chunks = new ArrayList<>(slots.size());
      for (Map.Entry<Key, List<Integer>> x : slots.entrySet()) {
        int[] s = x.getValue().stream().mapToInt(Integer::intValue).toArray();
        chunks.add(new Tuple2<>(x.getKey(), new Chunk(s, values.get(x.getKey()).toArray(new double[0][]), null, 0)));
      }
      out = chunks.iterator();
    }

    @Override
    public boolean hasNext() {
      while (!out.hasNext()) {
        if (!rows.hasNext()) return false;
        fill();
      }
      return true;
    }

    @Override
    public Tuple2<Key, Chunk> next() {
      if (!hasNext()) throw new NoSuchElementException();
      return out.next();
    }
  }
}
