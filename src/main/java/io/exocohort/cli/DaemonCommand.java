package io.exocohort.cli;

import io.exocohort.common.BadInputException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code daemon [--status | --stop]}: the launcher's own command for its daemons (docs/operations.md, "The daemon"):
 * it asks each daemon of this checkout, through the client, what it does or to stop; no Spark is started. Declared
 * here so that {@code --help} lists it and the documentation's command lines parse; the Java entry point refuses to
 * run it.
 */
@Command(name = "daemon", mixinStandardHelpOptions = true,
    description = "Show (--status, the default) or stop (--stop) this checkout's daemons: the warm drivers the "
        + "launcher starts on first use and later commands reuse (EXOCOHORT_DAEMON=off runs without them).")
public final class DaemonCommand implements Callable<Integer> {
  @Option(names = "--status", description = "What each daemon runs (the default).")
  boolean status;

  @Option(names = "--stop", description = "Stop every daemon (each after its running command).")
  boolean stop;

  @Override
  public Integer call() {
    throw new BadInputException("daemon is the launcher's command: run jobs/exocohort daemon [--status | --stop]");
  }
}
