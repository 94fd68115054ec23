package io.exocohort.normalize;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;

import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.normalize.kernel.DownshiftImputation;
import io.exocohort.qc.QcSelection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code normalize}: miR counts to log2 CPM with edgeR semantics (filterByExpr, TMM / upper quartile / none,
 * cpm(log=TRUE, prior.count)), protein intensities to median-centred log2 (optionally quantile-normalised and
 * imputed), and optionally parametric ComBat protecting the biological group. Uses the samples that pass QC
 * (latest qc run; {@code --include-failed} for all). Reads its inputs at the Delta versions it records in
 * {@code job_runs}, rewrites the processed cohorts' partitions of {@code mirna_expression} /
 * {@code protein_expression}, appends per-sample figures to {@code sample_normalization}, and restores what it
 * wrote if it fails.
 */
public final class NormalizeJob {
  private static final Logger LOG = LoggerFactory.getLogger(NormalizeJob.class);
  private static final String JOB = "normalize";
  /** samples columns that may serve as group or batch. */
  static final Set<String> SAMPLE_COLUMNS = Set.of("cancer_type", "stage", "sex", "biofluid", "isolation_method",
      "batch", "site", "cohort");

  public record Args(String lake, String database, List<String> cohorts, String modality, String method,
      double priorCount, boolean filter, String groupColumn, boolean includeFailed, boolean proteinCenter,
      boolean proteinQuantile, boolean impute, long seed, String batchCorrection, String batchColumn,
      String runId, int minPerGroup) {

    /** With the default minimum of samples per group ({@link GroupSizes#MIN_DEFAULT}). */
    public Args(String lake, String database, List<String> cohorts, String modality, String method,
        double priorCount, boolean filter, String groupColumn, boolean includeFailed, boolean proteinCenter,
        boolean proteinQuantile, boolean impute, long seed, String batchCorrection, String batchColumn,
        String runId) {
      this(lake, database, cohorts, modality, method, priorCount, filter, groupColumn, includeFailed, proteinCenter,
          proteinQuantile, impute, seed, batchCorrection, batchColumn, runId, GroupSizes.MIN_DEFAULT);
    }

    /** The defaults: all modalities, TMM, prior 2, filter on, group cancer_type, no batch correction. */
    public static Args defaults(String lake) {
      return new Args(lake, "exocohort", List.of(), "all", "tmm", 2, true, "cancer_type", false, true, false, false,
          1L, "none", "batch", null);
    }

    /** A copy with another minimum of samples per group (0 turns the check off). */
    public Args withMinPerGroup(int min) {
      return new Args(lake, database, cohorts, modality, method, priorCount, filter, groupColumn, includeFailed,
          proteinCenter, proteinQuantile, impute, seed, batchCorrection, batchColumn, runId, min);
    }
  }

  public record Result(String runId, Map<String, Long> rowsWritten, Map<String, Long> outputVersions,
      Map<String, String> summary) {}

  private NormalizeJob() {}

  public static Result run(SparkSession spark, Args a) {
    return JobRuns.track(spark, a.lake(), a.database(), JOB, a.runId(), a, run -> run(spark, a, run));
  }

  private static Result run(SparkSession spark, Args a, JobRuns.Run run) {
    String modality = a.modality() == null ? "all" : a.modality().toLowerCase(Locale.ROOT);
    if (!List.of("mirna", "protein", "all").contains(modality)) {
      throw new BadInputException("--modality must be mirna, protein or all, not '" + a.modality() + "'");
    }
    MirnaNormalizer.Method method = MirnaNormalizer.Method.parse(a.method());
    String bc = a.batchCorrection() == null ? "none" : a.batchCorrection().toLowerCase(Locale.ROOT);
    if (!bc.equals("none") && !bc.equals("combat")) {
      throw new BadInputException("--batch-correction must be none or combat, not '" + a.batchCorrection() + "'");
    }
    checkColumn("--group", a.groupColumn());
    if (bc.equals("combat")) checkColumn("--batch-column", a.batchColumn());
    if (!(a.priorCount() > 0)) throw new BadInputException("--prior-count must be positive, not " + a.priorCount());
    if (a.minPerGroup() < 0) {
      throw new BadInputException(GroupSizes.MIN_KEY + " must be 0 or more, not " + a.minPerGroup());
    }
    String runId = run.id();

    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.SAMPLES)) throw new BadInputException("lake " + a.lake() + " has no samples: ingest first");
    Map<String, Long> inputs = lake.versions(List.of(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE,
        Tables.SAMPLE_QC));
    run.inputs(inputs);
    List<String> known = lake.readAsOf(Tables.SAMPLES, inputs.get("samples")).select("cohort").distinct()
        .as(Encoders.STRING()).collectAsList();
    List<String> cohorts = a.cohorts() == null || a.cohorts().isEmpty() ? known : a.cohorts();
    for (String c : cohorts) {
      if (!known.contains(c)) throw new BadInputException("--cohort " + c + ": no such cohort in " + a.lake()
          + " (cohorts: " + String.join(", ", known) + ")");
    }

    Dataset<Row> meta;
    long nSamples;
    GroupSizes sizes;
    try (Stage s = Stage.start(LOG, spark, JOB, "select samples")) {
      // QC statuses as of the recorded input versions, not whatever a concurrent qc or ingest committed since
      Dataset<Row> usable = QcSelection.usable(lake.pinned(inputs), cohorts, a.includeFailed());
      meta = lake.readAsOf(Tables.SAMPLES, inputs.get("samples")).join(usable.select("cohort", "sample_id"),
              CollectionConverters.asScala(List.of("cohort", "sample_id")).toList())
          .select(col("cohort"), col("sample_id"), col(a.groupColumn()).cast("string").as("grp"),
              col(bc.equals("combat") ? a.batchColumn() : "batch").cast("string").as("batch"))
          .cache();
      nSamples = meta.count();
      Dataset<Row> all = lake.readAsOf(Tables.SAMPLES, inputs.get("samples"))
          .filter(col("cohort").isin(cohorts.toArray())).select(col(a.groupColumn()).cast("string").as("grp"));
      sizes = GroupSizes.of(all, meta, a.groupColumn(), cohorts, a.includeFailed());
      s.done("{} of {} samples pass QC (or were not checked){}; per {} (kept of all): {}", nSamples,
          nSamples + sizes.excluded(), a.includeFailed() ? " (--include-failed)" : "", a.groupColumn(),
          sizes.groups().stream().map(g -> g + " " + sizes.kept(g) + "/" + sizes.total(g)).toList());
    }
    if (nSamples < 2) {
      meta.unpersist();
      throw new BadInputException("normalize: only " + nSamples + " sample(s) left in " + sizes.cohortLabel()
          + " after QC: nothing to normalise; " + sizes.qcHint(List.of(), 2));
    }
    // the group feeds filterByExpr (its smallest group sets the filter's sample size) and ComBat's model: a group
    // that QC shrank below the minimum (or emptied) would make the output silently unlike what was asked for
    List<String> short_ = sizes.below(a.minPerGroup());
    if (!short_.isEmpty()) {
      meta.unpersist();
      throw new BadInputException(sizes.tooFew("normalize", short_, a.minPerGroup()));
    }

    Map<String, Long> writtenVersion = new LinkedHashMap<>();
    Map<String, Long> rowsWritten = new LinkedHashMap<>();
    Map<String, String> summary = new LinkedHashMap<>();
    Map<String, Long> before = lake.versions(List.of(Tables.MIRNA_EXPRESSION, Tables.PROTEIN_EXPRESSION,
        Tables.SAMPLE_NORMALIZATION));
    String cohortPredicate = "cohort IN (" + cohorts.stream().map(c -> "'" + c + "'").collect(Collectors.joining(", "))
        + ")";
    try {
      if (!modality.equals("protein") && inputs.get("mirna_counts") >= 0) {
        Dataset<Row> values = valuesOf(lake, Tables.MIRNA_COUNTS, inputs, "count", cohorts, meta);
        SampleMatrix counts;
        try (Stage s = Stage.start(LOG, spark, JOB, "miR sample vectors")) {
          counts = SampleMatrix.build(spark, values, meta, 0.0);
          s.done("{} features", counts.features.length);
        }
        if (counts.features.length == 0) {
          if (modality.equals("mirna")) throw new BadInputException("no miR counts for " + cohorts);
        } else {
          MirnaNormalizer.Result r;
          try (Stage s = Stage.start(LOG, spark, JOB, "miR factors and log-CPM")) {
            r = MirnaNormalizer.normalize(spark, counts, method, a.priorCount(), a.filter());
            s.done("{} of {} miRs kept, method {}, reference sample {}", r.featuresKept(), r.featuresIn(),
                method, r.referenceSample());
          }
          summary.put("mirna", r.featuresKept() + " of " + r.featuresIn() + " miRs kept; " + r.scale());
          SampleMatrix out = r.logCpm();
          String scale = r.scale();
          if (bc.equals("combat")) {
            out = combat(spark, out, "miR ComBat", a);
            scale = scale + ", ComBat(" + a.batchColumn() + ", protect " + a.groupColumn() + ")";
          }
          try (Stage s = Stage.start(LOG, spark, JOB, "write mirna_expression")) {
            long n = writeLong(lake, Tables.MIRNA_EXPRESSION, out, scale, runId, cohortPredicate, false, 0L);
            writtenVersion.put(Tables.MIRNA_EXPRESSION.name(), lake.version(Tables.MIRNA_EXPRESSION));
            rowsWritten.put(Tables.MIRNA_EXPRESSION.name(), n);
            lake.ensure(Tables.SAMPLE_NORMALIZATION);
            r.perSample().selectExpr("'" + runId + "' AS norm_run_id", "'mirna' AS modality", "cohort", "sample_id",
                    "library_size", "norm_factor", "CAST(NULL AS DOUBLE) AS sample_median")
                .write().format("delta").mode("append").save(lake.path(Tables.SAMPLE_NORMALIZATION));
            writtenVersion.put(Tables.SAMPLE_NORMALIZATION.name(), lake.version(Tables.SAMPLE_NORMALIZATION));
            s.done("{} values", n);
          }
          out.unpersist();
          r.release().run();
          r.perSample().unpersist();
        }
      }
      if (!modality.equals("mirna") && inputs.get("protein_abundance") >= 0) {
        Dataset<Row> values = valuesOf(lake, Tables.PROTEIN_ABUNDANCE, inputs, "intensity", cohorts, meta);
        SampleMatrix linear = SampleMatrix.build(spark, values, meta, Double.NaN);
        if (linear.features.length == 0) {
          if (modality.equals("protein")) throw new BadInputException("no protein intensities for " + cohorts);
        } else {
          ProteinNormalizer.Result r;
          try (Stage s = Stage.start(LOG, spark, JOB, "protein log2 / centring / quantile")) {
            r = ProteinNormalizer.normalize(spark, linear, a.proteinCenter(), a.proteinQuantile());
            s.done("{} proteins", linear.features.length);
          }
          SampleMatrix out = r.values();
          String scale = r.scale();
          if (bc.equals("combat")) {
            out = combat(spark, out, "protein ComBat", a);
            scale = scale + ", ComBat(" + a.batchColumn() + ", protect " + a.groupColumn() + ")";
          }
          if (a.impute()) scale = scale + ", imputed(down-shifted normal 1.8/0.3, seed " + a.seed() + ")";
          summary.put("protein", linear.features.length + " proteins; " + scale);
          try (Stage s = Stage.start(LOG, spark, JOB, "write protein_expression")) {
            long n = writeLong(lake, Tables.PROTEIN_EXPRESSION, out, scale, runId, cohortPredicate, a.impute(),
                a.seed());
            writtenVersion.put(Tables.PROTEIN_EXPRESSION.name(), lake.version(Tables.PROTEIN_EXPRESSION));
            rowsWritten.put(Tables.PROTEIN_EXPRESSION.name(), n);
            // the per-sample medians of the log2 intensities before centring (what centring subtracts)
            lake.ensure(Tables.SAMPLE_NORMALIZATION);
            r.perSample().selectExpr("'" + runId + "' AS norm_run_id", "'protein' AS modality", "cohort", "sample_id",
                    "CAST(NULL AS DOUBLE) AS library_size", "CAST(NULL AS DOUBLE) AS norm_factor", "sample_median")
                .write().format("delta").mode("append").save(lake.path(Tables.SAMPLE_NORMALIZATION));
            writtenVersion.put(Tables.SAMPLE_NORMALIZATION.name(), lake.version(Tables.SAMPLE_NORMALIZATION));
            s.done("{} values", n);
          }
          out.unpersist();
          linear.unpersist();
          r.perSample().unpersist();
        }
      }
      if (writtenVersion.isEmpty()) {
        throw new BadInputException("nothing to normalise: no " + (modality.equals("all") ? "miR or protein" : modality)
            + " data for " + cohorts);
      }
      Map<String, String> params = new LinkedHashMap<>();
      params.put("cohorts", String.join(",", cohorts));
      params.put("modality", modality);
      params.put("method", method.name().toLowerCase(Locale.ROOT));
      params.put("prior_count", String.valueOf(a.priorCount()));
      params.put("filter", String.valueOf(a.filter()));
      params.put("group", a.groupColumn());
      params.put("include_failed", String.valueOf(a.includeFailed()));
      params.put("protein_center", String.valueOf(a.proteinCenter()));
      params.put("protein_quantile", String.valueOf(a.proteinQuantile()));
      params.put("impute", String.valueOf(a.impute()));
      params.put("seed", String.valueOf(a.seed()));
      params.put("batch_correction", bc);
      params.put("batch_column", a.batchColumn());
      params.put("samples", String.valueOf(nSamples));
      run.succeeded(lake, params, inputs, writtenVersion, rowsWritten, summary.toString());
      meta.unpersist();
      return new Result(runId, rowsWritten, writtenVersion, summary);
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared (checked in Java)
      lake.rollbackAll(before, writtenVersion, e);
      throw e;
    }
  }

  /** ComBat on a matrix; the input is freed once the adjusted values are materialised. */
  private static SampleMatrix combat(SparkSession spark, SampleMatrix in, String label, Args a) {
    try (Stage s = Stage.start(LOG, spark, JOB, label)) {
      ComBatStep.Result cb = ComBatStep.adjust(spark, in, false);
      cb.adjusted().rows.count();
      in.unpersist();
      s.done("{} batches, {} features adjusted", cb.batches(), cb.featuresAdjusted());
      return cb.adjusted();
    }
  }

  /** The long values (cohort, sample_id, feature, value) of the selected samples, at the recorded version. */
  private static Dataset<Row> valuesOf(Lake lake, TableDef t, Map<String, Long> inputs, String valueColumn,
      List<String> cohorts, Dataset<Row> meta) {
    return lake.readAsOf(t, inputs.get(t.name()))
        .filter(col("cohort").isin(cohorts.toArray()))
        .join(broadcast(meta.select("cohort", "sample_id")), CollectionConverters.asScala(
            List.of("cohort", "sample_id")).toList())
        .select(col("cohort"), col("sample_id"), col("feature"), col(valueColumn).as("value"));
  }

  private static void checkColumn(String option, String c) {
    if (c == null || !SAMPLE_COLUMNS.contains(c)) {
      throw new BadInputException(option + " '" + c + "' is not a samples column (one of "
          + String.join(", ", new java.util.TreeSet<>(SAMPLE_COLUMNS)) + ")");
    }
  }

  /**
   * Writes a sample matrix as long rows into the processed cohorts' partitions ({@code replaceWhere}: one
   * atomic commit). For proteins, a NaN is written as null, or imputed from the sample's down-shifted normal.
   * Each sample goes to Spark SQL as one row holding its array; {@code posexplode} makes the long rows inside
   * Spark's generated code (no external Row per value).
   */
  static long writeLong(Lake lake, TableDef t, SampleMatrix m, String scale, String runId, String cohortPredicate,
      boolean impute, long seed) {
    lake.ensure(t);
    boolean protein = t == Tables.PROTEIN_EXPRESSION;
    String[] features = m.features;
    StructType wideSchema = new StructType().add("cohort", DataTypes.StringType, false)
        .add("sample_id", DataTypes.StringType, false)
        .add("v", DataTypes.createArrayType(DataTypes.DoubleType, protein), false)
        .add("imp", DataTypes.createArrayType(DataTypes.BooleanType, false), true);
    org.apache.spark.api.java.JavaRDD<Row> wide = m.rows.map(r -> {
      double[] v = r.v();
      if (!protein) return RowFactory.create(r.cohort(), r.sampleId(), v, null);
      Double[] out = new Double[v.length];
      boolean[] imputed = new boolean[v.length];
      DownshiftImputation.Distribution d = impute
          ? DownshiftImputation.distribution(v, DownshiftImputation.Parameters.PERSEUS) : null;
      for (int k = 0; k < v.length; k++) {
        if (!Double.isNaN(v[k])) {
          out[k] = v[k];
        } else if (d != null) {
          out[k] = DownshiftImputation.draw(d, seed, r.sampleId(), features[k]);
          imputed[k] = true;
        }
      }
      return RowFactory.create(r.cohort(), r.sampleId(), out, imputed);
    });
    Column feature = element_at(lit(features), col("pos").plus(1));
    List<Column> cols = new ArrayList<>(List.of(col("cohort"), col("sample_id"), feature.as("feature"),
        col("value")));
    if (protein) cols.add(element_at(col("imp"), col("pos").plus(1)).as("imputed"));
    cols.add(lit(scale).as("scale"));
    cols.add(lit(runId).as("norm_run_id"));
    lake.spark().createDataFrame(wide, wideSchema)
        .select(col("cohort"), col("sample_id"), col("imp"), posexplode(col("v")).as(new String[] {"pos", "value"}))
        .select(cols.toArray(new Column[0]))
        .write().format("delta").mode("overwrite").option("replaceWhere", cohortPredicate).save(lake.path(t));
    Map<String, String> metrics = lake.delta(t).history(1).select("operationMetrics").head().getJavaMap(0);
    return Long.parseLong(metrics.getOrDefault("numOutputRows", "0"));
  }
}
