package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Ingest's own bookkeeping, the {@code ingest_runs} table: a row per finished run of a cohort (its files with
 * their SHA-256, the table versions it left, its options). It tells which runs finished (rows of any other run
 * id in a cohort's partitions were left by a run that was killed or failed half-way) and whether the same files
 * were already ingested.
 */
final class IngestRuns {
  private IngestRuns() {}

  /** Run ids of the cohort's runs recorded in {@code ingest_runs} (at the run's pinned version). */
  static Set<String> recorded(RunScope s, String cohort) {
    if (s.version(Tables.INGEST_RUNS) <= 0) return Set.of();
    return new HashSet<>(s.read(Tables.INGEST_RUNS).filter(col("cohort").equalTo(cohort)).select("run_id")
        .as(Encoders.STRING()).collectAsList());
  }

  /** Run ids found in a cohort's partition that no recorded run accounts for, this run's own left out; sorted. */
  static Set<String> unfinished(Collection<String> present, Set<String> recorded, String runId) {
    Set<String> out = new TreeSet<>(present);
    out.removeAll(recorded);
    out.remove(runId);
    return out;
  }

  /**
   * The files of the cohort's last successful run, if they are exactly these (same kinds and SHA-256), read the
   * same way, and the data tables are still at the versions that run left: then nothing needs doing. Else null.
   */
  static List<IngestJob.FileResult> alreadyIngested(RunScope s, IngestInputs in, Map<String, String> options) {
    if (s.version(Tables.INGEST_RUNS) <= 0) return null; // no run recorded yet
    List<Row> last = s.read(Tables.INGEST_RUNS)
        .filter(col("cohort").equalTo(in.cohort()).and(col("status").isin("succeeded", "unchanged")))
        .orderBy(col("ended_at").desc()).limit(1).collectAsList();
    if (last.isEmpty()) return null;
    Row r = last.get(0);
    Set<String> want = new HashSet<>();
    want.add("manifest:" + in.manifestFile().sha256);
    in.countFiles().forEach((m, f) -> want.add(m.key + ":" + f.sha256));
    Set<String> had = new HashSet<>();
    List<IngestJob.FileResult> files = new ArrayList<>();
    for (Row f : r.<Row>getList(r.fieldIndex("files"))) {
      had.add(f.getString(0) + ":" + f.getString(2));
      files.add(new IngestJob.FileResult(f.getString(0), f.getString(1), f.getString(2), f.getLong(3),
          f.getLong(4), 0, 0));
    }
    if (!had.equals(want) || !sameReading(r.getJavaMap(r.fieldIndex("options")), options)) return null;
    Map<String, Long> versions = r.getJavaMap(r.fieldIndex("table_versions"));
    for (TableDef t : List.of(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE, Tables.DNA_VARIANTS)) {
      // a run recorded before dna_variants existed left none
      Long was = t == Tables.DNA_VARIANTS ? versions.getOrDefault(t.name(), -1L) : versions.get(t.name());
      if (!Objects.equals(s.version(t), was)) return null;
    }
    return files;
  }

  /**
   * Whether two runs' options read the same files the same way: the same count unit (reads where none was
   * recorded: a lake written before, or no miR file) and the same alias overlay. The same files read another
   * way are a new ingest.
   */
  static boolean sameReading(Map<String, String> was, Map<String, String> now) {
    String unitWas = was.get("count_unit") == null ? "reads" : was.get("count_unit");
    String unitNow = now.get("count_unit") == null ? "reads" : now.get("count_unit");
    return unitWas.equals(unitNow) && Objects.equals(was.get("cancer_types_sha256"), now.get("cancer_types_sha256"));
  }

  /**
   * The options recorded in {@code ingest_runs.options}. {@code count_unit} (reads or umi; recorded with a miR
   * count file only) is read by qc for the cohort's latest succeeded run of a miR file: keep the key.
   */
  static Map<String, String> options(IngestJob.Args a, String countUnit) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("manifest", a.manifest());
    if (a.mirna() != null) options.put("mirna", a.mirna());
    if (a.protein() != null) options.put("protein", a.protein());
    if (a.variants() != null) options.put("variants", a.variants());
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

  /** What one {@code ingest_runs} row records, beside the run id, cohort and times. */
  record Entry(String status, List<IngestJob.FileResult> files, Map<String, Long> tableVersions,
      Map<String, Long> rowsWritten, Map<String, String> options, String keyId, String message) {}

  /** Appends the run's row to {@code ingest_runs} through the scope (retried if another writer conflicts). */
  static Commit record(RunScope s, String cohort, Entry e) {
    Row row = row(s.id(), cohort, s.started(), Instant.now(), e);
    return s.append(Tables.INGEST_RUNS, s.spark().createDataFrame(List.of(row), Tables.INGEST_RUNS.schema()));
  }

  /** The {@code ingest_runs} row ({@link Tables#INGEST_RUNS} schema). */
  static Row row(String runId, String cohort, Instant started, Instant ended, Entry e) {
    List<Row> fileRows = new ArrayList<>();
    for (IngestJob.FileResult f : e.files()) {
      fileRows.add(RowFactory.create(f.kind(), f.path(), f.sha256(), f.bytes(), f.read(), f.accepted(),
          f.rejected()));
    }
    return RowFactory.create(runId, cohort, e.status(), Timestamp.from(started), Timestamp.from(ended),
        CollectionConverters.asScala(fileRows).toSeq(), CollectionConverters.asScala(e.tableVersions()),
        CollectionConverters.asScala(e.rowsWritten()), CollectionConverters.asScala(e.options()), e.keyId(),
        e.message());
  }
}
