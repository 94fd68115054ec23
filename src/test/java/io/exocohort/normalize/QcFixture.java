package io.exocohort.normalize;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A qc run's verdicts as sample_qc rows, written directly (a qc run costs seconds and its rules are not what the
 * tests of later stages are about): run id, cohort, sample, status, a reason for failures, time; every metric
 * column null, so the fixture does not depend on them.
 */
public final class QcFixture {
  private QcFixture() {}

  /** Appends one sample_qc row per entry of {@code status} (sample id to pass / warn / fail). */
  public static void write(Lake lake, String runId, String cohort, Map<String, String> status, Timestamp at) {
    StructType s = new StructType().add("run_id", DataTypes.StringType).add("cohort", DataTypes.StringType)
        .add("sample_id", DataTypes.StringType).add("status", DataTypes.StringType)
        .add("reason", DataTypes.StringType).add("qc_at", DataTypes.TimestampType);
    List<Row> rows = new ArrayList<>();
    status.forEach((id, st) -> rows.add(RowFactory.create(runId, cohort, id, st,
        st.equals("pass") ? null : "fixture: " + st, at)));
    Dataset<Row> in = lake.spark().createDataFrame(rows, s).withColumn("reasons",
        org.apache.spark.sql.functions.expr("CASE WHEN reason IS NULL THEN array() ELSE array(reason) END"));
    List<Column> cols = new ArrayList<>();
    List<String> have = List.of(in.columns());
    for (StructField f : Tables.SAMPLE_QC.schema().fields()) {
      cols.add((have.contains(f.name()) ? col(f.name()) : lit(null)).cast(f.dataType()).as(f.name()));
    }
    lake.ensure(Tables.SAMPLE_QC);
    in.select(cols.toArray(new Column[0])).write().format("delta").mode("append").save(lake.path(Tables.SAMPLE_QC));
  }
}
