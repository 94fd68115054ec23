package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;

import io.exocohort.catalog.Tables;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The rows ingest writes, from the parsed rows: Dataset to Dataset, no table read. Each result has its target
 * table's columns in the table's order.
 */
final class IngestRows {
  private IngestRows() {}

  /** The manifest's accepted rows ({@link ManifestParser#SCHEMA}) as {@code samples} rows of the run. */
  static Dataset<Row> samples(Dataset<Row> manifest, String cohort, String sourceFile, String runId) {
    return manifest.filter(col("reason").isNull())
        .withColumn("cohort", lit(cohort))
        .withColumn("source_file", lit(sourceFile))
        .withColumn("ingest_run_id", lit(runId))
        .select(Arrays.stream(Tables.SAMPLES.columnNames()).map(c -> col(c)).toArray(Column[]::new));
  }

  /** A count file's valid values ({@link CountFile#VALID}) as rows of the modality's table. */
  static Dataset<Row> values(Dataset<Row> valid, String cohort, Modality m, String runId) {
    return valid.select(lit(cohort).as("cohort"), col("sample_id"), col("feature"),
        col("value").as(m.valueColumn), lit(runId).as("ingest_run_id"));
  }

  /**
   * The manifest's quarantine rows, without run and cohort: one per rejected row, and one per optional field of
   * an accepted sample that was set to null (the sample kept).
   */
  static Dataset<Row> manifestQuarantine(Dataset<Row> manifest, String sourceFile) {
    Column target = lit(Tables.SAMPLES.name()).as("target_table");
    Column file = lit(sourceFile).as("source_file");
    Column noFeature = lit(null).cast("string").as("feature");
    Dataset<Row> rejected = manifest.filter(col("reason").isNotNull())
        .select(target, file, col("line"), col("reason_column").as("column"), col("sample_id"), noFeature,
            col("reason_value").as("value"), col("reason"));
    Dataset<Row> nulled = manifest.filter(col("reason").isNull().and(col("notes").isNotNull()))
        .select(col("line"), col("sample_id"), explode(col("notes")).as("n"))
        .select(target, file, col("line"), col("n.column").as("column"), col("sample_id"), noFeature,
            col("n.value").as("value"), col("n.reason").as("reason"));
    return rejected.unionByName(nulled);
  }

  /** A count file's rejected values ({@link CountFile#REJECTED}) as quarantine rows, without run and cohort. */
  static Dataset<Row> countQuarantine(Dataset<Row> rejected, String targetTable, String sourceFile) {
    return rejected.select(lit(targetTable).as("target_table"), lit(sourceFile).as("source_file"), col("line"),
        col("column"), col("sample_id"), col("feature"), col("value"), col("reason"));
  }

  /** Quarantine rows of the run: its id, the cohort and the time added, in the table's column order. */
  static Dataset<Row> quarantine(Dataset<Row> rows, String runId, String cohort) {
    return rows.select(lit(runId).as("run_id"), lit(cohort).as("cohort"), col("target_table"),
        col("source_file"), col("line"), col("column"), col("sample_id"), col("feature"), col("value"),
        col("reason"), current_timestamp().as("quarantined_at"));
  }
}
