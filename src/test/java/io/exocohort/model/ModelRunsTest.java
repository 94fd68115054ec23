package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.exocohort.catalog.Tables;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The model_runs row and parameters of a train run, and the model_folds rows, in memory (no lake, no fit). */
class ModelRunsTest {
  @Test
  void parametersFollowTheModelKind() {
    TrainJob.Args a = TrainJob.Args.defaults("/lake", "detect")
        .withHyper(new ModelTraining.Hyper(0.1, 0.5, 100, 100, 6, 50, 0.1));
    Map<String, String> gbt = ModelRuns.parameters(a, "detect", "mirna", ModelTraining.Kind.GBT, 20, 40,
        List.of("c1", "c2"));
    assertEquals("c1,c2", gbt.get("cohorts"));
    assertEquals("4", gbt.get("max_depth"), "gbt caps the depth at 4");
    assertEquals("UnivariateFeatureSelector(ANOVA F, top 20) in each fold", gbt.get("selection"));
    assertEquals("5", gbt.get("folds"));
    Map<String, String> lr = ModelRuns.parameters(a, "detect", "mirna", ModelTraining.Kind.LOGISTIC, 40, 40,
        List.of("c1"));
    assertEquals("none", lr.get("selection"), "all 40 of 40 features: no selection");
    assertEquals("0.1", lr.get("reg_param"));
    assertNull(lr.get("num_trees"));
  }

  @Test
  void theRowHasTheTableSchemaAndNoSpecificityForOrigin(SparkSession spark) {
    ModelMetrics.Report report = new ModelMetrics.Report();
    report.metrics.put("cv.top1_accuracy", 0.8);
    Tasks.Task origin = new Tasks.Task("origin", new String[] {"breast", "lung", "pancreatic"});
    Map<String, String> params = Map.of("modality", "mirna", "model", "forest");
    Row row = ModelRuns.row("m1", origin, params, List.of("mirna:a", "mirna:b"),
        new ModelRuns.Fitted(report, null, 0.99, List.of("mirna:a")), Map.of("train.lung", 3L),
        Map.of("samples", 0L), "/lake/models/m1", Instant.now());
    Row back = spark.createDataFrame(List.of(row), Tables.MODEL_RUNS.schema()).head();
    assertEquals("origin", back.getAs("task"));
    assertEquals("forest", back.getAs("model_type"));
    assertEquals(List.of("breast", "lung", "pancreatic"), back.getList(back.fieldIndex("classes")));
    assertNull(back.getAs("threshold_specificity"));
    assertEquals(0.8, back.<scala.collection.Map<String, Double>>getAs("metrics").apply("cv.top1_accuracy"));
  }

  @Test
  void foldAssignmentNamesTheClassAndTheHoldout(SparkSession spark) {
    StructType s = new StructType().add("cohort", DataTypes.StringType).add("sample_id", DataTypes.StringType)
        .add("subject_key", DataTypes.StringType).add("label", DataTypes.DoubleType).add("fold", DataTypes.IntegerType);
    Dataset<Row> train = spark.createDataFrame(List.of(RowFactory.create("c", "A", "k1", 0.0, 2),
        RowFactory.create("c", "B", "k2", 1.0, 0)), s);
    Dataset<Row> holdout = spark.createDataFrame(List.of(RowFactory.create("c", "C", "k3", 1.0, null)), s)
        .drop("fold");
    assertEquals(List.of(RowFactory.create("m", "c", "A", "k1", "2", "healthy"),
        RowFactory.create("m", "c", "B", "k2", "0", "cancer"), RowFactory.create("m", "c", "C", "k3", "holdout",
            "cancer")), Folds.assignment(train, holdout, "m", new String[] {"healthy", "cancer"}).orderBy("sample_id")
        .collectAsList());
  }
}
