package io.exocohort.ingest;

import htsjdk.tribble.TribbleException;
import htsjdk.tribble.readers.LineIteratorImpl;
import htsjdk.tribble.readers.SynchronousLineReader;
import htsjdk.variant.variantcontext.Allele;
import htsjdk.variant.variantcontext.Genotype;
import htsjdk.variant.variantcontext.VariantContext;
import htsjdk.variant.vcf.VCFCodec;
import htsjdk.variant.vcf.VCFHeader;
import htsjdk.variant.vcf.VCFInfoHeaderLine;
import io.exocohort.common.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The variant calls of a VCF, read with htsjdk's {@link VCFCodec} (the header on the driver, the records in
 * parallel, each task with a codec of its own built from the header's lines). One row per sample column and
 * alternate allele that the sample carries (its genotype holds the allele; a no-call with supporting reads counts
 * too):
 *
 * <ul>
 *   <li>gene, HGVS c. and protein change from the INFO annotation of that allele: SnpEff's {@code ANN}
 *       (Gene_Name, HGVS.c, HGVS.p), else VEP's {@code CSQ} (SYMBOL, HGVSc, HGVSp, by the header's
 *       {@code Format:}), else plain {@code GENE} (with {@code HGVSP}, {@code HGVSC} if there), the protein change in
 *       one-letter short form ({@link VariantParser#proteinChange});</li>
 *   <li>alt reads from {@code FORMAT/AD} (required in the header), depth from {@code FORMAT/DP}, else the sum of
 *       AD; the allele fraction from {@code FORMAT/AF} (Mutect2's), else alt reads / depth;</li>
 *   <li>chromosome, position, REF and ALT from the record.</li>
 * </ul>
 *
 * Records whose FILTER is set and not {@code PASS} are not calls and are skipped. Sample column names must be the
 * manifest's sample ids. A VCF without {@code FORMAT/AD}, without a gene annotation, or without sample columns is
 * refused as a whole.
 */
final class VcfCalls implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final String[] COLUMNS = {"FORMAT/AD", "FORMAT/DP", "FORMAT/AF"};
  /** The header's lines, up to and with {@code #CHROM}: each task builds its codec from them. */
  private final List<String> headerLines;
  /** ANN, CSQ or GENE: where the gene comes from. */
  private final String annotation;
  /** CSQ: the positions of Allele, SYMBOL, HGVSc, HGVSp in an annotation (-1 if absent). */
  private final int[] csq;
  private transient VCFCodec codec;

  private VcfCalls(List<String> headerLines, String annotation, int[] csq) {
    this.headerLines = headerLines;
    this.annotation = annotation;
    this.csq = csq;
  }

  /** Reads and checks the header of the VCF {@code f} on the driver. */
  static VcfCalls read(SparkSession spark, SourceFile f) {
    List<String> lines = new ArrayList<>();
    try {
      Path p = new Path(f.path);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (InputStream raw = fs.open(p);
          InputStream in = f.gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
          BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null && line.startsWith("#")) {
          lines.add(line);
          if (line.startsWith("#CHROM")) break;
        }
      }
    } catch (IOException e) {
      throw new BadInputException(f.given, -1, null, "cannot read the VCF header: " + e.getMessage());
    }
    VCFHeader h;
    try {
      h = header(lines);
    } catch (TribbleException e) {
      throw new BadInputException(f.given, f.headerIndex + 1, null, "VCF header: " + e.getMessage());
    }
    if (h.getGenotypeSamples().isEmpty()) {
      throw new BadInputException(f.given, f.headerIndex + 1, null, "VCF has no sample columns");
    }
    if (h.getFormatHeaderLine("AD") == null) {
      throw new BadInputException(f.given, f.headerIndex + 1, "FORMAT/AD",
          "VCF has no FORMAT AD (allelic depths): the supporting reads are needed");
    }
    String annotation = Arrays.stream(new String[] {"ANN", "CSQ", "GENE"}).filter(k -> h.getInfoHeaderLine(k) != null)
        .findFirst().orElseThrow(() -> new BadInputException(f.given, f.headerIndex + 1, "INFO",
            "VCF has no gene annotation: INFO ANN (SnpEff), CSQ (VEP) or GENE is needed"));
    return new VcfCalls(List.copyOf(lines), annotation, annotation.equals("CSQ")
        ? csqFields(h.getInfoHeaderLine("CSQ")) : null);
  }

  private static VCFHeader header(List<String> lines) {
    return (VCFHeader) new VCFCodec().readActualHeader(new LineIteratorImpl(new SynchronousLineReader(
        new StringReader(String.join("\n", lines) + "\n"))));
  }

  /** Where Allele, SYMBOL, HGVSc and HGVSp are in VEP's annotation ("... Format: Allele|Consequence|..."). */
  static int[] csqFields(VCFInfoHeaderLine line) {
    String d = line.getDescription();
    int at = d.indexOf("Format:");
    List<String> names = Arrays.asList((at < 0 ? d : d.substring(at + 7)).strip().split("\\|"));
    return new int[] {names.indexOf("Allele"), names.indexOf("SYMBOL"), names.indexOf("HGVSc"),
        names.indexOf("HGVSp")};
  }

  private VCFCodec codec() {
    if (codec == null) {
      codec = new VCFCodec();
      codec.readActualHeader(new LineIteratorImpl(new SynchronousLineReader(
          new StringReader(String.join("\n", headerLines) + "\n"))));
    }
    return codec;
  }

  /** One record's rows ({@link VariantParser#PARSED}): per sample and carried allele; none for a filtered one. */
  List<Row> rows(Records.Record rec, long line) {
    if (rec.problem != null) return List.of(VariantParser.rejected(line, null, null, null, null, rec.problem));
    List<Row> out = new ArrayList<>();
    try {
      VariantContext vc = codec().decode(String.join("\t", rec.fields));
      if (vc.isFiltered()) return out;
      List<Allele> alts = vc.getAlternateAlleles();
      for (int ai = 0; ai < alts.size(); ai++) {
        String[] gene = annotation(vc, alts.get(ai));
        for (Genotype g : vc.getGenotypes()) {
          Row r = row(line, vc, ai, gene, g);
          if (r != null) out.add(r);
        }
      }
    } catch (TribbleException | IllegalArgumentException e) {
      out.clear();
      out.add(VariantParser.rejected(line, null, null, null, null, "VCF record: " + e.getMessage()));
    }
    return out;
  }

  /** The row of a sample's call of allele {@code ai}, or null if the sample does not carry it. */
  private Row row(long line, VariantContext vc, int ai, String[] gene, Genotype g) {
    Allele alt = vc.getAlternateAllele(ai);
    int[] ad = g.hasAD() ? g.getAD() : null;
    boolean carries = g.isCalled() ? g.getAlleles().contains(alt) : ad != null && ad.length > ai + 1 && ad[ai + 1] > 0;
    if (!carries) return null;
    String sample = g.getSampleName();
    if (ad == null || ad.length <= ai + 1) {
      return VariantParser.rejected(line, sample, gene[0], COLUMNS[0], null, "no allelic depth (AD) for the allele");
    }
    if (gene[0] == null) {
      return VariantParser.rejected(line, sample, null, "INFO/" + annotation, null, "no gene for allele "
          + alt.getDisplayString() + " in INFO " + annotation);
    }
    long depth = g.hasDP() ? g.getDP() : Arrays.stream(ad).asLongStream().sum();
    String afRaw = null;
    Object af = g.getExtendedAttribute("AF");
    if (af != null) {
      String[] parts = af.toString().split(",");
      afRaw = parts.length > ai ? parts[ai].strip() : null;
    }
    Double fraction = afRaw == null || ManifestParser.isNa(afRaw) ? null : ManifestParser.number(afRaw);
    if (afRaw != null && !ManifestParser.isNa(afRaw) && (fraction == null || !Double.isFinite(fraction))) {
      return VariantParser.rejected(line, sample, gene[0], COLUMNS[2], afRaw, "allele fraction is not a number");
    }
    return VariantParser.checked(new VariantParser.Call(line, sample, gene[0], gene[1], gene[2], vc.getContig(),
        (long) vc.getStart(), vc.getReference().getDisplayString(), alt.getDisplayString(), ad[ai + 1], depth,
        fraction, COLUMNS, new String[] {String.valueOf(ad[ai + 1]), String.valueOf(depth), afRaw}));
  }

  /** {gene, protein change, HGVS c.} of an allele from the INFO annotation (nulls where it has none). */
  String[] annotation(VariantContext vc, Allele alt) {
    String a = alt.getDisplayString();
    if (annotation.equals("GENE")) {
      return new String[] {text(vc.getAttributeAsString("GENE", null)),
          VariantParser.proteinChange(text(vc.getAttributeAsString("HGVSP", null))), text(vc.getAttributeAsString("HGVSC", null))};
    }
    String[] first = null;
    for (String ann : vc.getAttributeAsStringList(annotation, "")) {
      String[] f = ann.split("\\|", -1);
      String[] g = annotation.equals("ANN")
          ? new String[] {at(f, 0), at(f, 3), at(f, 10), at(f, 9)}
          : new String[] {at(f, csq[0]), at(f, csq[1]), at(f, csq[3]), at(f, csq[2])};
      String[] out = {g[1], VariantParser.proteinChange(afterColon(g[2])), afterColon(g[3])};
      if (a.equals(g[0])) return out;
      if (first == null) first = out;
    }
    return first != null ? first : new String[3];
  }

  private static String at(String[] f, int i) {
    return i >= 0 && i < f.length ? text(f[i]) : null;
  }

  private static String text(String s) {
    return s == null || ManifestParser.isNa(s) ? null : s.strip();
  }

  /** VEP's {@code ENST00000256078.10:c.35G>A} as {@code c.35G>A}. */
  private static String afterColon(String s) {
    return s == null ? null : s.substring(s.indexOf(':') + 1);
  }
}
