package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.maintenance.LakeMaintenance;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "vacuum", mixinStandardHelpOptions = true,
    description = "Delete data files that no table version of the last --retain-hours needs (VACUUM). Below "
        + "Delta's 168 hours it refuses unless --force (time travel to the versions in between stops working).")
public final class VacuumCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--table", paramLabel = "T", description = "Only this table (default: every table).")
  String table;
  @Option(names = "--retain-hours", paramLabel = "H", defaultValue = "168",
      description = "Keep files needed by versions of the last H hours (default ${DEFAULT-VALUE}).")
  double retainHours;
  @Option(names = "--force", description = "Allow --retain-hours below 168.") boolean force;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    // the guard first: a refused vacuum starts no Spark session and opens no lake
    LakeMaintenance.checkRetention(retainHours, force);
    List<LakeMaintenance.Vacuumed> done = LakeMaintenance.vacuum(common.spark("exocohort vacuum"),
        new LakeMaintenance.VacuumArgs(conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), table, retainHours,
            force));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%-22s %12s %12s %7s%n", "table", "data files", "->", "s");
    for (LakeMaintenance.Vacuumed v : done) {
      out.printf("%-22s %12d %12d %7.1f%n", v.table(), v.filesBefore(), v.filesAfter(), v.seconds());
    }
    out.flush();
    return 0;
  }
}
