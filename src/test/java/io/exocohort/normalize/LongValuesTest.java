package io.exocohort.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** A sample matrix laid out as the long rows of the expression tables, on in-memory samples (no lake). */
class LongValuesTest {
  private static final double NA = Double.NaN;

  private static SampleMatrix matrix(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return SampleMatrix.of(new String[] {"f1", "f2", "f3"}, jsc.parallelize(List.of(
        new SampleMatrix.Vec("c", "S1", "healthy", "b1", new double[] {1.5, NA, -2}),
        new SampleMatrix.Vec("c", "S2", "breast", "b1", new double[] {0, 4, 8}))));
  }

  private static List<String> lines(org.apache.spark.sql.Dataset<Row> d) {
    return d.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  @Test
  void miRValuesOneRowPerSampleAndFeature(SparkSession spark) {
    var rows = LongValues.of(spark, matrix(spark), false, false, 0L, "log2_cpm(TMM)", "n1");
    assertEquals(List.of("cohort", "sample_id", "feature", "value", "scale", "norm_run_id"),
        List.of(rows.columns()));
    assertEquals(List.of("[c,S1,f1,1.5,log2_cpm(TMM),n1]", "[c,S1,f2,NaN,log2_cpm(TMM),n1]",
        "[c,S1,f3,-2.0,log2_cpm(TMM),n1]", "[c,S2,f1,0.0,log2_cpm(TMM),n1]", "[c,S2,f2,4.0,log2_cpm(TMM),n1]",
        "[c,S2,f3,8.0,log2_cpm(TMM),n1]"), lines(rows));
  }

  @Test
  void proteinValuesWithTheImputedFlagAndNullForMissing(SparkSession spark) {
    var rows = LongValues.of(spark, matrix(spark), true, false, 0L, "log2_intensity(raw)", "n2");
    assertEquals(List.of("cohort", "sample_id", "feature", "value", "imputed", "scale", "norm_run_id"),
        List.of(rows.columns()));
    assertEquals(List.of("[c,S1,f1,1.5,false,log2_intensity(raw),n2]", "[c,S1,f2,null,false,log2_intensity(raw),n2]",
        "[c,S1,f3,-2.0,false,log2_intensity(raw),n2]", "[c,S2,f1,0.0,false,log2_intensity(raw),n2]",
        "[c,S2,f2,4.0,false,log2_intensity(raw),n2]", "[c,S2,f3,8.0,false,log2_intensity(raw),n2]"), lines(rows));
    // imputed: S1's one missing value gets a value and the flag
    List<Row> imp = LongValues.of(spark, matrix(spark), true, true, 3L, "x", "n3").filter("imputed").collectAsList();
    assertEquals(1, imp.size());
    assertEquals("S1/f2", imp.get(0).getAs("sample_id") + "/" + imp.get(0).getAs("feature"));
  }
}
