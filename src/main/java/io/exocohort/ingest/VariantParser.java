package io.exocohort.ingest;

import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;

import io.exocohort.common.BadInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Reads the rows of a DNA variants file, tab-separated (or comma), one row per sample and variant, in either of
 * two headers (matched by name, case and spacing folded, in any order; other columns are ignored):
 *
 * <ul>
 *   <li>exocohort's own: {@code sample_id, gene, protein_change, alt_reads, depth}, optional
 *       {@code allele_fraction, hgvs_c, chromosome, position, ref, alt};</li>
 *   <li>MAF (GDC / cBioPortal): {@code Tumor_Sample_Barcode, Hugo_Symbol, HGVSp_Short, t_alt_count, t_depth}
 *       (or, without {@code t_depth}, {@code t_ref_count}: depth = reference + alt reads), optional
 *       {@code HGVSc, Chromosome, Start_Position, Reference_Allele, Tumor_Seq_Allele2}; a MAF's {@code #version}
 *       lines before the header are skipped.</li>
 * </ul>
 *
 * <p>A VCF (its header line starts {@code #CHROM}) is read with htsjdk instead: see {@link VcfCalls}.
 *
 * <p>Required: the sample, gene, supporting-read and depth columns, and a protein change or HGVS c. column.
 * A file without one of them is refused as a whole. Row checks (the row goes to quarantine with its column and
 * reason): empty sample or gene, counts that are not whole numbers &ge; 0, depth 0, alt reads above depth, an
 * allele fraction outside [0, 1], a position that is not a whole number &gt; 0, and a row with neither protein
 * change, HGVS c. nor position. The allele fraction is taken as given (it may be UMI-corrected), else computed
 * as alt reads / depth. Protein changes are written in one-letter short form with the {@code p.} prefix
 * ({@link #proteinChange}), so every input keys the same variant alike.
 */
public final class VariantParser implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One parsed row: the table's values, or the reason (with column and raw value) it is rejected. */
  public static final StructType PARSED = new StructType()
      .add("line", LongType, true).add("sample_id", StringType, true).add("variant", StringType, true)
      .add("gene", StringType, true).add("protein_change", StringType, true).add("hgvs_c", StringType, true)
      .add("chromosome", StringType, true).add("position", LongType, true).add("ref", StringType, true)
      .add("alt", StringType, true).add("allele_fraction", DoubleType, true).add("alt_reads", LongType, true)
      .add("depth", LongType, true).add("column", StringType, true).add("value", StringType, true)
      .add("reason", StringType, true);

  static final String[] SAMPLE = {"sample_id", "tumor_sample_barcode", "sample"};
  static final String[] GENE = {"gene", "hugo_symbol", "gene_symbol", "symbol"};
  static final String[] PROTEIN = {"protein_change", "hgvsp_short", "hgvsp", "amino_acid_change"};
  static final String[] HGVS_C = {"hgvs_c", "hgvsc", "cdna_change"};
  static final String[] ALT_READS = {"alt_reads", "t_alt_count", "alt_count"};
  static final String[] DEPTH = {"depth", "t_depth", "total_reads"};
  static final String[] REF_READS = {"ref_reads", "t_ref_count", "ref_count"};
  static final String[] FRACTION = {"allele_fraction", "vaf", "t_vaf", "tumor_f"};
  static final String[] CHROMOSOME = {"chromosome", "chrom", "chr"};
  static final String[] POSITION = {"position", "start_position", "pos"};
  static final String[] REF = {"ref", "reference_allele"};
  static final String[] ALT = {"alt", "tumor_seq_allele2", "alt_allele"};

  private final String[] header;
  private final int width;
  private final int sample;
  private final int gene;
  private final int protein;
  private final int hgvsC;
  private final int altReads;
  private final int depth;
  /** Reference reads: depth = reference + alt reads where the file gives no depth. */
  private final int refReads;
  private final int fraction;
  private final int chromosome;
  private final int position;
  private final int ref;
  private final int alt;

  /** A VCF's reader, or null for a MAF / exocohort file. */
  private final VcfCalls vcf;

  /** Finds the columns of a MAF / exocohort file; a missing required one refuses the file (one line naming it). */
  public VariantParser(SourceFile f) {
    this(f, null);
  }

  /**
   * The parser of a variants file: a VCF (its header line starts {@code #CHROM}), read with htsjdk
   * ({@link VcfCalls}), else a MAF / exocohort file.
   */
  public static VariantParser of(SparkSession spark, SourceFile f) {
    boolean vcf = f.header.length > 0 && f.header[0].equals("#CHROM");
    return new VariantParser(f, vcf ? VcfCalls.read(spark, f) : null);
  }

  private VariantParser(SourceFile f, VcfCalls vcf) {
    this.vcf = vcf;
    this.header = f.header;
    this.width = f.header.length;
    sample = find(f, SAMPLE);
    gene = find(f, GENE);
    protein = find(f, PROTEIN);
    hgvsC = find(f, HGVS_C);
    altReads = find(f, ALT_READS);
    depth = find(f, DEPTH);
    refReads = find(f, REF_READS);
    fraction = find(f, FRACTION);
    chromosome = find(f, CHROMOSOME);
    position = find(f, POSITION);
    ref = find(f, REF);
    alt = find(f, ALT);
    if (vcf != null) return;
    List<String> missing = new ArrayList<>();
    if (sample < 0) missing.add("sample_id (or Tumor_Sample_Barcode)");
    if (gene < 0) missing.add("gene (or Hugo_Symbol)");
    if (protein < 0 && hgvsC < 0) missing.add("protein_change (or HGVSp_Short, hgvs_c, HGVSc)");
    if (altReads < 0) missing.add("alt_reads (or t_alt_count)");
    if (depth < 0 && refReads < 0) missing.add("depth (or t_depth, or t_ref_count)");
    if (!missing.isEmpty()) {
      throw new BadInputException(f.given, f.headerIndex + 1, missing.get(0).replaceAll(" \\(.*", ""),
          "variants file is missing required column(s) " + String.join(", ", missing) + " (header: "
              + BadInputException.clip(String.join(", ", f.header), 300) + ")");
    }
  }

  /** The file's name of the sample column (as delivered: the quarantine names it). */
  public String sampleColumn() {
    return vcf != null ? "VCF sample column" : header[sample];
  }

  private static int find(SourceFile f, String[] names) {
    for (String n : names) {
      int i = f.column(n);
      if (i >= 0) return i;
    }
    return -1;
  }

  /** One record as {@link #PARSED} rows: one for a MAF / exocohort line, one per sample and allele for VCF. */
  public List<Row> rows(Records.Record rec, long line) {
    return vcf != null ? vcf.rows(rec, line) : List.of(parse(rec, line));
  }

  /** One line of a MAF / exocohort file as a {@link #PARSED} row; never throws for bad content. */
  public Row parse(Records.Record rec, long line) {
    if (rec.problem != null) return rejected(line, null, null, null, null, rec.problem);
    String[] f = rec.fields;
    if (f.length != width) {
      return rejected(line, null, null, null, null, "line has " + f.length + " fields, the header has " + width);
    }
    String s = text(f, sample);
    String g = text(f, gene);
    if (s == null) return rejected(line, null, null, header[sample], f[sample], "sample_id is empty");
    if (g == null) return rejected(line, s, null, header[gene], f[gene], "gene is empty");
    Object[] pos = count(f, position, "position");
    if (pos[1] != null || pos[0] != null && (Long) pos[0] == 0) {
      return rejected(line, s, g, header[position], f[position],
          pos[1] != null ? (String) pos[1] : "position must be 1 or more");
    }
    Object[] alts = count(f, altReads, "alt_reads");
    Object[] dp = count(f, depth, "depth");
    int depthCol = depth;
    if (dp[0] == null && dp[1] == null && refReads >= 0) { // no depth given: reference + alt reads
      Object[] rr = count(f, refReads, "ref_reads");
      dp = rr[1] != null || rr[0] == null || alts[0] == null ? rr : new Object[] {(Long) rr[0] + (Long) alts[0], null};
      depthCol = refReads;
    }
    String raw = fraction < 0 ? null : f[fraction].strip();
    Double af = raw == null || ManifestParser.isNa(raw) ? null : ManifestParser.number(raw);
    String reason = problem(alts, "alt_reads");
    int col = altReads;
    if (reason == null) {
      reason = problem(dp, "depth");
      col = depthCol;
    }
    if (reason == null && raw != null && !ManifestParser.isNa(raw) && (af == null || !Double.isFinite(af))) {
      reason = "allele fraction is not a number";
      col = fraction;
    }
    if (reason != null) return rejected(line, s, g, header[col], f[col], reason);
    return checked(new Call(line, s, g, proteinChange(text(f, protein)), text(f, hgvsC), text(f, chromosome),
        (Long) pos[0], text(f, ref), text(f, alt), (Long) alts[0], (Long) dp[0], af,
        new String[] {header[altReads], header[depthCol], fraction < 0 ? null : header[fraction]},
        new String[] {f[altReads], f[depthCol], raw}));
  }

  /**
   * One sample's call of one variant, its numbers read, before the checks that relate them.
   *
   * @param fraction the allele fraction given, or null (then alt reads / depth)
   * @param columns the columns of alt reads, depth and allele fraction (for the quarantine)
   * @param raw their texts (for the quarantine)
   */
  record Call(long line, String sample, String gene, String protein, String hgvsC, String chr, Long position,
      String ref, String alt, long altReads, long depth, Double fraction, String[] columns, String[] raw) {}

  /** The call as a {@link #PARSED} row: accepted, or rejected with the first problem found. */
  static Row checked(Call c) {
    String variant = variant(c.gene(), c.protein(), c.hgvsC(), c.chr(), c.position(), c.ref(), c.alt());
    if (variant == null) {
      return rejected(c.line(), c.sample(), c.gene(), null, null, "no protein change, HGVS c. or position for the "
          + "variant");
    }
    String[] col = c.columns();
    String[] raw = c.raw();
    if (c.altReads() < 0) return rejected(c.line(), c.sample(), variant, col[0], raw[0], "alt_reads is negative");
    if (c.depth() < 0) return rejected(c.line(), c.sample(), variant, col[1], raw[1], "depth is negative");
    if (c.depth() == 0) return rejected(c.line(), c.sample(), variant, col[1], raw[1], "depth is 0");
    if (c.altReads() > c.depth()) {
      return rejected(c.line(), c.sample(), variant, col[0], raw[0],
          "alt_reads " + c.altReads() + " is more than depth " + c.depth());
    }
    double af = c.fraction() == null ? (double) c.altReads() / c.depth() : c.fraction();
    if (!(af >= 0 && af <= 1)) {
      return rejected(c.line(), c.sample(), variant, col[2], raw[2], "allele fraction "
          + BadInputException.clip(raw[2], 40) + " is outside [0, 1] (give a fraction, not a percentage)");
    }
    return RowFactory.create(c.line(), c.sample(), variant, c.gene(), c.protein(), c.hgvsC(), c.chr(), c.position(),
        c.ref(), c.alt(), af, c.altReads(), c.depth(), null, null, null);
  }

  static Row rejected(long line, String sample, String variant, String column, String value,
      String reason) {
    return RowFactory.create(line, sample, variant, null, null, null, null, null, null, null, null, null, null,
        column, value == null || value.isBlank() ? null : BadInputException.clip(value.strip(), 200), reason);
  }

  /** The stripped field, or null when the column is absent or the field empty / NA. */
  private static String text(String[] f, int i) {
    if (i < 0) return null;
    String t = f[i].strip();
    return ManifestParser.isNa(t) ? null : t;
  }

  /** The problem of a required whole number read by {@link #count}, or null. */
  private static String problem(Object[] v, String name) {
    return v[1] != null ? (String) v[1] : v[0] == null ? name + " is missing" : null;
  }

  /** {value or null, reason or null} of a whole-number column (absent or empty: {null, null}). */
  private static Object[] count(String[] f, int i, String name) {
    String t = text(f, i);
    if (t == null) return new Object[] {null, null};
    Double d = ManifestParser.number(t);
    if (d == null || !Double.isFinite(d)) return new Object[] {null, name + " is not a number"};
    if (d < 0) return new Object[] {null, name + " is negative"};
    if (d != Math.rint(d) || d > 9.0e15) return new Object[] {null, name + " is not a whole number"};
    return new Object[] {(long) (double) d, null};
  }

  private static final Map<String, String> AMINO_ACIDS = Map.ofEntries(Map.entry("Ala", "A"), Map.entry("Arg", "R"),
      Map.entry("Asn", "N"), Map.entry("Asp", "D"), Map.entry("Cys", "C"), Map.entry("Gln", "Q"),
      Map.entry("Glu", "E"), Map.entry("Gly", "G"), Map.entry("His", "H"), Map.entry("Ile", "I"),
      Map.entry("Leu", "L"), Map.entry("Lys", "K"), Map.entry("Met", "M"), Map.entry("Phe", "F"),
      Map.entry("Pro", "P"), Map.entry("Ser", "S"), Map.entry("Thr", "T"), Map.entry("Trp", "W"),
      Map.entry("Tyr", "Y"), Map.entry("Val", "V"), Map.entry("Ter", "*"), Map.entry("Sec", "U"));

  /**
   * A protein change in HGVS one-letter short form, so that every input keys a variant alike: three-letter amino
   * acids written one-letter ({@code p.Gly12Asp} is {@code p.G12D}, {@code p.Gly646TrpfsTer12} is
   * {@code p.G646Wfs*12}) and {@code p.} prefixed if missing ({@code G12D} is {@code p.G12D}); null stays null.
   */
  static String proteinChange(String p) {
    if (p == null) return null;
    StringBuilder sb = new StringBuilder(p.length());
    int i = 0;
    while (i < p.length()) {
      String one = i + 3 <= p.length() ? AMINO_ACIDS.get(p.substring(i, i + 3)) : null;
      if (one != null) {
        sb.append(one);
        i += 3;
      } else {
        sb.append(p.charAt(i++));
      }
    }
    String s = sb.toString();
    return s.startsWith("p.") ? s : "p." + s;
  }

  /** The key of a variant within a sample (see {@code dna_variants.variant}); null if it has nothing to key on. */
  static String variant(String gene, String protein, String hgvsC, String chr, Long pos, String ref, String alt) {
    if (protein != null) return gene + " " + protein;
    if (hgvsC != null) return gene + " " + hgvsC;
    if (chr != null && pos != null) {
      return gene + " " + chr + ":" + pos + (ref != null && alt != null ? " " + ref + ">" + alt : "");
    }
    return null;
  }
}
