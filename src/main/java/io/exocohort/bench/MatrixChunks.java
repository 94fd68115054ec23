package io.exocohort.bench;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import scala.Tuple2;

/**
 * The chunk transposes between sample vectors and a feature-major matrix with sample blocks, as plain Java over
 * one partition's records (the Spark side only shuffles the chunks by key). Never one record per value: a
 * partition emits one chunk per (block, feature) it holds samples of, or one tile per (block, tile of samples).
 *
 * <p>Sample {@code i} of the cohort (its position in the sample index) is position {@code i % blockSize} of
 * block {@code i / blockSize}.
 */
public final class MatrixChunks {
  private MatrixChunks() {}

  /** One sample's values over the feature index, with its position in the sample index and its group. */
  public record Vec(String sampleId, int idx, int grp, double[] v) implements Serializable {}

  /** One matrix row: feature {@code feature} (its index) of block {@code block}, values in sample-index order. */
  public record Row(int block, int feature, double[] values) implements Serializable {}

  /** Part of a matrix row: the values of the samples at positions {@code pos} of the block. */
  public record Chunk(int[] pos, double[] values) implements Serializable {}

  /** Part of a tile of sample vectors: features {@code features}, values feature after feature. */
  public record Tile(int[] features, double[] values) implements Serializable {}

  /** The key of matrix row (block, feature) with {@code nFeatures} features. */
  public static long rowKey(int block, int feature, int nFeatures) {
    return (long) block * nFeatures + feature;
  }

  /** Number of samples in block {@code block} of a cohort of {@code samples}. */
  public static int blockLength(int block, int blockSize, long samples) {
    return (int) Math.min(blockSize, samples - (long) block * blockSize);
  }

  /**
   * Sample vectors to chunks keyed by {@link #rowKey}: the partition's vectors are grouped by block, then each
   * feature of each block becomes one chunk (made lazily, feature after feature).
   */
  public static Iterator<Tuple2<Long, Chunk>> featureChunks(Iterator<Vec> vectors, int blockSize, int nFeatures) {
    Map<Integer, List<Vec>> byBlock = new TreeMap<>();
    while (vectors.hasNext()) {
      Vec v = vectors.next();
      byBlock.computeIfAbsent(v.idx() / blockSize, b -> new ArrayList<>()).add(v);
    }
    Iterator<Map.Entry<Integer, List<Vec>>> blocks = byBlock.entrySet().iterator();
    return new Iterator<>() {
      Map.Entry<Integer, List<Vec>> block;
      int[] pos;
      int feature = nFeatures;

      @Override
      public boolean hasNext() {
        return feature < nFeatures || blocks.hasNext();
      }

      @Override
      public Tuple2<Long, Chunk> next() {
        if (feature == nFeatures) {
          if (!blocks.hasNext()) throw new NoSuchElementException();
          block = blocks.next();
          List<Vec> vs = block.getValue();
          pos = new int[vs.size()];
          for (int k = 0; k < pos.length; k++) pos[k] = vs.get(k).idx() % blockSize;
          feature = 0;
        }
        List<Vec> vs = block.getValue();
        double[] values = new double[vs.size()];
        for (int k = 0; k < values.length; k++) values[k] = vs.get(k).v()[feature];
        Tuple2<Long, Chunk> t = new Tuple2<>(rowKey(block.getKey(), feature, nFeatures), new Chunk(pos, values));
        feature++;
        return t;
      }
    };
  }

  /** The values of a matrix row of {@code length} samples from its chunks. */
  public static double[] assembleRow(Iterable<Chunk> chunks, int length) {
    double[] row = new double[length];
    int filled = 0;
    for (Chunk c : chunks) {
      for (int k = 0; k < c.pos().length; k++) row[c.pos()[k]] = c.values()[k];
      filled += c.pos().length;
    }
    if (filled != length) {
      throw new IllegalStateException("matrix row of " + length + " samples got " + filled + " values");
    }
    return row;
  }

  /**
   * Matrix rows to tiles of sample vectors: samples are cut into tiles of {@code tileSize} positions of their
   * block, keyed by {@code block * tilesPerBlock + tile}; a partition emits one tile per key it has rows of.
   */
  public static Iterator<Tuple2<Long, Tile>> sampleTiles(Iterator<Row> rows, int blockSize, int tileSize) {
    long tilesPerBlock = (blockSize + tileSize - 1) / tileSize;
    Map<Integer, List<Row>> byBlock = new TreeMap<>();
    while (rows.hasNext()) {
      Row r = rows.next();
      byBlock.computeIfAbsent(r.block(), b -> new ArrayList<>()).add(r);
    }
    List<Tuple2<Long, Tile>> out = new ArrayList<>();
    for (Map.Entry<Integer, List<Row>> e : byBlock.entrySet()) {
      List<Row> rs = e.getValue();
      int length = rs.get(0).values().length;
      int[] features = new int[rs.size()];
      for (int f = 0; f < features.length; f++) features[f] = rs.get(f).feature();
      for (int t = 0; t * tileSize < length; t++) {
        int from = t * tileSize;
        int n = Math.min(tileSize, length - from);
        double[] values = new double[features.length * n];
        for (int f = 0; f < features.length; f++) {
          System.arraycopy(rs.get(f).values(), from, values, f * n, n);
        }
        out.add(new Tuple2<>(e.getKey() * tilesPerBlock + t, new Tile(features, values)));
      }
    }
    return out.iterator();
  }

  /**
   * The sample vectors of one tile from its parts: {@code n} samples, each with {@code nFeatures} values
   * (every feature must come in exactly one part).
   */
  public static double[][] assembleTile(Iterable<Tile> parts, int n, int nFeatures) {
    double[][] vs = new double[n][nFeatures];
    int filled = 0;
    for (Tile p : parts) {
      int[] fs = p.features();
      for (int f = 0; f < fs.length; f++) {
        for (int k = 0; k < n; k++) vs[k][fs[f]] = p.values()[f * n + k];
      }
      filled += fs.length;
    }
    if (filled != nFeatures) throw new IllegalStateException("tile of " + nFeatures + " features got " + filled);
    return vs;
  }

  /**
   * A partition's sample vectors to one record per feature holding the feature's values split by group (the
   * sample-major layout's transpose for a DE read): feature {@code f} of vector {@code k} goes to group
   * {@code groups[k]}. Made lazily, feature after feature.
   */
  public static Iterator<Tuple2<Integer, double[][]>> groupedFeatureChunks(List<double[]> vectors, int[] groups,
      int nGroups, int nFeatures) {
    int[] n = new int[nGroups];
    for (int g : groups) n[g]++;
    return new Iterator<>() {
      int feature;

      @Override
      public boolean hasNext() {
        return !vectors.isEmpty() && feature < nFeatures;
      }

      @Override
      public Tuple2<Integer, double[][]> next() {
        if (!hasNext()) throw new NoSuchElementException();
        double[][] by = new double[nGroups][];
        for (int g = 0; g < nGroups; g++) by[g] = new double[n[g]];
        int[] at = new int[nGroups];
        for (int k = 0; k < groups.length; k++) by[groups[k]][at[groups[k]]++] = vectors.get(k)[feature];
        return new Tuple2<>(feature++, by);
      }
    };
  }
}
