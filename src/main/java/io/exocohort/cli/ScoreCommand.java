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

  @Option(names = "--model", required = true, description = "model_runs.model_id") String modelId;
  @Option(names = "--cohort", split = ",", description = "Cohort(s) to score (default: all).") List<String> cohorts;
  @Option(names = "--include-failed", description = "Also score samples that failed QC.") boolean includeFailed;
  @Option(names = "--run-id", description = "Run id (default: generated).") String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    ScoreJob.Result r = ScoreJob.run(common.spark("exocohort score"), new ScoreJob.Args(conf.get(ExoConf.LAKE),
        conf.get(ExoConf.DATABASE_KEY), modelId, cohorts, includeFailed, conf.get(Settings.MODEL_SCORE_MAX_MISSING_FRACTION),
        runId));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("score %s: model %s (%s): %s%n", r.runId(), r.modelId(), r.task(), r.byStatus());
    if (r.task().equals("origin")) {
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
