package io.exocohort.model;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.sql.Timestamp;
import java.util.Arrays;
import java.util.Set;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The rows of {@code predictions} built from a model's output (pure {@code Dataset -> Dataset} functions and
 * the one calling rule): each sample's scoring status, its probability and, for a binary model, its call at
 * the stored threshold; for tissue of origin its two most probable types.
 */
public final class Predictions {
  /** Scoring status: every index feature present, some imputed, too many missing. */
  public static final String SCORED = "scored";
  public static final String SCORED_IMPUTED = "scored_imputed";
  public static final String NOT_SCORED = "not_scored";

  private Predictions() {}

  /**
   * The calling rule, the one {@code score} writes to {@code predictions.call} and the report counts: a sample is
   * called positive when its probability is strictly above the model's threshold (the threshold is the largest
   * control score kept at the target specificity, so a control scoring exactly the threshold is a negative).
   */
  public static Column calledPositive(Column probability, Column threshold) {
    return probability.gt(threshold);
  }

  /** How many of the model's index features a cohort lacks, and how many features it has that the model ignores. */
  public record Coverage(int absent, int extra) {
    public static Coverage of(Set<String> present, String[] index) {
      Set<String> idx = Set.of(index);
      return new Coverage((int) idx.stream().filter(f -> !present.contains(f)).count(),
          (int) present.stream().filter(f -> !idx.contains(f)).count());
    }
  }

  /**
   * Adds the samples of {@code keys} without any vector (no value at all: every index feature missing) to
   * {@code vectors} ({@link FeatureVectors#SCHEMA}) and a {@code status}: {@code not_scored} without a vector or
   * with more than {@code maxMissingFraction} of the {@code indexSize} features missing, {@code scored_imputed}
   * with some missing, else {@code scored}.
   */
  public static Dataset<Row> withStatus(Dataset<Row> vectors, Dataset<Row> keys, int indexSize,
      double maxMissingFraction) {
    Dataset<Row> none = keys.select("cohort", "sample_id")
        .join(vectors.select("cohort", "sample_id"), TrainJob.seq("cohort", "sample_id"), "left_anti")
        .withColumn("features_raw", lit(null).cast(new VectorUDT()))
        .withColumn("features_missing", lit(indexSize)).withColumn("features_extra", lit(0));
    return vectors.unionByName(none, true)
        .withColumn("status", when(col("features_raw").isNull()
            .or(col("features_missing").gt(lit(maxMissingFraction * indexSize))), NOT_SCORED)
            .when(col("features_missing").gt(0), SCORED_IMPUTED).otherwise(SCORED));
  }

  /** The rows a model can score. */
  public static Dataset<Row> scorable(Dataset<Row> withStatus) {
    return withStatus.filter(col("status").notEqual(NOT_SCORED));
  }

  /**
   * The {@code predictions} rows of one scoring run.
   *
   * @param predicted model output of the scorable rows: {@code cohort, sample_id, status, probability} (array of
   *     doubles, one per class){@code , features_missing, features_extra}
   * @param withStatus every sample with its status ({@link #withStatus}): the {@code not_scored} ones get a row
   *     without probability
   * @param threshold the model's stored threshold (binary models; null for origin)
   */
  public static Dataset<Row> rows(Dataset<Row> predicted, Dataset<Row> withStatus, String[] classes,
      Double threshold, String runId, String modelId, Timestamp scoredAt) {
    Dataset<Row> p = classes.length == 2 ? binary(predicted, classes, threshold) : origin(predicted, classes);
    Dataset<Row> skipped = withStatus.filter(col("status").equalTo(NOT_SCORED)).select(col("cohort"),
        col("sample_id"), col("status"), lit(null).cast("double").as("probability"),
        lit(null).cast("boolean").as("call"), lit(threshold).cast("double").as("threshold"),
        lit(null).cast("string").as("predicted"), lit(null).cast("string").as("top1"),
        lit(null).cast("string").as("top2"), lit(null).cast("double").as("top2_probability"),
        col("features_missing"), col("features_extra"));
    return p.unionByName(skipped)
        .select(lit(runId).as("run_id"), lit(modelId).as("model_id"), col("cohort"), col("sample_id"),
            col("status"), col("probability"), col("call"), col("threshold"), col("predicted"), col("top1"),
            col("top2"), col("top2_probability"), col("features_missing"), col("features_extra"),
            lit(scoredAt).as("scored_at"));
  }

  /** Binary: P(class 1), the call at the threshold and the class called. */
  static Dataset<Row> binary(Dataset<Row> predicted, String[] classes, Double threshold) {
    Column prob = col("probability").getItem(1);
    Column call = calledPositive(prob, lit(threshold));
    return predicted.select(col("cohort"), col("sample_id"), col("status"), prob.as("probability"),
        call.as("call"), lit(threshold).cast("double").as("threshold"),
        when(call, classes[1]).otherwise(classes[0]).as("predicted"),
        lit(null).cast("string").as("top1"), lit(null).cast("string").as("top2"),
        lit(null).cast("double").as("top2_probability"), col("features_missing"), col("features_extra"));
  }

  /** Origin: the two most probable types (ties to the higher class index, as the metrics rank them). */
  static Dataset<Row> origin(Dataset<Row> predicted, String[] classes) {
    Column cls = array(Arrays.stream(classes).map(org.apache.spark.sql.functions::lit).toArray(Column[]::new));
    Dataset<Row> p = predicted.withColumn("ranked",
        expr("sort_array(transform(probability, (x, i) -> named_struct('p', x, 'i', i)), false)"));
    Column top1 = element_at(cls, col("ranked").getItem(0).getField("i").plus(1));
    Column top2 = element_at(cls, col("ranked").getItem(1).getField("i").plus(1));
    return p.select(col("cohort"), col("sample_id"), col("status"),
        col("ranked").getItem(0).getField("p").as("probability"), lit(null).cast("boolean").as("call"),
        lit(null).cast("double").as("threshold"), top1.as("predicted"), top1.as("top1"), top2.as("top2"),
        col("ranked").getItem(1).getField("p").as("top2_probability"), col("features_missing"),
        col("features_extra"));
  }
}
