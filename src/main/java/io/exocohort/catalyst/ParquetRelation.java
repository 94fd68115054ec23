package io.exocohort.catalyst;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.InMemoryFileIndex;
import org.apache.spark.sql.execution.datasources.NoopCache$;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A table's Parquet files read as one relation with the table's own schema, nullability included: what Delta's
 * reader builds for a table version, here for the files {@code catalog/LogReplay} lists from a replayed log.
 *
 * <p>Why it is here (Spark's internal {@code HadoopFsRelation}, {@code InMemoryFileIndex}, {@code
 * ParquetFileFormat}): the public reader ({@code spark.read().schema(s).parquet(files)}) marks every column and
 * every array element nullable. The jobs' typed reads then check each element: de's matrix rows, decoded into a
 * {@code double[]} per feature, went through a per-element null check (or a NaN pass) that made its voom pass 0.3-2 s
 * slower at 100,000 samples than the same read through Delta (docs/design.md, ADR 3). The relation built here is
 * the one the public reader builds, with the schema the table declares. Nothing here reflects into private
 * fields; the constructors are public Scala ones.
 */
public final class ParquetRelation {
  private ParquetRelation() {}

  /**
   * The rows of {@code files}, Parquet data files of a table at {@code root}, with {@code schema} (its columns in
   * order); partition values, of string columns only, from the Hive-style folders under {@code root}.
   */
  public static Dataset<Row> read(SparkSession spark, String root, StructType schema, List<String> partitionColumns,
      List<String> files) {
    List<StructField> data = new ArrayList<>();
    List<StructField> parts = new ArrayList<>();
    for (StructField f : schema.fields()) (partitionColumns.contains(f.name()) ? parts : data).add(f);
    StructType dataSchema = new StructType(data.toArray(new StructField[0]));
    StructType partitionSchema = new StructType(parts.toArray(new StructField[0]));
    List<Path> paths = new ArrayList<>();
    for (String f : files) paths.add(new Path(f));
    scala.collection.immutable.Map<String, String> options = scala.collection.immutable.Map$.MODULE$.empty();
    if (!partitionColumns.isEmpty()) options = options.updated("basePath", root);
    InMemoryFileIndex index = new InMemoryFileIndex(spark, CollectionConverters.asScala(paths).toSeq(), options,
        Option.apply(schema), NoopCache$.MODULE$, Option.empty(), Option.empty());
    HadoopFsRelation relation = new HadoopFsRelation(index, partitionSchema, dataSchema, Option.empty(),
        new ParquetFileFormat(), scala.collection.immutable.Map$.MODULE$.empty(), spark);
    Dataset<Row> d = spark.baseRelationToDataFrame(relation);
    Column[] cols = new Column[schema.fields().length];
    for (int i = 0; i < cols.length; i++) cols[i] = d.col("`" + schema.fields()[i].name() + "`");
    return d.select(cols);
  }
}
