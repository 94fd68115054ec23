package io.exocohort;

import io.exocohort.common.SparkSessions;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The one SparkSession of a test run (about 10 s to start on 2 cores): local[2], UI off, few shuffle
 * partitions, no whole-stage code generation. Built through the production factory; closed by the JVM's shutdown.
 */
public final class SparkTestSession {
  private static volatile SparkSession spark;

  private SparkTestSession() {}

  public static synchronized SparkSession get() {
    if (spark == null) {
      Map<String, String> conf = new java.util.HashMap<>(Map.of(
          "spark.master", "local[2]",
          "spark.ui.enabled", "false",
          "spark.sql.shuffle.partitions", "2",
          "spark.default.parallelism", "2",
          "spark.sql.adaptive.enabled", "true",
          "spark.databricks.delta.snapshotPartitions", "1",
          "spark.sql.sources.parallelPartitionDiscovery.parallelism", "2",
          "spark.driver.bindAddress", "127.0.0.1",
          "spark.driver.host", "127.0.0.1"));
      // Whole-stage code generation off: the tests' tables are tiny, so compiling a plan's stages (Janino) cost more
      // than running them: 7% of the CPU and 10% of the wall time of five integration classes (docs/benchmarks.md,
      // "Thirteenth session: whole-stage code generation off"). Spark evaluates the same operators without it (its
      // own fallback when a stage does not compile); the jobs in child JVMs (CrashIT, ClusterIT, S3IT, ServeIT,
      // DemoIT, the demo in .ci/run) keep the production default. -Dexocohort.test.codegen=true turns it back on.
      // (No code generation at all, spark.sql.codegen.factoryMode=NO_CODEGEN, saved 21% but broke
      // spark.catalog().listTables().)
      // Two shuffle partitions and one Delta snapshot partition (were 4 and 2) on local[2], and no Hadoop checksum
      // side files for what Delta writes through FileContext (its commits: each .json had a .crc beside it, and
      // each file's create and rename ran chmod and readlink processes, 14,600 in five classes): without whole-stage
      // code generation every task generates its operators' projections and deserialises its task, so fewer tasks
      // per stage cost less on these tiny tables. DeIT, IngestIT and NormalizeIT 18% less wall and CPU time
      // (docs/benchmarks.md, "Sixteenth session"). Tests that need several partitions ask for them.
      conf.put("spark.hadoop.fs.AbstractFileSystem.file.impl", "org.apache.hadoop.fs.local.RawLocalFs");
      if (!Boolean.getBoolean("exocohort.test.codegen")) conf.put("spark.sql.codegen.wholeStage", "false");
      // One JVM runs every integration class (an hour of jobs): keep its heap to what the current class needs.
      // - Tungsten pages of 512 KB (Spark sized them 64 MB from the 4 GB heap): every hash aggregate, sort and
      //   broadcast hash relation of these tiny tables took a 64 MB long[], a humongous G1 object, kept alive by
      //   broadcasts in the block manager and by executor threads' thread locals (JFR old-object samples; a 4 GB heap
      //   ran a concurrent mark every 6 s). Larger records still get a page of their own size.
      // - The status store keeps 50 SQL executions, jobs and stages (1,000 each by default; one execution's plan
      //   description is up to 170 KB here).
      conf.put("spark.buffer.pageSize", "512k");
      conf.put("spark.sql.ui.retainedExecutions", "50");
      conf.put("spark.ui.retainedJobs", "50");
      conf.put("spark.ui.retainedStages", "50");
      // -Dexocohort.test.spark="k=v;k=v": extra Spark settings for the test session (to measure one, A/B)
      for (String kv : System.getProperty("exocohort.test.spark", "").split(";")) {
        int eq = kv.indexOf('=');
        if (eq > 0) conf.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
      }
      spark = SparkSessions.getOrCreate("exocohort-tests", conf);
      spark.sparkContext().setLogLevel("WARN");
    }
    return spark;
  }

  /**
   * What a test class may leave in the shared driver, dropped after each class (as {@code serve} does after each
   * request): cached datasets, persisted RDDs (and the broadcasts their plans hold), Delta's snapshot cache of
   * tables the class deleted. Nothing if no class started the session.
   */
  static synchronized void release() {
    if (spark == null) return;
    SparkSessions.dropCached(spark);
    org.apache.spark.sql.delta.DeltaLog.clearCache();
  }
}
