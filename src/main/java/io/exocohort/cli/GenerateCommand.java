package io.exocohort.cli;

import io.exocohort.common.JobRunner;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code exocohort generate}: writes a seeded synthetic cohort (manifest, miRNA counts, protein intensities and
 * the planted truth) for ingest tests and demos. Needs no Spark. Parses the options into {@link GenerateArgs} and
 * hands off to {@link GenerateJob}.
 */
@Command(name = "generate",
    description = "Write a seeded, deterministic synthetic cohort: manifest, mirna_counts, protein_intensities, "
        + "truth.csv, truth_samples.csv and generation.json. Same seed and options give byte-identical files.")
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--out", required = true, paramLabel = "DIR", converter = CallerPaths.LocalPath.class,
      description = "Output directory (created).")
  Path out;

  @Option(names = "--samples", defaultValue = "400", description = "Samples, 1..100000 (default ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--mirnas", defaultValue = "2600", description = "miRNAs, 10..2600 (default ${DEFAULT-VALUE}).")
  int mirnas;

  @Option(names = "--proteins", defaultValue = "150",
      description = "Proteins, 0..225 (the panel's size; default ${DEFAULT-VALUE}).")
  int proteins;

  @Option(names = "--cancer-types", defaultValue = "10",
      description = "Cancer types besides healthy, 1..13 (default ${DEFAULT-VALUE}).")
  int cancerTypes;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--format", defaultValue = "csv", paramLabel = "csv|tsv|parquet",
      description = "Output format (default ${DEFAULT-VALUE}); truth files are always csv.")
  String format;

  @Option(names = "--layout", defaultValue = "long", paramLabel = "long|wide",
      description = "Measurement layout: long (sample_id,feature,value) or wide (feature x samples); "
          + "default ${DEFAULT-VALUE}.")
  String layout;

  @Option(names = "--gzip", description = "Gzip the csv/tsv files (.gz).")
  boolean gzip;

  @Option(names = "--cohort", paramLabel = "NAME", description = "Cohort name, prefixed to the sample ids.")
  String cohort;

  @Option(names = "--visits", defaultValue = "1", paramLabel = "K",
      description = "Repeated draws: with 2..8, each subject gives 1..K samples and the manifest gains timepoint "
          + "(pre/post for cancer subjects, baseline/followup for healthy ones); default ${DEFAULT-VALUE}: an "
          + "occasional independent second visit.")
  int visits;

  @Option(names = "--subject-sd", paramLabel = "LOG2SD",
      description = "With --visits: SD (log2) of each subject's own random effect on every miR, shared by the "
          + "subject's samples (default 0.5 with --visits 2 or more, else 0).")
  Double subjectSd;

  @Option(names = "--post-log2fc", paramLabel = "LOG2FC",
      description = "With --visits: the planted post-vs-pre change on a few miRs per cancer type (default 1 with "
          + "--visits 2 or more, else 0).")
  Double postLog2fc;

  @Option(names = "--variants",
      description = "Also write dna_variants.tsv (the DNA variant calls of each sample: tumour hotspots by cancer "
          + "type and stage, clonal haematopoiesis rising with age) and truth_variants.csv; without it the other "
          + "files are as before.")
  boolean variants;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  @Option(names = {"-v", "--verbose"}, description = "Show stack traces on errors.")
  void verbose(boolean v) {
    JobRunner.setVerbose(v);
  }

  @Override
  public Integer call() {
    GenerateArgs args = new GenerateArgs(out, samples, mirnas, proteins, cancerTypes, seed,
        GenerateArgs.Format.parse(format), GenerateArgs.Layout.parse(layout), gzip, cohort,
        new GenerateArgs.Repeats(visits, subjectSd != null ? subjectSd : visits >= 2 ? 0.5 : 0,
            postLog2fc != null ? postLog2fc : visits >= 2 ? 1 : 0), variants);
    GenerateJob.run(args);
    return 0;
  }
}
