package io.exocohort.de;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import scala.jdk.javaapi.CollectionConverters;

/**
 * voom's per-sample figures read from the sample index's rows ({@link VoomInputs#fromIndex}): each sample's effective
 * library size and prior count (edgeR's prior.count x L / mean L); the reasons voom cannot apply; and null (read the
 * tables instead) for blocks written before the index held them.
 */
class VoomInputsTest {
  private static final String LOG_CPM = "log2_cpm(TMM, prior.count=2)";

  /**
   * A sample index row as {@code DeStats.Source.index()} collects it: cohort, block, norm_run_id, sample_ids, scale,
   * library_sizes, mean_library_size (arrays as Spark gives them).
   */
  private static Row block(String cohort, int block, List<String> ids, String run, String scale, Double[] sizes,
      Double mean) {
    return RowFactory.create(cohort, block, run, seq(ids), scale, sizes == null ? null : seq(Arrays.asList(sizes)),
        mean);
  }

  private static <T> scala.collection.immutable.Seq<T> seq(List<T> values) {
    return CollectionConverters.asScala(values).toSeq();
  }

  @Test
  void libraryAndPriorCountOfEverySampleComeFromTheIndex() {
    VoomInputs v = VoomInputs.fromIndex(List.of(
        block("c", 0, List.of("S1", "S2"), "n1", LOG_CPM, new Double[] {1000.0, 3000.0}, 2500.0),
        block("c", 1, List.of("S3"), "n1", LOG_CPM, new Double[] {3500.0}, 2500.0)));
    assertNull(v.unusable());
    assertEquals(3, v.bySample().size());
    assertArrayEquals(new double[] {1000.0, 2 * 1000.0 / 2500.0}, v.bySample().get(DeDesign.key("c", "S1")));
    assertArrayEquals(new double[] {3500.0, 2 * 3500.0 / 2500.0}, v.bySample().get(DeDesign.key("c", "S3")));
  }

  @Test
  void valuesThatAreNotTheLogCpmOfCountsOrASampleWithoutALibrarySizeMakeVoomUnusable() {
    VoomInputs combat = VoomInputs.fromIndex(List.of(block("c", 0, List.of("S1"), "n1",
        LOG_CPM + ", ComBat(batch, protect cancer_type)", new Double[] {1000.0}, 1000.0)));
    assertTrue(combat.unusable().startsWith("normalize run n1 wrote " + LOG_CPM + ", ComBat"), combat.unusable());
    VoomInputs missing = VoomInputs.fromIndex(List.of(block("c", 0, List.of("S1", "S2"), "n1", LOG_CPM,
        new Double[] {1000.0, null}, Double.NaN)));
    assertEquals("sample S2 of cohort c has no library size and norm factor in sample_normalization for normalize run "
        + "n1", missing.unusable());
  }

  @Test
  void blocksWrittenBeforeTheIndexHeldTheFiguresAreReadFromTheTables() {
    assertNull(VoomInputs.fromIndex(List.of()));
    // the index without the columns (four fields), and one block of two without them
    assertNull(VoomInputs.fromIndex(List.of(RowFactory.create("c", 0, "n1", seq(List.of("S1"))))));
    assertNull(VoomInputs.fromIndex(List.of(
        block("c", 0, List.of("S1"), "n1", LOG_CPM, new Double[] {1000.0}, 1000.0),
        block("d", 0, List.of("S1"), "n2", "log2_cpm(TMM, prior.count=2)", null, null))));
  }
}
