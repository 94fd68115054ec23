package io.exocohort.cli;

import io.exocohort.catalog.Lake;
import io.exocohort.common.ExoConf;
import io.exocohort.maintenance.LakeMaintenance;
import io.exocohort.sql.SqlJob;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "runs", mixinStandardHelpOptions = true,
    description = "List the newest job runs (job_runs): status, duration, rows written, versions, message.")
public final class RunsCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--job", paramLabel = "J", description = "Only this job (ingest, qc, normalize, de, ...).")
  String job;
  @Option(names = "--n", defaultValue = "20", description = "Runs (default ${DEFAULT-VALUE}).") int n;
  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() {
    SqlJob.Format f = SqlJob.format(format);
    ExoConf conf = common.conf();
    Lake lake = io.exocohort.catalog.LakeCatalog.openExisting(common.spark("exocohort runs"), conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY));
    Dataset<Row> runs = LakeMaintenance.runs(lake, job, n);
    PrintWriter out = spec.commandLine().getOut();
    if (runs == null) {
      out.printf("no runs recorded in %s%n", lake.root());
    } else {
      SqlJob.print(runs, f, out, n);
    }
    out.flush();
    return 0;
  }
}
