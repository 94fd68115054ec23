package io.exocohort.common;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who the running command is for. In a normal launch: this process (its working directory and environment). Under
 * {@code exocohort serve} a request from a client: relative paths in its arguments and in its conf file name its
 * working directory, not the server's, and {@code $EXOCOHORT_CONF} is the client's. The server runs one request
 * at a time and sets the caller for its duration, so one process-wide value (not a thread's) is right: every thread
 * of the job sees it, and no pool thread keeps a previous client's.
 *
 * <p>Secrets are never part of a request: the pseudonym key, S3 credentials and every other variable are read from
 * the server's own environment.
 */
public final class Caller {
  /**
   * A client's request.
   *
   * @param dir the client's working directory (absolute)
   * @param confEnv the client's {@code $EXOCOHORT_CONF} (null: not set)
   * @param serverSpark the {@code spark.*} entries the server's session was built from
   */
  public record Request(Path dir, String confEnv, Map<String, String> serverSpark) {}

  /** A URI with a scheme ({@code s3a://}, {@code file:/}, {@code hdfs://}): never resolved. */
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]+:.*");

  private static volatile Request current;

  private Caller() {}

  /** Sets the request the next command runs for (the server, around one request). */
  public static void begin(Request r) {
    current = r;
  }

  /** Back to this process as the caller. */
  public static void end() {
    current = null;
  }

  /** The request being served, or null in a normal launch. */
  public static Request request() {
    return current;
  }

  /**
   * A path as the caller means it: a relative local path taken from the client's working directory under the
   * server; unchanged otherwise (absolute, a URI with a scheme, blank, or a normal launch).
   */
  public static String resolve(String path) {
    Request r = current;
    if (r == null || path == null || path.isBlank() || SCHEME.matcher(path).matches()) return path;
    Path p = Path.of(path);
    return p.isAbsolute() ? path : r.dir().resolve(p).normalize().toString();
  }

  /** {@link #resolve(String)} for a {@link Path}. */
  public static Path resolve(Path path) {
    Request r = current;
    if (r == null || path == null || path.isAbsolute()) return path;
    return r.dir().resolve(path).normalize();
  }

  /** The caller's {@code $EXOCOHORT_CONF}: the client's under the server, else this process's. */
  public static String confEnv() {
    Request r = current;
    return r != null ? r.confEnv() : System.getenv("EXOCOHORT_CONF");
  }
}
