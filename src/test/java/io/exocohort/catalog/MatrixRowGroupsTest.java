package io.exocohort.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The matrix tables bound their Parquet row groups ({@link Tables#MATRIX_ROW_GROUP_ROWS} rows): a reader holds a
 * row group's column chunk and a batch of its rows, so an unbounded one (Parquet's default is 128 MB) ran a 2 GB
 * driver out of memory on a 100,000-sample matrix. The bound is a table property that Delta hands to the Parquet
 * writer; this writes 300 matrix rows through the lake's write path and reads the files' footers. The entries
 * are written without a dictionary (all distinct: it never pays).
 */
class MatrixRowGroupsTest {
  @Test
  void matrixWritesCutRowGroupsAtTheDeclaredRows(SparkSession spark, @TempDir Path tmp) throws IOException {
    for (TableDef t : List.of(Tables.MIRNA_MATRIX, Tables.PROTEIN_MATRIX)) {
      assertEquals(String.valueOf(Tables.MATRIX_ROW_GROUP_ROWS), t.properties().get("parquet.block.row.count.limit"),
          t.name());
      assertEquals("false", t.properties().get(Tables.NO_DICTIONARY_ENTRIES), t.name());
    }
    Lake lake = Lake.open(spark, tmp.resolve("lake").toString(), "matrix_row_groups_test");
    Dataset<Row> rows = spark.range(300).selectExpr("'c' AS cohort", "0 AS block",
        "concat('f', CAST(id AS STRING)) AS feature",
        "transform(sequence(1, 200), x -> CAST(x % 4 AS DOUBLE)) AS entries", "'log2_cpm' AS scale",
        "'n1' AS norm_run_id").repartition(1);
    rows = spark.createDataFrame(rows.javaRDD(), Tables.MIRNA_MATRIX.schema());
    Commit c = TableWrites.append(lake, Tables.MIRNA_MATRIX, rows);
    assertEquals(300, c.rowsWritten());
    List<Long> groups = new ArrayList<>();
    List<Boolean> entries = new ArrayList<>();
    List<Boolean> scales = new ArrayList<>();
    try (Stream<Path> files = Files.walk(tmp.resolve("lake").resolve(Tables.MIRNA_MATRIX.name()))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
            new org.apache.hadoop.fs.Path(f.toUri()), new Configuration()))) {
          for (BlockMetaData b : r.getFooter().getBlocks()) {
            groups.add(b.getRowCount());
            for (ColumnChunkMetaData col : b.getColumns()) {
              String path = col.getPath().toDotString();
              // the entries are plain-encoded, even four distinct values (a dictionary would pay for them); the
              // scale (one string) keeps its dictionary
              if (path.equals("entries.list.element")) entries.add(col.hasDictionaryPage());
              if (path.equals("scale")) scales.add(col.hasDictionaryPage());
            }
          }
        }
      }
    }
    assertEquals(300L, groups.stream().mapToLong(Long::longValue).sum());
    assertTrue(groups.stream().allMatch(n -> n <= Tables.MATRIX_ROW_GROUP_ROWS), groups.toString());
    assertEquals(5, groups.size(), groups.toString());
    assertEquals(List.of(false, false, false, false, false), entries, "dictionary pages of entries");
    assertEquals(List.of(true, true, true, true, true), scales, "dictionary pages of scale");
  }
}
