package io.exocohort.normalize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Tables;
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
 * The count vectors read back as a {@link SampleMatrix} equal {@link SampleMatrix#build} on the long rows of the
 * same selected samples: the union index leaves out a miR that every selected sample of its cohort lacks (here one
 * only an unselected sample has), keeps one a single selected sample has, and a selected sample without vectors
 * adds nothing; whether the vectors are cached (the caching pass counts the absent positions) or read at each pass
 * (a query counts them), and when one cohort's own index is the union (its cached arrays are the rows).
 */
class CountVectorsTest {
  private static final StructType LONG = new StructType().add("cohort", "string").add("sample_id", "string")
      .add("feature", "string").add("value", DataTypes.DoubleType);
  private static final StructType META = new StructType().add("cohort", "string").add("sample_id", "string")
      .add("grp", "string").add("batch", "string");
  private static final Map<String, String[]> INDEX = Map.of("a", new String[] {"m1", "m2", "m3", "m4"},
      "b", new String[] {"m0", "m2", "m5"});

  /** A stored vector: counts over its cohort's index, absent positions (null: none). */
  private static Row vector(String cohort, String id, double[] counts, int[] absent) {
    return RowFactory.create(cohort, id, counts, absent, "ingest-1");
  }

  private static Dataset<Row> vectors(SparkSession spark) {
    return spark.createDataFrame(List.of(
        vector("a", "a1", new double[] {1, 0, 3, 0}, new int[] {1, 3}),
        vector("a", "a2", new double[] {2, 5, 0, 0}, new int[] {3}), // m3 a delivered 0
        vector("a", "a3", new double[] {0, 0, 0, 9}, new int[] {0, 1, 2}), // m4 only here
        vector("b", "b1", new double[] {4, 0, 6}, new int[] {1})), Tables.MIRNA_COUNT_VECTORS.schema())
        .repartition(3);
  }

  /** The long rows the vectors stand for (absent positions have none). */
  private static Dataset<Row> longRows(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    for (Row v : vectors(spark).collectAsList()) {
      String[] f = INDEX.get(v.getString(0));
      List<Integer> absent = v.isNullAt(3) ? List.of() : v.<Integer>getList(3);
      List<Double> c = v.getList(2);
      for (int k = 0; k < f.length; k++) {
        if (!absent.contains(k)) rows.add(RowFactory.create(v.getString(0), v.getString(1), f[k], c.get(k)));
      }
    }
    return spark.createDataFrame(rows, LONG);
  }

  private static Dataset<Row> meta(SparkSession spark, String... keys) {
    List<Row> rows = new ArrayList<>();
    for (String k : keys) rows.add(RowFactory.create(k.substring(0, 1), k, "g-" + k, "x"));
    return spark.createDataFrame(rows, META);
  }

  private static Map<String, double[]> byKey(SampleMatrix m) {
    Map<String, double[]> out = new TreeMap<>();
    for (SampleMatrix.Vec v : m.rows.collect()) out.put(v.cohort() + "/" + v.sampleId() + "/" + v.grp(), v.v());
    return out;
  }

  private static void assertSameMatrix(SampleMatrix want, SampleMatrix got, String what) {
    assertArrayEquals(want.features, got.features, what + ": the feature index");
    Map<String, double[]> w = byKey(want);
    Map<String, double[]> g = byKey(got);
    assertEquals(w.keySet(), g.keySet(), what + ": the samples");
    w.forEach((k, v) -> assertArrayEquals(v, g.get(k), 0.0, what + ": " + k));
  }

  @Test
  void twoCohortsGiveTheLongPathsMatrixCachedOrNot(SparkSession spark) {
    // b2 is selected but has no vectors (no miR rows); a3 has vectors but is not selected
    Dataset<Row> meta = meta(spark, "a1", "a2", "b1", "b2");
    SampleMatrix want = SampleMatrix.build(spark, longRows(spark).join(meta.select("cohort", "sample_id"),
        scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList()), meta, 0.0);
    assertArrayEquals(new String[] {"m0", "m1", "m2", "m3", "m5"}, want.features);
    for (boolean cache : new boolean[] {true, false}) {
      SampleMatrix.cacheForTests(cache);
      try {
        SampleMatrix got = CountVectors.matrix(spark, vectors(spark), INDEX, meta, List.of("a", "b"), 4);
        assertSameMatrix(want, got, cache ? "cached" : "read at each pass");
        assertArrayEquals(new double[] {0, 2, 5, 0, 0}, byKey(got).get("a/a2/g-a2"), 0.0);
        got.unpersist();
      } finally {
        SampleMatrix.cacheForTests(null);
      }
    }
    want.unpersist();
  }

  @Test
  void oneCohortWhoseIndexIsTheUnionReadsTheCachedArraysThemselves(SparkSession spark) {
    Dataset<Row> meta = meta(spark, "a1", "a2", "a3");
    SampleMatrix want = SampleMatrix.build(spark, longRows(spark).filter("cohort = 'a'"), meta, 0.0);
    SampleMatrix.cacheForTests(true);
    try {
      SampleMatrix got = CountVectors.matrix(spark, vectors(spark), INDEX, meta, List.of("a"), 3);
      assertArrayEquals(INDEX.get("a"), got.features);
      assertSameMatrix(want, got, "one cohort");
      // two reads of the rows in one task meet the same array objects: the cached vectors, not copies of them
      assertTrue(got.rows.zip(got.rows).map(t -> t._1().v() == t._2().v()).reduce((x, y) -> x && y),
          "the rows are the cached arrays");
      got.unpersist();
    } finally {
      SampleMatrix.cacheForTests(null);
    }
    want.unpersist();
  }
}
