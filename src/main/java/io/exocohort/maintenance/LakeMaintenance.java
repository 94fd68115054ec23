package io.exocohort.maintenance;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Table maintenance of a lake: {@code OPTIMIZE} (compaction, Z-ordered on the columns analysts filter on),
 * {@code VACUUM} with Delta's retention guard, {@code DESCRIBE HISTORY}, and the listing of {@code job_runs}.
 *
 * <p>Why Z-order rather than liquid clustering: the tables are partitioned (by {@code cohort} or
 * {@code modality}) so that jobs rewrite or append one partition at a time, and Delta's liquid clustering cannot
 * be combined with partitioning. Z-ordering within each partition by the filter columns lets data skipping
 * (per-file min/max statistics) prune files for {@code WHERE contrast = ... AND feature = ...}.
 */
public final class LakeMaintenance {
  private static final Logger LOG = LoggerFactory.getLogger(LakeMaintenance.class);

  /** Delta's default {@code delta.deletedFileRetentionDuration}: 7 days. */
  public static final double MIN_RETAIN_HOURS = 168;


  private LakeMaintenance() {}

  /** What one OPTIMIZE did: files and bytes before and after (DESCRIBE DETAIL) and the commit's metrics. */
  public record Optimized(String table, List<String> zorderBy, long filesBefore, long filesAfter, long bytesBefore,
      long bytesAfter, long filesAdded, long filesRemoved, double seconds) {}

  /** What one VACUUM did: data files on storage before and after. */
  public record Vacuumed(String table, long filesBefore, long filesAfter, double seconds) {}

  /** The given table (which must exist), or every table of the lake. */
  public static List<TableDef> tables(Lake lake, String name) {
    if (name == null || name.isBlank()) return Tables.ALL.stream().filter(lake::exists).toList();
    TableDef t = Tables.ALL.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow(() ->
        new BadInputException("unknown table '" + name + "' (tables: "
            + String.join(", ", Tables.ALL.stream().map(TableDef::name).toList()) + ")"));
    if (!lake.exists(t)) throw new BadInputException("table " + name + " does not exist in " + lake.root() + " yet");
    return List.of(t);
  }

  /** The arguments of {@code optimize}: the lake, and one table or null for every table. */
  public record OptimizeArgs(String lake, String database, String table) {}

  /** The arguments of {@code vacuum}: the lake, one table or null, the hours of versions kept, the override. */
  public record VacuumArgs(String lake, String database, String table, double retainHours, boolean force) {}

  /**
   * {@code optimize} as one run ({@link RunScope}): OPTIMIZE each table (Z-ORDER BY its declared Z-order columns,
   * {@link TableDef#zOrderBy}, else compaction), each commit recorded for the run's {@code job_runs} row; if the
   * run fails, every table it compacted is restored to its version before the run.
   */
  public static List<Optimized> optimize(SparkSession spark, OptimizeArgs a) {
    return RunScope.run(spark, a.lake(), a.database(), "optimize", null, a, s -> optimize(s, a.table()));
  }

  private static List<Optimized> optimize(RunScope s, String table) {
    Lake lake = existing(s.lake());
    List<Optimized> out = new ArrayList<>();
    for (TableDef t : tables(lake, table)) {
      List<String> z = t.zOrderBy();
      try (Stage st = Stage.start(LOG, lake.spark(), "optimize", t.name())) {
        s.noteBefore(t);
        long version = lake.version(t);
        long[] before = detail(lake, t);
        Dataset<Row> r = z.isEmpty() ? lake.delta(t).optimize().executeCompaction()
            : lake.delta(t).optimize().executeZOrderBy(z.toArray(new String[0]));
        Row m = r.selectExpr("metrics.numFilesAdded", "metrics.numFilesRemoved").head();
        long now = lake.version(t);
        if (now > version) s.wrote(new Commit(t.name(), now, 0, 0, 0, 0)); // rows rearranged, none written
        long[] after = detail(lake, t);
        Optimized o = new Optimized(t.name(), z, before[0], after[0], before[1], after[1], m.getLong(0),
            m.getLong(1), st.seconds());
        st.done("{} files -> {} ({} added, {} removed){}", o.filesBefore(), o.filesAfter(), o.filesAdded(),
            o.filesRemoved(), z.isEmpty() ? "" : ", z-ordered by " + z);
        out.add(o);
      }
    }
    Map<String, String> p = new LinkedHashMap<>();
    if (table != null) p.put("table", table);
    s.succeeded(p, out.size() + " table(s) optimized: " + String.join(", ", out.stream()
        .map(o -> o.table() + " " + o.filesBefore() + "->" + o.filesAfter() + " files").toList()));
    return out;
  }

  /** The lake of a maintenance run, which must exist: a mistyped --lake is refused, not created. */
  private static Lake existing(Lake lake) {
    if (!lake.folderExists()) throw new BadInputException("no lake at " + lake.root() + " (no such folder: check --lake)");
    return lake;
  }

  /** numFiles and sizeInBytes of the current version. */
  static long[] detail(Lake lake, TableDef t) {
    Row d = lake.delta(t).detail().select("numFiles", "sizeInBytes").head();
    return new long[] {d.getLong(0), d.getLong(1)};
  }

  /**
   * VACUUM each table, keeping files that a version of the last {@code retainHours} still needs. Below Delta's
   * default retention of 168 hours it refuses (time travel to the versions in between, and readers or writers
   * still working on them, would break) unless {@code force}, which then lifts Delta's own check
   * ({@code spark.databricks.delta.retentionDurationCheck.enabled}) for this call only. One run
   * ({@link RunScope}) with its {@code job_runs} row; deleted files cannot come back, so nothing is rolled back
   * (a vacuum changes what no table version reads).
   */
  public static List<Vacuumed> vacuum(SparkSession spark, VacuumArgs a) {
    checkRetention(a.retainHours(), a.force()); // before the run: a refused vacuum opens no lake, records nothing
    return RunScope.run(spark, a.lake(), a.database(), "vacuum", null, a, s -> vacuum(s, a));
  }

  private static List<Vacuumed> vacuum(RunScope s, VacuumArgs a) {
    Lake lake = existing(s.lake());
    double retainHours = a.retainHours();
    List<TableDef> ts = tables(lake, a.table());
    String key = "spark.databricks.delta.retentionDurationCheck.enabled";
    String was = lake.spark().conf().get(key, "true");
    List<Vacuumed> out = new ArrayList<>();
    try {
      if (retainHours < MIN_RETAIN_HOURS) {
        LOG.warn("vacuum with --force: retaining only {} hours", fmt(retainHours));
        lake.spark().conf().set(key, "false");
      }
      for (TableDef t : ts) {
        try (Stage st = Stage.start(LOG, lake.spark(), "vacuum", t.name())) {
          long before = dataFiles(lake, t);
          lake.delta(t).vacuum(retainHours);
          long after = dataFiles(lake, t);
          st.done("{} data files -> {}", before, after);
          out.add(new Vacuumed(t.name(), before, after, st.seconds()));
        }
      }
    } finally {
      lake.spark().conf().set(key, was);
    }
    Map<String, String> p = new LinkedHashMap<>();
    if (a.table() != null) p.put("table", a.table());
    p.put("retain_hours", fmt(retainHours));
    p.put("force", String.valueOf(a.force()));
    s.succeeded(p, out.size() + " table(s) vacuumed: " + String.join(", ", out.stream()
        .map(v -> v.table() + " " + v.filesBefore() + "->" + v.filesAfter() + " data files").toList()));
    return out;
  }

  /** Delta's retention guard, before any lake is opened: below 168 hours only with {@code force}. */
  public static void checkRetention(double retainHours, boolean force) {
    if (!(retainHours >= 0) || Double.isInfinite(retainHours)) {
      throw new BadInputException("--retain-hours must be a number of hours >= 0, not " + retainHours);
    }
    if (retainHours < MIN_RETAIN_HOURS && !force) {
      throw new BadInputException(String.format(Locale.ROOT, "--retain-hours %s is below Delta's retention of %.0f "
          + "hours (7 days): time travel and concurrent readers of older versions would break; add --force to "
          + "vacuum anyway", fmt(retainHours), MIN_RETAIN_HOURS));
    }
  }

  private static String fmt(double h) {
    return h == Math.rint(h) ? String.valueOf((long) h) : String.valueOf(h);
  }

  /** Data files on storage (everything outside _delta_log), current or not. */
  static long dataFiles(Lake lake, TableDef t) {
    try {
      Path root = new Path(lake.path(t));
      FileSystem fs = root.getFileSystem(lake.spark().sparkContext().hadoopConfiguration());
      long n = 0;
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        Path p = it.next().getPath();
        if (!p.toString().contains("/_delta_log/") && p.getName().endsWith(".parquet")) n++;
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + lake.path(t), e);
    }
  }

  /** DESCRIBE HISTORY, newest first: version, time, operation, its parameters and metrics. */
  public static Dataset<Row> history(Lake lake, String table, int n) {
    if (table == null || table.isBlank()) throw new BadInputException("give a table: history TABLE");
    if (n < 1) throw new BadInputException("--n must be at least 1, not " + n);
    TableDef t = tables(lake, table).get(0);
    return lake.delta(t).history(n).selectExpr("version", "timestamp", "operation", "operationParameters",
        "operationMetrics", "readVersion");
  }

  /** The newest runs in job_runs (all jobs, or one), newest first. Null if the lake has no job_runs yet. */
  public static Dataset<Row> runs(Lake lake, String job, int n) {
    if (n < 1) throw new BadInputException("--n must be at least 1, not " + n);
    if (job != null && !job.matches("[a-z][a-z0-9_]{0,31}")) {
      throw new BadInputException("--job '" + job + "' is not a job name (qc, normalize, de, ingest, ...)");
    }
    if (!lake.exists(Tables.JOB_RUNS)) return null;
    Dataset<Row> r = lake.read(Tables.JOB_RUNS);
    if (job != null) r = r.filter(org.apache.spark.sql.functions.col("job").equalTo(job));
    return r.orderBy(org.apache.spark.sql.functions.col("started_at").desc(),
            org.apache.spark.sql.functions.col("ended_at").desc()).limit(n)
        .selectExpr("run_id", "job", "status", "started_at",
            "round((unix_millis(ended_at) - unix_millis(started_at)) / 1000.0, 1) AS seconds",
            "aggregate(map_values(rows_written), 0L, (a, x) -> a + coalesce(x, 0L)) AS rows_written",
            "output_versions", "message");
  }
}
