/**
 * The only code that reads Spark's Catalyst internals ({@code InternalRow}, {@code queryExecution().toRdd()},
 * {@code UTF8String}).
 *
 * <p>Why it exists: a few passes go over cohort-sized long tables ({@code cohort, sample_id, feature, value}: 26 M
 * rows at 10,000 samples x 2,600 miRs): qc's per-sample miR and protein statistics, and the long-to-wide transpose
 * of normalize and the model jobs. Through the public API each value would become an external {@code Row} with
 * three Java strings, which costs more than the pass itself. Reading Catalyst's own rows in place, and making a
 * Java string only where a sample changes or once per distinct feature name, keeps those passes near the cost of
 * a scan.
 *
 * <p>{@link io.exocohort.catalyst.ParquetRelation} builds the relation over a table version's Parquet files that
 * {@code catalog/LogReplay} lists (Spark's {@code HadoopFsRelation}), so that the rows keep the table's declared
 * nullability as Delta's reader gives it; the public reader marks every column nullable, which costs the typed reads
 * a per-element check.
 *
 * <p>These APIs are Spark-internal: they carry no compatibility promise between Spark versions. They are confined
 * to this package (a unit test, {@code CatalystConfinementTest}, fails if they appear elsewhere) so that a Spark
 * upgrade touches one package. Nothing here reflects into Spark's private fields.
 */
package io.exocohort.catalyst;
