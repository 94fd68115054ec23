package io.exocohort.common;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;

/**
 * The one SparkSession factory, shared by the jobs and the tests. It adds Delta's SQL extension and catalog and
 * the defaults given to it (from {@code conf/*.properties}), but never a master of its own: spark-submit, the
 * launcher's conf file or the test extension supplies it. Settings already in the SparkConf (spark-submit's
 * {@code --conf}, {@code spark.*} system properties) win over the defaults.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /** Spark's bound on its cache of compiled generated code (a static setting: read when the session starts). */
  static final String CODEGEN_CACHE = "spark.sql.codegen.cache.maxEntries";

  /** Spark 4's per-session artifact isolation (internal, on by default; read when each session starts). */
  static final String ARTIFACT_ISOLATION = "spark.sql.artifact.isolation.enabled";

  public static SparkSession getOrCreate(String appName, Map<String, String> sparkDefaults) {
    // A session already running in this JVM (tests, the demo running several jobs) is reused.
    scala.Option<SparkSession> active = SparkSession.getActiveSession();
    if (active.isDefined()) return active.get();
    scala.Option<SparkSession> dflt = SparkSession.getDefaultSession();
    if (dflt.isDefined()) return dflt.get();
    SparkConf conf = new SparkConf();
    sparkDefaults.forEach((k, v) -> {
      if (k.startsWith("spark.") && !conf.contains(k)) conf.set(k, v);
    });
    if (!conf.contains("spark.app.name")) conf.setAppName(appName);
    if (!conf.contains("spark.master")) {
      throw new BadInputException("no Spark master is set: run through jobs/exocohort (embedded local mode), "
          + "spark-submit, or set spark.master in the conf file");
    }
    conf.set("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    conf.set("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    // Compiled code kept for 1,000 distinct sources (Spark's default is 100): one normalize compiles about 140
    // classes (Delta's commit and log queries, the matrix write), so with 100 a second run in the same driver (the
    // server, a `run` of several stages, the tests' shared session) found 122 of its 142 already compiled and
    // evicted, and compiled them again, about 6 s of Janino (docs/benchmarks.md, "Twentieth session"). A class is
    // tens of KB of metaspace.
    if (!conf.contains(CODEGEN_CACHE)) conf.set(CODEGEN_CACHE, "1000");
    // Every session shares the executors' class loader. Spark 4 gives each session a class loader of its own on the
    // executors (for Spark Connect's per-session jars and classes; no job here adds any), and the cache above is
    // keyed by class loader as well as source: the server, which runs each request in a new session, compiled the
    // same 172 generated classes again for every `run normalize de` request, and the JIT compiled them again after
    // it (1.8 s of Janino, and C2 took 4-8 s of CPU per 14-15 s request against 1.7-2.2 s now; docs/design.md,
    // ADR 3).
    if (!conf.contains(ARTIFACT_ISOLATION)) conf.set(ARTIFACT_ISOLATION, "false");
    // Analysts' queries read tables registered by location: never infer a warehouse under the working dir.
    if (!conf.contains("spark.sql.warehouse.dir")) {
      conf.set("spark.sql.warehouse.dir", System.getProperty("java.io.tmpdir") + "/exocohort-warehouse");
    }
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /**
   * Drops what jobs cached in a driver that outlives them (the {@code serve} process after each request, the test
   * JVM after each class): cached datasets and every persisted RDD, with the broadcasts their plans hold, and
   * Delta's cache of table logs. Delta keeps each table's log, with its snapshots and their state, for up to an hour
   * after its last use: about 34,000 of Spark's bit sets per lake of 10,000 samples in the server, every lake a
   * request or a test ever opened. The next job on a table reads its log again, as each job already computes the
   * state of the versions it pins (docs/design.md, ADR 3).
   */
  public static void dropCached(SparkSession session) {
    session.catalog().clearCache();
    scala.jdk.javaapi.CollectionConverters.asJava(session.sparkContext().getPersistentRDDs()).values()
        .forEach(rdd -> rdd.unpersist(true));
    DeltaLog.clearCache();
  }
}
