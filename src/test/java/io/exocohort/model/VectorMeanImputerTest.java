package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorMeanImputer}: NaN gets the training mean; a feature constant up to rounding (a miR a cohort never
 * measured: the same log-CPM in every sample, SD 1e-15) is set to its mean, so the top-N selector never picks it on
 * rounding noise that happens to follow the label (before: the demo's detect model picked 30 such miRs and its
 * out-of-fold AUC was 0.39); at exactly 0 their F is NaN and the selector ranks them last.
 */
class VectorMeanImputerTest {
  static final StructType SCHEMA = new StructType().add("label", DataTypes.DoubleType)
      .add("features_raw", new VectorUDT());

  /**
   * 120 rows: feature 0 = 1.43108 plus label-following noise of 1e-15; 1 informative with NaN; 2..5 noise; 6..25
   * constant up to rounding like 0 (the same value, one ulp apart between the classes, as normalize leaves them).
   */
  static Dataset<Row> data(SparkSession spark) {
    Random rnd = new Random(3);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      double y = i % 2;
      double[] x = new double[26];
      x[0] = 1.43108 + (y == 1 ? 2.2e-16 : 0) * (1 + rnd.nextInt(3));
      x[1] = i % 10 == 0 ? Double.NaN : 5 + 0.8 * y + rnd.nextGaussian();
      for (int j = 2; j < 6; j++) x[j] = 8 + rnd.nextGaussian();
      for (int j = 6; j < x.length; j++) x[j] = y == 1 ? Math.nextUp(1.43108 + j) : 1.43108 + j;
      rows.add(RowFactory.create(y, Vectors.dense(x)));
    }
    return spark.createDataFrame(rows, SCHEMA).repartition(2);
  }

  @Test
  void nanGetsTheMeanAndRoundingNoiseIsFlattened(SparkSession spark) {
    Dataset<Row> d = data(spark);
    VectorMeanImputerModel m = new VectorMeanImputer().setInputCol("features_raw").setOutputCol("out").fit(d);
    int[] flat = new int[21];
    for (int j = 1; j < flat.length; j++) flat[j] = 5 + j;
    assertArrayEquals(flat, m.getConstant());
    double sum = 0;
    int n = 0;
    for (Row r : d.collectAsList()) {
      double x = ((Vector) r.get(1)).apply(1);
      if (!Double.isNaN(x)) {
        sum += x;
        n++;
      }
    }
    assertEquals(sum / n, m.getFill()[1], 1e-12);
    for (Row r : m.transform(d).select("out").collectAsList()) {
      double[] x = ((Vector) r.get(0)).toArray();
      for (int j : flat) assertEquals(0, x[j], 0, "feature " + j + " flattened to 0");
      assertTrue(!Double.isNaN(x[1]));
    }
  }

  @Test
  void theTopFeatureIsTheInformativeOneNotTheRoundingNoise(SparkSession spark) {
    Dataset<Row> d = data(spark);
    PipelineModel p = ModelTraining.pipeline(new ModelTraining.Spec(ModelTraining.Kind.LOGISTIC, 2, 5, 26, 1L,
        ModelTraining.Hyper.defaults())).fit(d);
    int[] selected = ModelTraining.selected(p, 26).clone();
    java.util.Arrays.sort(selected);
    assertArrayEquals(new int[] {1, 2, 3, 4, 5}, selected, "the 5 non-constant features");
  }
}
