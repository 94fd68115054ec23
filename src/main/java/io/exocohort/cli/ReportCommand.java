package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.report.ReportJob;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Write a self-contained HTML report (volcano plots, top markers by cancer type, ROC curves, "
        + "sensitivity by stage, QC distributions) to <lake>/reports/<run_id>/index.html.")
public final class ReportCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--thresholds", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "QC thresholds drawn when the lake has no qc run (default: conf key exocohort.qc.thresholds"
          + ", else the packed defaults). With a qc run, its own thresholds are drawn.")
  String thresholds;
  @Option(names = "--run-id", description = "Run id (default: generated).") String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    String file = thresholds != null ? thresholds : conf.get(Settings.QC_THRESHOLDS);
    if (file != null && file.isBlank()) file = null;
    ReportJob.Result r = ReportJob.run(common.spark("exocohort report"), new ReportJob.Args(conf.get(ExoConf.LAKE),
        conf.get(ExoConf.DATABASE_KEY), file, runId));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("report %s: %s (%d images)%n", r.runId(), r.path(), r.images());
    r.sections().forEach((k, v) -> out.printf("  %-8s %s%n", k, v));
    out.flush();
    return 0;
  }
}
