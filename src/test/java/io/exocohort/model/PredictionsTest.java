package io.exocohort.model;

import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The predictions rows built from model output, on in-memory data (no lake, no model). */
class PredictionsTest {
  static final StructType PREDICTED = new StructType().add("cohort", DataTypes.StringType)
      .add("sample_id", DataTypes.StringType).add("status", DataTypes.StringType)
      .add("probability", DataTypes.createArrayType(DataTypes.DoubleType))
      .add("features_missing", DataTypes.IntegerType).add("features_extra", DataTypes.IntegerType);
  static final StructType KEYS = new StructType().add("cohort", DataTypes.StringType)
      .add("sample_id", DataTypes.StringType);
  static final Timestamp AT = Timestamp.valueOf("2024-01-01 00:00:00");

  static Dataset<Row> predicted(SparkSession spark, Object[]... rows) {
    return spark.createDataFrame(java.util.Arrays.stream(rows).map(r -> RowFactory.create("c", r[0], "scored",
        r[1], 0, 0)).toList(), PREDICTED);
  }

  static Map<String, Row> bySample(Dataset<Row> d) {
    Map<String, Row> m = new TreeMap<>();
    for (Row r : d.collectAsList()) m.put(r.getAs("sample_id"), r);
    return m;
  }

  @Test
  void aProbabilityEqualToTheThresholdIsNotCalled(SparkSession spark) {
    List<Row> r = spark.range(1).select(
        Predictions.calledPositive(lit(0.6), lit(0.6)).as("equal"),
        Predictions.calledPositive(lit(0.6000001), lit(0.6)).as("above"),
        Predictions.calledPositive(lit(0.5), lit(0.6)).as("below")).collectAsList();
    assertEquals(RowFactory.create(false, true, false), r.get(0));
  }

  @Test
  void binaryRowsCallStrictlyAboveTheStoredThreshold(SparkSession spark) {
    Dataset<Row> p = predicted(spark, new Object[] {"A", List.of(0.4, 0.6)}, new Object[] {"B", List.of(0.3, 0.7)});
    Dataset<Row> status = spark.createDataFrame(List.of(RowFactory.create("c", "Z")), KEYS)
        .withColumn("status", lit(Predictions.NOT_SCORED)).withColumn("features_missing", lit(4))
        .withColumn("features_extra", lit(0));
    Map<String, Row> rows = bySample(Predictions.rows(p, status, new String[] {"healthy", "cancer"}, 0.6, "run1",
        "m1", AT));
    assertEquals(3, rows.size());
    assertFalse(rows.get("A").<Boolean>getAs("call"), "0.6 at threshold 0.6: not called");
    assertEquals("healthy", rows.get("A").getAs("predicted"));
    assertTrue(rows.get("B").<Boolean>getAs("call"));
    assertEquals("cancer", rows.get("B").getAs("predicted"));
    assertEquals(0.7, rows.get("B").<Double>getAs("probability"), 0);
    assertEquals(0.6, rows.get("B").<Double>getAs("threshold"), 0);
    Row z = rows.get("Z");
    assertEquals(Predictions.NOT_SCORED, z.getAs("status"));
    assertNull(z.getAs("probability"));
    assertNull(z.getAs("call"));
    assertEquals(0.6, z.<Double>getAs("threshold"), 0);
    assertEquals("run1", z.getAs("run_id"));
    assertEquals("m1", z.getAs("model_id"));
    assertEquals(List.of("run_id", "model_id", "cohort", "sample_id", "status", "probability", "call",
        "threshold", "predicted", "top1", "top2", "top2_probability", "features_missing", "features_extra",
        "scored_at"), List.of(Predictions.rows(p, status, new String[] {"h", "c"}, 0.6, "r", "m", AT).columns()));
  }

  @Test
  void originRowsRankTheTwoMostProbableTypesTiesToTheHigherIndex(SparkSession spark) {
    Dataset<Row> p = predicted(spark, new Object[] {"A", List.of(0.2, 0.5, 0.3)},
        new Object[] {"B", List.of(0.4, 0.4, 0.2)});
    Dataset<Row> none = p.limit(0).withColumn("features_raw", lit(null)).select("cohort", "sample_id", "status",
        "features_missing", "features_extra");
    Map<String, Row> rows = bySample(Predictions.rows(p, none, new String[] {"breast", "lung", "pancreatic"}, null,
        "r", "m", AT));
    Row a = rows.get("A");
    assertEquals("lung", a.getAs("top1"));
    assertEquals("pancreatic", a.getAs("top2"));
    assertEquals(0.5, a.<Double>getAs("probability"), 0);
    assertEquals(0.3, a.<Double>getAs("top2_probability"), 0);
    assertNull(a.getAs("call"));
    assertNull(a.getAs("threshold"));
    assertEquals("lung", rows.get("B").getAs("top1"));
    assertEquals("breast", rows.get("B").getAs("top2"));
  }

  @Test
  void statusFollowsTheMissingShareAndSamplesWithoutValuesAreNotScored(SparkSession spark) {
    // index of 4 features, at most half missing: 0 missing scored, 1 imputed, 3 not scored, D has no vector
    Dataset<Row> vectors = spark.createDataFrame(List.of(
        RowFactory.create("c", "A", Vectors.dense(1, 2, 3, 4), 0, 0),
        RowFactory.create("c", "B", Vectors.dense(1, Double.NaN, 3, 4), 1, 2),
        RowFactory.create("c", "C", Vectors.dense(1, Double.NaN, Double.NaN, Double.NaN), 3, 0)),
        FeatureVectors.SCHEMA);
    Dataset<Row> keys = spark.createDataFrame(List.of(RowFactory.create("c", "A"), RowFactory.create("c", "B"),
        RowFactory.create("c", "C"), RowFactory.create("c", "D")), KEYS);
    Dataset<Row> s = Predictions.withStatus(vectors, keys, 4, 0.5);
    Map<String, Row> rows = bySample(s);
    assertEquals(Predictions.SCORED, rows.get("A").getAs("status"));
    assertEquals(Predictions.SCORED_IMPUTED, rows.get("B").getAs("status"));
    assertEquals(Predictions.NOT_SCORED, rows.get("C").getAs("status"));
    assertEquals(Predictions.NOT_SCORED, rows.get("D").getAs("status"));
    assertEquals(4, (int) rows.get("D").<Integer>getAs("features_missing"));
    assertEquals(List.of("A", "B"), Predictions.scorable(s).orderBy("sample_id").select("sample_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  @Test
  void coverageCountsAbsentIndexFeaturesAndExtraOnes() {
    Predictions.Coverage c = Predictions.Coverage.of(Set.of("mirna:a", "mirna:b", "mirna:new"),
        new String[] {"mirna:a", "mirna:b", "mirna:c"});
    assertEquals(new Predictions.Coverage(1, 1), c);
  }
}
