package io.exocohort.cli;

import io.exocohort.common.JobRunner;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The command-line entry point: {@code exocohort <subcommand> [options]}; one command class per job. */
@Command(name = "exocohort", mixinStandardHelpOptions = true, version = "exocohort 0.1.0",
    description = "Spark batch analytics for exosome liquid-biopsy cohorts.",
    subcommands = {GenerateCommand.class, IngestCommand.class, QcCommand.class, SqlCommand.class,
        NormalizeCommand.class, DeCommand.class, TrainCommand.class, ScoreCommand.class, ReportCommand.class,
        RunsCommand.class, HistoryCommand.class, OptimizeCommand.class, VacuumCommand.class, CheckCommand.class,
        DemoCommand.class, BenchCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line and returns its exit code (tests call this directly). */
  public static int execute(String... args) {
    return JobRunner.configure(new CommandLine(new Main())).execute(args);
  }

  /** Runs a command line with its output and errors going to the given writers (tests). */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cl = JobRunner.configure(new CommandLine(new Main()));
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }
}
