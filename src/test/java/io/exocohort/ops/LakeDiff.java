package io.exocohort.ops;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import scala.jdk.javaapi.CollectionConverters;

/** Compares one table of two lakes row by row: doubles to a tolerance, everything else exactly. */
final class LakeDiff {
  private LakeDiff() {}

  /** Columns that differ between two runs of the same computation by design. */
  static final Set<String> RUN_SPECIFIC = Set.of("run_id", "norm_run_id", "ingest_run_id", "qc_at", "started_at",
      "ended_at", "subject_key");

  /**
   * Asserts that {@code table} holds the same rows in both lakes (matched on {@code keys}): doubles within
   * {@code tol} (relative to max(1, |value|)), both-null and both-NaN count as equal; other columns exactly
   * (map columns are skipped). Returns the row count.
   */
  static long assertSameTable(SparkSession spark, String lakeA, String lakeB, String table, List<String> keys,
      double tol) {
    return assertSame(load(spark, lakeA, table), load(spark, lakeB, table), table, keys, tol);
  }

  /** A table of a lake; the expression views ({@code mirna_expression}, ...) as the long rows of their matrix. */
  static Dataset<Row> load(SparkSession spark, String lake, String table) {
    for (io.exocohort.catalog.Modality m : io.exocohort.catalog.Modality.values()) {
      if (m.view().equals(table)) {
        return io.exocohort.matrix.Matrices.longRows(
            spark.read().format("delta").load(lake + "/" + m.matrix().name()),
            spark.read().format("delta").load(lake + "/" + m.samples().name()), m.protein());
      }
    }
    return spark.read().format("delta").load(lake + "/" + table);
  }

  /** The same for two row sets of one schema (e.g. two runs' rows of one table). */
  static long assertSame(Dataset<Row> a, Dataset<Row> b, String table, List<String> keys, double tol) {
    long na = a.count();
    long nb = b.count();
    assertEquals(na, nb, table + ": row counts differ");
    assertTrue(na > 0, table + " is empty");
    List<Column> worst = new ArrayList<>();
    List<Column> mismatches = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (StructField f : a.schema().fields()) {
      String n = f.name();
      if (keys.contains(n) || RUN_SPECIFIC.contains(n) || f.dataType() instanceof MapType) continue;
      Column x = col("a." + n);
      Column y = col("b." + n);
      if (f.dataType() instanceof DoubleType || f.dataType() instanceof FloatType) {
        Column diff = when(x.isNull().and(y.isNull()), lit(0.0))
            .when(x.isNaN().and(y.isNaN()), lit(0.0))
            .when(x.isNull().or(y.isNull()).or(x.isNaN()).or(y.isNaN()), lit(Double.POSITIVE_INFINITY))
            .otherwise(abs(x.minus(y)).divide(greatest(lit(1.0), abs(x))));
        worst.add(coalesce(max(diff), lit(0.0)).as(n));
        names.add(n);
      } else {
        mismatches.add(sum(when(not(x.eqNullSafe(y)), 1).otherwise(0)).as(n));
      }
    }
    Column on = null;
    for (String k : keys) {
      Column c = col("a." + k).eqNullSafe(col("b." + k));
      on = on == null ? c : on.and(c);
    }
    Dataset<Row> joined = a.as("a").join(b.as("b"), on, "inner");
    // the matched rows are counted in the one pass over the join that also takes the differences
    List<Column> aggs = new ArrayList<>(worst);
    aggs.addAll(mismatches);
    Row r = joined.agg(count(lit(1)).as("matched"), CollectionConverters.asScala(aggs).toSeq()).head();
    long matched = r.getLong(0);
    assertEquals(na, matched, table + ": " + (na - matched) + " rows of one lake have no partner in the other");
    for (int i = 0; i < worst.size(); i++) {
      double d = r.getDouble(i + 1);
      if (d > tol) {
        String n = names.get(i);
        List<Column> show = new ArrayList<>();
        for (String k : keys) show.add(col("a." + k));
        show.add(col("a." + n).as("a_" + n));
        show.add(col("b." + n).as("b_" + n));
        String rows = joined.filter(not(col("a." + n).eqNullSafe(col("b." + n))))
            .orderBy(abs(col("a." + n).minus(col("b." + n))).desc_nulls_first())
            .select(show.toArray(new Column[0])).limit(10).collectAsList().stream().map(x -> x.mkString(" | "))
            .collect(java.util.stream.Collectors.joining("\n"));
        throw new AssertionError(table + "." + n + ": largest relative difference " + d + " > " + tol + "\n" + rows);
      }
    }
    for (int i = worst.size() + 1; i <= aggs.size(); i++) {
      assertEquals(0L, r.isNullAt(i) ? 0L : r.getLong(i), table + ": column " + r.schema().fields()[i].name()
          + " differs");
    }
    return na;
  }
}
