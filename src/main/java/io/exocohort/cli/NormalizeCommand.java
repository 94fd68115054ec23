package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.normalize.NormalizeJob;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "normalize", mixinStandardHelpOptions = true,
    description = "Normalise miR counts (edgeR: filterByExpr, TMM, log-CPM) and protein intensities; optional ComBat.")
public final class NormalizeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--cohort", description = "Cohort(s) to normalise together (default: all).") List<String> cohorts;
  @Option(names = "--modality", defaultValue = "all", description = "mirna, protein or all (default ${DEFAULT-VALUE}).")
  String modality;
  @Option(names = "--method", defaultValue = "tmm", description = "tmm, upperquartile or none (default ${DEFAULT-VALUE}).")
  String method;
  @Option(names = "--prior-count", defaultValue = "2", description = "log-CPM prior count (default ${DEFAULT-VALUE}).")
  double priorCount;
  @Option(names = "--no-filter", description = "Keep every miR (skip filterByExpr).") boolean noFilter;
  @Option(names = "--group", defaultValue = "cancer_type",
      description = "samples column giving the groups for filterByExpr and the ComBat model (default ${DEFAULT-VALUE}).")
  String group;
  @Option(names = "--include-failed", description = "Also use samples that failed QC.") boolean includeFailed;
  @Option(names = "--protein-center", defaultValue = "median", description = "median or none (default ${DEFAULT-VALUE}).")
  String proteinCenter;
  @Option(names = "--protein-quantile", description = "Quantile-normalise protein values (limma normalizeQuantiles).")
  boolean proteinQuantile;
  @Option(names = "--impute", description = "Impute missing protein values (down-shifted normal, 1.8 SD shift, 0.3 SD width).")
  boolean impute;
  @Option(names = "--seed", defaultValue = "1", description = "Imputation seed (default ${DEFAULT-VALUE}).") long seed;
  @Option(names = "--batch-correction", defaultValue = "none", description = "none or combat (default ${DEFAULT-VALUE}).")
  String batchCorrection;
  @Option(names = "--batch-column", defaultValue = "batch", description = "samples column of the batches (default ${DEFAULT-VALUE}).")
  String batchColumn;
  @Option(names = "--run-id", description = "Run id (default: generated).") String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    if (!proteinCenter.equals("median") && !proteinCenter.equals("none")) {
      throw new io.exocohort.common.BadInputException("--protein-center must be median or none, not '"
          + proteinCenter + "'");
    }
    int min = conf.get(Settings.MIN_SAMPLES_PER_GROUP);
    NormalizeJob.Args args = NormalizeJob.Args.defaults(conf.get(Settings.LAKE))
        .withDatabase(conf.get(Settings.DATABASE))
        .withCohorts(cohorts)
        .withModality(modality)
        .withMirna(new NormalizeJob.Args.Mirna(method, priorCount, !noFilter))
        .withProtein(new NormalizeJob.Args.Protein(proteinCenter.equals("median"), proteinQuantile, impute, seed))
        .withSamples(new NormalizeJob.Args.Samples(group, includeFailed, min, batchCorrection, batchColumn))
        .withRunId(runId);
    NormalizeJob.Result r = NormalizeJob.run(common.spark("exocohort normalize"), args);
    PrintWriter out = spec.commandLine().getOut();
    out.printf("normalize %s: succeeded%n", r.runId());
    r.summary().forEach((k, v) -> out.printf("  %-8s %s%n", k, v));
    out.printf("  rows written: %s%n", r.rowsWritten());
    out.flush();
    return 0;
  }
}
