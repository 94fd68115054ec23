package io.exocohort.ingest;

import static io.exocohort.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VCF input of {@code ingest --variants} ({@link VcfCalls}): annotations, genotypes, AD / DP / AF, filters. */
class VcfCallsTest {
  static final String META = "##fileformat=VCFv4.2\n"
      + "##FILTER=<ID=PASS,Description=\"All filters passed\">\n"
      + "##FILTER=<ID=weak_evidence,Description=\"Low support\">\n"
      + "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
      + "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths\">\n"
      + "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"Depth\">\n"
      + "##FORMAT=<ID=AF,Number=A,Type=Float,Description=\"Allele fraction\">\n"
      + "##contig=<ID=chr12>\n##contig=<ID=chr17>\n##contig=<ID=chr2>\n";
  static final String ANN = "##INFO=<ID=ANN,Number=.,Type=String,Description=\"Functional annotations: 'Allele | "
      + "Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | "
      + "HGVS.c | HGVS.p | cDNA.pos / cDNA.length | CDS.pos / CDS.length | AA.pos / AA.length | Distance | "
      + "ERRORS / WARNINGS / INFO'\">\n";
  static final String HEADER = "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2\n";

  static List<Row> rows(SparkSession spark, Path dir, String vcf) {
    SourceFile f = SourceFile.inspect(spark, write(dir, "v.vcf", vcf).toString(), true);
    VariantParser p = VariantParser.of(spark, f);
    List<Row> out = new ArrayList<>();
    String[] lines = vcf.split("\n");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].startsWith("#")) continue;
      for (Row r : p.rows(Records.record(-1, i + 1, lines[i], '\t'), i + 1)) out.add(r);
    }
    return out;
  }

  /** line|sample|variant|protein|hgvs_c|chr:pos ref>alt|af|alt|depth, or line|sample|column|reason. */
  static String show(Row r) {
    if (r.get(15) != null) return r.get(0) + "|" + r.get(1) + "|" + r.get(13) + "|" + r.get(15);
    return r.get(0) + "|" + r.get(1) + "|" + r.get(2) + "|" + r.get(4) + "|" + r.get(5) + "|" + r.get(6) + ":"
        + r.get(7) + " " + r.get(8) + ">" + r.get(9) + "|" + r.get(10) + "|" + r.get(11) + "|" + r.get(12);
  }

  @Test
  void snpEffAnnotatedCallsGiveARowPerCarrierAndAllele(SparkSession spark, @TempDir Path dir) {
    String vcf = META + ANN + HEADER
        // S1 carries G12D (AF given), S2 is reference
        + "chr12\t25245350\t.\tC\tT\t.\tPASS\tANN=T|missense_variant|MODERATE|KRAS|ENSG1|transcript|ENST1|"
        + "protein_coding|2/6|c.35G>A|p.Gly12Asp|||||\tGT:AD:DP:AF\t0/1:1980,20:2000:0.0125\t0/0:1500,0:1500:0\n"
        // filtered: no rows
        + "chr17\t7675088\t.\tC\tT\t.\tweak_evidence\tANN=T|missense_variant|MODERATE|TP53|ENSG2|transcript|ENST2|"
        + "protein_coding|5/11|c.524G>A|p.Arg175His|||||\tGT:AD:DP\t0/1:990,10:1000\t0/0:900,0:900\n"
        // multi-allelic: S1 one allele, S2 the other; no DP (sum of AD), no AF (alt / depth); a no-call with reads
        + "chr12\t25245350\t.\tC\tA,G\t.\t.\tANN=A|missense_variant|MODERATE|KRAS|ENSG1|transcript|ENST1|"
        + "protein_coding|2/6|c.35G>T|p.Gly12Val|||||,G|missense_variant|MODERATE|KRAS|ENSG1|transcript|ENST1|"
        + "protein_coding|2/6|c.35G>C|p.Gly12Ala|||||\tGT:AD\t0/1:995,5,0\t./.:990,0,10\n"
        // alt reads above depth: quarantined with the FORMAT column
        + "chr2\t100\t.\tG\tA\t.\tPASS\tANN=A|missense_variant|MODERATE|GENE2|ENSG3|transcript|ENST3|protein_coding|"
        + "1/1|c.1G>A|p.Val1Ile|||||\tGT:AD:DP\t0/1:5,30:20\t0/0:10,0:10\n";
    List<String> got = rows(spark, dir, vcf).stream().map(VcfCallsTest::show).toList();
    assertEquals(List.of(
        "13|S1|KRAS p.G12D|p.G12D|c.35G>A|chr12:25245350 C>T|0.0125|20|2000",
        "15|S1|KRAS p.G12V|p.G12V|c.35G>T|chr12:25245350 C>A|0.005|5|1000",
        "15|S2|KRAS p.G12A|p.G12A|c.35G>C|chr12:25245350 C>G|0.01|10|1000",
        "16|S1|FORMAT/AD|alt_reads 30 is more than depth 20"), got);
  }

  @Test
  void vepAndPlainGeneAnnotationsAreReadToo(SparkSession spark, @TempDir Path dir) {
    String csq = "##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from Ensembl VEP. "
        + "Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature|HGVSc|HGVSp\">\n";
    List<String> vep = rows(spark, dir, META + csq + HEADER + "chr12\t25245350\t.\tC\tT\t.\tPASS\t"
        + "CSQ=T|missense_variant|MODERATE|KRAS|ENSG1|ENST1|ENST1.1:c.35G>A|ENSP1.1:p.Gly12Asp\tGT:AD:DP\t"
        + "0/1:990,10:1000\t0/0:10,0:10\n").stream().map(VcfCallsTest::show).toList();
    assertEquals(List.of("13|S1|KRAS p.G12D|p.G12D|c.35G>A|chr12:25245350 C>T|0.01|10|1000"), vep);
    String gene = "##INFO=<ID=GENE,Number=1,Type=String,Description=\"Gene\">\n"
        + "##INFO=<ID=HGVSP,Number=1,Type=String,Description=\"Protein change\">\n";
    List<String> plain = rows(spark, dir.resolve("g"), META + gene + HEADER + "chr17\t7674220\t.\tC\tT\t.\tPASS\t"
        + "GENE=TP53;HGVSP=R248Q\tGT:AD\t0/0:10,0\t0/1:996,4\n").stream().map(VcfCallsTest::show).toList();
    assertEquals(List.of("14|S2|TP53 p.R248Q|p.R248Q|null|chr17:7674220 C>T|0.004|4|1000"), plain);
    assertEquals("p.G646Wfs*12", VariantParser.proteinChange("p.Gly646TrpfsTer12"));
    assertEquals("p.G12D", VariantParser.proteinChange("G12D"));
    assertEquals("p.E746_A750del", VariantParser.proteinChange("p.Glu746_Ala750del"));
  }

  @Test
  void aVcfWithoutAllelicDepthsOrAGeneAnnotationIsRefused(SparkSession spark, @TempDir Path dir) {
    String noAd = META.replace("##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths\">\n", "");
    BadInputException a = assertThrows(BadInputException.class, () -> rows(spark, dir, noAd + ANN + HEADER
        + "chr2\t1\t.\tG\tA\t.\tPASS\t.\tGT\t0/1\t0/0\n"));
    assertTrue(a.getMessage().matches(".*v\\.vcf:11: column 'FORMAT/AD': VCF has no FORMAT AD.*"), a.getMessage());
    BadInputException g = assertThrows(BadInputException.class, () -> rows(spark, dir.resolve("g"), META + HEADER
        + "chr2\t1\t.\tG\tA\t.\tPASS\t.\tGT:AD\t0/1:5,5\t0/0:5,0\n"));
    assertTrue(g.getMessage().contains("column 'INFO': VCF has no gene annotation"), g.getMessage());
  }
}
