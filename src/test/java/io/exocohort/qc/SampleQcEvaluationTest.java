package io.exocohort.qc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.exocohort.catalog.Tables;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** {@link SampleQcEvaluation} on in-memory tables: the cohorts kept, each cohort's count unit, the rows' shape. */
class SampleQcEvaluationTest {
  static final StructType SAMPLES = new StructType()
      .add("cohort", DataTypes.StringType, false).add("sample_id", DataTypes.StringType, false)
      .add("batch", DataTypes.StringType, true).add("particle_size_nm", DataTypes.DoubleType, true)
      .add("particle_concentration", DataTypes.DoubleType, true);

  @Test
  void evaluatesTheCohortsSamplesInTheirCountUnit(SparkSession spark) {
    List<Row> samples = List.of(RowFactory.create("c1", "A", "B1", 100.0, 1e10),
        RowFactory.create("c1", "NOMIR", "B1", 100.0, 1e10), RowFactory.create("c2", "B", "B1", 100.0, 1e10),
        RowFactory.create("c3", "C", "B1", 100.0, 1e10));
    List<Row> counts = new ArrayList<>();
    for (String[] s : new String[][] {{"c1", "A"}, {"c2", "B"}, {"c3", "C"}}) {
      for (int f = 0; f < 20; f++) counts.add(RowFactory.create(s[0], s[1], "hsa-miR-" + f, 1000.0 + f));
    }
    Map<String, String[]> units = Map.of("c1", new String[] {"reads", "test"}, "c2", new String[] {"umi", "test"});
    Dataset<Row> evaluated = SampleQcEvaluation.evaluate(spark.createDataFrame(samples, SAMPLES),
        spark.createDataFrame(counts, SampleQcMetricsTest.COUNTS),
        spark.createDataFrame(List.of(), SampleQcMetricsTest.PROTEINS), List.of("c1", "c2"), units,
        QcThresholds.defaults());
    Map<String, Row> by = new HashMap<>();
    for (Row r : evaluated.collectAsList()) by.put(r.getAs("sample_id"), r);
    assertEquals(java.util.Set.of("A", "NOMIR", "B"), by.keySet(), "only the cohorts asked for");
    assertEquals("reads", by.get("A").getAs("count_unit"));
    assertEquals("umi", by.get("B").getAs("count_unit"));
    assertNull(by.get("NOMIR").getAs("count_unit"), "no library: no unit");
    assertEquals(20 * 1000.0 + 190, by.get("A").<Double>getAs("library_size"), 0.0);
    for (Row r : by.values()) assertNotNull(r.getAs("status"));

    Timestamp at = Timestamp.valueOf("2024-05-01 10:00:00");
    Dataset<Row> rows = SampleQcEvaluation.rows(evaluated, "qc-1", at);
    assertArrayEquals(Tables.SAMPLE_QC.columnNames(), rows.columns());
    Row a = rows.filter("sample_id = 'A'").head();
    assertEquals("qc-1", a.getAs("run_id"));
    assertEquals(at, a.getAs("qc_at"));
  }

  @Test
  void aCohortWithoutAUnitCountsReads(SparkSession spark) {
    Dataset<Row> d = spark.createDataFrame(List.of(RowFactory.create("c1", "A", "B1", 1.0, 1.0),
        RowFactory.create("c9", "Z", "B1", 1.0, 1.0)), SAMPLES);
    List<Row> u = d.select(SampleQcEvaluation.unitOf(Map.of("c1", new String[] {"umi", "x"}))).collectAsList();
    assertEquals(List.of("umi", "reads"), u.stream().map(r -> r.getString(0)).toList());
  }
}
