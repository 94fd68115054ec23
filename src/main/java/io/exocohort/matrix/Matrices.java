package io.exocohort.matrix;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.posexplode;

import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Reading and converting the expression matrices ({@link Modality}): the long rows analysts see (the same
 * rows as the views {@code mirna_expression} / {@code protein_expression}), and the matrix of long rows (what
 * {@code upgrade} does to a lake written before the matrices, and what tests use to lay out fixtures).
 */
public final class Matrices {
  private Matrices() {}

  /** A matrix as two datasets: its rows (the matrix table's schema) and its sample index. */
  public record Matrix(Dataset<Row> rows, Dataset<Row> samples) {}

  /**
   * The schema of the long rows ({@link #longRows}): the columns of the expression tables before the matrices
   * (what {@code upgrade} reads from an old lake).
   */
  public static StructType longSchema(Modality m) {
    StructType t = new StructType().add("cohort", DataTypes.StringType, false)
        .add("sample_id", DataTypes.StringType, false)
        .add("feature", DataTypes.StringType, false)
        .add("value", DataTypes.DoubleType, m.protein());
    if (m.protein()) t = t.add("imputed", DataTypes.BooleanType, false);
    return t.add("scale", DataTypes.StringType, false).add("norm_run_id", DataTypes.StringType, false);
  }

  /** The long rows of the modality's matrix at the scope's pinned versions (both tables must be pinned). */
  public static Dataset<Row> longRows(RunScope s, Modality m) {
    return longRows(s.read(m.matrix()), s.read(m.samples()), m.protein());
  }

  /**
   * {@code cohort, sample_id, feature, value, [imputed,] scale, norm_run_id}: each matrix row joined to its
   * block's sample index (one small row per block, broadcast) and exploded; entry k is sample_ids[k].
   */
  public static Dataset<Row> longRows(Dataset<Row> matrix, Dataset<Row> samples, boolean protein) {
    Dataset<Row> joined = matrix.join(broadcast(samples.select(col("cohort").as("s_cohort"),
            col("block").as("s_block"), col("norm_run_id").as("s_run"), col("sample_ids"))),
        col("cohort").equalTo(col("s_cohort")).and(col("block").equalTo(col("s_block")))
            .and(col("norm_run_id").equalTo(col("s_run"))));
    List<Column> keep = new ArrayList<>(List.of(col("cohort"), col("feature"), col("sample_ids"), col("scale"),
        col("norm_run_id")));
    if (protein) keep.add(col("imputed"));
    keep.add(posexplode(col("entries")).as(new String[] {"pos", "value"}));
    Dataset<Row> exploded = joined.select(keep.toArray(new Column[0]));
    List<Column> out = new ArrayList<>(List.of(col("cohort"),
        element_at(col("sample_ids"), col("pos").plus(1)).as("sample_id"), col("feature"), col("value")));
    if (protein) out.add(element_at(col("imputed"), col("pos").plus(1)).as("imputed"));
    out.add(col("scale"));
    out.add(col("norm_run_id"));
    return exploded.select(out.toArray(new Column[0]));
  }

  /**
   * The matrix of long rows {@code cohort, sample_id, feature, value, [imputed,] scale, norm_run_id} (one
   * normalize run per cohort): samples numbered in sample-id order within their cohort and cut into blocks of
   * {@code blockSize}; a (sample, feature) without a row becomes a null entry (not imputed). A one-off
   * conversion: it groups the values by feature, a shuffle the normalize job's own writer avoids.
   */
  public static Matrix fromLong(SparkSession spark, Dataset<Row> longRows, Modality m, int blockSize) {
    boolean protein = m.protein();
    Dataset<Row> index = longRows.select("cohort", "sample_id", "norm_run_id", "scale").distinct()
        .withColumn("i", functions.row_number().over(Window.partitionBy("cohort").orderBy("sample_id"))
            .minus(1))
        .withColumn("block", functions.floor(col("i").divide(blockSize)).cast("int"))
        .withColumn("pos", col("i").mod(blockSize).cast("int"))
        .cache();
    Dataset<Row> samples = index.groupBy("cohort", "block", "norm_run_id")
        .agg(functions.sort_array(functions.collect_list(functions.struct(col("pos"), col("sample_id"))))
            .as("slots"), functions.count("*").as("n"), functions.first("scale").as("scale"))
        .select(col("cohort"), col("block"),
            functions.transform(col("slots"), x -> x.getField("sample_id")).as("sample_ids"),
            col("norm_run_id"), col("scale"),
            functions.lit(null).cast("array<double>").as("library_sizes"),
            functions.lit(null).cast("double").as("mean_library_size"));
    Dataset<Row> sizes = index.groupBy("cohort", "block").agg(functions.count("*").cast("int").as("n"));
    Dataset<Row> placed = longRows.join(broadcast(index.select("cohort", "sample_id", "block", "pos")),
        scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList());
    List<Column> aggs = new ArrayList<>(List.of(
        functions.map_from_entries(functions.collect_list(functions.struct(col("pos"), col("value")))).as("vm"),
        functions.first("scale").as("scale"), functions.first("norm_run_id").as("norm_run_id")));
    if (protein) {
      aggs.add(functions.map_from_entries(functions.collect_list(functions.struct(col("pos"), col("imputed"))))
          .as("im"));
    }
    Dataset<Row> grouped = placed.groupBy(col("cohort"), col("block"), col("feature"))
        .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]))
        .join(broadcast(sizes), scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "block")).toList());
    Column seq = functions.sequence(functions.lit(0), col("n").minus(1));
    List<Column> out = new ArrayList<>(List.of(col("cohort"), col("block"), col("feature"),
        functions.transform(seq, i -> protein ? functions.try_element_at(col("vm"), i)
            : functions.coalesce(functions.try_element_at(col("vm"), i), functions.lit(Double.NaN)))
            .as("entries")));
    if (protein) {
      out.add(functions.transform(seq, i -> functions.coalesce(functions.try_element_at(col("im"), i),
          functions.lit(false))).as("imputed"));
    }
    out.add(col("scale"));
    out.add(col("norm_run_id"));
    // the registry's schemas (non-null entries of a miR row, non-null sample ids), which SQL cannot infer
    return new Matrix(spark.createDataFrame(grouped.select(out.toArray(new Column[0])).javaRDD(),
        m.matrix().schema()), spark.createDataFrame(samples.javaRDD(), m.samples().schema()));
  }
}
