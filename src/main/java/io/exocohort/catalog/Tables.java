package io.exocohort.catalog;

import static io.exocohort.catalog.TableDef.col;
import static io.exocohort.catalog.TableDef.schema;
import static org.apache.spark.sql.types.DataTypes.DateType;
import static org.apache.spark.sql.types.DataTypes.DoubleType;
import static org.apache.spark.sql.types.DataTypes.IntegerType;
import static org.apache.spark.sql.types.DataTypes.LongType;
import static org.apache.spark.sql.types.DataTypes.StringType;
import static org.apache.spark.sql.types.DataTypes.TimestampType;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/**
 * The table registry: every table of the lake, declared once. Count and sample tables are partitioned by
 * {@code cohort}: an ingest touches only its cohort's partition (so two cohorts can be ingested at once
 * without conflicts), and every later job filters by cohort or reads all of them.
 */
public final class Tables {
  private Tables() {}

  private static final Map<String, String> CDF = Map.of("delta.enableChangeDataFeed", "true");

  private static Map<String, String> props(String... kv) {
    Map<String, String> m = new LinkedHashMap<>(CDF);
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  private static final MapType STRING_MAP = DataTypes.createMapType(StringType, StringType, true);

  public static final TableDef SAMPLES = new TableDef("samples",
      "One row per sample of each cohort: labels, clinical and pre-analytical metadata, nanoparticle tracking. "
          + "Key (cohort, sample_id). subject_key is a keyed HMAC of the subject id: raw ids never reach the lake.",
      schema(
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("sample_id", StringType, false, "Sample identifier as delivered (unique within the cohort)"),
          col("subject_key", StringType, false,
              "Pseudonymised subject: HMAC-SHA256 of the subject id under the key in $EXOCOHORT_PSEUDONYM_KEY"),
          col("cancer_type", StringType, false,
              "Canonical cancer type (healthy, pancreatic, breast, ...) after conf/cancer_types.tsv"),
          col("cancer_type_source", StringType, true, "cancer_type as written in the manifest"),
          col("stage", StringType, true, "Stage 0, I, II, III, IV or unknown; null for healthy"),
          col("sex", StringType, true, "M or F"),
          col("age", IntegerType, true, "Age in years at collection"),
          col("biofluid", StringType, true, "serum, plasma, urine, ... (lower case)"),
          col("isolation_method", StringType, true, "Vesicle isolation method as delivered"),
          col("batch", StringType, true, "Processing / sequencing batch"),
          col("site", StringType, true, "Collection site"),
          col("collection_date", DateType, true, "Date of sample collection"),
          col("particle_concentration", DoubleType, true, "Nanoparticle tracking: particles per mL"),
          col("particle_size_nm", DoubleType, true, "Nanoparticle tracking: mean particle diameter (nm)"),
          col("extra", STRING_MAP, true, "Manifest columns that exocohort does not interpret, kept as given"),
          col("source_file", StringType, false, "Manifest file the row came from"),
          col("ingest_run_id", StringType, false, "ingest_runs.run_id that last wrote the row")),
      List.of("cohort"),
      Map.of("stage_valid", "stage IS NULL OR stage IN ('0', 'I', 'II', 'III', 'IV', 'unknown')",
          "age_range", "age IS NULL OR (age >= 0 AND age <= 130)",
          "particles_nonneg", "particle_concentration IS NULL OR particle_concentration >= 0",
          "size_positive", "particle_size_nm IS NULL OR particle_size_nm > 0"),
      props());

  public static final TableDef MIRNA_COUNTS = new TableDef("mirna_counts",
      "Raw microRNA read counts, long: one row per (cohort, sample_id, feature). Values exactly as delivered.",
      schema(
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("sample_id", StringType, false, "Sample (samples.sample_id)"),
          col("feature", StringType, false, "Mature miRNA name as delivered (miRBase style, e.g. hsa-miR-21-5p)"),
          col("count", DoubleType, false, "Read count (integral for counting quantifiers; fractional kept as given)"),
          col("ingest_run_id", StringType, false, "ingest_runs.run_id that last wrote the row")),
      List.of("cohort"),
      Map.of("count_nonneg", "`count` >= 0"),
      props());

  public static final TableDef PROTEIN_ABUNDANCE = new TableDef("protein_abundance",
      "EV protein intensities, long: one row per (cohort, sample_id, feature). Stored on the LINEAR scale "
          + "(ingest converts from --protein-scale); null intensity = not quantified in that sample.",
      schema(
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("sample_id", StringType, false, "Sample (samples.sample_id)"),
          col("feature", StringType, false, "Protein (gene symbol or accession as delivered)"),
          col("intensity", DoubleType, true, "Linear-scale intensity; null = missing (not quantified)"),
          col("ingest_run_id", StringType, false, "ingest_runs.run_id that last wrote the row")),
      List.of("cohort"),
      Map.of("intensity_positive", "intensity IS NULL OR intensity > 0"),
      props("exocohort.intensity_scale", "linear"));

  public static final TableDef QUARANTINE = new TableDef("quarantine",
      "Rows rejected at ingest, with where they were and why. Subject identifiers are never copied here.",
      schema(
          col("run_id", StringType, false, "ingest_runs.run_id"),
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("target_table", StringType, false, "Table the row was meant for"),
          col("source_file", StringType, false, "File the row came from"),
          col("line", LongType, true, "1-based line number in the file (null for Parquet input)"),
          col("column", StringType, true, "Column name the problem is in, if one"),
          col("sample_id", StringType, true, "Sample id on the row, if readable"),
          col("feature", StringType, true, "Feature on the row, if readable"),
          col("value", StringType, true, "The offending value (truncated to 200 chars; redacted for subject ids)"),
          col("reason", StringType, false, "Why the row was rejected"),
          col("quarantined_at", TimestampType, false, "When")),
      List.of(),
      Map.of(),
      props());

  private static final StructType FILE_STRUCT = schema(
      col("kind", StringType, true, "manifest, mirna or protein"),
      col("path", StringType, true, "Path as given"),
      col("sha256", StringType, true, "SHA-256 of the file's bytes"),
      col("bytes", LongType, true, "Size in bytes"),
      col("rows_read", LongType, true, "Data rows (or values, for count files) read"),
      col("rows_accepted", LongType, true, "Rows written to the target table"),
      col("rows_rejected", LongType, true, "Rows written to quarantine"));

  public static final TableDef INGEST_RUNS = new TableDef("ingest_runs",
      "One row per ingest run: files with checksums, rows read / accepted / rejected, table versions written.",
      schema(
          col("run_id", StringType, false, "Run id (given, or generated)"),
          col("cohort", StringType, false, "Cohort name"),
          col("status", StringType, false, "succeeded, unchanged (same files already ingested) or failed"),
          col("started_at", TimestampType, false, "Start"),
          col("ended_at", TimestampType, false, "End"),
          col("files", new ArrayType(FILE_STRUCT, true), false, "Input files"),
          col("table_versions", DataTypes.createMapType(StringType, LongType, true), false,
              "Delta version of each table after this run"),
          col("rows_written", DataTypes.createMapType(StringType, LongType, true), false,
              "Rows inserted or updated per table"),
          col("options", STRING_MAP, false, "Ingest options"),
          col("pseudonym_key_id", StringType, false,
              "First 12 hex digits of SHA-256 of the pseudonym key (identifies the key, never reveals it)"),
          col("message", StringType, true, "Error or note")),
      List.of(),
      Map.of(),
      props());

  /** Every table, in creation order. */
  public static final List<TableDef> ALL =
      List.of(SAMPLES, MIRNA_COUNTS, PROTEIN_ABUNDANCE, QUARANTINE, INGEST_RUNS);

  public static TableDef byName(String name) {
    for (TableDef t : ALL) if (t.name().equals(name)) return t;
    throw new IllegalArgumentException("no table " + name);
  }
}
