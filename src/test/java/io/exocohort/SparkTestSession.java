package io.exocohort;

import io.exocohort.common.SparkSessions;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test run (about 10 s to start on 2 cores): local[2], UI off, few shuffle
 * partitions. Built through the production factory; closed by the JVM's shutdown.
 */
public final class SparkTestSession {
  private static volatile SparkSession spark;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      spark = SparkSessions.getOrCreate("exocohort-tests", Map.of(
          "spark.master", "local[2]",
          "spark.ui.enabled", "false",
          "spark.sql.shuffle.partitions", "4",
          "spark.default.parallelism", "4",
          "spark.sql.adaptive.enabled", "true",
          "spark.databricks.delta.snapshotPartitions", "2",
          "spark.sql.sources.parallelPartitionDiscovery.parallelism", "2",
          "spark.driver.bindAddress", "127.0.0.1",
          "spark.driver.host", "127.0.0.1"));
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }
}
