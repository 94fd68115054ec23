package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.TableWrites;
import io.exocohort.catalog.Tables;
import io.exocohort.common.DeltaRetry;
import io.exocohort.common.Stage;
import io.exocohort.normalize.CountVectors;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest's writes, all through the run's scope (which restores them if the run fails): the cohort's samples and
 * values, each into the cohort's partition, and its quarantine rows. The samples write (small, mostly commit
 * latency) runs beside the count writes, in a second driver thread.
 */
final class IngestWrites {
  private static final Logger LOG = LoggerFactory.getLogger(IngestWrites.class);

  private IngestWrites() {}

  /** The commits of a run's data writes: {@code samples}, and each modality's table. */
  record Data(Commit samples, Map<Modality, Commit> values) {}

  /**
   * Creates the tables the run writes that are missing (only now: a run refused before leaves a new lake without
   * tables), then brings a {@code samples} table of an earlier version to the declared schema (a commit the
   * scope restores with the rest if the run fails).
   */
  static void prepare(RunScope s, Set<Modality> modalities) {
    List<TableDef> needed = new java.util.ArrayList<>(List.of(Tables.SAMPLES, Tables.QUARANTINE,
        Tables.INGEST_RUNS));
    for (Modality m : modalities) needed.add(m.table);
    if (modalities.contains(Modality.MIRNA)) {
      needed.add(Tables.MIRNA_COUNT_VECTORS);
      needed.add(Tables.MIRNA_COUNT_FEATURES);
    }
    try (Stage st = Stage.start(LOG, s.spark(), IngestJob.JOB, "ensure tables")) {
      s.lake().ensureAll(needed);
      st.done("{} tables", needed.size());
    }
    try (Stage st = Stage.start(LOG, s.spark(), IngestJob.JOB, "upgrade samples schema")) {
      s.noteBefore(Tables.SAMPLES);
      if (SamplesUpgrade.run(s.lake())) {
        s.wrote(new Commit(Tables.SAMPLES.name(), s.lake().version(Tables.SAMPLES), 0, 0, 0, 0));
      }
      st.done("samples schema current");
    }
  }

  /** Writes the samples (in a second thread) and each modality's values of the cohort. */
  static Data data(RunScope s, IngestInputs in, ValidatedManifest manifest, Map<Modality, CountFile> counts,
      VariantFile variants, Set<String> recorded) {
    String cohort = in.cohort();
    Dataset<Row> samples = IngestRows.samples(manifest.rows(), cohort, in.manifestFile().given, s.id());
    CompletableFuture<Commit> samplesWrite = CompletableFuture.supplyAsync(() -> {
      try (Stage st = Stage.start(LOG, s.spark(), IngestJob.JOB, "merge samples")) {
        Commit c = writeValues(s, Tables.SAMPLES, samples, cohort, List.of("sample_id"),
            List.of("ingest_run_id", "source_file"), recorded);
        st.done("{} inserted, {} updated", c.rowsInserted(), c.rowsUpdated());
        return c;
      }
    });
    Map<Modality, Commit> values = new LinkedHashMap<>();
    boolean[] replaced = new boolean[1]; // whether the miR counts were a partition rewrite (a cohort new to them)
    try {
      for (Map.Entry<Modality, CountFile> e : counts.entrySet()) {
        values.put(e.getKey(), writeCounts(s, cohort, e.getKey(), e.getValue(), recorded,
            e.getKey() == Modality.MIRNA ? replaced : new boolean[1]));
      }
      if (variants != null) values.put(Modality.VARIANTS, writeVariants(s, cohort, variants, recorded));
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared
      // the samples commit, if it lands, must be in the scope before it restores the tables
      try {
        samplesWrite.join();
      } catch (CompletionException ignored) {
        // the samples write failed too: nothing of it to restore
      }
      throw e;
    }
    Commit samplesCommit = join(samplesWrite);
    // a rewritten partition holds exactly the accepted samples' rows; after a MERGE the cohort may hold more
    long accepted = manifest.resolved().size() - manifest.rejected();
    if (counts.containsKey(Modality.MIRNA)) countVectors(s, cohort, replaced[0] ? accepted : -1);
    return new Data(samplesCommit, values);
  }

  /**
   * Rewrites the cohort's miR count vectors and feature index (docs/design.md, ADR 2) from its partition of
   * {@code mirna_counts} as this run has just written it, through the scope (restored with the rest if the run
   * fails). Built from the written partition rather than from the parsed rows: a MERGE into an existing cohort
   * leaves rows the run did not deliver, and transposing while parsing (then writing the long rows from the
   * vectors) was measured no faster at 10,000 samples and held the driver's heap at its limit (docs/design.md,
   * ADR 2, "vectors first"). {@code samplesKnown} (-1: unknown, counted) sizes the transpose's shuffle.
   */
  private static void countVectors(RunScope s, String cohort, long samplesKnown) {
    try (Stage st = Stage.start(LOG, s.spark(), IngestJob.JOB, "write " + Tables.MIRNA_COUNT_VECTORS.name())) {
      long samples = samplesKnown >= 0 ? samplesKnown
          : s.lake().read(Tables.SAMPLES).filter(col("cohort").equalTo(cohort)).count();
      CountVectors.Written w = CountVectors.write(s, cohort, s.lake().version(Tables.MIRNA_COUNTS), samples);
      st.done("{} samples x {} miRs", w.samples(), w.features());
    }
  }

  private static Commit writeCounts(RunScope s, String cohort, Modality mod, CountFile cf, Set<String> recorded,
      boolean[] replaced) {
    try (Stage st = Stage.start(LOG, s.spark(), IngestJob.JOB, "write " + mod.table.name())) {
      Commit c = writeValues(s, mod.table, IngestRows.values(cf.valid(), cohort, mod, s.id()), cohort,
          List.of("sample_id", "feature"), List.of("ingest_run_id"), recorded, replaced);
      st.done("{} values: {} inserted, {} updated; {} rejected", c.sourceRows(), c.rowsInserted(),
          c.rowsUpdated(), cf.rejectedCount());
      return c;
    }
  }

  private static Commit writeVariants(RunScope s, String cohort, VariantFile v, Set<String> recorded) {
    try (Stage st = Stage.start(LOG, s.spark(), IngestJob.JOB, "write " + Tables.DNA_VARIANTS.name())) {
      Commit c = writeValues(s, Tables.DNA_VARIANTS, v.valid(cohort, s.id()), cohort, List.of("sample_id", "variant"),
          List.of("ingest_run_id"), recorded);
      st.done("{} variants: {} inserted, {} updated; {} rejected", c.sourceRows(), c.rowsInserted(),
          c.rowsUpdated(), v.rejectedCount());
      return c;
    }
  }

  /**
   * Writes a cohort's rows: into an empty cohort partition as a partition rewrite (as fast as a bare write, and
   * still atomic and conflict-checked), otherwise by MERGE on (cohort, {@code keys}), which rewrites changed rows
   * and those of unfinished runs. Retried (bounded) when another writer's commit conflicts: the losing attempt
   * left nothing visible.
   */
  static Commit writeValues(RunScope s, TableDef t, Dataset<Row> src, String cohort, List<String> keys,
      List<String> bookkeeping, Set<String> recorded) {
    return writeValues(s, t, src, cohort, keys, bookkeeping, recorded, new boolean[1]);
  }

  /** {@link #writeValues}; {@code replaced[0]} says whether it was a partition rewrite (else a MERGE). */
  static Commit writeValues(RunScope s, TableDef t, Dataset<Row> src, String cohort, List<String> keys,
      List<String> bookkeeping, Set<String> recorded, boolean[] replaced) {
    return DeltaRetry.run(t.name(), () -> {
      // the run ids in the cohort's partition now (none: it is empty; pruned to its files, one column)
      Set<String> present = new HashSet<>(s.lake().read(t).filter(col("cohort").equalTo(cohort))
          .select("ingest_run_id").distinct().as(Encoders.STRING()).collectAsList());
      replaced[0] = present.isEmpty();
      if (present.isEmpty()) return s.replaceCohorts(t, src, List.of(cohort));
      Set<String> unfinished = IngestRuns.unfinished(present, recorded, s.id());
      if (!unfinished.isEmpty()) {
        LOG.warn("{}: rows of unfinished ingest run(s) {} in cohort {}: this run rewrites them", t.name(),
            unfinished, cohort);
      }
      return s.mergeCohort(t, src, cohort, keys, bookkeeping, unfinished);
    });
  }

  /**
   * Writes the run's quarantine rows (after deleting the cohort's rows of runs that never finished: this run's
   * rows take their place). Returns the rows quarantined per target table.
   */
  static Map<String, Long> quarantine(RunScope s, IngestInputs in, ValidatedManifest manifest,
      Map<Modality, CountFile> counts, VariantFile variants, Set<String> recorded) {
    dropUnfinishedQuarantine(s, in.cohort(), recorded);
    boolean variantsRejected = variants != null && variants.rejectedCount() > 0;
    boolean anyRejected = manifest.rejected() > 0 || manifest.nulled() > 0 || variantsRejected
        || counts.values().stream().anyMatch(c -> c.rejectedCount() > 0);
    if (!anyRejected) return Map.of();
    Dataset<Row> q = IngestRows.manifestQuarantine(manifest.rows(), in.manifestFile().given);
    for (Map.Entry<Modality, CountFile> e : counts.entrySet()) {
      if (e.getValue().rejectedCount() == 0) continue;
      q = q.unionByName(IngestRows.countQuarantine(e.getValue().rejected(), e.getKey().table.name(),
          in.countFiles().get(e.getKey()).given));
    }
    if (variantsRejected) q = q.unionByName(variants.rejected());
    Dataset<Row> rows = IngestRows.quarantine(q, s.id(), in.cohort());
    s.append(Tables.QUARANTINE, rows); // retried by the scope if another writer conflicts
    return s.lake().read(Tables.QUARANTINE).filter(col("run_id").equalTo(s.id()))
        .groupBy("target_table").count().collectAsList().stream()
        .collect(Collectors.toMap(r -> r.getString(0), r -> r.getLong(1)));
  }

  /** Deletes the cohort's quarantine rows of runs that never finished (killed, or failed without rollback). */
  private static void dropUnfinishedQuarantine(RunScope s, String cohort, Set<String> recorded) {
    if (s.version(Tables.QUARANTINE) <= 0) return;
    Set<String> unfinished = IngestRuns.unfinished(s.lake().read(Tables.QUARANTINE)
        .filter(col("cohort").equalTo(cohort)).select("run_id").distinct().as(Encoders.STRING()).collectAsList(),
        recorded, s.id());
    if (unfinished.isEmpty()) return;
    LOG.warn("quarantine: removing the rows of unfinished ingest run(s) {} of cohort {}", unfinished, cohort);
    s.noteBefore(Tables.QUARANTINE);
    s.wrote(DeltaRetry.run(Tables.QUARANTINE.name(), () -> TableWrites.deleteCohortRuns(s.lake(),
        Tables.QUARANTINE, cohort, "run_id", unfinished)));
  }

  static <T> T join(CompletableFuture<T> f) {
    try {
      return f.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw e;
    }
  }

  /** The Spark job group of a run's scans (cancelled if the manifest fails meanwhile). */
  static String scanGroup(String runId) {
    return runId + "-scan";
  }

  /**
   * Runs {@code scan} on every count file in a second driver thread, in the job group {@link #scanGroup}: the
   * scan (line counts, duplicates) needs no manifest, so it runs while the manifest is validated.
   */
  static CompletableFuture<Void> scanAsync(SparkSession spark, String runId, Map<Modality, CountFile> counts) {
    return CompletableFuture.runAsync(() -> {
      spark.sparkContext().setJobGroup(scanGroup(runId), "ingest " + runId + ": scan", true);
      try {
        for (CountFile cf : counts.values()) {
          try (Stage st = Stage.start(LOG, spark, IngestJob.JOB, "scan " + cf.file.given)) {
            cf.scan();
            st.done("{} layout, line counts and duplicates checked", cf.parser.layout.name().toLowerCase());
          }
        }
      } finally {
        spark.sparkContext().clearJobGroup();
      }
    });
  }
}
