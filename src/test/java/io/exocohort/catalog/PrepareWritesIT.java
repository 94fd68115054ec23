package io.exocohort.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RunScope#prepareWrites}: the tables a run will write are created beside its work, from their declaration
 * (columns, nullability, comments, constraints), and its writes wait for them; a run stopped before it prepares
 * creates nothing, and one that fails after it leaves the created tables empty, as a failed first write does.
 */
class PrepareWritesIT {
  private static final String DB = "prepare_it";

  record NoArgs() {}

  @Test
  void preparedTablesAreCreatedFromTheirDeclarationAndWrittenAfter(SparkSession spark, @TempDir Path dir) {
    String root = dir.resolve("lake").toString();
    Lake lake = RunScope.lake(spark, root, DB);
    assertThrows(BadInputException.class, () -> RunScope.run(spark, root, DB, "de", null, new NoArgs(), s -> {
      throw new BadInputException("stopped before any write");
    }));
    assertFalse(lake.exists(Tables.DE_RUNS), "a run stopped before preparing creates no table");

    assertThrows(IllegalStateException.class, () -> RunScope.run(spark, root, DB, "de", null, new NoArgs(), s -> {
      s.prepareWrites(Tables.DE_RUNS, Tables.MARKER_ANNOTATIONS);
      throw new IllegalStateException("failed after preparing");
    }));
    for (TableDef t : List.of(Tables.DE_RUNS, Tables.MARKER_ANNOTATIONS)) {
      assertEquals(0, lake.version(t), t.name() + ": created, nothing written");
      StructType got = spark.read().format("delta").load(lake.path(t)).schema();
      assertEquals(t.schema().size(), got.size(), t.name());
      for (StructField f : t.schema().fields()) {
        StructField g = got.apply(f.name());
        assertEquals(f.dataType(), g.dataType(), t.name() + "." + f.name());
        assertEquals(f.nullable(), g.nullable(), t.name() + "." + f.name() + " nullability");
        assertEquals(f.getComment(), g.getComment(), t.name() + "." + f.name() + " comment");
      }
    }

    Row ok = RowFactory.create("mirna", "hsa-miR-21-5p", "colorectal", "up", "serum exosomes", "a source");
    long rows = RunScope.run(spark, root, DB, "de", null, new NoArgs(), s -> {
      s.prepareWrites(Tables.MARKER_ANNOTATIONS);
      Commit c = s.append(Tables.MARKER_ANNOTATIONS,
          spark.createDataFrame(List.of(ok), Tables.MARKER_ANNOTATIONS.schema()));
      s.succeeded(Map.of(), "ok");
      return c.rowsWritten();
    });
    assertEquals(1, rows);
    assertEquals(1, lake.version(Tables.MARKER_ANNOTATIONS), "the write is the table's second version");
    Row bad = RowFactory.create("mirna", "hsa-miR-21-5p", "colorectal", "sideways", null, "a source");
    Exception e = assertThrows(Exception.class, () -> RunScope.run(spark, root, DB, "de", null, new NoArgs(), s -> {
      s.prepareWrites(Tables.MARKER_ANNOTATIONS);
      s.append(Tables.MARKER_ANNOTATIONS, spark.createDataFrame(List.of(bad), Tables.MARKER_ANNOTATIONS.schema()));
      s.succeeded(Map.of(), "not reached");
      return null;
    }));
    assertTrue(String.valueOf(e.getMessage()).contains("direction_valid"), "the declared constraint holds: " + e);
    assertEquals(1, spark.read().format("delta").load(lake.path(Tables.MARKER_ANNOTATIONS)).count());
  }
}
