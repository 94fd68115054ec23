package io.exocohort.cli;

import io.exocohort.common.BadInputException;
import io.exocohort.common.Caller;
import io.exocohort.serve.Server;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code serve [--socket PATH]}: starts the warm driver that launches reuse ({@link Server}; docs/operations.md).
 * The launcher sends a command line to it when {@code $EXOCOHORT_SERVER} names its socket (or {@code --server PATH}
 * is given); {@code serve --stop} and {@code serve --status} are the launcher's client's (no Spark started).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Start a warm embedded driver that later launches reuse (EXOCOHORT_SERVER=SOCKET jobs/exocohort "
        + "...): one job at a time, on a Unix domain socket. Stop it with serve --stop (or SIGTERM).")
public final class ServeCommand implements Callable<Integer> {
  /** The socket's place when neither --socket nor $EXOCOHORT_SERVER names one (under the checkout's target/). */
  static final String DEFAULT_SOCKET = "target/exocohort-serve/socket";

  @Mixin CommonOptions common;

  @Option(names = "--socket", paramLabel = "PATH", converter = CallerPaths.LocalPath.class,
      description = "Unix domain socket to listen on. Default: $EXOCOHORT_SERVER, else "
          + "$EXOCOHORT_HOME/" + DEFAULT_SOCKET + ".")
  Path socket;

  @Option(names = "--stop", description = "Stop the server (after its running job); the launcher's client sends it.")
  boolean stop;

  @Option(names = "--status", description = "Show what the server is doing; the launcher's client asks it.")
  boolean status;

  @Option(names = "--idle-timeout", paramLabel = "TIME", converter = Idle.class,
      description = "Stop after this long without a command: seconds, or a number with s, m or h (10m). "
          + "Default: never. The launcher's daemon uses $EXOCOHORT_DAEMON_IDLE (default 10m).")
  Duration idleTimeout;

  @Option(names = "--end-with-client",
      description = "End the server when the client of a running command goes away, as a killed launch ends (the "
          + "launcher's daemon). Default: the command runs to its end.")
  boolean endWithClient;

  /** A duration: seconds, or a number with the unit s, m or h. */
  static final class Idle implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})([smh]?)").matcher(value.trim());
      if (!m.matches()) {
        throw new picocli.CommandLine.TypeConversionException(
            "'" + value + "' is not a time: give seconds, or a number with s, m or h (10m)");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofSeconds(n);
      };
    }
  }

  @Override
  public Integer call() throws IOException {
    if (Caller.request() != null) throw new BadInputException("serve cannot run inside a server");
    if (stop || status) {
      throw new BadInputException("serve --stop and --status are sent by the launcher (jobs/exocohort serve --stop)");
    }
    Path path = socket != null ? socket : defaultSocket();
    SparkSession spark = common.spark("exocohort serve");
    return new Server(spark, path, common.conf().sparkDefaults(), Main::execute).idleTimeout(idleTimeout)
        .endWithClient(endWithClient).serve();
  }

  /** $EXOCOHORT_SERVER, else the checkout's target/exocohort-serve/socket (the working directory's without one). */
  static Path defaultSocket() {
    String env = System.getenv("EXOCOHORT_SERVER");
    if (env != null && !env.isBlank()) return Path.of(env).toAbsolutePath();
    String home = System.getenv("EXOCOHORT_HOME");
    return (home != null && !home.isBlank() ? Path.of(home) : Path.of("")).toAbsolutePath().resolve(DEFAULT_SOCKET);
  }
}
