package io.exocohort.normalize;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A {@link SampleMatrix} as the long rows of {@code mirna_expression} / {@code protein_expression}. Each sample
 * goes to Spark SQL as one row holding its array ({@link #wide}); {@code posexplode} makes the long rows inside
 * Spark's generated code, no external Row per value ({@link #explode}).
 */
public final class LongValues {
  /** One row per sample: {@code cohort, sample_id, v} (values over the feature index), {@code imp} (flags). */
  static StructType wideSchema(boolean protein) {
    return new StructType().add("cohort", DataTypes.StringType, false)
        .add("sample_id", DataTypes.StringType, false)
        .add("v", DataTypes.createArrayType(DataTypes.DoubleType, protein), false)
        .add("imp", DataTypes.createArrayType(DataTypes.BooleanType, false), true);
  }

  private LongValues() {}

  /**
   * The long rows of a matrix, columns in the order of the expression table: miR values as they are; protein
   * values through {@link ProteinNormalizer#written} (NaN to null, or imputed when {@code impute}).
   */
  public static Dataset<Row> of(SparkSession spark, SampleMatrix m, boolean protein, boolean impute, long seed,
      String scale, String runId) {
    return explode(wide(spark, m, protein, impute, seed), m.features, protein, scale, runId);
  }

  /** One row per sample holding its values (and, for proteins, which of them are imputed). */
  static Dataset<Row> wide(SparkSession spark, SampleMatrix m, boolean protein, boolean impute, long seed) {
    String[] features = m.features;
    JavaRDD<Row> wide = m.rows.map(r -> {
      if (!protein) return RowFactory.create(r.cohort(), r.sampleId(), r.v(), null);
      ProteinNormalizer.Written w = ProteinNormalizer.written(r.v(), r.sampleId(), features, impute, seed);
      return RowFactory.create(r.cohort(), r.sampleId(), w.values(), w.imputed());
    });
    return spark.createDataFrame(wide, wideSchema(protein));
  }

  /**
   * Wide rows ({@link #wideSchema}) to long rows {@code cohort, sample_id, feature, value, [imputed,] scale,
   * norm_run_id}: the k-th array element is feature {@code features[k]}.
   */
  static Dataset<Row> explode(Dataset<Row> wide, String[] features, boolean protein, String scale, String runId) {
    Column feature = element_at(lit(features), col("pos").plus(1));
    List<Column> cols = new ArrayList<>(List.of(col("cohort"), col("sample_id"), feature.as("feature"),
        col("value")));
    if (protein) cols.add(element_at(col("imp"), col("pos").plus(1)).as("imputed"));
    cols.add(lit(scale).as("scale"));
    cols.add(lit(runId).as("norm_run_id"));
    return wide.select(col("cohort"), col("sample_id"), col("imp"),
            posexplode(col("v")).as(new String[] {"pos", "value"}))
        .select(cols.toArray(new Column[0]));
  }
}
