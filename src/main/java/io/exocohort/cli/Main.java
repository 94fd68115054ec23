package io.exocohort.cli;

import io.exocohort.catalog.DeltaLogCheck;
import io.exocohort.common.JobRunner;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The command-line entry point: {@code exocohort [common options] <subcommand> [options]}; one command class per
 * job.
 *
 * <p>The common options ({@code --conf FILE}, {@code --lake DIR}, {@code --database NAME}, {@code -v/--verbose};
 * {@link CommonOptions}) are accepted before the subcommand as well as after it: given before, they apply to the
 * subcommand that runs (the last one named, e.g. {@code de top}). Given both before and after (or at two levels),
 * {@code --conf}, {@code --lake} and {@code --database} are refused with exit 2, as picocli refuses an option given
 * twice to one command; {@code --verbose} may appear anywhere.
 */
@Command(name = "exocohort", mixinStandardHelpOptions = true, version = "exocohort 0.1.0",
    description = "Spark batch analytics for exosome liquid-biopsy cohorts.",
    subcommands = {GenerateCommand.class, IngestCommand.class, QcCommand.class, SqlCommand.class,
        NormalizeCommand.class, DeCommand.class, TrainCommand.class, ScoreCommand.class, ReportCommand.class,
        RunsCommand.class, HistoryCommand.class, OptimizeCommand.class, VacuumCommand.class, CheckCommand.class,
        DemoCommand.class, BenchCommand.class, RunCommand.class, UpgradeCommand.class, ServeCommand.class,
        DaemonCommand.class, ModelCommand.class, SignatureCommand.class, DeconvolveCommand.class})
public final class Main implements Runnable {
  /** The options with a value that a leading use hands to the subcommand. */
  static final List<String> VALUE_OPTIONS = List.of("--conf", "--lake", "--database");

  /** Explains a damaged Delta log in one line: registered with the runner by {@link #commandLine}. */
  private static final java.util.function.UnaryOperator<Throwable> DELTA_LOG = DeltaLogCheck::translate;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Common options given before the subcommand ({@code exocohort --conf FILE ingest ...}). */
  @CommandLine.Mixin CommonOptions common;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /**
   * The command line {@link #execute} runs: the exit-code policy of {@link JobRunner} and leading common options
   * handed to the subcommand. Tests parse README commands with it.
   */
  static CommandLine commandLine() {
    // a damaged Delta log met anywhere in a job is explained in one line (exit 2), not as Delta's stack trace
    JobRunner.addTranslator(DELTA_LOG);
    CommandLine cl = JobRunner.configure(new CommandLine(new Main()));
    // run STAGE... [options]: the stages' options are not run's own; it hands them on (RunCommand)
    cl.getSubcommands().get("run").setUnmatchedOptionsArePositionalParams(true);
    cl.setExecutionStrategy(parsed -> {
      applyLeadingOptions(parsed);
      return new CommandLine.RunLast().execute(parsed);
    });
    return cl;
  }

  /** Runs a command line and returns its exit code (tests call this directly). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** Runs a command line with its output and errors going to the given writers (tests). */
  public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
    CommandLine cl = commandLine();
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  /**
   * Hands common options given before the subcommand (or to a parent subcommand, {@code de --lake X top}) to the
   * subcommand that runs; refuses one given at two levels. Sets verbose when {@code -v} appears at any level.
   */
  static void applyLeadingOptions(ParseResult top) {
    List<ParseResult> chain = new ArrayList<>();
    for (ParseResult p = top; p != null; p = p.subcommand()) chain.add(p);
    ParseResult leaf = chain.get(chain.size() - 1);
    CommandLine leafCl = leaf.commandSpec().commandLine();
    for (String name : VALUE_OPTIONS) {
      ParseResult given = null;
      for (ParseResult p : chain) {
        if (!p.hasMatchedOption(name)) continue;
        if (given != null) {
          throw new CommandLine.ParameterException(leafCl, name + " is given both before and after '"
              + p.commandSpec().name() + "'; give it once");
        }
        given = p;
      }
      if (given == null || given == leaf) continue;
      OptionSpec target = leaf.commandSpec().findOption(name);
      if (target == null) {
        throw new CommandLine.ParameterException(leafCl, "'" + leaf.commandSpec().qualifiedName()
            + "' takes no " + name);
      }
      target.setValue(given.matchedOption(name).getValue());
    }
    boolean verbose = false;
    for (ParseResult p : chain) verbose |= p.hasMatchedOption("--verbose");
    JobRunner.setVerbose(verbose);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }
}
