package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = "Validate a cohort's manifest, miR counts, protein intensities and DNA variants and MERGE them "
        + "into the lake.")
public final class IngestCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--cohort", description = "Cohort name (the tables' partition). One of --cohort or --reference.")
  String cohort;

  @Option(names = "--reference", paramLabel = "NAME",
      description = "Load reference EV profiles (cell lines, cell types) into reference_profiles instead of a cohort: "
          + "--manifest names each profile and its label (profile_id, label), --mirna holds their miRs.")
  String reference;

  @Option(names = "--manifest", required = true, paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "Sample manifest: CSV/TSV (optionally .gz) or Parquet.")
  String manifest;

  @Option(names = "--mirna", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "miR counts, long or wide.")
  String mirna;

  @Option(names = "--protein", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "Protein intensities, long or wide.")
  String protein;

  @Option(names = "--variants", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "DNA variant calls, one row per sample and variant: tab-separated, exocohort's header "
          + "(sample_id, gene, protein_change, alt_reads, depth[, allele_fraction, ...]) or MAF (Tumor_Sample_Barcode, "
          + "Hugo_Symbol, HGVSp_Short, t_alt_count, t_depth, ...), or a VCF (FORMAT AD, INFO ANN / CSQ / GENE); "
          + "optionally .gz.")
  String variants;

  @Option(names = "--layout", defaultValue = "auto", description = "auto, long or wide (default ${DEFAULT-VALUE}).")
  String layout;

  @Option(names = "--protein-scale", defaultValue = "linear",
      description = "Scale of the protein values given: linear, log2, log10 or ln (stored linear). "
          + "Default ${DEFAULT-VALUE}.")
  String proteinScale;

  @Option(names = "--count-unit", defaultValue = "reads", paramLabel = "UNIT",
      description = "What the miR counts count: reads (sequencing reads) or umi (unique molecules, UMI-collapsed). "
          + "Recorded with the run (ingest_runs.options['count_unit']); qc reads it. Default ${DEFAULT-VALUE}.")
  String countUnit;

  @Option(names = "--cancer-types", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "An alias table of your own for this run (alias<TAB>canonical[<TAB>category], the shape of "
          + "conf/cancer_types.tsv): its rows are added to the shipped ones and win where they differ.")
  String cancerTypes;

  @Option(names = "--run-id", description = "Run id (default: generated). Schedulers pass one per logical date.")
  String runId;

  /** {@code ingest --reference}: reference profiles, not a cohort. */
  private int reference(ExoConf conf) {
    if (protein != null || variants != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "ingest --reference loads miR profiles only (--mirna), not --protein or --variants");
    }
    io.exocohort.deconv.ReferenceIngestJob.Result r = io.exocohort.deconv.ReferenceIngestJob.run(
        common.spark("exocohort ingest --reference " + reference), new io.exocohort.deconv.ReferenceIngestJob.Args(
            conf.get(Settings.LAKE), conf.get(ExoConf.DATABASE_KEY), reference, manifest, mirna, layout, runId));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("ingest --reference %s (%s): %d values; profiles per label %s; reference_profiles version %d%n",
        reference, r.runId(), r.values(), r.profilesPerLabel(), r.version());
    out.flush();
    return 0;
  }

  /** The built-in identifier columns plus conf {@code exocohort.ingest.identifier.columns}. */
  static Set<String> identifierColumns(ExoConf conf) {
    Set<String> ids = new HashSet<>(IngestJob.DEFAULT_IDENTIFIER_COLUMNS);
    conf.get(Settings.INGEST_IDENTIFIER_COLUMNS).stream().map(s -> s.strip().toLowerCase(Locale.ROOT))
        .filter(s -> !s.isEmpty()).forEach(ids::add);
    return ids;
  }

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    if ((cohort == null) == (reference == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "ingest needs exactly one of --cohort NAME or --reference NAME");
    }
    if (reference != null) return reference(conf);
    Pseudonymizer p = Pseudonymizer.fromEnvironment(conf.get(Settings.PSEUDONYM_KEY_ENV),
        conf.get(Settings.PSEUDONYM_DEMO));
    Set<String> ids = identifierColumns(conf);
    SparkSession spark = common.spark("exocohort ingest " + cohort);
    IngestJob.Result r = IngestJob.run(spark, new IngestJob.Args(conf.get(Settings.LAKE),
        conf.get(ExoConf.DATABASE_KEY), cohort, manifest, mirna, protein, layout, proteinScale, runId,
        conf.file(ExoConf.CANCER_ALIASES), p, ids, countUnit, cancerTypes, variants));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("ingest %s: %s%n", r.runId(), r.status());
    for (IngestJob.FileResult f : r.files()) {
      out.printf("  %-8s %s: %d rows read, %d accepted, %d quarantined%n", f.kind(), f.path(), f.read(),
          f.accepted(), f.rejected());
    }
    for (String w : r.warnings()) out.printf("  %s%n", w);
    out.printf("  table versions: %s%n", r.versions());
    out.flush();
    return 0;
  }
}
