package io.exocohort.cli;

import io.exocohort.catalog.Lake;
import io.exocohort.common.ExoConf;
import io.exocohort.maintenance.LakeMaintenance;
import io.exocohort.sql.SqlJob;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "history", mixinStandardHelpOptions = true,
    description = "Print a table's Delta history (DESCRIBE HISTORY), newest version first.")
public final class HistoryCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "TABLE", description = "Table name, e.g. de_results.") String table;
  @Option(names = "--n", defaultValue = "20", description = "Versions (default ${DEFAULT-VALUE}).") int n;
  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default ${DEFAULT-VALUE}).")
  String format;

  @Override
  public Integer call() {
    SqlJob.Format f = SqlJob.format(format);
    ExoConf conf = common.conf();
    Lake lake = io.exocohort.catalog.LakeCatalog.openExisting(common.spark("exocohort history"), conf.get(ExoConf.LAKE),
        conf.get(ExoConf.DATABASE_KEY));
    SqlJob.print(LakeMaintenance.history(lake, table, n), f, spec.commandLine().getOut(), n);
    return 0;
  }
}
