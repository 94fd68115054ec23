package io.exocohort.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.catalog.Modality;
import io.exocohort.matrix.Matrices;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * A sample matrix transposed into feature-major rows with sample blocks, and read back long (what the views
 * show), on in-memory samples (no lake): three samples in blocks of two, so the second block holds one.
 */
class MatrixWriteTest {
  private static final double NA = Double.NaN;

  private static SampleMatrix matrix(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    return SampleMatrix.of(new String[] {"f1", "f2", "f3"}, jsc.parallelize(List.of(
        new SampleMatrix.Vec("c", "S3", "healthy", "b1", new double[] {7, 7.5, 8}),
        new SampleMatrix.Vec("c", "S1", "healthy", "b1", new double[] {1.5, NA, -2}),
        new SampleMatrix.Vec("c", "S2", "breast", "b1", new double[] {0, 4, 8})), 2));
  }

  private static List<String> lines(Dataset<Row> d) {
    return d.collectAsList().stream().map(Row::toString).sorted().toList();
  }

  @Test
  void miRRowsPerBlockAndFeatureInSampleIdOrder(SparkSession spark) {
    Matrices.Matrix m = MatrixWrite.of(spark, matrix(spark), Modality.MIRNA, false, 0L, "log2_cpm(TMM)", "n1", 2);
    assertEquals(List.of("c/0/S1,S2/n1", "c/1/S3/n1"), lines(m.samples().selectExpr(
        "concat_ws('/', cohort, block, array_join(sample_ids, ','), norm_run_id)")).stream()
        .map(x -> x.substring(1, x.length() - 1)).toList());
    assertEquals(List.of("[c,0,f1,[1.5,0.0]]", "[c,0,f2,[NaN,4.0]]", "[c,0,f3,[-2.0,8.0]]", "[c,1,f1,[7.0]]",
        "[c,1,f2,[7.5]]", "[c,1,f3,[8.0]]"), lines(m.rows().selectExpr("cohort", "block", "feature",
            "concat('[', array_join(transform(entries, x -> cast(x AS STRING)), ','), ']')")));
    Dataset<Row> rows = Matrices.longRows(m.rows(), m.samples(), false);
    assertEquals(List.of("cohort", "sample_id", "feature", "value", "scale", "norm_run_id"),
        List.of(rows.columns()));
    assertEquals(List.of("[c,S1,f1,1.5,log2_cpm(TMM),n1]", "[c,S1,f2,NaN,log2_cpm(TMM),n1]",
        "[c,S1,f3,-2.0,log2_cpm(TMM),n1]", "[c,S2,f1,0.0,log2_cpm(TMM),n1]", "[c,S2,f2,4.0,log2_cpm(TMM),n1]",
        "[c,S2,f3,8.0,log2_cpm(TMM),n1]", "[c,S3,f1,7.0,log2_cpm(TMM),n1]", "[c,S3,f2,7.5,log2_cpm(TMM),n1]",
        "[c,S3,f3,8.0,log2_cpm(TMM),n1]"), lines(rows));
    // and the one-off conversion of long rows gives the same matrix
    Matrices.Matrix back = Matrices.fromLong(spark, rows, Modality.MIRNA, 2);
    assertEquals(lines(rows), lines(Matrices.longRows(back.rows(), back.samples(), false)));
    assertEquals(lines(m.samples()), lines(back.samples()));
  }

  @Test
  void aPartitionCutIntoBatchesGivesTheSameRows(SparkSession spark) {
    // batches of one sample: each (block, feature) gets a chunk per sample, placed at its position
    MatrixWrite.chunkBytesForTests(1L);
    try {
      for (Modality mod : List.of(Modality.MIRNA, Modality.PROTEIN)) {
        Matrices.Matrix m = MatrixWrite.of(spark, matrix(spark), mod, false, 0L, "s", "n4", 2);
        assertEquals(List.of("[c,0,f1,[1.5,0.0]]", "[c,0,f2,[NaN,4.0]]", "[c,0,f3,[-2.0,8.0]]", "[c,1,f1,[7.0]]",
            "[c,1,f2,[7.5]]", "[c,1,f3,[8.0]]"), lines(m.rows().selectExpr("cohort", "block", "feature",
                "concat('[', array_join(transform(entries, x -> coalesce(cast(x AS STRING), 'NaN')), ','), ']')")),
            mod.toString());
      }
    } finally {
      MatrixWrite.chunkBytesForTests(null);
    }
  }

  @Test
  void proteinEntriesWithTheImputedFlagAndNullForMissing(SparkSession spark) {
    Matrices.Matrix m = MatrixWrite.of(spark, matrix(spark), Modality.PROTEIN, false, 0L, "log2_intensity(raw)",
        "n2", 2);
    Dataset<Row> rows = Matrices.longRows(m.rows(), m.samples(), true);
    assertEquals(List.of("cohort", "sample_id", "feature", "value", "imputed", "scale", "norm_run_id"),
        List.of(rows.columns()));
    assertEquals(List.of("[c,S1,f1,1.5,false,log2_intensity(raw),n2]", "[c,S1,f2,null,false,log2_intensity(raw),n2]",
        "[c,S1,f3,-2.0,false,log2_intensity(raw),n2]", "[c,S2,f1,0.0,false,log2_intensity(raw),n2]",
        "[c,S2,f2,4.0,false,log2_intensity(raw),n2]", "[c,S2,f3,8.0,false,log2_intensity(raw),n2]",
        "[c,S3,f1,7.0,false,log2_intensity(raw),n2]", "[c,S3,f2,7.5,false,log2_intensity(raw),n2]",
        "[c,S3,f3,8.0,false,log2_intensity(raw),n2]"), lines(rows));
    Matrices.Matrix back = Matrices.fromLong(spark, rows, Modality.PROTEIN, 2);
    assertEquals(lines(rows), lines(Matrices.longRows(back.rows(), back.samples(), true)));
    // imputed: S1's one missing value gets a value and the flag
    Matrices.Matrix imp = MatrixWrite.of(spark, matrix(spark), Modality.PROTEIN, true, 3L, "x", "n3", 2);
    List<Row> flagged = Matrices.longRows(imp.rows(), imp.samples(), true).filter("imputed").collectAsList();
    assertEquals(1, flagged.size());
    assertEquals("S1/f2", flagged.get(0).getAs("sample_id") + "/" + flagged.get(0).getAs("feature"));
  }
}
