package io.exocohort.catalog;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * One table of the lake, declared once: name, schema with explicit nullability and column comments, table
 * comment, partitioning, CHECK constraints, table properties and the Z-order columns of {@code optimize}. {@link Lake#ensure} creates it from this.
 */
public record TableDef(
    String name,
    String comment,
    StructType schema,
    List<String> partitionBy,
    Map<String, String> constraints,
    Map<String, String> properties,
    List<String> zOrderBy) {

  /** A table without Z-order columns. */
  public TableDef(String name, String comment, StructType schema, List<String> partitionBy,
      Map<String, String> constraints, Map<String, String> properties) {
    this(name, comment, schema, partitionBy, constraints, properties, List.of());
  }

  /**
   * This table with the columns {@code optimize} Z-orders it by: what analysts and the later jobs filter on,
   * never a partition column.
   */
  public TableDef zOrderedBy(String... columns) {
    return new TableDef(name, comment, schema, partitionBy, constraints, properties, List.of(columns));
  }

  /** A column with its comment (Delta stores it; {@code DESCRIBE TABLE} shows it). */
  public static StructField col(String name, DataType type, boolean nullable, String comment) {
    Metadata md = new MetadataBuilder().putString("comment", comment).build();
    return new StructField(name, type, nullable, md);
  }

  public static StructType schema(StructField... fields) {
    return new StructType(fields);
  }

  /** The natural-key or other column names of this table, in schema order. */
  public String[] columnNames() {
    return schema.fieldNames();
  }
}
