package io.exocohort.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The report's sensitivity by stage counts a call as {@code score} writes it: probability strictly above the
 * threshold (a cancer sample scoring exactly the threshold is a miss, as its {@code predictions.call} is false).
 */
class StageSensitivityTest {
  @Test
  void countsCallsStrictlyAboveTheThresholdAmongCancers(SparkSession spark) {
    StructType pred = new StructType().add("cohort", DataTypes.StringType).add("sample_id", DataTypes.StringType)
        .add("model_id", DataTypes.StringType).add("probability", DataTypes.DoubleType)
        .add("threshold", DataTypes.DoubleType);
    StructType samples = new StructType().add("cohort", DataTypes.StringType).add("sample_id", DataTypes.StringType)
        .add("cancer_type", DataTypes.StringType).add("stage", DataTypes.StringType);
    Dataset<Row> p = spark.createDataFrame(List.of(
        RowFactory.create("c", "A", "m", 0.5, 0.5), // stage I, at the threshold: not called
        RowFactory.create("c", "B", "m", 0.9, 0.5), // stage I, called
        RowFactory.create("c", "C", "m", 0.7, 0.5), // no stage: unknown, called
        RowFactory.create("c", "H", "m", 0.9, 0.5)), pred); // healthy: not a cancer sample
    Dataset<Row> s = spark.createDataFrame(List.of(RowFactory.create("c", "A", "pancreatic", "I"),
        RowFactory.create("c", "B", "lung", "I"), RowFactory.create("c", "C", "lung", null),
        RowFactory.create("c", "H", "healthy", null)), samples);
    assertEquals(List.of(RowFactory.create("m", "I", 0.5, 2L), RowFactory.create("m", "unknown", 1.0, 1L)),
        ReportJob.stageSensitivity(p, s).collectAsList());
  }
}
