package io.exocohort.catalog;

import io.exocohort.common.AlreadyRecordedException;
import io.exocohort.common.BadInputException;
import io.exocohort.common.DeltaRetry;
import io.exocohort.common.JobRunner;
import io.exocohort.common.Parallel;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a job, and everything it owns: the lake (opened once per session and root), the input versions it
 * pinned, the cohorts it resolved, the commits it made and the files it wrote, and its {@code job_runs} record.
 * Every job is a function run inside one scope ({@link #run}); Iceberg's {@code BaseSparkAction} and Hail's
 * {@code ExecuteContext} are the models.
 *
 * <p>The lifecycle, the same for every job:
 * <ol>
 *   <li>a given run id that is already recorded as succeeded is refused before anything is read;</li>
 *   <li>the body pins its inputs ({@link #pin}) and reads them at those versions ({@link #read});</li>
 *   <li>it writes through the scope ({@link #append}, {@link #replaceCohorts}, {@link #mergeCohort},
 *       {@link #overwrite}), which keeps each commit;</li>
 *   <li>it ends with {@link #succeeded}, which appends the {@code succeeded} row (parameters, versions read and
 *       written, rows written, a message);</li>
 *   <li>if the body throws anything ({@link Throwable}), every table it wrote is restored to its version before
 *       the run, the files it wrote are deleted, a {@code failed} row with the one-line error is appended (in a
 *       lake folder that exists) and the exception goes on, unchanged, to the runner that maps it to the exit
 *       code.</li>
 * </ol>
 * A failed run may be re-run under its id: {@code job_runs} then holds the failed row and the succeeded one.
 */
public final class RunScope {
  private static final Logger LOG = LoggerFactory.getLogger(RunScope.class);

  /** Lakes opened in this process, by session, root and database: a job opens its lake once per session. */
  private static final Map<String, Lake> OPENED = new ConcurrentHashMap<>();
  /** For tests: the job whose next run fails just before its success is recorded (after all its writes). */
  private static volatile String injectedFailure;
  /** Jobs that run on a lake written before the expression matrices ({@link #refusePreMatrix}). */
  private static final Set<String> PRE_MATRIX_JOBS = Set.of("upgrade", "ingest");
  /** Tables a failed run restores at once ({@link #restoreWritten}). */
  static final int RESTORE_THREADS = 4;

  private final Lake lake;
  private final String id;
  private final String job;
  private final Instant started = Instant.now();
  private final Map<String, String> arguments;
  private final Map<String, Long> inputs = Collections.synchronizedMap(new LinkedHashMap<>());
  /** Per table written: its version before the run's first write, and the version of the run's last commit. */
  private final Map<String, Long> before = new ConcurrentHashMap<>();
  private final Map<String, Long> written = new ConcurrentHashMap<>();
  private final Map<String, Long> rows = new ConcurrentHashMap<>();
  private final List<String> files = Collections.synchronizedList(new ArrayList<>());
  private List<String> cohorts;
  private boolean recorded;

  private RunScope(Lake lake, String id, String job, Map<String, String> arguments) {
    this.lake = lake;
    this.id = id;
    this.job = job;
    this.arguments = arguments;
  }

  /**
   * Runs {@code body} as one run of {@code job} on the lake at {@code root} (opened once per session).
   *
   * @param givenRunId the run id the user gave (null: {@code generatedRunId}, or a new one)
   * @param arguments the job's argument record: its plain components are recorded as a failed run's parameters
   */
  public static <T> T run(SparkSession spark, String root, String database, String job, String givenRunId,
      String generatedRunId, Record arguments, Function<RunScope, T> body) {
    return run(lake(spark, root, database), job, givenRunId, generatedRunId, arguments, body);
  }

  /** As {@link #run(SparkSession, String, String, String, String, String, Record, Function)} without a generated id. */
  public static <T> T run(SparkSession spark, String root, String database, String job, String givenRunId,
      Record arguments, Function<RunScope, T> body) {
    return run(spark, root, database, job, givenRunId, null, arguments, body);
  }

  /** Runs {@code body} as one run of {@code job} on an opened lake. */
  public static <T> T run(Lake lake, String job, String givenRunId, String generatedRunId, Record arguments,
      Function<RunScope, T> body) {
    boolean given = givenRunId != null && !givenRunId.isBlank();
    String id = given ? givenRunId : generatedRunId != null ? generatedRunId : JobRuns.newRunId(job, null);
    RunScope scope = new RunScope(lake, id, job, JobRuns.arguments(arguments));
    if (given) scope.refuseSucceededId();
    try {
      T result = body.apply(scope);
      if (!scope.recorded) throw new IllegalStateException(job + " " + id + " ended without recording its success");
      return result;
    } catch (Throwable e) { // also SparkException and AnalysisException, which Spark throws undeclared
      scope.fail(e);
      throw e;
    }
  }

  /** The lake at {@code root}, opened once per session, root and database. */
  public static Lake lake(SparkSession spark, String root, String database) {
    String db = database == null ? io.exocohort.common.ExoConf.DATABASE : database;
    String key = System.identityHashCode(spark) + "\u0000" + root + "\u0000" + db;
    Lake open = OPENED.get(key);
    if (open != null && open.spark() == spark) return open;
    Lake lake = Lake.open(spark, root, db);
    if (OPENED.size() > 64) OPENED.clear();
    OPENED.put(key, lake);
    return lake;
  }

  /** For tests: makes the next run of {@code job} fail after its writes, before its success is recorded. */
  public static void injectFailure(String job) {
    injectedFailure = job;
  }

  public String id() {
    return id;
  }

  public String job() {
    return job;
  }

  public Lake lake() {
    return lake;
  }

  public SparkSession spark() {
    return lake.spark();
  }

  public Instant started() {
    return started;
  }

  /** The job's arguments as recorded (plain components of its argument record). */
  public Map<String, String> arguments() {
    return Map.copyOf(arguments);
  }

  // ---- inputs ------------------------------------------------------------------------------------------------

  /**
   * Pins the given tables at their current versions (-1 if absent; a table pinned before keeps its version):
   * {@link #read} and {@link #reader} see those snapshots, and they are recorded as the run's input versions.
   */
  public Map<String, Long> pin(TableDef... tables) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (TableDef t : tables) {
      out.put(t.name(), inputs.computeIfAbsent(t.name(), n -> {
        refusePreMatrix(t);
        return lake.version(t);
      }));
    }
    return out;
  }

  /** The input versions pinned so far. */
  public Map<String, Long> inputs() {
    synchronized (inputs) {
      return new LinkedHashMap<>(inputs);
    }
  }

  /** The pinned version of a table (pinning it now if it was not), -1 if absent. */
  public long version(TableDef t) {
    return pin(t).get(t.name());
  }

  /** Whether a table exists at its pinned version. */
  public boolean has(TableDef t) {
    return version(t) >= 0;
  }

  /** The table at its pinned version (pinned now if it was not). */
  public Dataset<Row> read(TableDef t) {
    long v = version(t);
    if (v < 0) throw new BadInputException("lake " + lake.root() + " has no " + t.name() + " table");
    return lake.readAsOf(t, v);
  }

  /** The lake as seen at the pinned versions, for helpers that take a lake. */
  public Lake reader() {
    return lake.pinned(inputs());
  }

  /**
   * The cohorts the run covers: the {@code requested} ones (each must be in {@code samples}), or every cohort
   * of the lake when none is requested. Resolved once per run against the pinned {@code samples}.
   */
  public List<String> cohorts(List<String> requested) {
    if (cohorts != null) return cohorts;
    if (!has(Tables.SAMPLES)) throw new BadInputException("lake " + lake.root() + " has no samples: ingest first");
    List<String> known = read(Tables.SAMPLES).select("cohort").distinct().as(Encoders.STRING()).collectAsList()
        .stream().sorted().toList();
    List<String> unknown = requested == null ? List.of()
        : requested.stream().filter(c -> !known.contains(c)).toList();
    if (!unknown.isEmpty()) {
      throw new BadInputException("--cohort " + String.join(", ", unknown) + ": no such cohort in " + lake.root()
          + " (cohorts: " + String.join(", ", known) + ")");
    }
    cohorts = requested == null || requested.isEmpty() ? known : List.copyOf(requested);
    return cohorts;
  }

  /**
   * The cohorts the run covers, as {@link #cohorts} resolves them, but requested ones are not checked against
   * {@code samples} here: for a job whose own first read of {@code samples} (over these cohorts) sees every
   * cohort the lake has of them, and that then calls {@link #confirmCohorts} with the cohorts it saw. The check's
   * query is left for a cohort that read did not see (a warm {@code run normalize de} saves one query a stage).
   */
  public List<String> cohortsToConfirm(List<String> requested) {
    if (cohorts != null || requested == null || requested.isEmpty()) return cohorts(requested);
    if (!has(Tables.SAMPLES)) throw new BadInputException("lake " + lake.root() + " has no samples: ingest first");
    return List.copyOf(requested);
  }

  /**
   * Confirms the cohorts {@link #cohortsToConfirm} returned with those the job's read of {@code samples} found:
   * one it did not find is checked as {@link #cohorts} checks it, which names it if the lake lacks it.
   */
  public void confirmCohorts(List<String> requested, Collection<String> seen) {
    if (cohorts != null) return;
    if (requested != null && !requested.isEmpty() && seen.containsAll(requested)) {
      cohorts = List.copyOf(requested);
      return;
    }
    cohorts(requested);
  }

  // ---- writes ------------------------------------------------------------------------------------------------
  // Appends, cohort replacements and merges are retried when they lose a race with another writer (DeltaRetry):
  // each commits once or not at all, and the same rows are right against the newer snapshot (another cohort's
  // rows, or another run's schema change, as two normalizes of different cohorts on an index that gains columns).
  // A whole-table overwrite is not: run again, it would silently replace what the other writer committed.

  /** Appends rows to a table (see {@link TableWrites#append}). */
  public Commit append(TableDef t, Dataset<Row> data) {
    noteBefore(t);
    return wrote(DeltaRetry.run(t.name(), () -> TableWrites.append(lake, t, data)));
  }

  /**
   * Appends rows to a table, adding the declared columns an older table lacks (see
   * {@link TableWrites#appendMergingSchema}).
   */
  public Commit appendMergingSchema(TableDef t, Dataset<Row> data) {
    noteBefore(t);
    return wrote(DeltaRetry.run(t.name(), () -> TableWrites.appendMergingSchema(lake, t, data)));
  }

  /** Replaces a table (see {@link TableWrites#overwrite}); not retried (above). */
  public Commit overwrite(TableDef t, Dataset<Row> data, String userMetadata) {
    noteBefore(t);
    return wrote(TableWrites.overwrite(lake, t, data, userMetadata));
  }

  /** Replaces the cohorts' partitions of a table (see {@link TableWrites#replaceCohorts}). */
  public Commit replaceCohorts(TableDef t, Dataset<Row> data, Collection<String> cohortNames) {
    noteBefore(t);
    return wrote(DeltaRetry.run(t.name(), () -> TableWrites.replaceCohorts(lake, t, data, cohortNames)));
  }

  /**
   * Replaces the cohorts' partitions of a table, adding the declared columns an older table lacks (see
   * {@link TableWrites#replaceCohortsMergingSchema}).
   */
  public Commit replaceCohortsMergingSchema(TableDef t, Dataset<Row> data, Collection<String> cohortNames) {
    noteBefore(t);
    return wrote(DeltaRetry.run(t.name(), () -> TableWrites.replaceCohortsMergingSchema(lake, t, data, cohortNames)));
  }

  /** Merges one cohort into a table (see {@link TableWrites#mergeCohort}). */
  public Commit mergeCohort(TableDef t, Dataset<Row> src, String cohort, List<String> keys,
      List<String> bookkeeping, Set<String> rewriteRuns) {
    noteBefore(t);
    return wrote(DeltaRetry.run(t.name(), () -> TableWrites.mergeCohort(lake, t, src, cohort, keys, bookkeeping,
        rewriteRuns)));
  }

  /**
   * Puts the declared form of the named CHECK constraints of {@code t} in place ({@link Lake#declareConstraints}:
   * a DROP and an ADD commit each). Whatever of it committed is in the scope even if a step fails (an ADD that the
   * rows or a concurrent writer refuse), so that a failed run puts the old constraint back.
   */
  public void declareConstraints(TableDef t, Collection<String> names) {
    noteBefore(t);
    long v0 = lake.version(t);
    try {
      lake.declareConstraints(t, names);
    } finally {
      long v = lake.version(t);
      if (v > v0) wrote(new Commit(t.name(), v, 0, 0, 0, 0));
    }
  }

  /**
   * Starts creating the tables the run will write that the lake lacks, in driver threads beside the run's reads
   * and computation ({@link Lake#prepareWrites}): a table's first write then finds it created. Their versions
   * before the run are noted first ({@link #noteBefore}); the run waits for them before it records its end.
   */
  public void prepareWrites(TableDef... tables) {
    for (TableDef t : tables) noteBefore(t);
    lake.prepareWrites(List.of(tables));
  }

  /**
   * Notes a table's version before the run's first write to it: call it before a write made by other means
   * than this scope's methods, then {@link #wrote} with its commit.
   */
  public void noteBefore(TableDef t) {
    before.computeIfAbsent(t.name(), n -> {
      refusePreMatrix(t);
      return lake.version(t);
    });
  }

  /**
   * The one place that refuses a lake written before the expression matrices: a job that pins or writes a
   * matrix table ({@code de}, {@code train}, {@code score}, {@code report}, {@code normalize}) while the lake
   * still has the modality's long table is told to run {@code upgrade} first. {@code upgrade} converts it;
   * {@code ingest} pins every table only to record their versions and reads no expression.
   */
  private void refusePreMatrix(TableDef t) {
    if (PRE_MATRIX_JOBS.contains(job)) return;
    for (Modality m : Modality.values()) {
      if (t == m.matrix() || t == m.samples()) lake.requireUpgraded(m);
    }
  }

  /** Records a commit the run made (for its record and for rollback). */
  public Commit wrote(Commit c) {
    written.merge(c.table(), c.version(), Math::max);
    rows.merge(c.table(), c.rowsWritten(), Long::sum);
    return c;
  }

  /** A file or folder the run wrote outside the tables (a model, a report): deleted if the run fails. */
  public void wroteFile(String path) {
    files.add(path);
  }

  /** The versions the run's commits created, per table. */
  public Map<String, Long> outputVersions() {
    return new LinkedHashMap<>(written);
  }

  /** Rows written per table. */
  public Map<String, Long> rowsWritten() {
    return new LinkedHashMap<>(rows);
  }

  // ---- the record ----------------------------------------------------------------------------------------------

  /**
   * Records the run as succeeded in {@code job_runs} with {@code parameters}, the pinned input versions, the
   * output versions and rows of its commits, and {@code message}; then registers the lake's names (tables the
   * run created) in the session catalog. Call it last.
   */
  public void succeeded(Map<String, String> parameters, String message) {
    if (job.equals(injectedFailure)) {
      injectedFailure = null;
      throw new IllegalStateException("injected failure: " + job + " " + id + " failed before recording success");
    }
    lake.awaitPrepared();
    noteBefore(Tables.JOB_RUNS);
    JobRuns.record(lake, id, job, JobRuns.SUCCEEDED, started, parameters, inputs(), outputVersions(),
        rowsWritten(), message);
    recorded = true;
    LakeCatalog.register(lake);
  }

  private void refuseSucceededId() {
    if (!lake.exists(Tables.JOB_RUNS)) return;
    boolean done = !lake.read(Tables.JOB_RUNS)
        .filter("run_id = '" + Lake.sqlEscape(id) + "' AND status = '" + JobRuns.SUCCEEDED + "'").isEmpty();
    if (done) {
      throw new AlreadyRecordedException("--run-id " + id + " is already recorded in job_runs as " + JobRuns.SUCCEEDED
          + ": give a new one (a failed run may be re-run under its id)");
    }
  }

  /** Restores what the run wrote and records its failure; problems doing so are attached to {@code e}. */
  private void fail(Throwable e) {
    if (recorded) return;
    lake.awaitPrepared();
    restoreWritten(e);
    for (String f : files) deleteQuietly(f, e);
    if (!lake.folderExists()) return; // a mistyped --lake: no folder is created to hold the record
    try {
      JobRuns.record(lake, id, job, JobRuns.FAILED, started, arguments, inputs(), Map.of(), Map.of(),
          JobRunner.describe(e));
      LOG.warn("{} {} failed: recorded in job_runs ({})", job, id, JobRunner.describe(e));
    } catch (RuntimeException re) {
      LOG.warn("{} {} failed and could not be recorded in job_runs: {}", job, id, re.toString());
      e.addSuppressed(re);
    }
  }

  /**
   * Restores every table the run wrote, {@link #RESTORE_THREADS} at a time: each RESTORE is a handful of small Spark
   * jobs and a commit on its own table, so they overlap (a failed ingest's seven tables took 48 s one after the
   * other on the 2-core test machine and 35 s four at a time; a failed optimize's thirteen about 50 s and 24 s:
   * docs/benchmarks.md, "Twentieth session"). A table that cannot be restored is named in the log with the command
   * that restores it, and its error attached to {@code e}; the others are restored all the same.
   */
  private void restoreWritten(Throwable e) {
    List<Callable<Void>> restores = new ArrayList<>();
    for (Map.Entry<String, Long> w : written.entrySet()) {
      restores.add(() -> {
        restore(Tables.byName(w.getKey()), w.getValue());
        return null;
      });
    }
    Parallel.all(restores, RESTORE_THREADS, "restore-" + id).stream().map(Parallel.Outcome::error)
        .filter(java.util.Objects::nonNull).distinct().forEach(e::addSuppressed);
  }

  private void restore(TableDef t, long writtenVersion) {
    long to = Math.max(before.getOrDefault(t.name(), -1L), 0);
    try {
      lake.rollback(t, to, writtenVersion);
    } catch (RuntimeException re) {
      LOG.error("could not restore {} to version {}: run RESTORE TABLE {} TO VERSION AS OF {}", t.name(), to,
          lake.qualified(t), to);
      throw re;
    }
  }

  private void deleteQuietly(String file, Throwable e) {
    try {
      Path p = new Path(file);
      FileSystem fs = p.getFileSystem(spark().sparkContext().hadoopConfiguration());
      fs.delete(p, true);
    } catch (IOException | RuntimeException re) {
      e.addSuppressed(re);
    }
  }
}
