package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.de.DeJob;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "de", mixinStandardHelpOptions = true, subcommands = DeCommand.Top.class,
    description = "Differential expression between cancer types: limma moderated t, Welch, Wilcoxon (+AUC), "
        + "Kruskal-Wallis and ANOVA, BH-adjusted; appended to de_results.")
public final class DeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--cohort", split = ",", description = "Cohort(s) to analyse together (default: all).")
  List<String> cohorts;
  @Option(names = "--modality", defaultValue = "all", description = "mirna, protein or all (default ${DEFAULT-VALUE}).")
  String modality;
  @Option(names = "--contrasts", split = ",", paramLabel = "A_vs_B",
      description = "Contrasts <group>_vs_<group|healthy|other_cancers> (default: every cancer type vs healthy and "
          + "vs the other cancers). Given contrasts are fitted on the samples of the groups they compare only.")
  List<String> contrasts;
  @Option(names = "--covariates", split = ",", description = "samples columns added to the design, e.g. age,sex,batch; "
      + "tumour_ev_fraction: each sample's tumour-EV fraction from its latest deconvolve run (ev_origin).")
  List<String> covariates;
  @Option(names = "--trend", description = "eBayes(trend = TRUE): prior variance depends on average expression.")
  boolean trend;
  @Option(names = "--lfc-threshold", paramLabel = "LOG2FC", defaultValue = "0",
      description = "Also test |log2 fold change| > LOG2FC for every contrast with limma treat (rows of method treat; "
          + "e.g. 0.58 for 1.5-fold). Default ${DEFAULT-VALUE}: no treat rows.")
  double lfcThreshold;
  @Option(names = "--weights", paramLabel = "voom|none",
      description = "miR precision weights of the moderated t: voom (limma voom: the mean-variance trend of the "
          + "counts of the normalize run analysed, then a weighted fit) or none (limma-trend style, unweighted). "
          + "Default: voom where the miR values are the log-CPM of counts, none (with a warning) after ComBat. "
          + "Protein values are never weighted.")
  String weights;
  @Option(names = "--block", paramLabel = "COLUMN",
      description = "Samples column naming each sample's subject (usually subject_key) for repeated samples per "
          + "person: limma duplicateCorrelation (the consensus within-subject correlation) and a blocked fit "
          + "(generalised least squares per feature). With voom, limma's two rounds.")
  String block;
  @Option(names = "--factor", paramLabel = "COLUMN",
      description = "Split each group by this samples or manifest column (e.g. timepoint) into cells "
          + "<group>.<value> for paired or longitudinal contrasts, e.g. --contrasts "
          + "glioblastoma.post_vs_glioblastoma.pre (needs --contrasts).")
  String factor;
  @Option(names = "--methods", split = ",", paramLabel = "METHOD",
      description = "Compute only these: moderated_t, treat, welch_t, wilcoxon, kruskal, anova (default: every one; "
          + "treat with --lfc-threshold). Without moderated_t and treat, no limma fit (nor voom) runs; without "
          + "wilcoxon and kruskal, no rank scans.")
  List<String> methods;
  @Option(names = "--include-failed", description = "Also use samples that failed QC.") boolean includeFailed;
  @Option(names = "--run-id", description = "Run id (default: generated).") String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    int min = conf.get(Settings.MIN_SAMPLES_PER_GROUP);
    DeJob.Args args = DeJob.Args.defaults(conf.get(Settings.LAKE))
        .withDatabase(conf.get(Settings.DATABASE))
        .withCohorts(cohorts)
        .withModality(modality)
        .withModel(new DeJob.Args.Model(contrasts, covariates, trend, lfcThreshold, weights, block, factor, methods))
        .withSamples(new DeJob.Args.Samples(includeFailed, min))
        .withRunId(runId);
    DeJob.Result r = DeJob.run(common.spark("exocohort de"), args);
    PrintWriter err = spec.commandLine().getErr();
    for (String w : r.warnings()) err.println("exocohort de: warning: " + w);
    err.flush();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("de %s: succeeded%n", r.runId());
    r.rowsWritten().forEach((m, n) -> out.printf("  %-8s %d results; contrasts %s%n", m, n,
        String.join(", ", r.contrasts().get(m))));
    out.printf("  samples: %s%n", r.sampleCounts());
    out.flush();
    return 0;
  }

  @Command(name = "top", mixinStandardHelpOptions = true,
      description = "Print the top features of one contrast of a de run, sorted by p-value.")
  public static final class Top implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--contrast", required = true, description = "Contrast, e.g. breast_vs_healthy or all_groups.")
    String contrast;
    @Option(names = "--method", defaultValue = "moderated_t",
        description = "moderated_t, treat, welch_t, wilcoxon, kruskal or anova (default ${DEFAULT-VALUE}).")
    String method;
    @Option(names = "--modality", defaultValue = "mirna", description = "mirna or protein (default ${DEFAULT-VALUE}).")
    String modality;
    @Option(names = "--n", defaultValue = "20", description = "Rows (default ${DEFAULT-VALUE}).") int n;
    @Option(names = "--run-id", defaultValue = "latest", description = "Run id or latest (default ${DEFAULT-VALUE}).")
    String runId;

    @Override
    public Integer call() {
      ExoConf conf = common.conf();
      List<Row> rows = DeJob.top(common.spark("exocohort de top"), new DeJob.TopArgs(conf.get(Settings.LAKE),
          conf.get(Settings.DATABASE), contrast, method, modality, n, runId)).collectAsList();
      PrintWriter out = spec.commandLine().getOut();
      if (!rows.isEmpty()) {
        out.printf("run %s, %s, %s, %s%n", rows.get(0).getAs("run_id"), modality, contrast, method);
      }
      out.printf("%-24s %6s %6s %9s %9s %10s %8s %10s %10s %7s %8s%n", "feature", "n_case", "n_ctrl", "log2fc",
          "ave_expr", "statistic", "df", "pvalue", "padj", "auc", "B");
      for (Row r : rows) {
        out.printf("%-24s %6s %6s %9s %9s %10s %8s %10s %10s %7s %8s%n", r.getString(0), str(r, 1), str(r, 2),
            fmt(r, 3, "%.3f"), fmt(r, 4, "%.3f"), fmt(r, 5, "%.3f"), fmt(r, 6, "%.1f"), fmt(r, 7, "%.3g"),
            fmt(r, 8, "%.3g"), fmt(r, 9, "%.3f"), fmt(r, 10, "%.2f"));
      }
      out.flush();
      return 0;
    }

    private static String str(Row r, int i) {
      return r.isNullAt(i) ? "" : String.valueOf(r.get(i));
    }

    private static String fmt(Row r, int i, String f) {
      return r.isNullAt(i) ? "" : String.format(Locale.ROOT, f, r.getDouble(i));
    }
  }
}
