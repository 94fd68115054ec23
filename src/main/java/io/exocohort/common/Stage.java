package io.exocohort.common;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;

/**
 * One stage of a job: labels the Spark jobs it runs (so the Spark UI reads like the pipeline) and logs what it
 * did with counts and its duration.
 * <pre>
 * try (Stage s = Stage.start(log, spark, "ingest", "read manifest")) { ...; s.done("{} samples", n); }
 * </pre>
 */
public final class Stage implements AutoCloseable {
  private final Logger log;
  private final SparkSession spark;
  private final String name;
  private final long startNanos = System.nanoTime();
  private boolean reported;

  private Stage(Logger log, SparkSession spark, String name) {
    this.log = log;
    this.spark = spark;
    this.name = name;
  }

  public static Stage start(Logger log, SparkSession spark, String job, String stage) {
    String name = job + ": " + stage;
    if (spark != null) spark.sparkContext().setJobDescription(name);
    log.info("{} ...", name);
    return new Stage(log, spark, name);
  }

  public double seconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** Logs the stage's result; {@code format} uses SLF4J's {} placeholders. */
  public void done(String format, Object... args) {
    reported = true;
    Object[] all = new Object[args.length + 2];
    all[0] = name;
    System.arraycopy(args, 0, all, 1, args.length);
    all[all.length - 1] = String.format("%.1f", seconds());
    log.info("{} done: " + format + " ({} s)", all);
  }

  @Override
  public void close() {
    if (!reported) log.info("{} ended ({} s)", name, String.format("%.1f", seconds()));
    if (spark != null) spark.sparkContext().setJobDescription(null);
  }
}
