package io.exocohort.catalog;

import static io.exocohort.catalog.TableDef.col;
import static io.exocohort.catalog.TableDef.schema;
import static org.apache.spark.sql.types.DataTypes.BooleanType;
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

  /**
   * The table property that bounds a table's Parquet row groups at {@code rows} rows (Delta hands table properties
   * to the Parquet writer): for tables of arrays, whose rows are large (see {@link #MATRIX_ROW_GROUP_ROWS}).
   */
  private static Map<String, String> rowGroups(int rows) {
    return Map.of("parquet.block.row.count.limit", String.valueOf(rows));
  }

  /**
   * The writer properties of a matrix table: row groups of {@link #MATRIX_ROW_GROUP_ROWS} rows, and no dictionary
   * for the entries (Parquet's column path of {@code entries}' elements). Normalised values are all distinct, so a
   * dictionary never pays: the writer hashed about 130,000 values of each column chunk into one before giving up
   * for plain encoding, 8% of a normalize run's CPU at 10,000 samples (docs/benchmarks.md). The other columns keep
   * their dictionaries (a few distinct strings each).
   */
  private static Map<String, String> matrixWriter() {
    Map<String, String> m = new LinkedHashMap<>(rowGroups(MATRIX_ROW_GROUP_ROWS));
    m.put(NO_DICTIONARY_ENTRIES, "false");
    return m;
  }

  /**
   * The writer properties that keep Parquet's own min/max statistics out of the footers of the given string columns.
   * Parquet compares every value with its column chunk's running minimum and maximum, byte by byte: writing the
   * 70,000 rows of a de run, those comparisons of four string columns were about two thirds of the write's CPU
   * (a JFR profile of warm de requests, docs/benchmarks.md "Twenty-eighth session"). Delta keeps its own per-file
   * statistics in the log (its data skipping, and that of duckdb and deltalake, reads those), and a file holds one
   * run's rows, so the footers' string bounds would only repeat them.
   */
  private static Map<String, String> noParquetStatistics(String... columns) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String c : columns) m.put("parquet.column.statistics.enabled#" + c, "false");
    return m;
  }

  /** The Parquet writer key that turns the dictionary off for the elements of {@code entries}. */
  public static final String NO_DICTIONARY_ENTRIES = "parquet.enable.dictionary#entries.list.element";

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
              "Canonical group (healthy, pancreatic, breast, chronic_pancreatitis, ...) after conf/cancer_types.tsv"),
          col("cancer_type_source", StringType, true, "cancer_type as written in the manifest"),
          col("category", StringType, true,
              "healthy, cancer, premalignant or benign (conf/cancer_types.tsv); null on rows ingested before categories existed"),
          col("stage", StringType, true, "Stage 0, I, II, III, IV or unknown (unknown if a cancer has none); null for "
              + "healthy"),
          col("sex", StringType, true, "M or F"),
          col("age", DoubleType, true, "Age in years at collection, as given (52.75 stays 52.75); null if banded"),
          col("age_band", StringType, true, "Age band when the manifest gives one instead of an age: 40-49, 80+, "
              + ">80, <40 or <=40"),
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
      props()).zOrderedBy("feature");

  public static final TableDef MIRNA_COUNT_VECTORS = new TableDef("mirna_count_vectors",
      "Raw microRNA read counts per sample as arrays (ADR 2): one row per (cohort, sample_id) holding the sample's "
          + "counts over its cohort's feature index (mirna_count_features). A derived copy of mirna_counts, rewritten "
          + "per cohort by every ingest run that writes the cohort's miR counts (upgrade builds it for lakes written "
          + "before it); qc and normalize read it instead of the long rows. Analysts query mirna_counts.",
      schema(
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("sample_id", StringType, false, "Sample (samples.sample_id) with at least one row in mirna_counts"),
          col("counts", new ArrayType(DoubleType, false), false,
              "Count of each miR of mirna_count_features.features, in that order; 0 where mirna_counts has no row"),
          col("absent", new ArrayType(IntegerType, false), true,
              "0-based positions in counts whose miR has no row in mirna_counts for this sample (their count is "
                  + "0); null when the sample has a row of every miR of the index"),
          col("run_id", StringType, false,
              "Run that wrote the cohort's vectors: ingest_runs.run_id, or job_runs.run_id of an upgrade")),
      List.of("cohort"),
      Map.of(),
      rowGroups(Tables.VECTOR_ROW_GROUP_ROWS));

  public static final TableDef MIRNA_COUNT_FEATURES = new TableDef("mirna_count_features",
      "The feature index of mirna_count_vectors: one row per cohort; entry k of a sample's counts is the count of "
          + "features[k]. Rewritten with the cohort's vectors, in the same run.",
      schema(
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("features", new ArrayType(StringType, false), false,
              "The distinct miRs of the cohort's rows in mirna_counts, sorted: the order of every counts array"),
          col("counts_version", LongType, false, "Delta version of mirna_counts the vectors were built from"),
          col("run_id", StringType, false,
              "Run that wrote the cohort's vectors: ingest_runs.run_id, or job_runs.run_id of an upgrade")),
      List.of("cohort"),
      Map.of(),
      Map.of());

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
      props("exocohort.intensity_scale", "linear")).zOrderedBy("feature");

  public static final TableDef DNA_VARIANTS = new TableDef("dna_variants",
      "Exosomal / cell-free DNA variants, long: one row per (cohort, sample_id, variant) as the lab called them "
          + "(MAF-style or VCF input). Values as delivered; allele_fraction = alt_reads / depth where the file gives "
          + "none. Calls at low allele fractions include clonal haematopoiesis (DNMT3A, TET2, ASXL1, TP53), not only "
          + "tumour DNA.",
      schema(
          col("cohort", StringType, false, "Cohort name given at ingest"),
          col("sample_id", StringType, false, "Sample (samples.sample_id)"),
          col("variant", StringType, false,
              "The variant's key within a sample: gene and protein change (KRAS p.G12D), else gene and HGVS c. "
                  + "(TP53 c.743G>A), else gene and position (TET2 4:105243583 C>T)"),
          col("gene", StringType, false, "HGNC gene symbol as delivered (Hugo_Symbol)"),
          col("protein_change", StringType, true,
              "HGVS protein change, one-letter short form (p.G12D; 'G12D' and 'p.Gly12Asp' are stored as p.G12D); "
                  + "null if none (HGVSp_Short)"),
          col("hgvs_c", StringType, true, "HGVS coding change (c.35G>A) as delivered; null if none (HGVSc)"),
          col("chromosome", StringType, true, "Chromosome as delivered (12 or chr12); null if not given"),
          col("position", LongType, true, "1-based start position (Start_Position, VCF POS); null if not given"),
          col("ref", StringType, true, "Reference allele (Reference_Allele, VCF REF); null if not given"),
          col("alt", StringType, true, "Alternate allele (Tumor_Seq_Allele2, VCF ALT); null if not given"),
          col("allele_fraction", DoubleType, false,
              "Mutant allele fraction in [0, 1], as delivered, or alt_reads / depth where the file gives none"),
          col("alt_reads", LongType, false, "Reads (or molecules) supporting the variant (t_alt_count, VCF AD)"),
          col("depth", LongType, false, "Reads (or molecules) covering the position (t_depth, VCF DP); > 0"),
          col("ingest_run_id", StringType, false, "ingest_runs.run_id that last wrote the row")),
      List.of("cohort"),
      Map.of("allele_fraction_range", "allele_fraction >= 0 AND allele_fraction <= 1",
          "reads_valid", "alt_reads >= 0 AND depth > 0 AND alt_reads <= depth"),
      props()).zOrderedBy("gene");

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

  public static final TableDef SAMPLE_QC = new TableDef("sample_qc",
      "Per-sample quality control, one row per sample per qc run: metrics, status (pass, warn, fail) and the "
          + "reasons. Later jobs use the latest run's non-failing samples. Thresholds: conf/qc.properties.",
      schema(
          col("run_id", StringType, false, "job_runs.run_id of the qc run"),
          col("cohort", StringType, false, "Cohort"),
          col("sample_id", StringType, false, "Sample"),
          col("library_size", DoubleType, true, "miR reads (sum of counts); null without miR data"),
          col("mirs_detected", IntegerType, true, "miRs with at least qc.mirna.detected.min_count reads"),
          col("top10_fraction", DoubleType, true, "Fraction of miR reads in the sample's 10 most abundant miRs"),
          col("hemolysis_log2_ratio", DoubleType, true,
              "log2((miR-451a + 1) / (miR-23a-3p + 1)): the sequencing analogue of the qPCR delta-Cq"),
          col("library_size_robust_z", DoubleType, true,
              "Modified z-score of log10 library size within the batch: 0.6745 (x - median) / MAD"),
          col("mirs_detected_robust_z", DoubleType, true, "Modified z-score of miRs detected within the batch"),
          col("proteins_quantified", IntegerType, true, "Proteins with an intensity; null without protein data"),
          col("protein_missing_fraction", DoubleType, true, "Fraction of the cohort's proteins not quantified"),
          col("ev_tetraspanin", BooleanType, true, "CD9, CD63 or CD81 detected (MISEV2018 category 1)"),
          col("ev_cytosolic", BooleanType, true, "TSG101, PDCD6IP (ALIX) or SDCBP detected (MISEV2018 category 2)"),
          col("contaminants", new ArrayType(StringType, true), true,
              "Contaminant proteins (ALB, APOA1, APOB, CANX) well above their cohort median"),
          col("particle_size_nm", DoubleType, true, "Mean particle size (from samples)"),
          col("particle_concentration", DoubleType, true, "Particles per mL (from samples)"),
          col("count_unit", StringType, true,
              "Unit the library size was judged in: reads or umi (qc.mirna.library_size[.umi]); null without miR data"),
          col("status", StringType, false, "pass, warn or fail"),
          col("reasons", new ArrayType(StringType, true), false, "Rules that warned or failed, with values"),
          col("not_assessed", new ArrayType(StringType, true), true,
              "Enabled rules whose input the sample lacks (e.g. vesicles.particle_concentration without NTA); "
                  + "null in rows of qc runs before the column existed"),
          col("qc_at", TimestampType, false, "When")),
      List.of("cohort"),
      Map.of("status_valid", "status IN ('pass', 'warn', 'fail')"),
      props()).zOrderedBy("sample_id");

  /** Samples per block of a matrix row: a row holds at most this many values (512 KB of doubles). */
  public static final int MATRIX_BLOCK_SAMPLES = 65_536;

  /**
   * Rows per Parquet row group of the matrix tables. A reader holds a row group's column chunk and a batch of up
   * to a row group's rows in memory; with Parquet's default 128 MB row groups a 100,000-sample matrix row group held
   * 359 rows of 65,536 doubles and two tasks reading one each ran a 2 GB driver out of memory. 64 rows bound a
   * row group at 32 MB of doubles (5 MB at 10,000 samples). Delta hands table properties to the Parquet writer.
   */
  public static final int MATRIX_ROW_GROUP_ROWS = 64;

  /** Rows per Parquet row group of {@code mirna_count_vectors} (one sample's counts a row: 21 MB at 2,600 miRs). */
  public static final int VECTOR_ROW_GROUP_ROWS = 1024;

  public static final TableDef MIRNA_MATRIX = new TableDef("mirna_matrix",
      "Normalised miR expression as a feature-major matrix: one row per (cohort, sample block, miR) holding the "
          + "log2 CPM of every sample of the block (edgeR semantics: filterByExpr, TMM or upper-quartile factors, "
          + "cpm(log=TRUE, prior.count=2)), aligned to mirna_matrix_samples. Rewritten per cohort by each "
          + "normalize run. The view mirna_expression shows it long.",
      schema(
          col("cohort", StringType, false, "Cohort"),
          col("block", IntegerType, false, "Sample block (mirna_matrix_samples.block)"),
          col("feature", StringType, false, "miRNA kept by the expression filter"),
          col("entries", new ArrayType(DoubleType, false), false,
              "log2 CPM of each sample of the block, in the order of mirna_matrix_samples.sample_ids"),
          col("scale", StringType, false, "What the entries are, e.g. log2_cpm(TMM, prior.count=2)"),
          col("norm_run_id", StringType, false, "job_runs.run_id of the normalize run")),
      List.of("cohort"),
      Map.of(),
      matrixWriter()).zOrderedBy("feature");

  public static final TableDef MIRNA_MATRIX_SAMPLES = new TableDef("mirna_matrix_samples",
      "The sample index of mirna_matrix: one row per (cohort, block); entry k of a matrix row belongs to "
          + "sample_ids[k]. Rewritten per cohort with the matrix. Also holds what voom needs of each sample (its "
          + "effective library size), so that de reads one small table beside the matrix.",
      schema(
          col("cohort", StringType, false, "Cohort"),
          col("block", IntegerType, false, "Sample block"),
          col("sample_ids", new ArrayType(StringType, false), false, "The block's samples, in entry order"),
          col("norm_run_id", StringType, false, "job_runs.run_id of the normalize run"),
          col("scale", StringType, true,
              "What the block's matrix entries are (the matrix rows' scale); null in blocks written before it"),
          col("library_sizes", new ArrayType(DoubleType, true), true,
              "miR: each sample's effective library size (sample_normalization.library_size x norm_factor), in "
                  + "entry order; null for proteins and in blocks written before it"),
          col("mean_library_size", DoubleType, true,
              "miR: the mean effective library size over every sample of the normalize run (what the log-CPM's "
                  + "prior count was scaled by); null for proteins and in blocks written before it")),
      List.of("cohort"),
      Map.of(),
      Map.of());

  public static final TableDef PROTEIN_MATRIX = new TableDef("protein_matrix",
      "Normalised EV protein expression as a feature-major matrix: one row per (cohort, sample block, protein) "
          + "holding each sample's log2 intensity, median-centred per sample (global median added back), "
          + "optionally quantile-normalised and imputed; null entry = missing (not imputed). Aligned to "
          + "protein_matrix_samples. Rewritten per cohort by each normalize run. The view protein_expression shows "
          + "it long.",
      schema(
          col("cohort", StringType, false, "Cohort"),
          col("block", IntegerType, false, "Sample block (protein_matrix_samples.block)"),
          col("feature", StringType, false, "Protein"),
          col("entries", new ArrayType(DoubleType, true), false,
              "log2 intensity of each sample of the block (see scale), in the order of "
                  + "protein_matrix_samples.sample_ids; null = missing"),
          col("imputed", new ArrayType(BooleanType, false), false,
              "Per entry: true if the value was imputed (down-shifted normal)"),
          col("scale", StringType, false, "What the entries are, e.g. log2_intensity(median-centred)"),
          col("norm_run_id", StringType, false, "job_runs.run_id of the normalize run")),
      List.of("cohort"),
      Map.of(),
      matrixWriter()).zOrderedBy("feature");

  public static final TableDef PROTEIN_MATRIX_SAMPLES = new TableDef("protein_matrix_samples",
      "The sample index of protein_matrix: one row per (cohort, block); entry k of a matrix row belongs to "
          + "sample_ids[k]. Rewritten per cohort with the matrix.",
      MIRNA_MATRIX_SAMPLES.schema(),
      List.of("cohort"),
      Map.of(),
      Map.of());

  public static final TableDef SAMPLE_NORMALIZATION = new TableDef("sample_normalization",
      "Per-sample normalisation figures of each normalize run: library sizes and factors (miR), medians (protein).",
      schema(
          col("norm_run_id", StringType, false, "job_runs.run_id of the normalize run"),
          col("modality", StringType, false, "mirna or protein"),
          col("cohort", StringType, false, "Cohort"),
          col("sample_id", StringType, false, "Sample"),
          col("library_size", DoubleType, true, "miR: reads over the kept features"),
          col("norm_factor", DoubleType, true, "miR: TMM or upper-quartile factor (geometric mean 1)"),
          col("sample_median", DoubleType, true, "protein: median log2 intensity before centring")),
      List.of(),
      Map.of(),
      props());

  public static final TableDef JOB_RUNS = new TableDef("job_runs",
      "One row per run of qc, normalize and later jobs: parameters, the Delta versions read and written, "
          + "counts, times and status. VERSION AS OF the input versions rebuilds a run's inputs.",
      schema(
          col("run_id", StringType, false, "Run id"),
          col("job", StringType, false, "qc, normalize, ..."),
          col("status", StringType, false, "succeeded or failed"),
          col("started_at", TimestampType, false, "Start"),
          col("ended_at", TimestampType, false, "End"),
          col("parameters", STRING_MAP, false, "The job's parameters"),
          col("input_versions", DataTypes.createMapType(StringType, LongType, true), false,
              "Delta version of each table read"),
          col("output_versions", DataTypes.createMapType(StringType, LongType, true), false,
              "Delta version of each table written"),
          col("rows_written", DataTypes.createMapType(StringType, LongType, true), false, "Rows per table"),
          col("message", StringType, true, "Error or summary")),
      List.of(),
      Map.of(),
      props());

  public static final TableDef DE_RESULTS = new TableDef("de_results",
      "Differential expression results, one row per (run, modality, contrast, method, feature); appended per de "
          + "run. Methods: moderated_t (limma lmFit + contrasts.fit + eBayes), treat (limma treat: |logFC| above "
          + "the run's lfc_threshold, only in runs given one), welch_t, wilcoxon (Mann-Whitney U, scipy asymptotic "
          + "with continuity), kruskal and anova (contrast all_groups). padj: Benjamini-Hochberg within (run, "
          + "modality, contrast, method).",
      schema(
          col("run_id", StringType, false, "de_runs.run_id"),
          col("modality", StringType, false, "mirna or protein"),
          col("contrast", StringType, false, "<type>_vs_healthy, <type>_vs_other_cancers, a_vs_b or all_groups"),
          col("method", StringType, false, "moderated_t, treat, welch_t, wilcoxon, kruskal or anova"),
          col("feature", StringType, false, "miRNA or protein"),
          col("n_case", LongType, true, "Observed values in the case group(s) (all groups for all_groups)"),
          col("n_control", LongType, true, "Observed values in the control group(s); null for all_groups"),
          col("mean_case", DoubleType, true, "Mean of the case values"),
          col("mean_control", DoubleType, true, "Mean of the control values (pooled)"),
          col("log2fc", DoubleType, true,
              "moderated_t, treat: limma logFC (contrast of the coefficients); welch_t, wilcoxon: mean_case - "
                  + "mean_control"),
          col("ave_expr", DoubleType, true, "Mean of the feature's observed values (limma AveExpr)"),
          col("statistic", DoubleType, true, "moderated t, treat t (0 within the threshold), Welch t, U of the case "
              + "values, H or F"),
          col("df", DoubleType, true,
              "moderated_t, treat: df.total; welch_t: Welch-Satterthwaite df; kruskal: k - 1; anova: between-groups "
                  + "df"),
          col("pvalue", DoubleType, true, "Two-sided p-value (treat: of |logFC| > lfc_threshold; upper tail for "
              + "kruskal and anova)"),
          col("padj", DoubleType, true, "Benjamini-Hochberg adjusted p-value"),
          col("auc", DoubleType, true, "wilcoxon: U / (n_case n_control)"),
          col("b", DoubleType, true, "moderated_t: limma B, log-odds of differential expression")),
      List.of("modality"),
      Map.of("method_valid", "method IN ('moderated_t', 'treat', 'welch_t', 'wilcoxon', 'kruskal', 'anova')"),
      noParquetStatistics("run_id", "contrast", "method", "feature")).zOrderedBy("contrast", "feature");

  public static final TableDef DE_RUNS = new TableDef("de_runs",
      "One row per de run: its parameters, the Delta versions of the tables it read and the samples per group.",
      schema(
          col("run_id", StringType, false, "Run id"),
          col("parameters", STRING_MAP, false, "Options of the run (modality, contrasts, covariates, trend, ...)"),
          col("input_versions", DataTypes.createMapType(StringType, LongType, true), false,
              "Delta version of each table read"),
          col("sample_counts", DataTypes.createMapType(StringType, LongType, true), false,
              "Samples with values per <modality>.<group>"),
          col("started_at", TimestampType, false, "Start"),
          col("ended_at", TimestampType, false, "End")),
      List.of(),
      Map.of(),
      props());

  private static final StructType GROUP_SENS_STRUCT = schema(
      col("set", StringType, true, "cv (out-of-fold) or holdout"),
      col("by", StringType, true, "cancer_type or stage"),
      col("grp", StringType, true, "The cancer type or stage"),
      col("n_cases", LongType, true, "Cases of the group in the set"),
      col("detected", LongType, true, "Cases scoring above the set's threshold"),
      col("sensitivity", DoubleType, true, "detected / n_cases"));

  private static final StructType PANEL_STRUCT = schema(
      col("feature", StringType, true, "<modality>:<feature>"),
      col("rank", IntegerType, true, "1 = most stable (selection frequency, then ANOVA F on the training set)"),
      col("selection_frequency", DoubleType, true, "Fraction of the bootstrap resamples that selected it"),
      col("mean_cases", DoubleType, true, "Binary tasks: mean normalised value in the training set's cases"),
      col("mean_controls", DoubleType, true, "Binary tasks: mean normalised value in the training set's controls"),
      col("direction", StringType, true, "Binary tasks: up or down in cases"));

  private static final StructType RELIABILITY_STRUCT = schema(
      col("set", StringType, true, "cv or holdout"),
      col("bin", IntegerType, true, "Bin 0..9 of equal width over [0, 1]"),
      col("low", DoubleType, true, "Lower edge"),
      col("high", DoubleType, true, "Upper edge"),
      col("n", LongType, true, "Samples in the bin"),
      col("mean_predicted", DoubleType, true, "Mean predicted probability"),
      col("observed_fraction", DoubleType, true, "Fraction of cases"));

  private static final StructType CONFUSION_STRUCT = schema(
      col("set", StringType, true, "cv or holdout"),
      col("truth", StringType, true, "True cancer type"),
      col("predicted", StringType, true, "Most probable cancer type"),
      col("n", LongType, true, "Samples"));

  private static final StructType ROC_STRUCT = schema(
      col("set", StringType, true, "cv (out-of-fold) or holdout"),
      col("threshold", DoubleType, true, "Score threshold"),
      col("fpr", DoubleType, true, "False positive rate = 1 - specificity"),
      col("tpr", DoubleType, true, "True positive rate = sensitivity"));

  public static final TableDef MODEL_RUNS = new TableDef("model_runs",
      "One row per train run (= model): task, model, parameters, the feature index and the selected features, the "
          + "Delta versions of the tables read, the decision threshold and the clinical metrics of the "
          + "cross-validation (out-of-fold) and of the locked hold-out. The fitted pipeline is at model_path.",
      schema(
          col("model_id", StringType, false, "Model id (= job_runs.run_id of the train run)"),
          col("task", StringType, false, "detect, origin or <type>_vs_healthy"),
          col("modality", StringType, false, "mirna, protein, dna or a combination (mirna,protein,dna; both: older models)"),
          col("model_type", StringType, false, "logistic, forest or gbt"),
          col("classes", new ArrayType(StringType, true), false,
              "Class names by label index (binary: healthy, cancer or the type)"),
          col("parameters", STRING_MAP, false, "Options, hyperparameters, seed, folds, hold-out fraction"),
          col("feature_index", new ArrayType(StringType, true), false,
              "The feature vector's slots (<modality>:<feature>), stable for scoring"),
          col("selected_features", new ArrayType(StringType, true), false,
              "Features the final model uses (selected on the training rows)"),
          col("threshold", DoubleType, true,
              "Decision threshold (binary): at threshold_specificity on the out-of-fold controls' scores"),
          col("threshold_specificity", DoubleType, true, "Specificity the threshold was set at"),
          col("metrics", DataTypes.createMapType(StringType, DoubleType, true), false,
              "<set>.<metric>: roc_auc, pr_auc, brier, sens_at_spec_S (+ .ci_low/.ci_high), top1_accuracy, ..."),
          col("group_sensitivity", new ArrayType(GROUP_SENS_STRUCT, true), false,
              "Sensitivity by cancer type and by stage at the set's 99% specificity threshold"),
          col("reliability", new ArrayType(RELIABILITY_STRUCT, true), false, "Reliability (calibration) table"),
          col("confusion", new ArrayType(CONFUSION_STRUCT, true), false, "origin: confusion matrix (non-zero cells)"),
          col("roc", new ArrayType(ROC_STRUCT, true), false,
              "Binary: ROC curve points (set, threshold, fpr, tpr; calls are score >= threshold), at most 500 per set"),
          col("sample_counts", DataTypes.createMapType(StringType, LongType, true), false,
              "<set>.<class> samples (train / holdout)"),
          col("input_versions", DataTypes.createMapType(StringType, LongType, true), false,
              "Delta version of each table read"),
          col("model_path", StringType, false, "Where the fitted MLlib PipelineModel is saved"),
          col("started_at", TimestampType, false, "Start"),
          col("ended_at", TimestampType, false, "End"),
          col("panel", new ArrayType(PANEL_STRUCT, true), true,
              "train --stability-threshold: the stable panel the final model uses, by rank (null otherwise; a lake "
                  + "written before the column gains it, null, at its next train)")),
      List.of(),
      Map.of("task_valid", "task IN ('detect', 'origin') OR task LIKE '%_vs_healthy'"),
      props());

  public static final TableDef PREDICTIONS = new TableDef("predictions",
      "Scores of a saved model for samples, one row per (score run, sample), appended per score run.",
      schema(
          col("run_id", StringType, false, "job_runs.run_id of the score run"),
          col("model_id", StringType, false, "model_runs.model_id"),
          col("cohort", StringType, false, "Cohort"),
          col("sample_id", StringType, false, "Sample"),
          col("status", StringType, false,
              "scored, scored_imputed (some features missing, imputed with the training means) or "
                  + "not_scored (more missing than exocohort.model.score.max.missing.fraction)"),
          col("probability", DoubleType, true, "Binary: P(cancer); origin: probability of the top class"),
          col("call", BooleanType, true, "Binary: probability > threshold"),
          col("threshold", DoubleType, true, "The model's stored threshold (binary)"),
          col("predicted", StringType, true, "Most probable class"),
          col("top1", StringType, true, "origin: most probable cancer type"),
          col("top2", StringType, true, "origin: second most probable cancer type"),
          col("top2_probability", DoubleType, true, "origin: probability of top2"),
          col("features_missing", IntegerType, false, "Features of the model's index without a value"),
          col("features_extra", IntegerType, false, "Values of features the model does not know (ignored)"),
          col("scored_at", TimestampType, false, "When")),
      List.of(),
      Map.of("status_valid", "status IN ('scored', 'scored_imputed', 'not_scored')"),
      props());

  public static final TableDef MODEL_FOLDS = new TableDef("model_folds",
      "Where each sample of a train run went, one row per (model, sample): its cross-validation fold or the locked "
          + "hold-out, with its subject, so that one can check that a person's samples share a fold. Appended by "
          + "train with its model_runs row.",
      schema(
          col("model_id", StringType, false, "model_runs.model_id"),
          col("cohort", StringType, false, "Cohort"),
          col("sample_id", StringType, false, "Sample"),
          col("subject_key", StringType, false, "samples.subject_key (pseudonymised subject)"),
          col("fold", StringType, false, "Cross-validation fold 0..k-1, or holdout"),
          col("label", StringType, false, "The sample's class (model_runs.classes: healthy, cancer, a type)")),
      List.of(),
      Map.of(),
      props());

  public static final TableDef SCREENING_METRICS = new TableDef("screening_metrics",
      "What a two-stage screening test (a detection model, then an origin model for the positives) achieves on the "
          + "locked hold-out of its models, one row per (score run, metric, group): sensitivity overall, by stage and "
          + "by cancer type, specificity, PPV and NPV at the stated prevalence, origin accuracy among the true "
          + "positives; each with a percentile bootstrap interval. Appended by score --detect-model --origin-model.",
      schema(
          col("run_id", StringType, false, "job_runs.run_id of the score run"),
          col("detect_model_id", StringType, false, "model_runs.model_id of the detection model"),
          col("origin_model_id", StringType, false, "model_runs.model_id of the origin model"),
          col("prevalence", DoubleType, false, "Prevalence of cancer in the screened population (--prevalence)"),
          col("metric", StringType, false,
              "sensitivity, specificity, ppv, npv, origin_top1 or origin_top2 (among the true positives)"),
          col("group_kind", StringType, false, "all, stage or cancer_type"),
          col("group_name", StringType, true, "The stage or cancer type; null for all"),
          col("n", LongType, false, "Samples the figure is over (cases, controls or true positives)"),
          col("estimate", DoubleType, true, "The figure (NaN as null: no sample)"),
          col("low", DoubleType, true, "2.5th percentile of the bootstrap replicates"),
          col("high", DoubleType, true, "97.5th percentile of the bootstrap replicates"),
          col("replicates", IntegerType, false, "Bootstrap replicates (0: no interval)")),
      List.of(),
      Map.of("metric_valid",
          "metric IN ('sensitivity', 'specificity', 'ppv', 'npv', 'origin_top1', 'origin_top2')",
          "group_kind_valid", "group_kind IN ('all', 'stage', 'cancer_type')"),
      props());

  public static final TableDef MARKER_ANNOTATIONS = new TableDef("marker_annotations",
      "Literature markers of cancer in circulating / EV miRNAs and EV proteins, with their sources: loaded from "
          + "conf/marker_annotations.tsv (packed in the jar) when a lake first has de_results; joined by the view "
          + "de_significant.",
      schema(
          col("modality", StringType, false, "mirna or protein"),
          col("feature", StringType, false, "miRBase mature name (hsa-miR-21-5p) or gene symbol (GPC1)"),
          col("cancer_type", StringType, false, "Canonical cancer type the marker is reported for"),
          col("direction", StringType, false, "Reported change in cancer vs healthy: up or down"),
          col("specimen", StringType, true, "Where it was measured (serum exosomes, plasma, ...)"),
          col("source", StringType, false, "Citation(s), '; '-separated")),
      List.of(),
      Map.of("direction_valid", "direction IN ('up', 'down')"),
      Map.of());

  public static final TableDef REFERENCE_PROFILES = new TableDef("reference_profiles",
      "Reference EV miR profiles (issue 19): exosomes of cancer cell lines, healthy cells or purified cell types, "
          + "loaded by ingest --reference, separate from cohort samples. Long: one row per (reference, profile_id, "
          + "feature). Values exactly as delivered (read counts or CPM); deconvolve turns each profile into CPM.",
      schema(
          col("reference", StringType, false, "Reference set name given at ingest (--reference)"),
          col("profile_id", StringType, false, "Profile (library) identifier as delivered"),
          col("label", StringType, false,
              "The profile's group as the manifest gives it, lower case: cancer_cell, healthy_cell, a cell type"),
          col("feature", StringType, false, "Mature miRNA name as delivered"),
          col("value", DoubleType, false, "Read count or CPM as delivered"),
          col("source_file", StringType, false, "miR file the value came from"),
          col("run_id", StringType, false, "job_runs.run_id of the ingest that last wrote the profile")),
      List.of("reference"),
      Map.of("value_nonneg", "value >= 0"),
      props());

  public static final TableDef SIGNATURES = new TableDef("signatures",
      "Deconvolution signatures (issue 19): the features on which deconvolve compares samples with the reference "
          + "groups' profiles, one row per (signature_id, feature). Derived by the signature job (limma-voom DE "
          + "between the reference groups, then the features stably expressed within each group) or given as a list "
          + "(--features FILE).",
      schema(
          col("signature_id", StringType, false, "Signature id (= job_runs.run_id of the signature run)"),
          col("reference", StringType, false, "reference_profiles.reference the signature is for"),
          col("components", new ArrayType(StringType, false), false,
              "Reference labels deconvolve estimates fractions of, in this order (control first, then case)"),
          col("case_label", StringType, true, "The label whose fraction is the tumour-EV fraction (--case); null "
              + "for a signature of cell types without a case"),
          col("feature", StringType, false, "Mature miRNA name"),
          col("rank", IntegerType, false, "1 = first: by DE p-value for derived signatures, file order for given "
              + "lists"),
          col("source", StringType, false, "derived or given"),
          col("log2fc", DoubleType, true, "Derived: limma logFC of case vs control (voom log-CPM); given: null"),
          col("padj", DoubleType, true, "Derived: Benjamini-Hochberg adjusted moderated-t p-value; given: null"),
          col("max_within_variance", DoubleType, true,
              "Derived: the largest within-group variance of the quantile-normalised log2(CPM + 1); given: null"),
          col("parameters", STRING_MAP, false, "Options of the run (thresholds, the given file)"),
          col("created_at", TimestampType, false, "When the signature run wrote it")),
      List.of(),
      Map.of("source_valid", "source IN ('derived', 'given')"),
      props());

  public static final TableDef EV_ORIGIN = new TableDef("ev_origin",
      "Where each sample's vesicles come from (issue 19): per deconvolve run, sample and reference component, the "
          + "non-negative fraction (the fractions of a sample sum to 1) that best reproduces the sample's signature "
          + "profile from the components' median reference profiles, after exosomePurity's normalisation. Appended "
          + "per run; the tumour-EV fraction of a sample is its role = 'case' fraction in the latest run.",
      schema(
          col("run_id", StringType, false, "job_runs.run_id of the deconvolve run"),
          col("signature_id", StringType, false, "signatures.signature_id used"),
          col("cohort", StringType, false, "Cohort of the sample"),
          col("sample_id", StringType, false, "Sample (samples.sample_id)"),
          col("component", StringType, false, "Reference label (signatures.components)"),
          col("role", StringType, true, "case (the tumour-EV component), control, or null for a signature without "
              + "a case"),
          col("fraction", DoubleType, false, "Estimated share of the sample's EV miR signal, 0 to 1"),
          col("residual", DoubleType, false,
              "Root-mean-square residual of the fit over the signature features (log2 scale), the same for every "
                  + "component of the sample"),
          col("features", IntegerType, false, "Signature features the fit used"),
          col("computed_at", TimestampType, false, "When the run wrote it")),
      List.of("cohort"),
      Map.of("fraction_range", "fraction >= 0 AND fraction <= 1", "role_valid", "role IS NULL OR role IN ('case', "
          + "'control')"),
      props());

  /** Every table, in creation order. */
  public static final List<TableDef> ALL =
      List.of(SAMPLES, MIRNA_COUNTS, PROTEIN_ABUNDANCE, QUARANTINE, INGEST_RUNS, SAMPLE_QC, MIRNA_MATRIX,
          MIRNA_MATRIX_SAMPLES, PROTEIN_MATRIX, PROTEIN_MATRIX_SAMPLES, SAMPLE_NORMALIZATION, JOB_RUNS, DE_RESULTS, DE_RUNS, MODEL_RUNS, PREDICTIONS,
          MARKER_ANNOTATIONS,
          MODEL_FOLDS, MIRNA_COUNT_VECTORS, MIRNA_COUNT_FEATURES, DNA_VARIANTS, SCREENING_METRICS,
          REFERENCE_PROFILES, SIGNATURES, EV_ORIGIN);

  public static TableDef byName(String name) {
    for (TableDef t : ALL) if (t.name().equals(name)) return t;
    throw new IllegalArgumentException("no table " + name);
  }
}
