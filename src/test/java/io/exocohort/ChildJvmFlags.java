package io.exocohort;

import java.util.Arrays;
import java.util.List;

/**
 * JVM flags for the JVMs the tests start beside the test JVM: the jobs {@code CrashIT} kills, {@code S3IT}'s
 * launcher runs and S3Proxy, the standalone cluster of {@code ClusterIT} (master, worker, spark-submit's command
 * builder, driver, executors). They start cold, on a 2-core machine where the suite is CPU-bound, so they run with
 * the C1 compiler only ({@code -XX:TieredStopAtLevel=1}) and spend less CPU compiling (measured in
 * docs/benchmarks.md, "The test suite"), with the full JIT's 240 MB code cache: C1 alone gets the client VM's 48 MB,
 * which ClusterIT's driver, running five stages, filled ("Out of space in CodeCache for adapters", fatal). The test
 * JVM keeps the default JIT (TrainIT's loops want C2), and so does ClusterIT's embedded reference run (its train's
 * cross-validation took twice as long with C1 only).
 * The test JVM's system property {@code exocohort.test.child.jvm} replaces them (empty: none), for an A/B
 * measurement.
 */
public final class ChildJvmFlags {
  private ChildJvmFlags() {}

  /** Flags of a child JVM that runs a job: the C1 compiler only, with the full JIT's code cache. */
  public static List<String> job() {
    return split(System.getProperty("exocohort.test.child.jvm",
        "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"));
  }

  /**
   * Flags of a child JVM that mostly waits (the cluster's master and worker, spark-submit's command builder,
   * S3Proxy): the job flags, and the serial collector (no concurrent GC threads for a small heap).
   */
  public static List<String> daemon() {
    List<String> job = job();
    if (job.isEmpty()) return job;
    return java.util.stream.Stream.concat(job.stream(), java.util.stream.Stream.of("-XX:+UseSerialGC")).toList();
  }

  /** {@link #job()} as one string (JAVA_OPTS of the launcher, spark.*.extraJavaOptions). */
  public static String jobString() {
    return String.join(" ", job());
  }

  private static List<String> split(String flags) {
    return Arrays.stream(flags.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
  }
}
