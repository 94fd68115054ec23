package io.exocohort.cli;

import io.exocohort.common.BadInputException;
import io.exocohort.common.Caller;
import io.exocohort.common.ExoConf;
import io.exocohort.common.JobRunner;
import io.exocohort.common.Settings;
import io.exocohort.common.SparkSessions;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * Options every subcommand shares, accepted after the subcommand and before it ({@code exocohort --conf FILE
 * ingest ...}: {@link Main} hands leading ones to the subcommand; one given both before and after is refused).
 * Precedence: these options &gt; the conf file &gt; the defaults of {@link Settings}.
 * The conf file defaults to {@code $EXOCOHORT_CONF} (the launcher sets it to {@code conf/local.properties} or
 * {@code conf/cluster.properties}); under {@code exocohort serve}, the client's {@code $EXOCOHORT_CONF}, and
 * relative paths are the client's ({@link Caller}).
 */
public final class CommonOptions {
  @Option(names = "--conf", paramLabel = "FILE", converter = CallerPaths.LocalPath.class,
      description = "Properties file (spark.* and exocohort.* keys). Default: $EXOCOHORT_CONF.")
  Path confFile;

  @Option(names = "--lake", paramLabel = "DIR", converter = CallerPaths.Location.class,
      description = "Lake root (local path or s3a://bucket/prefix). Default: conf key exocohort.lake, else lake.")
  String lake;

  @Option(names = "--database", paramLabel = "NAME",
      description = "Catalog database. Default: conf key exocohort.database, else exocohort.")
  String database;

  @Option(names = {"-v", "--verbose"}, description = "Show stack traces on errors.")
  void verbose(boolean v) {
    JobRunner.setVerbose(v);
  }

  public ExoConf conf() {
    Path file = confFile;
    if (file == null) {
      String env = Caller.confEnv();
      if (env != null && !env.isBlank()) file = Caller.resolve(Path.of(env));
    }
    ExoConf c = ExoConf.load(file).with(Settings.LAKE, lake).with(Settings.DATABASE, database);
    // the conf file's lake, when relative, is the caller's too (an option's value is resolved already)
    return Caller.request() == null ? c : c.with(Settings.LAKE, Caller.resolve(c.get(Settings.LAKE)));
  }

  /**
   * The session the job runs in. Under {@code exocohort serve} it is the server's (a session of its own per
   * request), which was built from the server's conf: a request whose conf file sets other {@code spark.*} values
   * is refused (exit 2), as a running session cannot take them.
   */
  public SparkSession spark(String appName) {
    java.util.Map<String, String> wanted = conf().sparkDefaults();
    Caller.Request r = Caller.request();
    if (r != null && !wanted.equals(r.serverSpark())) {
      throw new BadInputException(sparkConfDiffers(wanted, r.serverSpark()));
    }
    return SparkSessions.getOrCreate(appName, wanted);
  }

  /** One line saying which spark.* key of the request differs from the server's. */
  static String sparkConfDiffers(java.util.Map<String, String> wanted, java.util.Map<String, String> server) {
    java.util.TreeSet<String> keys = new java.util.TreeSet<>(wanted.keySet());
    keys.addAll(server.keySet());
    String first = null;
    int n = 0;
    for (String k : keys) {
      if (java.util.Objects.equals(wanted.get(k), server.get(k))) continue;
      n++;
      if (first == null) {
        first = k + "=" + (wanted.containsKey(k) ? wanted.get(k) : "(unset)") + " where the server has "
            + (server.containsKey(k) ? server.get(k) : "(unset)");
      }
    }
    return "the conf file's Spark settings differ from the server's (" + first + (n > 1 ? ", and " + (n - 1)
        + " more" : "") + "): a running session cannot change them; run without the server (unset "
        + "EXOCOHORT_SERVER) or restart it with this conf";
  }
}
