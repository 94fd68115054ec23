package io.exocohort.normalize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Long rows to sample vectors in one pass with a guessed feature index: whether the guess holds every feature
 * (the first rows carry them all), some (features that only later samples have, one seen only with a null value)
 * or none, the vectors and the sorted feature index are the same; counts add, intensities take the present value.
 */
class SampleMatrixTest {
  private static final StructType LONG = new StructType().add("cohort", "string").add("sample_id", "string")
      .add("feature", "string").add("value", DataTypes.DoubleType);
  private static final StructType META = new StructType().add("cohort", "string").add("sample_id", "string")
      .add("grp", "string").add("batch", "string");

  private static Dataset<Row> values(SparkSession spark) {
    List<Row> rows = new ArrayList<>(List.of(
        RowFactory.create("c", "S1", "miR-b", 3.0), RowFactory.create("c", "S1", "miR-a", 1.0),
        RowFactory.create("c", "S2", "miR-a", 5.0), RowFactory.create("c", "S2", "miR-d", 7.0),
        RowFactory.create("c", "S3", "miR-c", null), RowFactory.create("c", "S3", "miR-e", 2.0),
        RowFactory.create("d", "S1", "miR-a", 4.0)));
    // four partitions: a sample's rows may be split between partitions (S2 and S3 are)
    return spark.createDataFrame(rows, LONG).repartition(4);
  }

  private static Dataset<Row> meta(SparkSession spark) {
    return spark.createDataFrame(List.of(RowFactory.create("c", "S1", "healthy", "b"),
        RowFactory.create("c", "S2", "breast", "b"), RowFactory.create("c", "S3", "breast", "b"),
        RowFactory.create("d", "S1", "healthy", "b")), META);
  }

  private static Map<String, double[]> vectors(SampleMatrix m) {
    Map<String, double[]> out = new TreeMap<>();
    for (SampleMatrix.Vec v : m.rows.collect()) out.put(v.cohort() + "/" + v.sampleId() + "/" + v.grp(), v.v());
    return out;
  }

  @Test
  void countsAreTheSameWhateverTheGuess(SparkSession spark) {
    Map<String, double[]> want = Map.of(
        "c/S1/healthy", new double[] {1, 3, 0, 0, 0}, "c/S2/breast", new double[] {5, 0, 0, 7, 0},
        "c/S3/breast", new double[] {0, 0, 0, 0, 2}, "d/S1/healthy", new double[] {4, 0, 0, 0, 0});
    for (int guess : new int[] {1_000, 2, 0}) {
      SampleMatrix m = SampleMatrix.build(spark, values(spark), meta(spark), 0.0, guess);
      assertArrayEquals(new String[] {"miR-a", "miR-b", "miR-c", "miR-d", "miR-e"}, m.features, "guess " + guess);
      Map<String, double[]> got = vectors(m);
      assertEquals(new TreeMap<>(want).keySet(), got.keySet());
      want.forEach((k, v) -> assertArrayEquals(v, got.get(k), 0.0, k + " with guess " + guess));
      m.unpersist();
    }
  }

  @Test
  void intensitiesKeepNaNWhereAbsent(SparkSession spark) {
    double na = Double.NaN;
    for (int guess : new int[] {1_000, 1}) {
      SampleMatrix m = SampleMatrix.build(spark, values(spark), meta(spark), na, guess);
      Map<String, double[]> got = vectors(m);
      assertArrayEquals(new double[] {5, na, na, 7, na}, got.get("c/S2/breast"), 0.0);
      assertArrayEquals(new double[] {na, na, na, na, 2}, got.get("c/S3/breast"), 0.0);
      assertEquals(5, m.features.length);
      m.unpersist();
    }
  }

  @Test
  void shufflePartitionsAreAboutThirtyTwoMegabytesInWholeWavesOfTheCores() {
    assertEquals(2, SampleMatrix.partitions(1000, 2)); // at least one per core
    assertEquals(4, SampleMatrix.partitions(10_000L * 1151 * 8, 2)); // 92 MB: 3 -> 4
    assertEquals(28, SampleMatrix.partitions(100_000L * 1155 * 8, 2)); // 924 MB: 28, already whole waves
    assertEquals(9, SampleMatrix.partitions(200L << 20, 3)); // 200 MB: 7 -> 9 on 3 cores
  }
}
