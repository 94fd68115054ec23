package io.exocohort.catalog;

import io.exocohort.common.ExoConf;
import io.exocohort.common.JobRunner;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Records job runs in {@code job_runs} (parameters, versions read and written, counts, status).
 *
 * <p>Every job wraps its body in {@link #track}: the body gets a {@link Run} (its run id, and where it notes the
 * versions it read), records its success through {@link Run#succeeded} (inside its own rollback scope), and when
 * it throws, the wrapper appends a {@code failed} row with the one-line error and re-throws, so the runner
 * still maps the exception to the exit code. A failed run may be re-run with the same run id: {@code job_runs}
 * then holds the failed row and the succeeded one.
 */
public final class JobRuns {
  private static final Logger LOG = LoggerFactory.getLogger(JobRuns.class);
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  private JobRuns() {}

  /** {@code <job>-<yyyyMMddTHHmmss>-<6 hex>}, unless the caller gave one. */
  public static String newRunId(String job, String given) {
    if (given != null && !given.isBlank()) return given;
    return job + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  public static void record(Lake lake, String runId, String job, String status, Instant started,
      Map<String, String> parameters, Map<String, Long> inputVersions, Map<String, Long> outputVersions,
      Map<String, Long> rowsWritten, String message) {
    lake.ensure(Tables.JOB_RUNS);
    Row row = RowFactory.create(runId, job, status, Timestamp.from(started), Timestamp.from(Instant.now()),
        CollectionConverters.asScala(parameters), CollectionConverters.asScala(inputVersions),
        CollectionConverters.asScala(outputVersions), CollectionConverters.asScala(rowsWritten), message);
    lake.spark().createDataFrame(List.of(row), Tables.JOB_RUNS.schema())
        .write().format("delta").mode("append").save(lake.path(Tables.JOB_RUNS));
  }

  /** A failed run: the one-line error as message, empty output and row maps. */
  public static void recordFailure(Lake lake, String runId, String job, Instant started,
      Map<String, String> parameters, Map<String, Long> inputVersions, Throwable error) {
    record(lake, runId, job, FAILED, started, parameters, inputVersions, Map.of(), Map.of(),
        JobRunner.oneLine(error));
  }

  /** One run of a job, handed to its body by {@link #track}. */
  public static final class Run {
    private final String id;
    private final String job;
    private final Instant started = Instant.now();
    private final Map<String, String> arguments;
    private final Map<String, Long> inputs = new LinkedHashMap<>();
    private boolean recorded;

    Run(String id, String job, Map<String, String> arguments) {
      this.id = id;
      this.job = job;
      this.arguments = arguments;
    }

    public String id() {
      return id;
    }

    public Instant started() {
      return started;
    }

    /** The job's arguments as recorded for a failed run. */
    public Map<String, String> arguments() {
      return arguments;
    }

    /** Notes the Delta versions the run reads (recorded with a failure too). */
    public void inputs(Map<String, Long> versions) {
      inputs.putAll(versions);
    }

    /** Records the run as succeeded; call it inside the job's rollback scope. */
    public void succeeded(Lake lake, Map<String, String> parameters, Map<String, Long> inputVersions,
        Map<String, Long> outputVersions, Map<String, Long> rowsWritten, String message) {
      record(lake, id, job, SUCCEEDED, started, parameters, inputVersions, outputVersions, rowsWritten, message);
      recorded = true;
    }
  }

  /**
   * Runs a job's body as one run: a failure is appended to {@code job_runs} (status {@code failed}, the one-line
   * error, the arguments and the input versions noted so far) and re-thrown unchanged. The failure is recorded
   * only in a lake folder that already exists (a mistyped {@code --lake} does not create one); a problem
   * recording it is logged and attached to the job's exception as suppressed.
   *
   * @param arguments the job's argument record: its plain components (strings, numbers, booleans, lists) are
   *     recorded as the failed run's parameters
   */
  public static <T> T track(SparkSession spark, String lake, String database, String job, String givenRunId,
      Record arguments, Function<Run, T> body) {
    return track(spark, lake, database, job, givenRunId, null, arguments, body);
  }

  /** As {@link #track(SparkSession, String, String, String, String, Record, Function)}, with the job's own
   * generated run id used when none is given. */
  public static <T> T track(SparkSession spark, String lake, String database, String job, String givenRunId,
      String generatedRunId, Record arguments, Function<Run, T> body) {
    String id = givenRunId != null && !givenRunId.isBlank() ? givenRunId
        : generatedRunId != null ? generatedRunId : newRunId(job, null);
    Run run = new Run(id, job, arguments(arguments));
    if (givenRunId != null && !givenRunId.isBlank()) checkNew(spark, lake, run.id);
    try {
      return body.apply(run);
    } catch (Throwable e) { // also SparkException and AnalysisException, which Spark throws undeclared
      if (!run.recorded) recordFailure(spark, lake, database, run, e);
      throw e;
    }
  }

  /** A given run id that already succeeded is refused (before anything is read or recorded). */
  private static void checkNew(SparkSession spark, String root, String runId) {
    if (root == null || root.isBlank()) return;
    String path = root.replaceAll("/+$", "") + "/" + Tables.JOB_RUNS.name();
    if (!io.delta.tables.DeltaTable.isDeltaTable(spark, path)) return;
    boolean done = !spark.read().format("delta").load(path)
        .filter("run_id = '" + Lake.sqlEscape(runId) + "' AND status = '" + SUCCEEDED + "'").isEmpty();
    if (done) {
      throw new io.exocohort.common.BadInputException("--run-id " + runId + " is already recorded in job_runs as "
          + SUCCEEDED + ": give a new one (a failed run may be re-run under its id)");
    }
  }

  private static void recordFailure(SparkSession spark, String root, String database, Run run, Throwable e) {
    try {
      if (root == null || root.isBlank()) return;
      Path p = new Path(root);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.isDirectory(p)) return;
      Lake lake = Lake.open(spark, root, database == null ? ExoConf.DATABASE : database);
      recordFailure(lake, run.id, run.job, run.started, run.arguments, run.inputs, e);
      LOG.warn("{} {} failed: recorded in job_runs ({})", run.job, run.id, JobRunner.oneLine(e));
    } catch (IOException | RuntimeException re) {
      LOG.warn("{} {} failed and could not be recorded in job_runs: {}", run.job, run.id, re.toString());
      e.addSuppressed(re);
    }
  }

  /**
   * The plain components of an argument record, by name, with those of its nested records (groups of options);
   * other types, e.g. keys, are left out.
   */
  public static Map<String, String> arguments(Record r) {
    Map<String, String> m = new LinkedHashMap<>();
    if (r == null) return m;
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(r);
      } catch (ReflectiveOperationException ex) {
        continue;
      }
      if (v == null) continue;
      if (v instanceof CharSequence || v instanceof Number || v instanceof Boolean || v instanceof Enum<?>
          || v instanceof java.nio.file.Path) {
        m.put(c.getName(), v.toString());
      } else if (v instanceof Collection<?> col && col.stream().allMatch(x -> x instanceof CharSequence)) {
        m.put(c.getName(), String.join(",", col.stream().map(Object::toString).toList()));
      } else if (v instanceof Record group) {
        arguments(group).forEach(m::putIfAbsent); // a group of options (Args.Mirna...): its components
      }
    }
    return m;
  }
}
