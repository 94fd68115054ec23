package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
 * {@link StabilitySelector} in Spark: no leakage (a feature informative only in one fold's rows is never selected
 * by a selector fitted without that fold, and is when the fold is included), the distributed sums equal the kernel's
 * sums over the same rows, and the panel size mode keeps the most frequently selected features.
 */
class StabilitySelectorTest {
  static final StructType SCHEMA = new StructType().add("cohort", DataTypes.StringType)
      .add("sample_id", DataTypes.StringType).add("label", DataTypes.DoubleType).add("fold", DataTypes.IntegerType)
      .add("features_imputed", new VectorUDT());

  /** 150 samples in 3 folds; feature 0 informative everywhere, feature 1 only in fold 0, 2..19 noise. */
  static Dataset<Row> data(SparkSession spark) {
    Random rnd = new Random(4);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      int fold = i % 3;
      double y = i < 75 ? 0 : 1;
      double[] x = new double[20];
      for (int j = 0; j < x.length; j++) x[j] = 5 + rnd.nextGaussian();
      x[0] += y;
      if (fold == 0) x[1] += 3 * y;
      rows.add(RowFactory.create("c", "S" + i, y, fold, Vectors.dense(x)));
    }
    return spark.createDataFrame(rows, SCHEMA).repartition(3);
  }

  static StabilitySelector selector(int panelSize) {
    return new StabilitySelector().configure("features_imputed", "features", 2, 2, 30, 0.6, panelSize, 3L);
  }

  @Test
  void aFeatureInformativeOnlyInAnotherFoldIsNeverSelected(SparkSession spark) {
    Dataset<Row> d = data(spark);
    StabilitySelectorModel m = selector(0).fit(d.filter(col("fold").notEqual(0)));
    assertFalse(Arrays.stream(m.getSelected()).anyMatch(j -> j == 1), "fold 0's marker, fitted without fold 0: "
        + Arrays.toString(m.getSelected()));
    assertTrue(Arrays.stream(m.getSelected()).anyMatch(j -> j == 0), Arrays.toString(m.getSelected()));
    StabilitySelectorModel seen = selector(0).fit(d.filter(col("fold").notEqual(1)));
    assertTrue(Arrays.stream(seen.getSelected()).anyMatch(j -> j == 1), "with fold 0 in training it is selected: "
        + Arrays.toString(seen.getSelected()));
    // the same through the train pipeline, fold by fold as the cross-validation fits it
    ModelTraining.Spec spec = new ModelTraining.Spec(ModelTraining.Kind.LOGISTIC, 2, 2, 20, 3L,
        ModelTraining.Hyper.defaults(), new ModelTraining.Stability(30, 0.6, 0));
    int[] sel = ModelTraining.selected(ModelTraining.pipeline(spec).fit(
        d.withColumnRenamed("features_imputed", "features_raw").filter(col("fold").notEqual(0))), 20);
    assertFalse(Arrays.stream(sel).anyMatch(j -> j == 1), Arrays.toString(sel));
  }

  @Test
  void distributedSumsEqualTheKernelsAndPanelSizeKeepsTheMostFrequent(SparkSession spark) {
    Dataset<Row> d = data(spark);
    var sums = StabilitySelector.sums(d, "features_imputed", 30, 2, 3L);
    var local = new io.exocohort.model.kernel.StabilitySelection.Sums(30, 2, 20);
    for (Row r : d.orderBy("sample_id").collectAsList()) {
      local.add(((org.apache.spark.ml.linalg.Vector) r.get(4)).toArray(), (int) r.getDouble(2),
          io.exocohort.model.kernel.StabilitySelection.weights(3L, "c:" + r.getString(1), 30));
    }
    for (int b = 0; b <= 30; b++) assertArrayEquals(local.anovaF(b), sums.anovaF(b), 1e-9, "resample " + b);
    var result = io.exocohort.model.kernel.StabilitySelection.select(sums, 2);
    StabilitySelectorModel top3 = selector(3).fit(d);
    assertArrayEquals(result.top(3), top3.getSelected());
    assertEquals(3, top3.getFrequency().length);
    for (int i = 0; i < 3; i++) assertEquals(result.frequency()[top3.getSelected()[i]], top3.getFrequency()[i], 0);
  }
}
