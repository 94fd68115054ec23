package io.exocohort.ingest;

import static io.exocohort.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The variants file's header rules and row checks ({@link VariantParser}), and the sample / duplicate checks. */
class VariantParserTest {
  static final String SIMPLE = "sample_id\tgene\tprotein_change\tallele_fraction\talt_reads\tdepth\n";
  static final String MAF = "#version 2.4\nHugo_Symbol\tChromosome\tStart_Position\tReference_Allele\t"
      + "Tumor_Seq_Allele2\tTumor_Sample_Barcode\tHGVSc\tHGVSp_Short\tt_depth\tt_alt_count\tt_ref_count\n";

  static VariantParser parser(SparkSession spark, Path dir, String content) {
    return new VariantParser(SourceFile.inspect(spark, write(dir, "v.tsv", content).toString(), true));
  }

  /** A parsed line, with the schema (so that tests read columns by name). */
  static Row parse(VariantParser p, String line) {
    Row r = p.parse(Records.record(-1, 7, line, '\t'), 7);
    Object[] v = new Object[r.length()];
    for (int i = 0; i < v.length; i++) v[i] = r.get(i);
    return new GenericRowWithSchema(v, VariantParser.PARSED);
  }

  @Test
  void simpleAndMafHeadersGiveTheSameRow(SparkSession spark, @TempDir Path dir) {
    Row a = parse(parser(spark, dir, SIMPLE + "S1\tKRAS\tG12D\t0.0125\t25\t2000\n"), "S1\tKRAS\tG12D\t\t25\t2000");
    VariantParser maf = parser(spark, dir.resolve("maf"), MAF + "KRAS\t12\t25245350\tC\tT\tS1\tc.35G>A\tp.G12D\t2000\t25\t1975\n");
    Row b = parse(maf, "KRAS\t12\t25245350\tC\tT\tS1\tc.35G>A\tp.G12D\t2000\t25\t1975");
    for (String c : List.of("sample_id", "variant", "gene", "protein_change", "allele_fraction", "alt_reads", "depth")) {
      assertEquals((Object) a.getAs(c), b.getAs(c), c);
    }
    assertEquals("KRAS p.G12D", b.getAs("variant"));
    assertEquals(0.0125, (double) b.getAs("allele_fraction"), 0);
    assertEquals("c.35G>A", b.getAs("hgvs_c"));
    assertEquals(25245350L, (long) b.getAs("position"));
    assertNull(b.getAs("reason"));
    assertNull(a.getAs("hgvs_c"));
  }

  @Test
  void givenAlleleFractionIsKeptAndTheKeyFallsBackToHgvsOrPosition(SparkSession spark, @TempDir Path dir) {
    VariantParser p = parser(spark, dir, "sample_id\tgene\tprotein_change\thgvs_c\tchromosome\tposition\tref\talt\t"
        + "allele_fraction\talt_reads\tdepth\nS1\tTP53\t\tc.743G>A\t17\t7674220\tC\tT\t0.01\t3\t1000\n");
    Row umi = parse(p, "S1\tTP53\tp.R248Q\t\t\t\t\t\t0.004\t3\t1000");
    assertEquals(0.004, (double) umi.getAs("allele_fraction"), 0);
    assertEquals("TP53 c.743G>A", parse(p, "S1\tTP53\t\tc.743G>A\t17\t7674220\tC\tT\t0.01\t3\t1000").getAs("variant"));
    assertEquals("TET2 4:105243583 C>T", parse(p, "S1\tTET2\t\t\t4\t105243583\tC\tT\t\t3\t1000").getAs("variant"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "S1\tKRAS\tG12D\t1.3\t25\t2000|allele_fraction|1.3|allele fraction 1.3 is outside [0, 1]",
      "S1\tKRAS\tG12D\t-0.1\t25\t2000|allele_fraction|-0.1|allele fraction -0.1 is outside [0, 1]",
      "S1\tKRAS\tG12D\tabc\t25\t2000|allele_fraction|abc|allele fraction is not a number",
      "S1\tKRAS\tG12D\t\t30\t20|alt_reads|30|alt_reads 30 is more than depth 20",
      "S1\tKRAS\tG12D\t\t-2\t20|alt_reads|-2|alt_reads is negative",
      "S1\tKRAS\tG12D\t\t2.5\t20|alt_reads|2.5|alt_reads is not a whole number",
      "S1\tKRAS\tG12D\t\tmany\t20|alt_reads|many|alt_reads is not a number",
      "S1\tKRAS\tG12D\t\t2\t-20|depth|-20|depth is negative",
      "S1\tKRAS\tG12D\t\t0\t0|depth|0|depth is 0",
      "S1\t\tG12D\t\t2\t20|gene||gene is empty",
      "NA\tKRAS\tG12D\t\t2\t20|sample_id|NA|sample_id is empty",
      "S1\tKRAS\t\t\t2\t20|||no protein change, HGVS c. or position for the variant",
      "S1\tKRAS\tG12D\t2\t20|||line has 5 fields, the header has 6"})
  void badRowsGetColumnValueAndReason(String line, String column, String value, String reason, SparkSession spark,
      @TempDir Path dir) {
    Row r = parse(parser(spark, dir, SIMPLE + "S1\tKRAS\tG12D\t0.01\t25\t2000\n"), line);
    assertTrue(((String) r.getAs("reason")).startsWith(reason), r.toString());
    assertEquals(column, r.getAs("column"));
    assertEquals(value, r.getAs("value"));
    assertEquals(7L, (long) r.getAs("line"));
  }

  @Test
  void withoutADepthColumnTheDepthIsReferencePlusAltReads(SparkSession spark, @TempDir Path dir) {
    VariantParser p = parser(spark, dir, "Tumor_Sample_Barcode\tHugo_Symbol\tHGVSp_Short\tt_ref_count\t"
        + "t_alt_count\nS1\tKRAS\tp.G12D\t1975\t25\n");
    Row r = parse(p, "S1\tKRAS\tp.G12D\t1975\t25");
    assertEquals(2000L, (long) r.getAs("depth"));
    assertEquals(0.0125, (double) r.getAs("allele_fraction"), 1e-15);
    Row bad = parse(p, "S1\tKRAS\tp.G12D\tlots\t25");
    assertEquals("t_ref_count|lots|ref_reads is not a number", bad.getAs("column") + "|" + bad.getAs("value") + "|"
        + bad.getAs("reason"));
  }

  @Test
  void aMissingRequiredColumnRefusesTheFileInOneLine(SparkSession spark, @TempDir Path dir) {
    BadInputException e = assertThrows(BadInputException.class, () -> parser(spark, dir,
        "sample_id\tgene\tprotein_change\tallele_fraction\talt_reads\nS1\tKRAS\tG12D\t0.01\t25\n"));
    assertTrue(e.getMessage().matches(".*v\\.tsv:1: column 'depth': variants file is missing required column\\(s\\) "
        + "depth \\(or t_depth, or t_ref_count\\).*"), e.getMessage());
    BadInputException m = assertThrows(BadInputException.class, () -> parser(spark, dir.resolve("m"),
        "#version 2.4\nHugo_Symbol\tTumor_Sample_Barcode\tt_depth\tt_alt_count\nKRAS\tS1\t10\t2\n"));
    assertTrue(m.getMessage().contains("v.tsv:2: column 'protein_change': "), m.getMessage());
    assertTrue(!m.getMessage().contains("\n"));
  }

  @Test
  void unknownAndRejectedSamplesAndDuplicatesAreReasons(SparkSession spark, @TempDir Path dir) {
    VariantParser p = parser(spark, dir, SIMPLE + "S1\tKRAS\tG12D\t0.01\t25\t2000\n");
    List<Row> rows = new java.util.ArrayList<>(List.of(parse(p, "S1\tKRAS\tG12D\t\t25\t2000"), parse(p, "S1\tTP53\tR175H\t\t5\t2000"),
        parse(p, "S2\tKRAS\tG12D\t\t25\t2000"), parse(p, "S3\tKRAS\tG12D\t\t25\t2000"),
        parse(p, "S1\tKRAS\tp.G12D\t\t26\t2000"), parse(p, "S1\tKRAS\tG12V\t\t99\t20")));
    for (int i = 0; i < rows.size(); i++) rows.set(i, withLine(rows.get(i), i + 2));
    Map<Long, String> reasons = VariantFile.check(spark.createDataFrame(rows, VariantParser.PARSED),
            spark.createDataFrame(List.of(RowFactory.create("S1", true), RowFactory.create("S3", false)),
                VariantFile.SAMPLE_STATUS), "sample_id")
        .collectAsList().stream().collect(Collectors.toMap(r -> r.<Long>getAs("line"),
            r -> r.getAs("column") + "|" + r.getAs("reason")));
    assertEquals("null|duplicate (sample_id, variant): 2 rows, the first on line 2", reasons.get(2L));
    assertEquals("null|null", reasons.get(3L));
    assertEquals("sample_id|sample 'S2' is not in the manifest", reasons.get(4L));
    assertEquals("sample_id|sample 'S3' was rejected in the manifest (see quarantine)", reasons.get(5L));
    assertEquals("null|duplicate (sample_id, variant): 2 rows, the first on line 2", reasons.get(6L));
    assertEquals("alt_reads|alt_reads 99 is more than depth 20", reasons.get(7L));
  }

  private static Row withLine(Row r, long line) {
    Object[] v = new Object[r.length()];
    for (int i = 0; i < v.length; i++) v[i] = r.get(i);
    v[0] = line;
    return RowFactory.create(v);
  }
}
