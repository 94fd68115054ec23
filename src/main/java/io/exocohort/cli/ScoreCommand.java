package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.model.ScoreJob;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "score", mixinStandardHelpOptions = true,
    description = "Apply a saved model to samples; appends to predictions (probability, call at the stored "
        + "threshold, top-2 types for origin).")
public final class ScoreCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--model", description = "model_runs.model_id of the model to apply.") String modelId;
  @Option(names = "--detect-model", paramLabel = "ID",
      description = "Two-stage screening: the binary detection model (instead of --model); needs --origin-model.")
  String detectModel;
  @Option(names = "--origin-model", paramLabel = "ID",
      description = "Two-stage screening: the origin model naming the two most likely tissues of each positive; "
          + "its figures on the models' hold-out go to screening_metrics.")
  String originModel;
  @Option(names = "--prevalence", defaultValue = "0.005",
      description = "Two-stage: prevalence of cancer in the screened population, for PPV and NPV (default "
          + "${DEFAULT-VALUE}).")
  double prevalence;
  @Option(names = "--seed", defaultValue = "1", description = "Two-stage: seed of the bootstrap intervals.") long seed;
  @Option(names = "--cohort", split = ",", description = "Cohort(s) to score (default: all).") List<String> cohorts;
  @Option(names = "--include-failed", description = "Also score samples that failed QC.") boolean includeFailed;
  @Option(names = "--run-id", description = "Run id (default: generated).") String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    if ((modelId == null) == (detectModel == null) || (detectModel == null) != (originModel == null)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "give --model ID, or --detect-model ID with --origin-model ID (two-stage screening)");
    }
    ScoreJob.TwoStage two = detectModel == null ? null : new ScoreJob.TwoStage(originModel, prevalence,
        conf.get(Settings.MODEL_BOOTSTRAP_REPLICATES), seed);
    ScoreJob.Result r = ScoreJob.run(common.spark("exocohort score"), new ScoreJob.Args(conf.get(ExoConf.LAKE),
        conf.get(ExoConf.DATABASE_KEY), detectModel == null ? modelId : detectModel, cohorts, includeFailed,
        conf.get(Settings.MODEL_SCORE_MAX_MISSING_FRACTION), runId, two));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("score %s: model %s (%s): %s%n", r.runId(), r.modelId(), r.task(), r.byStatus());
    if (two != null) {
      out.printf("  two-stage: called positive %d; their top-2 tissues in predictions.top1 / top2; %d figures on the "
          + "hold-out in screening_metrics%n", r.calledPositive(), r.screeningFigures());
    } else if (r.task().equals("origin")) {
      out.println("  top-2 tissues in predictions.top1 / top2");
    } else {
      out.printf("  called positive at the stored threshold: %d%n", r.calledPositive());
    }
    out.printf("  model features absent from the cohort(s): %d (imputed with training means); extra features "
        + "ignored: %d%n", r.indexFeaturesAbsent(), r.extraFeatures());
    out.flush();
    return 0;
  }
}
