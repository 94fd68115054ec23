package io.exocohort.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An overwrite into a table that holds only its creation commit is written as an append (no Delta state to
 * reconstruct), and leaves what the overwrite would have: the other cohorts untouched, the overwritten cohort's rows
 * those of the last write; when another commit comes between the creation and the append, the write is done again
 * as the overwrite.
 */
class FirstWriteIT {
  private static final String DB = "first_write_it";
  private static final TableDef T = Tables.MIRNA_COUNT_FEATURES;

  private static Dataset<Row> rows(SparkSession spark, String cohort, String... features) {
    return spark.createDataFrame(List.of(RowFactory.create(cohort, List.of(features), 7L, "run-" + cohort)),
        T.schema());
  }

  private static TreeSet<String> content(SparkSession spark, Lake lake) {
    TreeSet<String> out = new TreeSet<>();
    for (Row r : spark.read().format("delta").load(lake.path(T)).collectAsList()) {
      out.add(r.getString(0) + ":" + r.getList(1));
    }
    return out;
  }

  private static String mode(SparkSession spark, Lake lake, long version) {
    return spark.sql("DESCRIBE HISTORY delta.`" + lake.path(T) + "`").filter("version = " + version)
        .selectExpr("operationParameters['mode']").head().getString(0);
  }

  @Test
  void anOverwriteOfACreatedTableIsAnAppendThatLandsRightAfterIt(SparkSession spark, @TempDir Path dir) {
    Lake lake = RunScope.lake(spark, dir.resolve("lake").toString(), DB);
    lake.ensure(T);
    assertEquals(0, lake.version(T));
    Commit c = TableWrites.replaceCohorts(lake, T, rows(spark, "a", "x"), List.of("a"));
    assertEquals(1, c.version());
    assertEquals(1, c.rowsWritten());
    assertEquals("Append", mode(spark, lake, 1), "written as an append");
    assertEquals(new TreeSet<>(List.of("a:[x]")), content(spark, lake));

    // the table has data now: Delta's own overwrite of the cohort
    Commit again = TableWrites.replaceCohorts(lake, T, rows(spark, "a", "y"), List.of("a"));
    assertEquals(2, again.version());
    assertEquals("Overwrite", mode(spark, lake, 2));
    assertEquals(new TreeSet<>(List.of("a:[y]")), content(spark, lake));
  }

  @Test
  void anotherCommitBetweenMakesItTheOverwriteAfterAll(SparkSession spark, @TempDir Path dir) {
    Lake lake = RunScope.lake(spark, dir.resolve("lake").toString(), DB + "_race");
    lake.ensure(T);
    // another writer's rows land between the creation and the append: one of the cohort overwritten, one of another
    TableWrites.beforeFirstWriteForTests(() -> rows(spark, "a", "theirs").union(rows(spark, "b", "theirs")).write()
        .format("delta").mode("append").save(lake.path(T)));
    Commit c;
    try {
      c = TableWrites.replaceCohorts(lake, T, rows(spark, "a", "ours"), List.of("a"));
    } finally {
      TableWrites.beforeFirstWriteForTests(null);
    }
    assertEquals(3, c.version(), "theirs at 1, our append at 2, our overwrite at 3");
    assertEquals("Overwrite", mode(spark, lake, 3));
    assertEquals(1, c.rowsWritten());
    assertEquals(new TreeSet<>(List.of("a:[ours]", "b:[theirs]")), content(spark, lake));

    // a whole-table overwrite into a created table, unraced: an append, and nothing else in the table
    TableDef m = Tables.MARKER_ANNOTATIONS;
    lake.ensure(m);
    Commit w = TableWrites.overwrite(lake, m, spark.createDataFrame(List.of(RowFactory.create("mirna",
        "hsa-miR-21-5p", "colorectal", "up", "serum exosomes", "a source")), m.schema()), "tag-1");
    assertEquals(1, w.version());
    assertEquals("tag-1", TableWrites.latestUserMetadata(lake, m));
    assertEquals(1, spark.read().format("delta").load(lake.path(m)).count());
  }
}
