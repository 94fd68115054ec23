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

@Command(name = "optimize", mixinStandardHelpOptions = true,
    description = "Compact the lake's tables (OPTIMIZE), Z-ordered on the columns analysts filter on "
        + "(de_results: contrast, feature; expression and count tables: feature; sample_qc: sample_id).")
public final class OptimizeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--table", paramLabel = "T", description = "Only this table (default: every table).")
  String table;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    List<LakeMaintenance.Optimized> done = LakeMaintenance.optimize(common.spark("exocohort optimize"),
        new LakeMaintenance.OptimizeArgs(conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), table));
    PrintWriter out = spec.commandLine().getOut();
    out.printf("%-22s %-18s %8s %8s %8s %8s %12s %12s %7s%n", "table", "z-order", "files", "->", "added",
        "removed", "bytes", "->", "s");
    for (LakeMaintenance.Optimized o : done) {
      out.printf("%-22s %-18s %8d %8d %8d %8d %12d %12d %7.1f%n", o.table(),
          o.zorderBy().isEmpty() ? "(compaction)" : String.join(",", o.zorderBy()), o.filesBefore(), o.filesAfter(),
          o.filesAdded(), o.filesRemoved(), o.bytesBefore(), o.bytesAfter(), o.seconds());
    }
    out.flush();
    return 0;
  }
}
