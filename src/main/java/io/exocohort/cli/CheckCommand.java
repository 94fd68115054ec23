package io.exocohort.cli;

import io.exocohort.catalog.Lake;
import io.exocohort.check.LakeCheck;
import io.exocohort.common.BadInputException;
import io.exocohort.common.ExitCodes;
import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Check the lake's invariants: count rows belong to known samples, no duplicate keys, no raw "
        + "subject identifiers, constraints in place, ingest_runs totals equal the tables. Exit 0 when all hold, "
        + "2 listing the violations.")
public final class CheckCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--manifest", paramLabel = "FILE", converter = CallerPaths.Location.class,
      description = "A manifest whose raw subject ids must appear in no file of the lake (every file is read).")
  String manifest;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    SparkSession spark = common.spark("exocohort check");
    String root = conf.get(Settings.LAKE);
    if (root == null || root.isBlank()) throw new BadInputException("no lake given: use --lake DIR");
    Lake lake = io.exocohort.catalog.LakeCatalog.openExisting(spark, root, conf.get(Settings.DATABASE));
    LakeCheck.Result r = LakeCheck.run(lake, manifest);
    PrintWriter out = spec.commandLine().getOut();
    for (String n : r.notes()) out.println("note: " + n);
    for (String v : r.violations()) out.println("violation: " + v);
    out.printf("check %s: %d checks, %d violation(s)%n", lake.root(), r.checks(), r.violations().size());
    out.flush();
    return r.ok() ? ExitCodes.OK : ExitCodes.BAD_INPUT;
  }
}
