package io.exocohort.common;

import java.io.PrintWriter;
import org.apache.spark.sql.AnalysisException;
import picocli.CommandLine;

/**
 * Owns exit codes and the catch-all handling for every subcommand: nothing below it calls {@code System.exit}
 * or swallows exceptions. Bad usage and bad input print one line and exit 2 (3 for a run id already recorded as
 * succeeded); other failures print one line and exit 1; {@code --verbose} adds the stack trace.
 */
public final class JobRunner {
  private static volatile boolean verbose;
  /** Turn a low-level failure into a user-facing one (e.g. a damaged Delta log into its explanation). */
  private static final java.util.List<java.util.function.UnaryOperator<Throwable>> TRANSLATORS =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Adds a translator, applied to every failure before its exit code and line are chosen. */
  public static void addTranslator(java.util.function.UnaryOperator<Throwable> t) {
    if (!TRANSLATORS.contains(t)) TRANSLATORS.add(t);
  }

  static Throwable translate(Throwable ex) {
    for (java.util.function.UnaryOperator<Throwable> t : TRANSLATORS) {
      try {
        Throwable r = t.apply(ex);
        if (r != null && r != ex) return r;
      } catch (RuntimeException e) {
        ex.addSuppressed(e);
      }
    }
    return ex;
  }

  private JobRunner() {}

  public static void setVerbose(boolean v) {
    verbose = v;
  }

  /** Configures a picocli command line with the exit-code policy. */
  public static CommandLine configure(CommandLine cl) {
    cl.setParameterExceptionHandler((ex, args) -> {
      PrintWriter err = ex.getCommandLine().getErr();
      err.println("exocohort: " + ex.getMessage());
      err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
      err.flush();
      return ExitCodes.BAD_INPUT;
    });
    cl.setExecutionExceptionHandler((thrown, commandLine, parseResult) -> {
      Throwable ex = translate(thrown);
      PrintWriter err = commandLine.getErr();
      int code = exitCode(ex);
      err.println("exocohort " + commandLine.getCommandName() + ": error: " + oneLine(ex));
      if (verbose) {
        ex.printStackTrace(err);
      } else if (code == ExitCodes.FAILURE) {
        err.println("(run with --verbose for the stack trace)");
      }
      err.flush();
      return code;
    });
    return cl;
  }

  /** The one line a failure is reported with, after translation (what the runner prints and job_runs records). */
  public static String describe(Throwable ex) {
    return oneLine(translate(ex));
  }

  /**
   * 3 for a run id already recorded as succeeded, 2 for anything else the user can fix (bad input, a bad query),
   * else 1.
   */
  public static int exitCode(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof AlreadyRecordedException) return ExitCodes.ALREADY_RECORDED;
      if (t instanceof BadInputException || t instanceof AnalysisException) return ExitCodes.BAD_INPUT;
      if (t.getCause() == t) break;
    }
    return ExitCodes.FAILURE;
  }

  /**
   * The most useful single line: the user-facing cause if there is one, else the outermost message; when that
   * message says nothing of its own (empty, a wrapper such as Spark's {@code "Exception thrown in awaitResult: "}
   * that ends in a colon, or just its cause's {@code toString()}), the innermost meaningful message of the causes;
   * with none at all, the root cause's class and message.
   */
  public static String oneLine(Throwable ex) {
    for (Throwable t = ex; t != null; t = t.getCause()) {
      if (t instanceof BadInputException) return t.getMessage();
      if (t instanceof AnalysisException) return firstLine(t.getMessage());
      if (t.getCause() == t) break;
    }
    if (meaningful(ex)) return firstLine(ex.getMessage());
    String inner = null;
    Throwable root = ex;
    for (Throwable t = ex.getCause(); t != null; t = t.getCause()) {
      if (meaningful(t)) inner = t.getMessage();
      root = t;
      if (t.getCause() == t) break;
    }
    return firstLine(inner != null ? inner : root.toString());
  }

  /** Whether a throwable's message says something beyond wrapping its cause. */
  static boolean meaningful(Throwable t) {
    String m = t.getMessage();
    if (m == null) return false;
    String s = firstLine(m).strip();
    if (s.isEmpty() || s.endsWith(":")) return false;
    Throwable c = t.getCause();
    return c == null || c == t || !m.equals(c.toString());
  }

  /** The first line of a message that is not blank (Spark's parse errors start with a line break). */
  static String firstLine(String s) {
    if (s == null) return "";
    for (String line : s.split("\n")) if (!line.isBlank()) return line.strip();
    return "";
  }
}
