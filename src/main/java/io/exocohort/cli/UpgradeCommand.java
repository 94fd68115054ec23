package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.maintenance.LakeUpgrade;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "upgrade", mixinStandardHelpOptions = true,
    description = "Convert a lake written before the expression matrices: each long mirna_expression / "
        + "protein_expression table becomes its matrix and sample index (checked to hold exactly the old rows), "
        + "and the old table folder is moved to <lake>/_pre_matrix/<name>; cohorts with miR counts but no "
        + "mirna_count_vectors get them, built from mirna_counts; table properties and CHECK constraints declared "
        + "since a table was created are put in place. On an upgraded lake it does nothing.")
public final class UpgradeCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--run-id", description = "Run id (default: generated).") String runId;

  @Override
  public Integer call() {
    ExoConf conf = common.conf();
    LakeUpgrade.Result r = LakeUpgrade.run(common.spark("exocohort upgrade"),
        new LakeUpgrade.Args(conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), runId));
    PrintWriter out = spec.commandLine().getOut();
    if (r.noOp()) {
      out.println(r.message());
    } else {
      out.printf("upgrade %s:%n", r.runId());
      for (LakeUpgrade.Converted c : r.converted()) {
        out.printf("  %-18s %,d rows of %d cohorts -> %,d matrix rows in %d blocks; old table kept at %s%n",
            c.table(), c.rows(), c.cohorts(), c.matrixRows(), c.blocks(), c.keptAt());
      }
      if (!r.vectorCohorts().isEmpty()) {
        out.printf("  %-18s built for cohort(s) %s (qc and normalize read them)%n", "mirna_count_vectors",
            String.join(", ", r.vectorCohorts()));
      }
      if (!r.propertyTables().isEmpty()) {
        out.printf("  %-18s set the declared Parquet writer properties of %s (files cut when next written)%n",
            "table properties", String.join(", ", r.propertyTables()));
      }
      if (!r.constraintTables().isEmpty()) {
        out.printf("  %-18s put the declared CHECK constraints of %s in place%n", "constraints",
            String.join(", ", r.constraintTables()));
      }
      if (!r.converted().isEmpty()) {
        out.println("The views mirna_expression / protein_expression now read the matrices. Delete _pre_matrix "
            + "when you no longer need the old tables.");
      }
    }
    out.flush();
    return 0;
  }
}
