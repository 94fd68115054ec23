package io.exocohort.qc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.struct;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Which samples later jobs use: those whose latest QC status is not {@code fail}. Samples never checked are
 * used (the caller logs how many); {@code includeFailed} keeps every sample.
 */
public final class QcSelection {
  private QcSelection() {}

  private static Seq<String> cols(String... names) {
    return CollectionConverters.asScala(List.of(names)).toList();
  }

  /**
   * (cohort, sample_id, qc_status) of the samples to use: {@code samples} of the given cohorts (all if empty)
   * with each sample's status in the latest qc run that checked it (null if never checked).
   */
  public static Dataset<Row> usable(Lake lake, List<String> cohorts, boolean includeFailed) {
    return withStatus(lake, cohorts, List.of()).filter(usableColumn(includeFailed));
  }

  /** {@link #isUsable} as a column over {@code qc_status} (of {@link #withStatus}): true for a sample used. */
  public static Column usableColumn(boolean includeFailed) {
    return includeFailed ? lit(true) : col("qc_status").isNull().or(col("qc_status").notEqual("fail"));
  }

  /** Whether a sample of this latest QC status (null: never checked) is used. */
  public static boolean isUsable(String qcStatus, boolean includeFailed) {
    return includeFailed || qcStatus == null || !qcStatus.equals("fail");
  }

  /**
   * Every sample of the given cohorts (all if empty): cohort, sample_id, the {@code extra} columns of
   * {@code samples}, and qc_status (the latest, null if never checked), for a caller that needs the samples QC
   * excludes too and decides with {@link #isUsable} on the driver: one query instead of two.
   */
  public static Dataset<Row> withStatus(Lake lake, List<String> cohorts, List<String> extra) {
    List<Column> cols = new ArrayList<>();
    for (String c : extra) cols.add(col(c));
    return withStatusColumns(lake, cohorts, cols);
  }

  /** {@link #withStatus} with column expressions over {@code samples} (read as they are, by position). */
  public static Dataset<Row> withStatusColumns(Lake lake, List<String> cohorts, List<Column> extra) {
    Dataset<Row> samples = lake.read(Tables.SAMPLES);
    if (cohorts != null && !cohorts.isEmpty()) samples = samples.filter(col("cohort").isin(cohorts.toArray()));
    List<Column> keep = new ArrayList<>(List.of(col("cohort"), col("sample_id")));
    for (int i = 0; i < extra.size(); i++) keep.add(extra.get(i).as("c" + i));
    samples = samples.select(keep.toArray(new Column[0]));
    if (!lake.exists(Tables.SAMPLE_QC)) return samples.withColumn("qc_status", lit(null).cast("string"));
    // the latest run's status per sample in one aggregation (max of (qc_at, status)): one read of sample_qc, no
    // self-join
    Dataset<Row> status = lake.read(Tables.SAMPLE_QC).groupBy("cohort", "sample_id")
        .agg(max(struct(col("qc_at"), col("status"))).as("latest"))
        .select(col("cohort"), col("sample_id"), col("latest.status").as("qc_status"));
    return samples.join(status, cols("cohort", "sample_id"), "left");
  }
}
