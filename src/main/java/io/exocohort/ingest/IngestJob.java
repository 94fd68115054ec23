package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ingest}: validates a cohort's manifest, miR count, protein and DNA variant files and MERGEs them into the
 * lake's Delta tables.
 *
 * <ol>
 *   <li>Every file is inspected on the driver first (exists, not empty, text or Parquet, header sane, samples
 *       of a wide header known): a file that fails as a whole fails the run before any table is touched.</li>
 *   <li>Rows are parsed in parallel with their line numbers; bad rows get a reason and go to {@code quarantine}
 *       (bad values, unknown samples, duplicates, conflicting sample metadata, unknown cancer types).</li>
 *   <li>Good rows are MERGEd on natural keys ((cohort, sample_id), (cohort, sample_id, feature) and (cohort, sample_id, variant)), only
 *       changed rows are rewritten, and the MERGE is pruned to the cohort's partition: ingesting the same
 *       files again changes nothing, a corrected re-delivery updates, another cohort adds.</li>
 *   <li>Writes go through the run's {@link RunScope}: if anything fails, every table the run wrote is restored
 *       to its previous version and the failure is recorded in {@code job_runs}.</li>
 * </ol>
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
  static final String JOB = "ingest";

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
      String cancerTypesFile,
      String variants) {

    /** These arguments under another run id. */
    public Args withRunId(String id) {
      return new Args(lake, database, cohort, manifest, mirna, protein, layout, proteinScale, id, aliasesFile,
          pseudonymizer, identifierColumns, countUnit, cancerTypesFile, variants);
    }

    /** These arguments with a DNA variants file ({@code --variants}). */
    public Args withVariants(String file) {
      return new Args(lake, database, cohort, manifest, mirna, protein, layout, proteinScale, runId, aliasesFile,
          pseudonymizer, identifierColumns, countUnit, cancerTypesFile, file);
    }

    /** Without a variants file. */
    public Args(String lake, String database, String cohort, String manifest, String mirna, String protein,
        String layout, String proteinScale, String runId, String aliasesFile, Pseudonymizer pseudonymizer,
        Set<String> identifierColumns, String countUnit, String cancerTypesFile) {
      this(lake, database, cohort, manifest, mirna, protein, layout, proteinScale, runId, aliasesFile,
          pseudonymizer, identifierColumns, countUnit, cancerTypesFile, null);
    }

    /** Without the options added later: counts in reads, no alias overlay. */
    public Args(String lake, String database, String cohort, String manifest, String mirna, String protein,
        String layout, String proteinScale, String runId, String aliasesFile, Pseudonymizer pseudonymizer,
        Set<String> identifierColumns) {
      this(lake, database, cohort, manifest, mirna, protein, layout, proteinScale, runId, aliasesFile,
          pseudonymizer, identifierColumns, null, null, null);
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

  /** Runs an ingest in its own run scope (see {@link RunScope}): a failed run leaves every table as it was. */
  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), newRunId(a.cohort()), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    SparkSession spark = s.spark();
    // 1. Whole-file checks, before anything is written; the input versions, pinned.
    IngestInputs in = IngestInputs.inspect(spark, a);
    s.pin(Tables.ALL.toArray(new TableDef[0]));
    Map<String, String> options = IngestRuns.options(a, in.countUnit());
    List<FileResult> unchanged = IngestRuns.alreadyIngested(s, in, options);
    if (unchanged != null) return unchanged(s, a, options, unchanged);

    // 2. Parse and validate: the count files' scan runs while the manifest is validated.
    Map<Modality, CountFile> counts = in.countFiles(spark);
    CompletableFuture<Void> scans = IngestWrites.scanAsync(spark, s.id(), counts);
    ValidatedManifest manifest;
    Map<String, Boolean> sampleStatus;
    try {
      manifest = ValidatedManifest.validate(spark, in);
      sampleStatus = ValidatedManifest.sampleStatus(samplesInLake(s, a.cohort()), manifest.resolved());
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared
      spark.sparkContext().cancelJobGroup(IngestWrites.scanGroup(s.id()));
      throw e;
    }
    IngestWrites.join(scans);
    for (CountFile cf : counts.values()) {
      if (cf.parser.layout == CountParser.Layout.WIDE) checkWideSamples(cf.file, cf.parser, sampleStatus);
      cf.samples(sampleStatus);
    }
    VariantFile variants = checkVariants(spark, in, sampleStatus);
    try {
      return write(s, a, in, manifest, counts, variants, options);
    } finally {
      if (variants != null) variants.release();
    }
  }

  /** The variants file parsed and checked against the samples (one stage), or null without one. */
  private static VariantFile checkVariants(SparkSession spark, IngestInputs in, Map<String, Boolean> samples) {
    VariantFile v = in.variantFile();
    if (v == null) return null;
    try (Stage st = Stage.start(LOG, spark, JOB, "check " + v.file.given)) {
      st.done("{} variant rows rejected", v.check(spark, samples));
    }
    return v;
  }

  /** Step 3 of a run: its writes, its figures and its {@code ingest_runs} row. */
  private static Result write(RunScope s, Args a, IngestInputs in, ValidatedManifest manifest,
      Map<Modality, CountFile> counts, VariantFile variants, Map<String, String> options) {
    SparkSession spark = s.spark();

    // 3. Write through the scope: samples and values, quarantine, then the run's ingest_runs row.
    Set<String> recorded = IngestRuns.recorded(s, a.cohort());
    IngestWrites.prepare(s, in.countFiles().keySet());
    IngestWrites.Data data = IngestWrites.data(s, in, manifest, counts, variants, recorded);
    Map<String, Long> perTable;
    try (Stage st = Stage.start(LOG, spark, JOB, "write quarantine")) {
      perTable = IngestWrites.quarantine(s, in, manifest, counts, variants, recorded);
      st.done("{} rows quarantined", perTable.values().stream().mapToLong(Long::longValue).sum());
    }
    long quarantined = perTable.values().stream().mapToLong(Long::longValue).sum();
    List<FileResult> files = fileResults(in, manifest, data, perTable);
    List<String> warnings = IngestWarnings.of(s.lake(), s.id(), files, manifest.nulledByColumn());
    for (String w : warnings) LOG.warn("{}", w);
    Map<String, Long> rows = rowsWritten(data, quarantined);
    Map<String, Long> after = s.lake().versions(Tables.ALL);
    after.put(Tables.INGEST_RUNS.name(), after.get(Tables.INGEST_RUNS.name()) + 1);
    IngestRuns.record(s, a.cohort(), new IngestRuns.Entry("succeeded", files, after, rows,
        runOptions(options, counts, manifest), a.pseudonymizer().keyId(), null));
    s.succeeded(s.arguments(), "cohort " + a.cohort() + ": " + quarantined + " rows quarantined");
    LOG.info("ingest {} of cohort {} done in {} s", s.id(), a.cohort(),
        String.format("%.1f", (System.currentTimeMillis() - s.started().toEpochMilli()) / 1000.0));
    return new Result(s.id(), "succeeded", files, s.lake().versions(Tables.ALL), rows, quarantined, warnings);
  }

  /** The same files as the cohort's last run, the tables unchanged since: only the run is recorded. */
  private static Result unchanged(RunScope s, Args a, Map<String, String> options, List<FileResult> files) {
    LOG.info("ingest: these exact files were already ingested into cohort {} and the tables have not changed "
        + "since: nothing to do", a.cohort());
    IngestRuns.record(s, a.cohort(), new IngestRuns.Entry("unchanged", files, s.inputs(), Map.of(), options,
        a.pseudonymizer().keyId(), "same files (sha256) as an earlier run; tables unchanged since"));
    s.succeeded(s.arguments(), "unchanged: same files (sha256) as an earlier run");
    return new Result(s.id(), "unchanged", files, s.lake().versions(Tables.ALL), Map.of(), 0, List.of());
  }

  /** The cohort's samples already in the lake (at the pinned version): one id per sample, bounded. */
  private static List<String> samplesInLake(RunScope s, String cohort) {
    if (s.version(Tables.SAMPLES) <= 0) return List.of(); // no rows from any cohort yet
    return s.read(Tables.SAMPLES).filter(col("cohort").equalTo(cohort)).select("sample_id")
        .as(Encoders.STRING()).collectAsList();
  }

  /** Per-file figures: rows accepted by the writes, rejected by validation. */
  private static List<FileResult> fileResults(IngestInputs in, ValidatedManifest manifest, IngestWrites.Data data,
      Map<String, Long> quarantinedPerTable) {
    List<FileResult> files = new ArrayList<>();
    files.add(fileResult("manifest", in.manifestFile(), data.samples().sourceRows(), manifest.rejected()));
    for (Map.Entry<Modality, Commit> e : data.values().entrySet()) {
      Modality m = e.getKey();
      files.add(fileResult(m.key, in.countFiles().get(m), e.getValue().sourceRows(),
          quarantinedPerTable.getOrDefault(m.table.name(), 0L)));
    }
    return files;
  }

  private static FileResult fileResult(String kind, SourceFile f, long accepted, long rejected) {
    return new FileResult(kind, f.given, f.sha256, f.bytes, accepted + rejected, accepted, rejected);
  }

  /** Rows written per data table, as the run's result and its ingest_runs row give them. */
  private static Map<String, Long> rowsWritten(IngestWrites.Data data, long quarantined) {
    Map<String, Long> rows = new LinkedHashMap<>();
    data.values().forEach((m, c) -> rows.put(m.table.name(), c.rowsWritten()));
    rows.put(Tables.SAMPLES.name(), data.samples().rowsWritten());
    rows.put(Tables.QUARANTINE.name(), quarantined);
    return rows;
  }

  /** The options recorded with a succeeded run: the given ones and what reading the files found. */
  private static Map<String, String> runOptions(Map<String, String> options, Map<Modality, CountFile> counts,
      ValidatedManifest manifest) {
    Map<String, String> out = new LinkedHashMap<>(options);
    if (counts.containsKey(Modality.MIRNA)) {
      out.put("counts_fractional", String.valueOf(counts.get(Modality.MIRNA).fractional()));
    }
    out.put("fields_nulled", String.valueOf(manifest.nulled()));
    return out;
  }

  private static String newRunId(String cohort) {
    return "ingest-" + cohort + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
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

  /** The alias table (conf) with the run's own {@code --cancer-types} file on top, if one is given. */
  static CancerTypes cancerTypes(Args a) {
    CancerTypes base = CancerTypes.load(a.aliasesFile());
    if (a.cancerTypesFile() == null) return base;
    // the category of each group is stored with its samples (samples.category), which de and train read
    return base.overlay(CancerTypes.loadFile(a.cancerTypesFile()));
  }
}
