package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.Tables;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * A DNA variants file on its way into {@code dna_variants}: its rows parsed ({@link VariantParser}) with exact line
 * numbers, then checked against the cohort's samples and for duplicate (sample, variant) keys. Variant files are
 * small (a few calls per sample: thousands of rows for a cohort of thousands), so the lines are numbered up front
 * in one extra pass ({@link Records#readNumbered}) and the checked rows are cached for the write and the
 * quarantine.
 */
final class VariantFile {
  static final StructType SAMPLE_STATUS = new StructType()
      .add("status_sample_id", DataTypes.StringType, false).add("accepted", DataTypes.BooleanType, false);

  final SourceFile file;
  final VariantParser parser;
  private Dataset<Row> checked;
  private long rejected = -1;

  VariantFile(SourceFile file, VariantParser parser) {
    this.file = file;
    this.parser = parser;
  }

  /**
   * Parses and checks the file against {@code samples} (sample id -&gt; accepted in the manifest or already in the
   * lake; see {@link ValidatedManifest#sampleStatus}); returns the rows rejected.
   */
  long check(SparkSession spark, Map<String, Boolean> samples) {
    VariantParser p = parser;
    Dataset<Row> parsed = spark.createDataFrame(Records.readNumbered(spark, file)
        .flatMap(r -> p.rows(r, r.line(null)).iterator()), VariantParser.PARSED);
    List<Row> status = new ArrayList<>(samples.size());
    samples.forEach((k, v) -> status.add(RowFactory.create(k, v)));
    checked = check(parsed, spark.createDataFrame(status, SAMPLE_STATUS), p.sampleColumn())
        .persist(StorageLevel.MEMORY_AND_DISK());
    rejected = checked.filter(col("reason").isNotNull()).count();
    return rejected;
  }

  /** Rows rejected by {@link #check} (-1 before it). */
  long rejectedCount() {
    return rejected;
  }

  /**
   * Parsed rows ({@link VariantParser#PARSED}) checked against the samples ({@link #SAMPLE_STATUS}): a row of a
   * sample not in the manifest, or rejected there, and every row of a (sample, variant) given on several lines,
   * get their reason. Dataset to Dataset, no table read.
   */
  static Dataset<Row> check(Dataset<Row> parsed, Dataset<Row> samples, String sampleColumn) {
    Dataset<Row> joined = parsed.join(samples, col("sample_id").equalTo(col("status_sample_id")), "left");
    Column unknown = concat(lit("sample '"), col("sample_id"), lit("' is not in the manifest"));
    Column refused = concat(lit("sample '"), col("sample_id"), lit("' was rejected in the manifest (see quarantine)"));
    Column sampleReason = when(col("reason").isNotNull(), col("reason"))
        .when(col("accepted").isNull(), unknown).when(col("accepted").equalTo(false), refused);
    Dataset<Row> withSamples = joined
        .withColumn("column", when(col("reason").isNull().and(sampleReason.isNotNull()), lit(sampleColumn))
            .otherwise(col("column")))
        .withColumn("value", when(col("reason").isNull().and(sampleReason.isNotNull()), col("sample_id"))
            .otherwise(col("value")))
        .withColumn("reason", sampleReason)
        .drop("status_sample_id", "accepted");
    WindowSpec key = Window.partitionBy("sample_id", "variant");
    Dataset<Row> good = withSamples.filter(col("reason").isNull())
        .withColumn("n", count(lit(1)).over(key)).withColumn("first", min("line").over(key));
    Column dup = concat(lit("duplicate (sample_id, variant): "), col("n").cast("string"),
        lit(" rows, the first on line "), col("first").cast("string"));
    Dataset<Row> deduped = good.withColumn("reason", when(col("n").gt(1), dup)).drop("n", "first");
    return withSamples.filter(col("reason").isNotNull()).unionByName(deduped);
  }

  /** The accepted rows as {@code dna_variants} rows of the run, in the table's column order. */
  Dataset<Row> valid(String cohort, String runId) {
    return checked.filter(col("reason").isNull())
        .withColumn("cohort", lit(cohort)).withColumn("ingest_run_id", lit(runId))
        .select(Arrays.stream(Tables.DNA_VARIANTS.columnNames()).map(c -> col(c)).toArray(Column[]::new));
  }

  /** The rejected rows as quarantine rows, without run and cohort ({@link IngestRows#quarantine} adds them). */
  Dataset<Row> rejected() {
    return IngestRows.countQuarantine(checked.filter(col("reason").isNotNull()).withColumnRenamed("variant", "feature"),
        Tables.DNA_VARIANTS.name(), file.given);
  }

  /** Frees the cached rows (after the run's writes). */
  void release() {
    if (checked != null) checked.unpersist();
  }
}
