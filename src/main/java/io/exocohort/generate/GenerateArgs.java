package io.exocohort.generate;

import io.exocohort.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The arguments of {@code exocohort generate}. {@link #validate()} checks the ranges and fails fast with a
 * one-line {@link BadInputException} naming the bad value.
 *
 * @param out          directory the files are written into (created if missing)
 * @param samples      number of samples, 1..100,000
 * @param mirnas       number of miRNAs, 10..2,600 (the key miRs come first)
 * @param proteins     number of proteins, 0..{@link ProteinPool#max()}
 * @param cancerTypes  number of cancer types besides healthy, 1..{@link CancerTypes#max()}
 * @param seed         the seed: same seed and options give byte-identical files
 * @param format       csv, tsv or parquet (truth files are always csv)
 * @param layout       long (sample_id, feature, value) or wide (feature x samples)
 * @param gzip         gzip the csv / tsv measurement and manifest files
 * @param cohort       optional cohort name, prefixed to the sample ids
 * @param repeats      repeated draws per subject ({@link Repeats#NONE}: today's occasional second visit)
 * @param variants     also write the DNA variant calls ({@code dna_variants.tsv}) and their truth
 */
public record GenerateArgs(Path out, int samples, int mirnas, int proteins, int cancerTypes, long seed,
    Format format, Layout layout, boolean gzip, String cohort, Repeats repeats, boolean variants) {

  /** Without DNA variants. */
  public GenerateArgs(Path out, int samples, int mirnas, int proteins, int cancerTypes, long seed, Format format,
      Layout layout, boolean gzip, String cohort, Repeats repeats) {
    this(out, samples, mirnas, proteins, cancerTypes, seed, format, layout, gzip, cohort, repeats, false);
  }

  public GenerateArgs(Path out, int samples, int mirnas, int proteins, int cancerTypes, long seed, Format format,
      Layout layout, boolean gzip, String cohort) {
    this(out, samples, mirnas, proteins, cancerTypes, seed, format, layout, gzip, cohort, Repeats.NONE);
  }

  /**
   * A repeated-measures cohort. With {@code visits} of 2 or more, every subject gives 1 to {@code visits} samples
   * (uniform), drawn one after the other; the manifest gains a {@code timepoint} column: a cancer subject's first
   * sample is {@code pre} and the later ones {@code post} (after treatment), a healthy subject's {@code baseline}
   * and {@code followup}. Each subject has its own random effect on every miR, normal on the log2 scale with SD
   * {@code subjectSd}, shared by all the subject's samples (the within-subject correlation a blocked analysis
   * models); and each cancer type's {@code post} samples carry a planted change of +-{@code postLog2fc} on a few
   * miRs (truth rows of kind {@code post_vs_pre}). {@code visits} 1 (the default): no timepoint column, no subject
   * effect, about 4.8% of samples a second visit of an earlier subject (independent draws).
   */
  public record Repeats(int visits, double subjectSd, double postLog2fc) {
    public static final Repeats NONE = new Repeats(1, 0, 0);
    public static final int MAX_VISITS = 8;

    public boolean on() {
      return visits >= 2;
    }
  }

  public static final int MAX_SAMPLES = 100_000;
  public static final int MIN_MIRNAS = 10;
  public static final int MAX_MIRNAS = 2600;
  /** Wide Parquet puts one column per sample; beyond this use the long layout. */
  public static final int MAX_WIDE_PARQUET_SAMPLES = 10_000;

  public enum Format {
    CSV("csv", ','), TSV("tsv", '\t'), PARQUET("parquet", (char) 0);

    public final String extension;
    public final char delimiter;

    Format(String extension, char delimiter) {
      this.extension = extension;
      this.delimiter = delimiter;
    }

    public static Format parse(String s) {
      for (Format f : values()) {
        if (f.extension.equalsIgnoreCase(s == null ? "" : s.trim())) return f;
      }
      throw new BadInputException("--format must be csv, tsv or parquet, not '" + s + "'");
    }
  }

  public enum Layout {
    LONG, WIDE;

    public static Layout parse(String s) {
      for (Layout l : values()) {
        if (l.name().equalsIgnoreCase(s == null ? "" : s.trim())) return l;
      }
      throw new BadInputException("--layout must be long or wide, not '" + s + "'");
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The defaults of the command line, writing into {@code out}. */
  public static GenerateArgs defaults(Path out) {
    return new GenerateArgs(out, 400, 2600, 150, 10, 42, Format.CSV, Layout.LONG, false, null);
  }

  public GenerateArgs withSamples(int n) {
    return new GenerateArgs(out, n, mirnas, proteins, cancerTypes, seed, format, layout, gzip, cohort, repeats, variants);
  }

  public GenerateArgs withFeatures(int nMirnas, int nProteins) {
    return new GenerateArgs(out, samples, nMirnas, nProteins, cancerTypes, seed, format, layout, gzip, cohort, repeats, variants);
  }

  public GenerateArgs withSeed(long s) {
    return new GenerateArgs(out, samples, mirnas, proteins, cancerTypes, s, format, layout, gzip, cohort, repeats, variants);
  }

  public GenerateArgs withOutput(Path dir, Format f, Layout l, boolean gz) {
    return new GenerateArgs(dir, samples, mirnas, proteins, cancerTypes, seed, f, l, gz, cohort, repeats, variants);
  }

  public GenerateArgs withCancerTypes(int n) {
    return new GenerateArgs(out, samples, mirnas, proteins, n, seed, format, layout, gzip, cohort, repeats, variants);
  }

  public GenerateArgs withCohort(String c) {
    return new GenerateArgs(out, samples, mirnas, proteins, cancerTypes, seed, format, layout, gzip, c, repeats, variants);
  }

  public GenerateArgs withRepeats(Repeats r) {
    return new GenerateArgs(out, samples, mirnas, proteins, cancerTypes, seed, format, layout, gzip, cohort, r, variants);
  }

  /** With or without the DNA variants file. */
  public GenerateArgs withVariants(boolean v) {
    return new GenerateArgs(out, samples, mirnas, proteins, cancerTypes, seed, format, layout, gzip, cohort, repeats, v);
  }

  /** Checks every option; throws {@link BadInputException} with the option and the bad value. */
  public GenerateArgs validate() {
    if (out == null) throw new BadInputException("--out is required");
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new BadInputException("--out " + out + " exists and is not a directory");
    }
    range("--samples", samples, 1, MAX_SAMPLES);
    range("--mirnas", mirnas, MIN_MIRNAS, MAX_MIRNAS);
    range("--proteins", proteins, 0, ProteinPool.max());
    range("--cancer-types", cancerTypes, 1, CancerTypes.max());
    if (format == null) throw new BadInputException("--format is required");
    if (layout == null) throw new BadInputException("--layout is required");
    if (gzip && format == Format.PARQUET) {
      throw new BadInputException("--gzip applies to csv and tsv only (Parquet is compressed already)");
    }
    if (format == Format.PARQUET && layout == Layout.WIDE && samples > MAX_WIDE_PARQUET_SAMPLES) {
      throw new BadInputException("--layout wide with --format parquet is limited to " + MAX_WIDE_PARQUET_SAMPLES
          + " samples (one column per sample), got " + samples + "; use --layout long");
    }
    if (repeats == null) throw new BadInputException("repeats are required (Repeats.NONE for none)");
    range("--visits", repeats.visits(), 1, Repeats.MAX_VISITS);
    if (!(repeats.subjectSd() >= 0 && repeats.subjectSd() <= 3)) {
      throw new BadInputException("--subject-sd must be a log2 SD between 0 and 3, got " + repeats.subjectSd());
    }
    if (!(repeats.postLog2fc() >= 0 && repeats.postLog2fc() <= 5)) {
      throw new BadInputException("--post-log2fc must be between 0 and 5, got " + repeats.postLog2fc());
    }
    if (!repeats.on() && (repeats.subjectSd() > 0 || repeats.postLog2fc() > 0)) {
      throw new BadInputException("--subject-sd and --post-log2fc need --visits 2 or more");
    }
    if (cohort != null && !cohort.matches("[A-Za-z0-9][A-Za-z0-9_]{0,31}")) {
      throw new BadInputException("--cohort must be 1-32 letters, digits or '_' starting with a letter or digit, not '"
          + cohort + "'");
    }
    return this;
  }

  private static void range(String option, int value, int min, int max) {
    if (value < min || value > max) {
      throw new BadInputException(option + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  /** The command line that reproduces this run (without --out). */
  public String commandLine() {
    StringBuilder sb = new StringBuilder("exocohort generate --out DIR")
        .append(" --samples ").append(samples)
        .append(" --mirnas ").append(mirnas)
        .append(" --proteins ").append(proteins)
        .append(" --cancer-types ").append(cancerTypes)
        .append(" --seed ").append(seed)
        .append(" --format ").append(format.extension)
        .append(" --layout ").append(layout.label());
    if (gzip) sb.append(" --gzip");
    if (cohort != null) sb.append(" --cohort ").append(cohort);
    if (repeats.on()) {
      sb.append(" --visits ").append(repeats.visits()).append(" --subject-sd ").append(repeats.subjectSd())
          .append(" --post-log2fc ").append(repeats.postLog2fc());
    }
    if (variants) sb.append(" --variants");
    return sb.toString();
  }
}
