package io.exocohort.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Duplicate detection over partition summaries, against the plain answer computed on the whole file. */
class BlockScanTest {
  static final String HEADER = "sample_id,feature,value";

  /** Splits the data lines into partitions of the given sizes (the header is line 1 of partition 0). */
  static Map<String, String> scan(List<String> lines, int... sizes) {
    CountParser parser = new CountParser(header(), "long", Modality.MIRNA, CountParser.Scale.LINEAR);
    List<BlockScan.Summary> parts = new ArrayList<>();
    long[] prefix = new long[sizes.length];
    int at = 0;
    long lineCount = 1; // header
    for (int p = 0; p < sizes.length; p++) {
      List<Records.Record> recs = new ArrayList<>();
      int startIdx = p == 0 ? 1 : 0;
      prefix[p] = p == 0 ? 0 : lineCount;
      for (int k = 0; k < sizes[p]; k++) {
        recs.add(Records.record(p, startIdx + k, lines.get(at++), ','));
      }
      lineCount += sizes[p];
      parts.add(BlockScan.summarise(p, recs.iterator(), parser));
    }
    return BlockScan.duplicates(parts, prefix, 1000);
  }

  static SourceFile header() {
    try {
      java.nio.file.Path f = java.nio.file.Files.createTempFile("h", ".csv");
      java.nio.file.Files.writeString(f, HEADER + "\na,b,1\n");
      org.apache.spark.sql.SparkSession spark = io.exocohort.SparkTestSession.get();
      return SourceFile.inspect(spark, f.toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void findsDuplicatesInsideAndAcrossPartitions() {
    List<String> lines = List.of(
        "S1,m1,1", "S1,m2,1",                 // lines 2-3
        "S2,m1,1", "S2,m1,2", "S2,m3,1",      // lines 4-6: interior block with a duplicate
        "S3,m1,1", "S3,m2,1",                 // lines 7-8: split across partitions 0 | 1
        "S3,m2,5", "S3,m4,1",                 // lines 9-10
        "S4,m1,1");                           // line 11
    Map<String, String> d = scan(lines, 7, 3);
    assertEquals(Map.of(
        "S2\u0000m1", "duplicate (sample_id, feature): 2 rows, the first on line 4",
        "S3\u0000m2", "duplicate (sample_id, feature): 2 rows, the first on line 8"), d);
  }

  @Test
  void aBlockSpanningThreePartitions() {
    List<String> lines = List.of("S1,m1,1", "S1,m2,1", "S1,m3,1", "S1,m1,9", "S2,m1,1");
    assertEquals(Map.of("S1\u0000m1", "duplicate (sample_id, feature): 2 rows, the first on line 2"),
        scan(lines, 2, 1, 2));
    assertEquals(Map.of(), scan(List.of("S1,m1,1", "S1,m2,1", "S1,m3,1", "S2,m1,1"), 1, 1, 2));
  }

  @Test
  void theKeysOnlyReaderAgreesWithTheFullSplitter() {
    for (String line : List.of("S1,m1,5", " S1 , m1 ,5", "S1,m1", "S1,m1,5,extra", "\"S,1\",m1,5", "S1", "S1,,5",
        "S1,m1,\u0001", "S1\tm1\t5")) {
      Records.Record full = Records.record(0, 3, line, ',');
      Records.Record keys = Records.keys(0, 3, line, ',');
      assertEquals(full.problem, keys.problem, line);
      if (full.fields == null) continue;
      assertEquals(full.fields.length, keys.fields.length, line);
      for (int k = 0; k < Math.min(2, full.fields.length); k++) {
        assertEquals(full.fields[k], keys.fields[k].strip(), line);
      }
    }
  }

  @Test
  void scatteredSamplesNeedTheGeneralCheck() {
    assertNull(scan(List.of("S1,m1,1", "S2,m1,1", "S1,m2,1"), 3));
    assertNull(scan(List.of("S1,m1,1", "S2,m1,1", "S1,m2,1"), 2, 1));
  }
}
