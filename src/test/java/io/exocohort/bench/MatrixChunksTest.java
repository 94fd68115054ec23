package io.exocohort.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * The chunk transposes of the layout benchmark, on 5 samples x 3 features where sample i's feature j is
 * {@code 10 i + j}: sample vectors (two partitions, out of order) to a feature-major matrix with blocks of 2
 * samples, and back to sample vectors through tiles of 1 sample.
 */
class MatrixChunksTest {
  private static final int SAMPLES = 5;
  private static final int FEATURES = 3;
  private static final int BLOCK = 2;

  private static MatrixChunks.Vec vec(int i) {
    double[] v = new double[FEATURES];
    for (int j = 0; j < FEATURES; j++) v[j] = 10 * i + j;
    return new MatrixChunks.Vec("S" + i, i, i % 2, v);
  }

  private static <K, V> Map<K, List<V>> shuffle(List<Iterator<Tuple2<K, V>>> partitions) {
    Map<K, List<V>> m = new TreeMap<>();
    for (Iterator<Tuple2<K, V>> p : partitions) {
      p.forEachRemaining(t -> m.computeIfAbsent(t._1(), k -> new ArrayList<>()).add(t._2()));
    }
    return m;
  }

  private static List<MatrixChunks.Row> matrix() {
    Map<Long, List<MatrixChunks.Chunk>> chunks = shuffle(List.of(
        MatrixChunks.featureChunks(List.of(vec(3), vec(0), vec(4)).iterator(), BLOCK, FEATURES),
        MatrixChunks.featureChunks(List.of(vec(1), vec(2)).iterator(), BLOCK, FEATURES)));
    List<MatrixChunks.Row> rows = new ArrayList<>();
    chunks.forEach((key, cs) -> {
      int b = (int) (key / FEATURES);
      rows.add(new MatrixChunks.Row(b, (int) (key % FEATURES), MatrixChunks.assembleRow(cs,
          MatrixChunks.blockLength(b, BLOCK, SAMPLES))));
    });
    return rows;
  }

  @Test
  void sampleVectorsToFeatureRowsInSampleIndexOrder() {
    List<MatrixChunks.Row> rows = matrix();
    assertEquals(9, rows.size()); // 3 blocks (2, 2 and 1 samples) x 3 features
    for (MatrixChunks.Row r : rows) {
      double[] expected = new double[MatrixChunks.blockLength(r.block(), BLOCK, SAMPLES)];
      for (int k = 0; k < expected.length; k++) expected[k] = 10 * (BLOCK * r.block() + k) + r.feature();
      assertArrayEquals(expected, r.values(), 0, "block " + r.block() + " feature " + r.feature());
    }
  }

  @Test
  void featureRowsBackToTheSameSampleVectors() {
    List<MatrixChunks.Row> rows = matrix();
    // two partitions: features 0 and 2 in one, feature 1 in the other
    Map<Long, List<MatrixChunks.Tile>> tiles = shuffle(List.of(
        MatrixChunks.sampleTiles(rows.stream().filter(r -> r.feature() != 1).iterator(), BLOCK, 1),
        MatrixChunks.sampleTiles(rows.stream().filter(r -> r.feature() == 1).iterator(), BLOCK, 1)));
    assertEquals(SAMPLES, tiles.size());
    tiles.forEach((key, parts) -> {
      int i = (int) (key / 2) * BLOCK + (int) (key % 2); // 2 tiles of 1 sample per block
      double[][] vs = MatrixChunks.assembleTile(parts, 1, FEATURES);
      assertArrayEquals(vec(i).v(), vs[0], 0, "sample " + i);
    });
  }

  @Test
  void sampleVectorsToFeatureValuesSplitByGroup() {
    Iterator<Tuple2<Integer, double[][]>> it = MatrixChunks.groupedFeatureChunks(
        List.of(new double[] {1, 2}, new double[] {3, 4}, new double[] {5, 6}), new int[] {1, 0, 1}, 2, 2);
    Tuple2<Integer, double[][]> f0 = it.next();
    Tuple2<Integer, double[][]> f1 = it.next();
    assertEquals(0, f0._1());
    assertArrayEquals(new double[] {3}, f0._2()[0], 0);
    assertArrayEquals(new double[] {1, 5}, f0._2()[1], 0);
    assertEquals(1, f1._1());
    assertArrayEquals(new double[] {4}, f1._2()[0], 0);
    assertArrayEquals(new double[] {2, 6}, f1._2()[1], 0);
    assertEquals(false, it.hasNext());
  }
}
