package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.model.ModelMetrics;
import io.exocohort.model.ModelTraining;
import io.exocohort.model.TrainJob;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train an early-detection (detect, <type>_vs_healthy) or tissue-of-origin (origin) model with "
        + "subject-grouped stratified cross-validation and a locked hold-out; metrics to model_runs, the fitted "
        + "pipeline under <lake>/models/<model_id>.")
public final class TrainCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--task", required = true, description = "detect, origin or <cancer_type>_vs_healthy.") String task;
  @Option(names = "--modality", defaultValue = "mirna", description = "mirna, protein, dna or a comma-separated combination, e.g. mirna,protein,dna (both: mirna,protein; default ${DEFAULT-VALUE}).")
  String modality;
  @Option(names = "--model", defaultValue = "logistic", description = "logistic, forest or gbt (default ${DEFAULT-VALUE}).")
  String model;
  @Option(names = "--features", defaultValue = "50",
      description = "Top-N features selected inside each training fold (0 = all; default ${DEFAULT-VALUE}).")
  int features;
  @Option(names = "--folds", defaultValue = "5", description = "Cross-validation folds (default ${DEFAULT-VALUE}).")
  int folds;
  @Option(names = "--seed", defaultValue = "1", description = "Seed of folds, hold-out, forests, bootstrap.") long seed;
  @Option(names = "--cohort", split = ",", description = "Cohort(s) to train on (default: all).") List<String> cohorts;
  @Option(names = "--include-failed", description = "Also use samples that failed QC.") boolean includeFailed;
  @Option(names = "--reg-param", defaultValue = "0.05", description = "logistic: regularisation strength.") double reg;
  @Option(names = "--elastic-net", defaultValue = "0.5", description = "logistic: L1 share of the penalty (0..1).")
  double enet;
  @Option(names = "--trees", defaultValue = "100", description = "forest: number of trees.") int trees;
  @Option(names = "--max-depth", defaultValue = "6", description = "forest / gbt (capped at 4): tree depth.") int depth;
  @Option(names = "--stability-threshold", paramLabel = "T",
      description = "Select features by stability: in each training fold (and for the final model on the whole "
          + "training set) keep those the top --features selector picks in at least a fraction T, in (0, 1], of "
          + "--stability-resamples bootstrap resamples (e.g. 0.6). Default: off. The panel goes to model_runs.panel "
          + "(model export-panel).")
  Double stabilityThreshold;
  @Option(names = "--stability-resamples", paramLabel = "B", defaultValue = "" + TrainJob.Panels.DEFAULT_RESAMPLES,
      description = "Poisson bootstrap resamples per training fold for --stability-threshold and --panel-sizes "
          + "(default ${DEFAULT-VALUE}).")
  int stabilityResamples;
  @Option(names = "--panel-sizes", split = ",", paramLabel = "K",
      description = "Panel-size curve, e.g. 5,10,20,50,100,200: out-of-fold AUC and sensitivity at 99% specificity "
          + "when each fold's model uses the K features most often selected over that fold's resamples "
          + "(metrics panel.<K>.cv_auc, panel.<K>.cv_sens_at_99; binary tasks).")
  List<Integer> panelSizes;
  @Option(names = "--ev-fraction",
      description = "Add each sample's tumour-EV fraction (its latest deconvolve run in ev_origin) to the features as "
          + "one slot, ev:tumour_ev_fraction, with any --modality: imputed, selected and scaled like the others; score "
          + "fills it the same way (a sample without a fraction: imputed, scored_imputed).")
  boolean evFraction;
  @Option(names = {"--model-id", "--run-id"},
      description = "Model id, which is also the train run's run id in job_runs (default: generated).") String modelId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    ModelTraining.Hyper d = ModelTraining.Hyper.defaults();
    TrainJob.Args args = TrainJob.Args.defaults(conf.get(Settings.LAKE), task)
        .withDatabase(conf.get(Settings.DATABASE)).withCohorts(cohorts).withModelId(modelId)
        .withIncludeFailed(includeFailed).withEvFraction(evFraction)
        .withPanels(new TrainJob.Panels(stabilityThreshold, stabilityResamples,
            panelSizes == null ? List.of() : List.copyOf(panelSizes)))
        .withMethod(new TrainJob.Method(modality, model, features,
            new ModelTraining.Hyper(reg, enet, d.maxIter(), trees, depth, d.gbtIter(), d.gbtStep())))
        .withValidation(new TrainJob.Validation(folds, seed, conf.get(Settings.MODEL_HOLDOUT_FRACTION),
            conf.get(Settings.MODEL_THRESHOLD_SPECIFICITY), conf.get(Settings.MODEL_BOOTSTRAP_REPLICATES),
            conf.get(Settings.MODEL_MIN_PER_CLASS)));
    TrainJob.Result r = TrainJob.run(common.spark("exocohort train"), args);
    print(spec.commandLine().getOut(), r);
    return 0;
  }

  /** The printed report: headline metrics, sensitivities with intervals, by type and stage. */
  static void print(PrintWriter out, TrainJob.Result r) {
    Map<String, Double> m = r.metrics();
    out.printf(Locale.ROOT, "train %s: %s, classes %s, %d selected features, %.0f s%n", r.modelId(), r.task(),
        String.join("/", r.classes()), r.selectedFeatures().size(), r.seconds());
    out.printf("  samples: %s%n", r.sampleCounts());
    for (String set : new String[] {"cv", "holdout"}) {
      if (r.classes().length == 2) {
        if (!m.containsKey(set + ".roc_auc")) continue;
        out.printf(Locale.ROOT, "  %-8s ROC AUC %.3f  PR AUC %.3f  Brier %.4f  (%.0f cases, %.0f controls)%n", set,
            m.get(set + ".roc_auc"), m.get(set + ".pr_auc"), m.get(set + ".brier"), m.get(set + ".n_cases"),
            m.get(set + ".n_controls"));
        for (double s : TrainJob.SPECS) {
          String k = set + "." + ModelMetrics.specKey(s);
          out.printf(Locale.ROOT, "           sensitivity at %.1f%% specificity %.3f (95%% CI %.3f-%.3f)%n", 100 * s,
              m.get(k), m.get(k + ".ci_low"), m.get(k + ".ci_high"));
        }
        if (m.containsKey(set + ".sens_at_stored_threshold")) {
          out.printf(Locale.ROOT, "           at the stored threshold %.4f: sensitivity %.3f, specificity %.3f%n",
              r.threshold(), m.get(set + ".sens_at_stored_threshold"), m.get(set + ".spec_at_stored_threshold"));
        }
        StringBuilder g = new StringBuilder();
        for (ModelMetrics.GroupSensitivity x : r.groups()) {
          if (x.set().equals(set)) g.append(String.format(Locale.ROOT, " %s %d/%d", x.group(), x.detected(), x.nCases()));
        }
        out.printf("           detected at 99%% specificity:%s%n", g);
      } else {
        if (!m.containsKey(set + ".top1_accuracy")) continue;
        out.printf(Locale.ROOT, "  %-8s top-1 accuracy %.3f  top-2 accuracy %.3f  (%.0f samples)%n", set,
            m.get(set + ".top1_accuracy"), m.get(set + ".top2_accuracy"), m.get(set + ".n"));
        StringBuilder g = new StringBuilder();
        for (String c : r.classes()) {
          g.append(String.format(Locale.ROOT, " %s %.2f", c, m.get(set + ".recall." + c)));
        }
        out.printf("           recall:%s%n", g);
      }
    }
    printPanels(out, m);
    if (r.threshold() != null) out.printf(Locale.ROOT, "  threshold (99%% specificity on out-of-fold controls) %.6f%n",
        r.threshold());
    out.printf("  model saved at %s%n", r.modelPath());
    out.flush();
  }

  /** The panel-size curve ({@code panel.<k>.cv_auc}, {@code panel.<k>.cv_sens_at_99}), by size. */
  static void printPanels(PrintWriter out, Map<String, Double> m) {
    java.util.SortedMap<Integer, String> rows = new java.util.TreeMap<>();
    for (String k : m.keySet()) {
      if (!k.startsWith("panel.") || !k.endsWith(".cv_auc")) continue;
      String size = k.substring("panel.".length(), k.length() - ".cv_auc".length());
      rows.put(Integer.parseInt(size), String.format(Locale.ROOT, "  panel %5s: out-of-fold ROC AUC %.3f, "
          + "sensitivity at 99%% specificity %.3f", size, m.get(k), m.get("panel." + size + ".cv_sens_at_99")));
    }
    rows.values().forEach(out::println);
  }
}
