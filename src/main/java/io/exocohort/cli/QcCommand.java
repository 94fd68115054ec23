package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.qc.QcJob;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "qc", mixinStandardHelpOptions = true,
    description = "Per-sample quality control (miR depth and complexity, haemolysis, robust outliers, MISEV2018 "
        + "EV identity and contaminants, particle size and concentration) into sample_qc, with a summary.")
public final class QcCommand implements Callable<Integer> {
  /** Conf key naming the thresholds file used when --thresholds is not given. */

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--cohort", paramLabel = "NAME", split = ",",
      description = "Cohort to check (repeatable or comma separated). Default: every cohort of the lake.")
  List<String> cohorts = new ArrayList<>();

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Run id (default: generated). Must not be in job_runs already.")
  String runId;

  @Option(names = "--thresholds", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "Thresholds properties file, laid over the defaults. Default: conf key exocohort.qc.thresholds"
          + ", else the defaults packed in the jar (a copy of conf/qc.properties).")
  String thresholds;

  @Option(names = "--count-unit", paramLabel = "UNIT",
      description = "Unit of the miR counts of every cohort checked: reads or umi (picks the library-size "
          + "thresholds qc.mirna.library_size.* or qc.mirna.library_size.umi.*). Default: each cohort's unit as its "
          + "latest ingest of a miR count file recorded it (ingest --count-unit), reads if none was recorded.")
  String countUnit;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    String file = thresholds != null ? thresholds : conf.get(Settings.QC_THRESHOLDS);
    if (file != null && file.isBlank()) file = null;
    SparkSession spark = common.spark("exocohort qc");
    QcJob.Result r = QcJob.run(spark, new QcJob.Args(conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY),
        cohorts, file, runId, countUnit));
    PrintWriter out = spec.commandLine().getOut();
    out.print(r.summary());
    out.printf("  sample_qc version %d: %d rows written; input versions %s%n", r.sampleQcVersion(), r.rowsWritten(),
        r.inputVersions());
    out.flush();
    return 0;
  }
}
