package io.exocohort.normalize;

import io.exocohort.catalog.Modality;
import io.exocohort.catalog.Tables;
import io.exocohort.common.ExactSum;
import io.exocohort.matrix.Matrices;
import io.exocohort.normalize.kernel.LogCpm;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * A {@link SampleMatrix} (one array per sample) as the rows of a feature-major matrix table (one array per
 * feature and sample block): "transpose once, analyse many times". Samples are numbered in sample-id order
 * within their cohort and cut into blocks of {@link Tables#MATRIX_BLOCK_SAMPLES}; each batch of sample vectors
 * of a partition (at most {@link #CHUNK_BYTES}) sends, per (block, feature), one chunk holding its samples'
 * positions and values, and the chunks of a (block, feature) are placed into one array: the shuffle moves arrays,
 * never a row per value.
 */
public final class MatrixWrite {
  private static volatile int blockSize = Tables.MATRIX_BLOCK_SAMPLES;

  private MatrixWrite() {}

  /** Samples per block of the rows normalize writes. */
  public static int blockSize() {
    return blockSize;
  }

  /** Test hook: smaller blocks, so that a small cohort spans several (null: the registry's size). */
  public static void blockSizeForTests(Integer samples) {
    blockSize = samples == null ? Tables.MATRIX_BLOCK_SAMPLES : samples;
  }

  /** The positions and values one partition holds of one (block, feature); imputed flags for proteins. */
  record Chunk(int[] pos, double[] values, boolean[] imputed) implements Serializable {}

  /** One block: its cohort, number in the cohort, and its sample ids in entry order. */
  record Block(String cohort, int block, String[] sampleIds) implements Serializable {}

  /**
   * The matrix rows and sample index of {@code m}. Protein values go through {@link ProteinNormalizer#written}
   * (missing stays null, or is imputed with {@code impute}).
   */
  public static Matrices.Matrix of(SparkSession spark, SampleMatrix m, Modality mod, boolean impute, long seed,
      String scale, String runId, int blockSize) {
    return of(spark, m, null, mod, impute, seed, scale, runId, blockSize);
  }

  /**
   * As {@link #of(SparkSession, SampleMatrix, Modality, boolean, long, String, String, int)}, with the samples'
   * keys read from {@code samples} ({@code cohort, sample_id}, the same samples as {@code m}; null: from
   * {@code m}'s rows). A cached per-sample table gives them without computing {@code m}'s values a second time
   * (normalize's log-CPM rows are computed when written).
   */
  public static Matrices.Matrix of(SparkSession spark, SampleMatrix m, Dataset<Row> samples, Modality mod,
      boolean impute, long seed, String scale, String runId, int blockSize) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // miR: each sample's effective library size rides in the sample index (what de's voom needs of it)
    boolean libs = samples != null && !mod.protein()
        && Arrays.asList(samples.columns()).containsAll(List.of("library_size", "norm_factor"));
    List<String> keys;
    double[] effective = null; // per sample of keys, in that order
    if (samples == null) {
      keys = m.rows.map(v -> v.cohort() + "\u0000" + v.sampleId()).collect();
    } else {
      List<Row> rows = libs ? samples.select("cohort", "sample_id", "library_size", "norm_factor").collectAsList()
          : samples.select("cohort", "sample_id").collectAsList();
      keys = new ArrayList<>(rows.size());
      effective = libs ? new double[rows.size()] : null;
      for (int j = 0; j < rows.size(); j++) {
        Row r = rows.get(j);
        keys.add(r.getString(0) + "\u0000" + r.getString(1));
        if (libs) {
          effective[j] = r.isNullAt(2) || r.isNullAt(3) ? Double.NaN
              : LogCpm.effectiveLibSize(r.getDouble(2), r.getDouble(3));
        }
      }
    }
    List<Block> blocks = blocks(keys, blockSize);
    Map<String, int[]> slot = new HashMap<>();
    for (int b = 0; b < blocks.size(); b++) {
      Block k = blocks.get(b);
      for (int i = 0; i < k.sampleIds().length; i++) slot.put(k.cohort() + "\u0000" + k.sampleIds()[i], new int[] {b, i});
    }
    Broadcast<Map<String, int[]>> slots = jsc.broadcast(slot);
    Broadcast<List<Block>> bs = jsc.broadcast(blocks);
    String[] features = m.features;
    int f = features.length;
    boolean protein = mod.protein();
    long bytes = (long) slot.size() * f * (protein ? 9 : 8);
    int parts = SampleMatrix.partitions(bytes, jsc.defaultParallelism());
    long batchBytes = chunkBytes;
    JavaRDD<Row> rows = m.rows.mapPartitionsToPair(it -> chunks(it, slots.value(), features, protein, impute, seed,
            batchBytes))
        .groupByKey(new HashPartitioner(parts))
        .map(t -> {
          int b = (int) (t._1() / f);
          Block k = bs.value().get(b);
          return row(k, features[(int) (t._1() % f)], t._2(), protein, scale, runId);
        });
    return new Matrices.Matrix(spark.createDataFrame(rows, mod.matrix().schema()),
        spark.createDataFrame(index(blocks, keys, effective, slot, scale, runId), mod.samples().schema()));
  }

  /**
   * The sample index's rows: per block its samples, the run, the scale and, for miRs ({@code effective} not null,
   * per sample of {@code keys}), each sample's effective library size in entry order and their mean over the run.
   */
  private static List<Row> index(List<Block> blocks, List<String> keys, double[] effective, Map<String, int[]> slot,
      String scale, String runId) {
    Double[][] sizes = new Double[blocks.size()][];
    Double mean = null;
    if (effective != null) {
      for (int b = 0; b < blocks.size(); b++) sizes[b] = new Double[blocks.get(b).sampleIds().length];
      // an exact sum: the same mean to the last bit whatever order the samples came in
      ExactSum sum = new ExactSum(1);
      boolean finite = true;
      for (int j = 0; j < effective.length; j++) {
        int[] at = slot.get(keys.get(j));
        sizes[at[0]][at[1]] = Double.isNaN(effective[j]) ? null : effective[j];
        if (Double.isFinite(effective[j])) {
          sum.add(0, effective[j]);
        } else {
          finite = false; // a sample without figures: no mean (de's voom then names the sample)
        }
      }
      mean = finite ? sum.get(0) / effective.length : Double.NaN;
    }
    List<Row> index = new ArrayList<>();
    for (int b = 0; b < blocks.size(); b++) {
      Block k = blocks.get(b);
      index.add(RowFactory.create(k.cohort(), k.block(), k.sampleIds(), runId, scale, sizes[b], mean));
    }
    return index;
  }

  /** Samples numbered in sample-id order within their cohort, cut into blocks of {@code blockSize}. */
  static List<Block> blocks(List<String> keys, int blockSize) {
    Map<String, List<String>> byCohort = new TreeMap<>();
    for (String k : keys) {
      int z = k.indexOf('\u0000');
      byCohort.computeIfAbsent(k.substring(0, z), c -> new ArrayList<>()).add(k.substring(z + 1));
    }
    List<Block> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : byCohort.entrySet()) {
      List<String> ids = e.getValue();
      ids.sort(null);
      for (int b = 0; b * (long) blockSize < ids.size(); b++) {
        out.add(new Block(e.getKey(), b, ids.subList(b * blockSize, Math.min(ids.size(), (b + 1) * blockSize))
            .toArray(new String[0])));
      }
    }
    return out;
  }

  /** A partition holds at most about this many bytes of sample vectors before it cuts them into chunks. */
  static final long CHUNK_BYTES = 16L << 20;

  private static volatile long chunkBytes = CHUNK_BYTES;

  /** Test hook: smaller batches, so that a small partition is cut into several (null: {@link #CHUNK_BYTES}). */
  public static void chunkBytesForTests(Long bytes) {
    chunkBytes = bytes == null ? CHUNK_BYTES : bytes;
  }

  /**
   * One partition's chunks, keyed by block * features + feature, made lazily from batches of at most
   * {@link #CHUNK_BYTES} of vectors: a task holds one batch and its chunks, whatever the partition's size (at
   * 100,000 samples a partition read from the count vectors holds thousands of samples).
   */
  private static Iterator<Tuple2<Long, Chunk>> chunks(Iterator<SampleMatrix.Vec> it, Map<String, int[]> slots,
      String[] features, boolean protein, boolean impute, long seed, long batchBytes) {
    int batch = (int) Math.max(1, batchBytes / ((long) Math.max(features.length, 1) * (protein ? 9 : 8)));
    return new Iterator<>() {
      private Iterator<Tuple2<Long, Chunk>> current = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && it.hasNext()) current = batch(it, batch, slots, features, protein, impute, seed);
        return current.hasNext();
      }

      @Override
      public Tuple2<Long, Chunk> next() {
        if (!hasNext()) throw new java.util.NoSuchElementException();
        return current.next();
      }
    };
  }

  /** The chunks of the next (at most) {@code batch} vectors of {@code it}. */
  private static Iterator<Tuple2<Long, Chunk>> batch(Iterator<SampleMatrix.Vec> it, int batch,
      Map<String, int[]> slots, String[] features, boolean protein, boolean impute, long seed) {
    int f = features.length;
    Map<Integer, List<int[]>> posByBlock = new TreeMap<>();
    Map<Integer, List<double[]>> valByBlock = new HashMap<>();
    Map<Integer, List<boolean[]>> impByBlock = new HashMap<>();
    for (int taken = 0; taken < batch && it.hasNext(); taken++) {
      SampleMatrix.Vec v = it.next();
      int[] s = slots.get(v.cohort() + "\u0000" + v.sampleId());
      if (s == null) continue;
      double[] values = v.v();
      boolean[] imp = null;
      if (protein) {
        ProteinNormalizer.Written w = ProteinNormalizer.written(values, v.sampleId(), features, impute, seed);
        values = new double[f];
        for (int i = 0; i < f; i++) values[i] = w.values()[i] == null ? Double.NaN : w.values()[i];
        imp = w.imputed();
      }
      posByBlock.computeIfAbsent(s[0], b -> new ArrayList<>()).add(new int[] {s[1]});
      valByBlock.computeIfAbsent(s[0], b -> new ArrayList<>()).add(values);
      if (protein) impByBlock.computeIfAbsent(s[0], b -> new ArrayList<>()).add(imp);
    }
    List<Tuple2<Long, Chunk>> out = new ArrayList<>();
    for (Map.Entry<Integer, List<int[]>> e : posByBlock.entrySet()) {
      int b = e.getKey();
      List<int[]> ps = e.getValue();
      List<double[]> vs = valByBlock.get(b);
      List<boolean[]> is = impByBlock.get(b);
      int n = ps.size();
      int[] pos = new int[n];
      for (int i = 0; i < n; i++) pos[i] = ps.get(i)[0];
      for (int j = 0; j < f; j++) {
        double[] col = new double[n];
        boolean[] ic = protein ? new boolean[n] : null;
        for (int i = 0; i < n; i++) {
          col[i] = vs.get(i)[j];
          if (protein) ic[i] = is.get(i)[j];
        }
        out.add(new Tuple2<>((long) b * f + j, new Chunk(pos, col, ic)));
      }
    }
    return out.iterator();
  }

  /** A matrix row: the chunks of one (block, feature) placed at their positions. */
  private static Row row(Block k, String feature, Iterable<Chunk> chunks, boolean protein, String scale,
      String runId) {
    int n = k.sampleIds().length;
    double[] entries = new double[n];
    Arrays.fill(entries, Double.NaN);
    boolean[] imputed = new boolean[n];
    for (Chunk c : chunks) {
      for (int i = 0; i < c.pos().length; i++) {
        entries[c.pos()[i]] = c.values()[i];
        if (protein) imputed[c.pos()[i]] = c.imputed()[i];
      }
    }
    if (!protein) return RowFactory.create(k.cohort(), k.block(), feature, entries, scale, runId);
    Double[] boxed = new Double[n];
    for (int i = 0; i < n; i++) boxed[i] = Double.isNaN(entries[i]) ? null : entries[i];
    return RowFactory.create(k.cohort(), k.block(), feature, boxed, imputed, scale, runId);
  }
}
