package io.exocohort.cli;

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
 * {@code conf/cluster.properties}).
 */
public final class CommonOptions {
  @Option(names = "--conf", paramLabel = "FILE",
      description = "Properties file (spark.* and exocohort.* keys). Default: $EXOCOHORT_CONF.")
  Path confFile;

  @Option(names = "--lake", paramLabel = "DIR",
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
      String env = System.getenv("EXOCOHORT_CONF");
      if (env != null && !env.isBlank()) file = Path.of(env);
    }
    return ExoConf.load(file).with(Settings.LAKE, lake).with(Settings.DATABASE, database);
  }

  public SparkSession spark(String appName) {
    return SparkSessions.getOrCreate(appName, conf().sparkDefaults());
  }
}
