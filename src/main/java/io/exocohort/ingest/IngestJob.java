package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.size;

import io.delta.tables.DeltaTable;
import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.DeltaRetry;
import io.exocohort.common.Stage;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code ingest}: validates a cohort's manifest, miR count and protein files and MERGEs them into the lake's
 * Delta tables.
 *
 * <ol>
 *   <li>Every file is inspected on the driver first (exists, not empty, text or Parquet, header sane, samples
 *       of a wide header known): a file that fails as a whole fails the run before any table is touched.</li>
 *   <li>Rows are parsed in parallel with their line numbers; bad rows get a reason and go to {@code quarantine}
 *       (bad values, unknown samples, duplicates, conflicting sample metadata, unknown cancer types).</li>
 *   <li>Good rows are MERGEd on natural keys ((cohort, sample_id) and (cohort, sample_id, feature)), only
 *       changed rows are rewritten, and the MERGE is pruned to the cohort's partition: ingesting the same
 *       files again changes nothing, a corrected re-delivery updates, another cohort adds.</li>
 *   <li>If a write fails, the tables this run wrote are restored to their previous versions.</li>
 * </ol>
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
  private static final String JOB = "ingest";

  /** Columns that hold direct identifiers: never stored (dropped from the manifest's extra columns). */
  public static final Set<String> DEFAULT_IDENTIFIER_COLUMNS = Set.of("subject_id", "patient_id",
      "participant_id", "mrn", "medical_record_number", "name", "patient_name", "first_name", "last_name",
      "date_of_birth", "dob", "birth_date", "nhs_number", "ssn", "email", "phone", "address");

  public record Args(
      String lake,
      String database,
      String cohort,
      String manifest,
      String mirna,
      String protein,
      String layout,
      String proteinScale,
      String runId,
      String aliasesFile,
      Pseudonymizer pseudonymizer,
      Set<String> identifierColumns,
      String countUnit,
      String cancerTypesFile) {

    /** Without the options added later: counts in reads, no alias overlay. */
    public Args(String lake, String database, String cohort, String manifest, String mirna, String protein,
        String layout, String proteinScale, String runId, String aliasesFile, Pseudonymizer pseudonymizer,
        Set<String> identifierColumns) {
      this(lake, database, cohort, manifest, mirna, protein, layout, proteinScale, runId, aliasesFile,
          pseudonymizer, identifierColumns, null, null);
    }
  }

  /** What the miR counts count ({@code --count-unit}): sequencing reads or unique molecules (UMIs). */
  public static final List<String> COUNT_UNITS = List.of("reads", "umi");
  /** Above this fraction of a file quarantined, the run summary warns (one line per file). */
  public static final double WARN_QUARANTINED_FRACTION = 0.05;

  /** Per-file figures, as recorded in {@code ingest_runs.files}. */
  public record FileResult(String kind, String path, String sha256, long bytes, long read, long accepted,
      long rejected) {}

  /**
   * A run's outcome; {@code warnings}: one line per file more than {@link #WARN_QUARANTINED_FRACTION} of which
   * was quarantined, and one for optional manifest fields set to null.
   */
  public record Result(String runId, String status, List<FileResult> files, Map<String, Long> versions,
      Map<String, Long> rowsWritten, long quarantined, List<String> warnings) {}

  private IngestJob() {}

  public static Result run(SparkSession spark, Args a) {
    return JobRuns.track(spark, a.lake(), a.database(), JOB, a.runId(), newRunId(a.cohort()), a,
        run -> run(spark, a, run));
  }

  private static Result run(SparkSession spark, Args a, JobRuns.Run run) {
    Instant started = run.started();
    if (a.cohort() == null || !a.cohort().matches("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}")) {
      throw new BadInputException("--cohort '" + a.cohort()
          + "' must be 1-64 letters, digits, '_', '.' or '-' (starting with a letter or digit)");
    }
    if (a.manifest() == null) throw new BadInputException("--manifest FILE is required");
    CountParser.Scale scale = CountParser.Scale.parse(a.proteinScale() == null ? "linear" : a.proteinScale());
    String countUnit = countUnit(a);
    String runId = run.id();
    CancerTypes cancerTypes = cancerTypes(a);

    // 1. Whole-file checks, before anything is written.
    SourceFile manifestFile;
    Map<Modality, SourceFile> countFiles = new LinkedHashMap<>();
    Map<Modality, CountParser> parsers = new LinkedHashMap<>();
    ManifestParser manifestParser;
    try (Stage s = Stage.start(LOG, spark, JOB, "inspect files")) {
      manifestFile = SourceFile.inspect(spark, a.manifest());
      manifestParser = new ManifestParser(manifestFile, cancerTypes, a.pseudonymizer(), a.identifierColumns());
      if (a.mirna() != null) countFiles.put(Modality.MIRNA, SourceFile.inspect(spark, a.mirna()));
      if (a.protein() != null) countFiles.put(Modality.PROTEIN, SourceFile.inspect(spark, a.protein()));
      for (Map.Entry<Modality, SourceFile> e : countFiles.entrySet()) {
        parsers.put(e.getKey(), new CountParser(e.getValue(), a.layout() == null ? "auto" : a.layout(),
            e.getKey(), scale));
      }
      s.done("{} files, {} bytes", 1 + countFiles.size(),
          manifestFile.bytes + countFiles.values().stream().mapToLong(f -> f.bytes).sum());
    }

    Lake lake;
    List<TableDef> tables = Tables.ALL;
    Map<String, Long> before;
    try (Stage s = Stage.start(LOG, spark, JOB, "open lake")) {
      lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
      before = lake.versions(tables);
      run.inputs(before);
      s.done("{} ready", lake.root());
    }

    Map<String, String> options = options(a, countUnit);
    List<FileResult> unchangedFiles = alreadyIngested(lake, a.cohort(), manifestFile, countFiles, before, options);
    if (unchangedFiles != null) {
      LOG.info("ingest: these exact files were already ingested into cohort {} and the tables have not changed "
          + "since: nothing to do", a.cohort());
      Map<String, Long> written = new LinkedHashMap<>();
      recordRun(lake, runId, a, options, "unchanged", started, unchangedFiles, before, written, a.pseudonymizer(),
          "same files (sha256) as an earlier run; tables unchanged since");
      run.succeeded(lake, run.arguments(), before, Map.of(Tables.INGEST_RUNS.name(),
          lake.version(Tables.INGEST_RUNS)), written, "unchanged: same files (sha256) as an earlier run");
      return new Result(runId, "unchanged", unchangedFiles, lake.versions(tables), written, 0, List.of());
    }

    // The count files' scan pass (line counts, duplicates) needs no manifest: it runs while the manifest is
    // validated, in a second driver thread (Spark runs the two stages' jobs side by side).
    Map<Modality, CountFile> counts = new LinkedHashMap<>();
    for (Map.Entry<Modality, CountParser> e : parsers.entrySet()) {
      counts.put(e.getKey(), new CountFile(spark, countFiles.get(e.getKey()), e.getValue()));
    }
    String scanGroup = runId + "-scan";
    java.util.concurrent.CompletableFuture<Void> scans = java.util.concurrent.CompletableFuture.runAsync(() -> {
      spark.sparkContext().setJobGroup(scanGroup, "ingest " + runId + ": scan", true);
      try {
        for (Map.Entry<Modality, CountFile> e : counts.entrySet()) {
          try (Stage s = Stage.start(LOG, spark, JOB, "scan " + e.getValue().file.given)) {
            e.getValue().scan();
            s.done("{} layout, line counts and duplicates checked",
                e.getValue().parser.layout.name().toLowerCase());
          }
        }
      } finally {
        spark.sparkContext().clearJobGroup();
      }
    });

    Dataset<Row> manifest;
    long manifestRejected;
    Map<String, Long> nulledByColumn = new java.util.TreeMap<>();
    Map<String, Boolean> sampleStatus = new HashMap<>();
    try {
      // 2. Parse and validate the manifest: parsed in parallel, then resolved on the driver, which holds one row
      // per sample (per-sample data, like the sample list it broadcasts to the count parsers).
      List<Row> resolved;
      try (Stage s = Stage.start(LOG, spark, JOB, "validate manifest")) {
        ManifestParser mp = manifestParser;
        resolved = ManifestParser.resolveDuplicates(Records.readNumbered(spark, manifestFile).map(mp::parse)
            .collect());
        manifest = spark.createDataFrame(resolved, ManifestParser.SCHEMA);
        manifestRejected = resolved.stream().filter(r -> !r.isNullAt(ManifestParser.REASON)).count();
        int notes = ManifestParser.SCHEMA.fieldIndex("notes");
        for (Row r : resolved) {
          if (!r.isNullAt(ManifestParser.REASON) || r.isNullAt(notes)) continue;
          for (Row n : r.<Row>getList(notes)) nulledByColumn.merge(n.getString(0), 1L, Long::sum);
        }
        s.done("{} samples accepted, {} rows rejected, {} optional fields set to null",
            resolved.size() - manifestRejected, manifestRejected,
            nulledByColumn.values().stream().mapToLong(Long::longValue).sum());
      }

      // Samples a count row may name: accepted here or already in the lake for this cohort. One entry per
      // sample (per-sample data, bounded): broadcast to the parsing tasks.
      if (before.get(Tables.SAMPLES.name()) > 0) { // the table has rows from some cohort
        for (Row r : lake.read(Tables.SAMPLES).filter(col("cohort").equalTo(a.cohort())).select("sample_id")
            .collectAsList()) {
          sampleStatus.put(r.getString(0), true);
        }
      }
      for (Row r : resolved) {
        if (!r.isNullAt(0)) sampleStatus.merge(r.getString(0), r.isNullAt(ManifestParser.REASON), Boolean::logicalOr);
      }
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared (checked in Java)
      spark.sparkContext().cancelJobGroup(scanGroup);
      throw e;
    }
    try {
      scans.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw e;
    }
    for (Map.Entry<Modality, CountFile> e : counts.entrySet()) {
      CountFile cf = e.getValue();
      if (cf.parser.layout == CountParser.Layout.WIDE) checkWideSamples(cf.file, cf.parser, sampleStatus);
      cf.samples(sampleStatus);
    }

    // Runs of this cohort that finished (recorded in ingest_runs): rows of any other run id in the cohort's
    // partitions were left by a run that was killed or failed half-way, and this run replaces them.
    Set<String> recorded = recordedRuns(lake, a.cohort(), before);

    // 3. Write: samples, counts, quarantine, then the run record. Restore what was written if anything fails.
    // Missing tables are created only now: a run refused above leaves a new lake without tables.
    List<TableDef> needed = new ArrayList<>(List.of(Tables.SAMPLES, Tables.QUARANTINE, Tables.INGEST_RUNS));
    for (Modality m : countFiles.keySet()) needed.add(m.table);
    try (Stage s = Stage.start(LOG, spark, JOB, "ensure tables")) {
      lake.ensureAll(needed);
      s.done("{} tables", needed.size());
    }
    Map<String, Long> writtenVersion = new LinkedHashMap<>();
    Map<String, Long> rowsWritten = new LinkedHashMap<>();
    Map<String, Long> sourceRows = new LinkedHashMap<>();
    List<FileResult> files = new ArrayList<>();
    java.util.concurrent.CompletableFuture<Map<String, Long>> samplesWrite = null;
    boolean samplesJoined = false;
    try {
      // A samples table of an earlier version (age INT, no category / age_band) is brought to the declared
      // schema first; the change is restored with the rest if the run fails.
      try (Stage s = Stage.start(LOG, spark, JOB, "upgrade samples schema")) {
        if (SamplesUpgrade.run(lake)) writtenVersion.put(Tables.SAMPLES.name(), lake.version(Tables.SAMPLES));
        s.done("samples schema current");
      }
      // The samples write (small, mostly commit latency) runs beside the count writes, in a second thread.
      samplesWrite = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try (Stage s = Stage.start(LOG, spark, JOB, "merge samples")) {
          Dataset<Row> src = manifest.filter(col("reason").isNull())
              .withColumn("cohort", lit(a.cohort()))
              .withColumn("source_file", lit(manifestFile.given))
              .withColumn("ingest_run_id", lit(runId))
              .select(columns(Tables.SAMPLES));
          Map<String, Long> m = writeValues(lake, Tables.SAMPLES, src, a.cohort(), List.of("sample_id"),
              List.of("ingest_run_id", "source_file"), runId, recorded);
          s.done("{} inserted, {} updated", m.get("inserted"), m.get("updated"));
          return m;
        }
      });
      for (Map.Entry<Modality, CountFile> e : counts.entrySet()) {
        Modality mod = e.getKey();
        try (Stage s = Stage.start(LOG, spark, JOB, "write " + mod.table.name())) {
          Dataset<Row> src = e.getValue().valid()
              .select(lit(a.cohort()).as("cohort"), col("sample_id"), col("feature"),
                  col("value").as(mod.valueColumn), lit(runId).as("ingest_run_id"));
          Map<String, Long> m = writeValues(lake, mod.table, src, a.cohort(), List.of("sample_id", "feature"),
              List.of("ingest_run_id"), runId, recorded);
          writtenVersion.put(mod.table.name(), m.get("version"));
          rowsWritten.put(mod.table.name(), m.get("written"));
          sourceRows.put(mod.table.name(), m.get("source"));
          s.done("{} values ({}): {} inserted, {} updated; {} rejected", m.get("source"),
              m.get("inserted") == -1 ? "merge" : "new cohort partition", m.get("inserted"), m.get("updated"),
              e.getValue().rejectedCount());
        }
      }
      Map<String, Long> m = joinWrite(samplesWrite);
      samplesJoined = true;
      if (m.get("version") > writtenVersion.getOrDefault(Tables.SAMPLES.name(), -1L)) {
        writtenVersion.put(Tables.SAMPLES.name(), m.get("version"));
      }
      rowsWritten.put(Tables.SAMPLES.name(), m.get("written"));
      sourceRows.put(Tables.SAMPLES.name(), m.get("source"));
      long quarantined;
      try (Stage s = Stage.start(LOG, spark, JOB, "write quarantine")) {
        Dataset<Row> q = manifest.filter(col("reason").isNotNull())
            .select(lit(Tables.SAMPLES.name()).as("target_table"), lit(manifestFile.given).as("source_file"),
                col("line"), col("reason_column").as("column"), col("sample_id"), lit(null).cast("string").as("feature"),
                col("reason_value").as("value"), col("reason"));
        // the optional fields of kept samples that were set to null: one row each
        q = q.unionByName(manifest.filter(col("reason").isNull().and(col("notes").isNotNull()))
            .select(col("line"), col("sample_id"), org.apache.spark.sql.functions.explode(col("notes")).as("n"))
            .select(lit(Tables.SAMPLES.name()).as("target_table"), lit(manifestFile.given).as("source_file"),
                col("line"), col("n.column").as("column"), col("sample_id"), lit(null).cast("string").as("feature"),
                col("n.value").as("value"), col("n.reason").as("reason")));
        for (Map.Entry<Modality, CountFile> e : counts.entrySet()) {
          if (e.getValue().rejectedCount() == 0) continue;
          q = q.unionByName(e.getValue().rejected()
              .select(lit(e.getKey().table.name()).as("target_table"),
                  lit(countFiles.get(e.getKey()).given).as("source_file"), col("line"), col("column"),
                  col("sample_id"), col("feature"), col("value"), col("reason")));
        }
        q = q.select(lit(runId).as("run_id"), lit(a.cohort()).as("cohort"), col("target_table"),
            col("source_file"), col("line"), col("column"), col("sample_id"), col("feature"), col("value"),
            col("reason"), current_timestamp().as("quarantined_at"));
        long nulled = nulledByColumn.values().stream().mapToLong(Long::longValue).sum();
        boolean anyRejected = manifestRejected > 0 || nulled > 0
            || counts.values().stream().anyMatch(c -> c.rejectedCount() > 0);
        Map<String, Long> perFile = Map.of();
        dropUnfinishedQuarantine(lake, a.cohort(), runId, recorded, before);
        if (anyRejected) {
          Dataset<Row> quarantineRows = q;
          DeltaRetry.run(Tables.QUARANTINE.name(), () -> quarantineRows.write().format("delta").mode("append")
              .save(lake.path(Tables.QUARANTINE)));
          writtenVersion.put(Tables.QUARANTINE.name(), lake.version(Tables.QUARANTINE));
          perFile = lake.read(Tables.QUARANTINE).filter(col("run_id").equalTo(runId))
              .groupBy("target_table").count().collectAsList().stream()
              .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
        }
        quarantined = perFile.values().stream().mapToLong(Long::longValue).sum();
        rowsWritten.put(Tables.QUARANTINE.name(), quarantined);
        files.add(fileResult("manifest", manifestFile, sourceRows.get(Tables.SAMPLES.name()), manifestRejected));
        for (Modality mod : counts.keySet()) {
          files.add(fileResult(mod.key, countFiles.get(mod), sourceRows.get(mod.table.name()),
              perFile.getOrDefault(mod.table.name(), 0L)));
        }
        s.done("{} rows quarantined", quarantined);
      }
      List<String> warnings = warnings(lake, runId, files, nulledByColumn);
      for (String w : warnings) LOG.warn("{}", w);
      Map<String, String> runOptions = new LinkedHashMap<>(options);
      if (counts.containsKey(Modality.MIRNA)) {
        runOptions.put("counts_fractional", String.valueOf(counts.get(Modality.MIRNA).fractional()));
      }
      runOptions.put("fields_nulled", String.valueOf(nulledByColumn.values().stream().mapToLong(Long::longValue).sum()));
      Map<String, Long> after = lake.versions(tables);
      after.put(Tables.INGEST_RUNS.name(), after.get(Tables.INGEST_RUNS.name()) + 1);
      recordRun(lake, runId, a, runOptions, "succeeded", started, files, after, rowsWritten, a.pseudonymizer(), null);
      writtenVersion.put(Tables.INGEST_RUNS.name(), after.get(Tables.INGEST_RUNS.name()));
      run.succeeded(lake, run.arguments(), before, writtenVersion, rowsWritten,
          "cohort " + a.cohort() + ": " + quarantined + " rows quarantined");
      LOG.info("ingest {} of cohort {} done in {} s", runId, a.cohort(),
          String.format("%.1f", (System.currentTimeMillis() - started.toEpochMilli()) / 1000.0));
      return new Result(runId, "succeeded", files, lake.versions(tables), rowsWritten, quarantined, warnings);
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared (checked in Java)
      LOG.error("ingest {} failed: restoring the tables it wrote", runId);
      if (samplesWrite != null && !samplesJoined) {
        try {
          long v = joinWrite(samplesWrite).get("version");
          if (v > writtenVersion.getOrDefault(Tables.SAMPLES.name(), -1L)) writtenVersion.put(Tables.SAMPLES.name(), v);
        } catch (RuntimeException ignored) {
          // the samples write failed too: nothing of it to restore
        }
      }
      lake.rollbackAll(before, writtenVersion, e);
      throw e;
    }
  }

  private static String newRunId(String cohort) {
    return "ingest-" + cohort + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  private static Map<String, Long> joinWrite(java.util.concurrent.CompletableFuture<Map<String, Long>> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw e;
    }
  }

  /** A wide file's sample columns must all be in the manifest (or the lake): else the file is refused. */
  private static void checkWideSamples(SourceFile f, CountParser parser, Map<String, Boolean> samples) {
    List<String> unknown = new ArrayList<>();
    for (String s : parser.wideSamples()) if (!samples.containsKey(s)) unknown.add(s);
    if (!unknown.isEmpty()) {
      throw new BadInputException(f.given, 1, unknown.get(0), unknown.size()
          + " sample column(s) are not in the manifest: " + String.join(", ", unknown.subList(0,
          Math.min(10, unknown.size())).stream().map(u -> BadInputException.clip(u, 60)).toList())
          + (unknown.size() > 10 ? ", ..." : ""));
    }
  }

  /**
   * Writes a cohort's values: into an empty cohort partition as a plain partition overwrite (as fast as a bare
   * write, and still atomic and conflict-checked: {@code replaceWhere} on the cohort), otherwise by MERGE.
   */
  static Map<String, Long> writeValues(Lake lake, TableDef t, Dataset<Row> src, String cohort, List<String> keys,
      List<String> bookkeeping, String runId, Set<String> recorded) {
    // Retried (bounded) when another writer's commit conflicts: the losing attempt left nothing visible.
    return DeltaRetry.run(t.name(), () -> writeValuesOnce(lake, t, src, cohort, keys, bookkeeping, runId, recorded));
  }

  private static Map<String, Long> writeValuesOnce(Lake lake, TableDef t, Dataset<Row> src, String cohort,
      List<String> keys, List<String> bookkeeping, String runId, Set<String> recorded) {
    // The run ids in the cohort's partition (none: the partition is empty; pruned to its files, one column).
    Set<String> present = new HashSet<>(lake.read(t).filter(col("cohort").equalTo(cohort))
        .select("ingest_run_id").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    long beforeVersion = lake.version(t);
    if (!present.isEmpty()) {
      Set<String> unfinished = new HashSet<>(present);
      unfinished.removeAll(recorded);
      unfinished.remove(runId);
      if (!unfinished.isEmpty()) {
        LOG.warn("{}: rows of unfinished ingest run(s) {} in cohort {}: this run rewrites them", t.name(),
            unfinished, cohort);
      }
      return merge(lake, t, src, cohort, keys, bookkeeping, unfinished);
    }
    src.write().format("delta").mode("overwrite").option("replaceWhere", "cohort = '" + cohort + "'")
        .save(lake.path(t));
    Commit h = ownCommit(lake, t, beforeVersion, cohort);
    if (h == null) { // not expected: count the partition instead of trusting a commit that is not ours
      LOG.warn("{}: this run's commit for cohort {} not found in the log: counting the partition", t.name(), cohort);
      h = new Commit(lake.version(t), Map.of("numOutputRows",
          String.valueOf(lake.read(t).filter(col("cohort").equalTo(cohort)).count())));
    }
    Map<String, String> metrics = h.metrics();
    long rows = Long.parseLong(metrics.getOrDefault("numOutputRows", "0"));
    Map<String, Long> out = new LinkedHashMap<>();
    out.put("version", h.version());
    out.put("inserted", rows);
    out.put("updated", 0L);
    out.put("written", rows);
    out.put("source", rows);
    return out;
  }

  private static Column[] columns(TableDef t) {
    String[] names = t.columnNames();
    Column[] cols = new Column[names.length];
    for (int i = 0; i < names.length; i++) cols[i] = col(names[i]);
    return cols;
  }

  /**
   * MERGE on (cohort, keys), pruned to the cohort's partition; matched rows are rewritten only when a value
   * column differs. Returns the commit's version and metrics.
   */
  static Map<String, Long> merge(Lake lake, TableDef t, Dataset<Row> src, String cohort, List<String> keys,
      List<String> bookkeeping, Set<String> unfinished) {
    StringBuilder on = new StringBuilder("t.cohort = '" + cohort + "' AND t.cohort = s.cohort");
    for (String k : keys) on.append(" AND t.`").append(k).append("` = s.`").append(k).append('`');
    List<String> same = new ArrayList<>();
    for (String c : t.columnNames()) {
      if (c.equals("cohort") || keys.contains(c) || bookkeeping.contains(c)) continue;
      boolean isMap = t.schema().apply(c).dataType() instanceof org.apache.spark.sql.types.MapType;
      same.add(isMap ? "to_json(t.`" + c + "`) <=> to_json(s.`" + c + "`)" : "t.`" + c + "` <=> s.`" + c + "`");
    }
    String changed = "NOT (" + String.join(" AND ", same) + ")";
    if (!unfinished.isEmpty()) {
      // rows an unfinished run wrote are rewritten with this run's id (and values), so that every row is
      // accounted for by a recorded run
      changed = changed + " OR t.ingest_run_id IN (" + unfinished.stream().sorted().map(r -> "'" + r + "'")
          .collect(Collectors.joining(", ")) + ")";
    }
    long beforeVersion = lake.version(t);
    DeltaTable dt = lake.delta(t);
    dt.as("t").merge(src.as("s"), on.toString())
        .whenMatched(changed).updateAll()
        .whenNotMatched().insertAll()
        .execute();
    Commit h = ownCommit(lake, t, beforeVersion, cohort);
    Map<String, Long> out = new LinkedHashMap<>();
    long version = h == null ? beforeVersion : h.version();
    out.put("version", version);
    Map<String, String> metrics = h == null ? Map.of() : h.metrics();
    long ins = Long.parseLong(metrics.getOrDefault("numTargetRowsInserted", "0"));
    long upd = Long.parseLong(metrics.getOrDefault("numTargetRowsUpdated", "0"));
    out.put("inserted", ins);
    out.put("updated", upd);
    out.put("written", ins + upd);
    out.put("source", Long.parseLong(metrics.getOrDefault("numSourceRows", "0")));
    return out;
  }

  /** A commit's version and operation metrics. */
  record Commit(long version, Map<String, String> metrics) {}

  /**
   * This run's commit to {@code t} after {@code beforeVersion}: the newest commit whose predicate names the
   * cohort, or null if there is none (a MERGE that changed nothing). Not simply the latest commit: another
   * cohort's ingest may have committed since. Read from the commit files themselves (small JSON), so that no
   * cached snapshot of the table can hide a commit another thread of this session made.
   */
  static Commit ownCommit(Lake lake, TableDef t, long beforeVersion, String cohort) {
    long now = lake.version(t);
    // a partition write records "cohort = 'c1'", a MERGE its resolved condition "(cohort#12 = c1) AND ..."
    String mark = "cohort = '" + cohort + "'";
    java.util.regex.Pattern merged = java.util.regex.Pattern.compile(
        "\\bcohort#\\d+ = " + java.util.regex.Pattern.quote(cohort) + "\\)");
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    try {
      org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(lake.path(t), "_delta_log");
      org.apache.hadoop.fs.FileSystem fs = log.getFileSystem(lake.spark().sparkContext().hadoopConfiguration());
      for (long v = now; v > beforeVersion; v--) {
        org.apache.hadoop.fs.Path f = new org.apache.hadoop.fs.Path(log, String.format("%020d.json", v));
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(f),
            java.nio.charset.StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            if (!line.startsWith("{\"commitInfo\"")) continue;
            com.fasterxml.jackson.databind.JsonNode ci = json.readTree(line).get("commitInfo");
            String predicate = ci.path("operationParameters").path("predicate").asText("");
            if (!predicate.contains(mark) && !merged.matcher(predicate).find()) break;
            Map<String, String> metrics = new LinkedHashMap<>();
            ci.path("operationMetrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asText()));
            return new Commit(v, metrics);
          }
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot read the Delta log of " + lake.path(t), e);
    }
    return null;
  }

  /** Run ids of the cohort's runs recorded in {@code ingest_runs}. */
  private static Set<String> recordedRuns(Lake lake, String cohort, Map<String, Long> before) {
    if (before.getOrDefault(Tables.INGEST_RUNS.name(), -1L) <= 0) return Set.of();
    return new HashSet<>(lake.read(Tables.INGEST_RUNS).filter(col("cohort").equalTo(cohort)).select("run_id")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  /**
   * Deletes the cohort's quarantine rows of runs that never finished (killed, or failed without their rollback):
   * this run's own quarantine rows take their place.
   */
  private static void dropUnfinishedQuarantine(Lake lake, String cohort, String runId, Set<String> recorded,
      Map<String, Long> before) {
    if (before.getOrDefault(Tables.QUARANTINE.name(), -1L) <= 0) return;
    List<String> unfinished = lake.read(Tables.QUARANTINE).filter(col("cohort").equalTo(cohort)).select("run_id")
        .distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList().stream()
        .filter(r -> !recorded.contains(r) && !r.equals(runId)).sorted().toList();
    if (unfinished.isEmpty()) return;
    LOG.warn("quarantine: removing the rows of unfinished ingest run(s) {} of cohort {}", unfinished, cohort);
    Column which = col("cohort").equalTo(cohort).and(col("run_id").isin(unfinished.toArray()));
    DeltaRetry.run(Tables.QUARANTINE.name(), () -> lake.delta(Tables.QUARANTINE).delete(which));
  }

  private static FileResult fileResult(String kind, SourceFile f, long accepted, long rejected) {
    return new FileResult(kind, f.given, f.sha256, f.bytes, accepted + rejected, accepted, rejected);
  }

  /**
   * The files of the cohort's last successful run, if they are exactly these (same kinds and SHA-256) and the
   * data tables are still at the versions that run left: then nothing needs doing.
   */
  private static List<FileResult> alreadyIngested(Lake lake, String cohort, SourceFile manifest,
      Map<Modality, SourceFile> countFiles, Map<String, Long> now, Map<String, String> options) {
    if (now.getOrDefault(Tables.INGEST_RUNS.name(), -1L) <= 0) return null; // no run recorded yet
    List<Row> last = lake.read(Tables.INGEST_RUNS)
        .filter(col("cohort").equalTo(cohort).and(col("status").isin("succeeded", "unchanged")))
        .orderBy(col("ended_at").desc()).limit(1).collectAsList();
    if (last.isEmpty()) return null;
    Row r = last.get(0);
    Set<String> want = new HashSet<>();
    want.add("manifest:" + manifest.sha256);
    countFiles.forEach((m, f) -> want.add(m.key + ":" + f.sha256));
    Set<String> had = new HashSet<>();
    List<FileResult> files = new ArrayList<>();
    for (Row f : r.<Row>getList(r.fieldIndex("files"))) {
      had.add(f.getString(0) + ":" + f.getString(2));
      files.add(new FileResult(f.getString(0), f.getString(1), f.getString(2), f.getLong(3), f.getLong(4),
          0, 0));
    }
    if (!had.equals(want)) return null;
    // the same files read another way (count unit, alias overlay) are a new ingest
    Map<String, String> lastOptions = r.getJavaMap(r.fieldIndex("options"));
    for (String k : List.of("count_unit", "cancer_types_sha256")) {
      String was = lastOptions.get(k);
      String given = options.get(k);
      if (k.equals("count_unit")) { // not recorded (a lake written before, or no miR file): reads
        was = was == null ? "reads" : was;
        given = given == null ? "reads" : given;
      }
      if (!java.util.Objects.equals(was, given)) return null;
    }
    Map<String, Long> versions = r.getJavaMap(r.fieldIndex("table_versions"));
    for (TableDef t : List.of(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE)) {
      if (!now.get(t.name()).equals(versions.get(t.name()))) return null;
    }
    return files;
  }

  private static void recordRun(Lake lake, String runId, Args a, Map<String, String> options, String status,
      Instant started, List<FileResult> files, Map<String, Long> versions, Map<String, Long> rowsWritten,
      Pseudonymizer p, String message) {
    List<Row> fileRows = new ArrayList<>();
    for (FileResult f : files) {
      fileRows.add(RowFactory.create(f.kind(), f.path(), f.sha256(), f.bytes(), f.read(), f.accepted(),
          f.rejected()));
    }
    Row row = RowFactory.create(runId, a.cohort(), status, Timestamp.from(started), Timestamp.from(Instant.now()),
        CollectionConverters.asScala(fileRows).toSeq(), CollectionConverters.asScala(versions),
        CollectionConverters.asScala(rowsWritten), CollectionConverters.asScala(options), p.keyId(), message);
    DeltaRetry.run(Tables.INGEST_RUNS.name(), () -> lake.spark().createDataFrame(List.of(row),
        Tables.INGEST_RUNS.schema()).write().format("delta").mode("append").save(lake.path(Tables.INGEST_RUNS)));
  }

  /**
   * The options recorded in {@code ingest_runs.options}. {@code count_unit} (reads or umi; recorded with a miR
   * count file only) is read by qc for the cohort's latest succeeded run of a miR file: keep the key.
   */
  private static Map<String, String> options(Args a, String countUnit) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("manifest", a.manifest());
    if (a.mirna() != null) options.put("mirna", a.mirna());
    if (a.protein() != null) options.put("protein", a.protein());
    options.put("layout", a.layout() == null ? "auto" : a.layout());
    options.put("protein_scale", a.proteinScale() == null ? "linear" : a.proteinScale());
    if (a.mirna() != null) options.put("count_unit", countUnit);
    if (a.cancerTypesFile() != null) {
      options.put("cancer_types", a.cancerTypesFile());
      options.put("cancer_types_sha256", sha256(a.cancerTypesFile()));
    }
    return options;
  }

  private static String sha256(String file) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
          .digest(java.nio.file.Files.readAllBytes(java.nio.file.Path.of(file))));
    } catch (java.io.IOException e) {
      throw new BadInputException(file, -1, null, "cannot read alias table: " + e.getMessage());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code --count-unit}, checked: reads (default) or umi. */
  static String countUnit(Args a) {
    String u = a.countUnit() == null ? "reads" : a.countUnit().strip().toLowerCase(java.util.Locale.ROOT);
    if (!COUNT_UNITS.contains(u)) {
      throw new BadInputException("--count-unit must be reads or umi, not '" + a.countUnit() + "'");
    }
    return u;
  }

  /** The alias table (conf) with the run's own {@code --cancer-types} file on top, if one is given. */
  static CancerTypes cancerTypes(Args a) {
    CancerTypes base = CancerTypes.load(a.aliasesFile());
    if (a.cancerTypesFile() == null) return base;
    // the category of each group is stored with its samples (samples.category), which de and train read
    return base.overlay(CancerTypes.loadFile(a.cancerTypesFile()));
  }

  /**
   * The run summary's warnings: per file, one line if more than {@link #WARN_QUARANTINED_FRACTION} of it was
   * quarantined, with the most frequent reason (quoted values folded, so that one cause counts once); one line
   * for optional manifest fields set to null.
   */
  private static List<String> warnings(Lake lake, String runId, List<FileResult> files, Map<String, Long> nulled) {
    List<String> out = new ArrayList<>();
    for (FileResult f : files) {
      if (f.read() == 0 || f.rejected() <= WARN_QUARANTINED_FRACTION * f.read()) continue;
      String target = f.kind().equals("manifest") ? Tables.SAMPLES.name()
          : Modality.valueOf(f.kind().toUpperCase(java.util.Locale.ROOT)).table.name();
      List<Row> top = lake.read(Tables.QUARANTINE)
          .filter(col("run_id").equalTo(runId).and(col("target_table").equalTo(target))
              .and(org.apache.spark.sql.functions.not(col("reason").endsWith("(" + ManifestParser.NULLED + ")"))))
          .select(org.apache.spark.sql.functions.regexp_replace(col("reason"), "'[^']*'", "'...'").as("r"))
          .groupBy("r").count().orderBy(col("count").desc(), col("r")).limit(1).collectAsList();
      String unit = f.kind().equals("manifest") ? "rows" : "values";
      out.add(String.format(java.util.Locale.ROOT, "WARNING: %.1f%% of %s quarantined (%,d of %,d %s)%s",
          100.0 * f.rejected() / f.read(), f.path(), f.rejected(), f.read(), unit, top.isEmpty() ? ""
              : String.format(java.util.Locale.ROOT, ": top reason: %s (%,d)", top.get(0).getString(0),
                  top.get(0).getLong(1))));
    }
    long n = nulled.values().stream().mapToLong(Long::longValue).sum();
    if (n > 0) {
      out.add("NOTE: " + n + " optional manifest field(s) set to null, the samples kept (see quarantine): "
          + nulled.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")));
    }
    return out;
  }
}
