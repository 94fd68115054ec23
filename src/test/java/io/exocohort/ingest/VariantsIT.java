package io.exocohort.ingest;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.versions;
import static io.exocohort.TestLakes.write;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.common.ExitCodes;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest --variants} into real Delta tables: a generated cohort's DNA variants land in {@code dna_variants}
 * with the manifest's sample ids and the run's id, a MAF header and a VCF (read with htsjdk) give the same calls as
 * exocohort's header, bad rows go to quarantine with file, line, column and reason, and a file without a required
 * column changes nothing (exit 2).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VariantsIT {
  @TempDir static Path dir;
  SparkSession spark;
  Path lake;
  Path cohort;
  IngestJob.Result generated;

  @BeforeAll
  void ingestAGeneratedCohort(SparkSession spark) {
    this.spark = spark;
    lake = dir.resolve("lake");
    cohort = dir.resolve("cohort");
    GenerateJob.run(GenerateArgs.defaults(cohort).withSamples(300).withFeatures(10, 0).withSeed(9)
        .withVariants(true));
    generated = IngestJob.run(spark, args(lake, "gen", cohort.resolve("manifest.csv"), null, null)
        .withVariants(cohort.resolve("dna_variants.tsv").toString()));
    assertEquals("succeeded", generated.status());
  }

  private Dataset<Row> table(String name) {
    return spark.read().format("delta").load(lake.resolve(name).toString());
  }

  /** A cohort's variants: "sample|variant" -&gt; "gene|protein_change|alt_reads|depth", and the fractions. */
  private Map<String, String> variants(String cohortName, Map<String, Double> fractions) {
    Map<String, String> m = new TreeMap<>();
    for (Row r : table("dna_variants").filter(col("cohort").equalTo(cohortName)).collectAsList()) {
      String key = r.getAs("sample_id") + "|" + r.getAs("variant");
      m.put(key, r.getAs("gene") + "|" + r.getAs("protein_change") + "|" + r.getAs("alt_reads") + "|"
          + r.getAs("depth"));
      fractions.put(key, r.getAs("allele_fraction"));
    }
    return m;
  }

  @Test
  void generatedVariantsLandWithTheManifestsSamplesAndNoSubjectIds() throws IOException {
    List<String> lines = Files.readAllLines(cohort.resolve("dna_variants.tsv"));
    Map<String, Double> af = new HashMap<>();
    Map<String, String> got = variants("gen", af);
    assertEquals(lines.size() - 1, got.size());
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t");
      String key = f[0] + "|" + f[1] + " " + f[2];
      assertEquals(f[1] + "|" + f[2] + "|" + f[4] + "|" + f[5], got.get(key), key);
      assertEquals(Double.parseDouble(f[3]), af.get(key), 0, key);
    }
    IngestJob.FileResult v = generated.files().stream().filter(x -> x.kind().equals("variants")).findFirst()
        .orElseThrow();
    assertEquals(lines.size() - 1, v.accepted());
    assertEquals(0, v.rejected());
    assertEquals(List.of(generated.runId()), table("dna_variants").filter(col("cohort").equalTo("gen"))
        .select("ingest_run_id").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    Row run = table("ingest_runs").filter(col("run_id").equalTo(generated.runId())).first();
    assertEquals((long) got.size(), run.<String, Long>getJavaMap(run.fieldIndex("rows_written")).get("dna_variants"));
    // the subject ids of the manifest are only in samples, pseudonymised
    Map<String, String> subjects = new HashMap<>();
    for (String line : Files.readAllLines(cohort.resolve("manifest.csv")).subList(1, 301)) {
      String[] f = line.split(",");
      subjects.put(f[0], f[1]);
    }
    for (Row r : table("samples").filter(col("cohort").equalTo("gen")).collectAsList()) {
      assertEquals(TestLakes.TEST_KEY.pseudonym(subjects.get(r.<String>getAs("sample_id"))), r.getAs("subject_key"));
    }
    String stored = table("dna_variants").collectAsList().toString();
    assertFalse(subjects.values().stream().anyMatch(stored::contains), "a raw subject id in dna_variants");
  }

  @Test
  void aMafHeaderGivesTheSameTableAsExocohortsHeader() throws IOException {
    List<String> lines = Files.readAllLines(cohort.resolve("dna_variants.tsv"));
    StringBuilder maf = new StringBuilder("#version 2.4\n#exocohort test\nHugo_Symbol\tEntrez_Gene_Id\tChromosome\t"
        + "Variant_Classification\tTumor_Sample_Barcode\tHGVSc\tHGVSp_Short\tt_depth\tt_ref_count\tt_alt_count\n");
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split("\t");
      long depth = Long.parseLong(f[5]);
      long alt = Long.parseLong(f[4]);
      maf.append(String.join("\t", f[1], "0", "", "Missense_Mutation", f[0], "", f[2], f[5],
          String.valueOf(depth - alt), f[4])).append('\n');
    }
    Path gz = dir.resolve("maf").resolve("variants.maf.gz");
    Files.createDirectories(gz.getParent());
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(gz))) {
      o.write(maf.toString().getBytes(StandardCharsets.UTF_8));
    }
    assertSameCallsAsTheGeneratedFile("maf", gz);
  }

  /**
   * Ingests {@code file} as cohort {@code name}: nothing is quarantined and its calls are those of the generated
   * file, allele fractions within 5e-6 (the generated file gives alt_reads / depth to 5 decimals; a file without
   * them has them computed).
   */
  private void assertSameCallsAsTheGeneratedFile(String name, Path file) {
    IngestJob.Result r = IngestJob.run(spark, args(lake, name, cohort.resolve("manifest.csv"), null, null)
        .withVariants(file.toString()));
    assertEquals(0, r.quarantined());
    Map<String, Double> af = new HashMap<>();
    Map<String, Double> afSimple = new HashMap<>();
    assertEquals(variants("gen", afSimple), variants(name, af));
    afSimple.forEach((k, v) -> assertEquals(v, af.get(k), 5e-6, k));
  }

  @Test
  void aVcfReadWithHtsjdkGivesTheSameCalls() throws IOException {
    List<String[]> calls = Files.readAllLines(cohort.resolve("dna_variants.tsv")).stream().skip(1)
        .map(l -> l.split("\t")).toList();
    List<String> samples = calls.stream().map(c -> c[0]).distinct().toList();
    StringBuilder vcf = new StringBuilder("##fileformat=VCFv4.2\n"
        + "##INFO=<ID=GENE,Number=1,Type=String,Description=\"Gene\">\n"
        + "##INFO=<ID=HGVSP,Number=1,Type=String,Description=\"Protein change\">\n"
        + "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n"
        + "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"Allelic depths\">\n"
        + "##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + String.join("\t", samples)
        + "\n");
    for (int i = 0; i < calls.size(); i++) {
      String[] c = calls.get(i);
      vcf.append("1\t").append(1000 + i).append("\t.\tA\tT\t.\tPASS\tGENE=").append(c[1]).append(";HGVSP=")
          .append(c[2]).append("\tGT:AD");
      long ref = Long.parseLong(c[5]) - Long.parseLong(c[4]);
      for (String sample : samples) {
        vcf.append(sample.equals(c[0]) ? "\t0/1:" + ref + "," + c[4] : "\t0/0:" + c[5] + ",0");
      }
      vcf.append('\n');
    }
    Path gz = dir.resolve("vcf").resolve("calls.vcf.gz");
    Files.createDirectories(gz.getParent());
    // bgzip, as bcftools and GATK write a .vcf.gz: concatenated gzip blocks
    try (OutputStream o = new htsjdk.samtools.util.BlockCompressedOutputStream(gz.toFile())) {
      o.write(vcf.toString().getBytes(StandardCharsets.UTF_8));
    }
    assertSameCallsAsTheGeneratedFile("vcf", gz);
    assertEquals(calls.size(), table("dna_variants").filter(col("cohort").equalTo("vcf"))
        .filter(col("chromosome").equalTo("1").and(col("ref").equalTo("A")).and(col("alt").equalTo("T"))).count());
  }

  @Test
  void badRowsAreQuarantinedAndTheSamplesGoodRowsKept() {
    String[] s = table("samples").filter(col("cohort").equalTo("gen")).orderBy("sample_id").select("sample_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList().subList(0, 3).toArray(new String[0]);
    String file = "sample_id\tgene\tprotein_change\tallele_fraction\talt_reads\tdepth\n"
        + s[0] + "\tKRAS\tp.G12D\t0.01\t20\t2000\n"      // 2 ok
        + s[0] + "\tTP53\tp.R175H\t1.5\t20\t2000\n"      // 3 fraction above 1
        + s[0] + "\tTP53\tp.R248Q\t\t30\t20\n"           // 4 alt above depth
        + s[1] + "\tAPC\tp.R1450*\t\t-3\t2000\n"         // 5 negative
        + "NOT_A_SAMPLE\tKRAS\tp.G12V\t\t5\t1000\n"      // 6 unknown sample
        + s[1] + "\t\tp.G12V\t\t5\t1000\n"               // 7 empty gene
        + s[2] + "\tBRAF\tp.V600E\t0.02\tfive\t1000\n"   // 8 not a number
        + s[1] + "\tPIK3CA\tE545K\t\t7\t1000\n";         // 9 ok, stored as p.E545K
    Path bad = write(dir, "bad/variants.tsv", file);
    IngestJob.Result r = IngestJob.run(spark, args(lake, "bad", cohort.resolve("manifest.csv"), null, null)
        .withVariants(bad.toString()));
    Map<Long, String> q = table("quarantine").filter(col("run_id").equalTo(r.runId()))
        .filter(col("target_table").equalTo("dna_variants")).collectAsList().stream()
        .collect(Collectors.toMap(x -> x.<Long>getAs("line"), x -> x.getAs("source_file") + "|" + x.getAs("column")
            + "|" + x.getAs("value") + "|" + x.getAs("reason")));
    String f = bad.toString() + "|";
    assertEquals(f + "allele_fraction|1.5|allele fraction 1.5 is outside [0, 1] (give a fraction, not a percentage)",
        q.get(3L));
    assertEquals(f + "alt_reads|30|alt_reads 30 is more than depth 20", q.get(4L));
    assertEquals(f + "alt_reads|-3|alt_reads is negative", q.get(5L));
    assertEquals(f + "sample_id|NOT_A_SAMPLE|sample 'NOT_A_SAMPLE' is not in the manifest", q.get(6L));
    assertEquals(f + "gene|null|gene is empty", q.get(7L));
    assertEquals(f + "alt_reads|five|alt_reads is not a number", q.get(8L));
    assertEquals(6, q.size(), q.toString());
    assertEquals(List.of(s[0] + "|KRAS p.G12D", s[1] + "|PIK3CA p.E545K"), new ArrayList<>(
        variants("bad", new HashMap<>()).keySet()));
    assertEquals(6, r.files().stream().filter(x -> x.kind().equals("variants")).findFirst().orElseThrow()
        .rejected());
  }

  @Test
  void aFileWithoutARequiredColumnExitsTwoAndChangesNothing() {
    Path bad = write(dir, "nocol/variants.tsv", "sample_id\tgene\tprotein_change\talt_reads\nS000001\tKRAS\tG12D\t3\n");
    Map<String, Long> before = versions(spark, lake);
    String[] out = TestLakes.cli(lake, "ingest", "--cohort", "nocol", "--manifest",
        cohort.resolve("manifest.csv").toString(), "--variants", bad.toString());
    assertEquals(String.valueOf(ExitCodes.BAD_INPUT), out[0], out[2]);
    assertEquals("exocohort ingest: error: " + bad + ":1: column 'depth': variants file is missing required "
        + "column(s) depth (or t_depth, or t_ref_count) (header: sample_id, gene, protein_change, alt_reads)\n", out[2]);
    assertEquals(before, versions(spark, lake), "no table version moved");
    assertTrue(table("samples").filter(col("cohort").equalTo("nocol")).isEmpty());
  }
}
