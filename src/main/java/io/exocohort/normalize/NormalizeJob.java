package io.exocohort.normalize;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Parallel;
import io.exocohort.common.Stage;
import io.exocohort.matrix.Matrices;
import io.exocohort.qc.QcSelection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code normalize}: miR counts to log2 CPM with edgeR semantics (filterByExpr, TMM / upper quartile / none,
 * cpm(log=TRUE, prior.count)), protein intensities to median-centred log2 (optionally quantile-normalised and
 * imputed), and optionally parametric ComBat protecting the biological group. Uses the samples that pass QC
 * (latest qc run; {@code --include-failed} for all). Runs in a {@link RunScope}: reads its inputs at the Delta
 * versions it records in {@code job_runs}, rewrites the processed cohorts' partitions of {@code mirna_expression}
 * / {@code protein_expression}, appends per-sample figures to {@code sample_normalization}; the scope restores
 * what it wrote if it fails.
 */
public final class NormalizeJob {
  private static final Logger LOG = LoggerFactory.getLogger(NormalizeJob.class);
  private static final String JOB = "normalize";
  /** samples columns that may serve as group or batch. */
  static final Set<String> SAMPLE_COLUMNS = Set.of("cancer_type", "stage", "sex", "biofluid", "isolation_method",
      "batch", "site", "cohort");

  /**
   * Options of a normalize run: where, which cohorts (empty: all) and modality (mirna, protein or all), the run
   * id (null: generated), and the options of each step. Build with {@link #defaults} and the {@code with}
   * copies.
   */
  public record Args(String lake, String database, List<String> cohorts, String modality, Mirna mirna,
      Protein protein, Samples samples, String runId) {

    /** miR options: tmm, upperquartile or none; the log-CPM prior count; filterByExpr on or off. */
    public record Mirna(String method, double priorCount, boolean filter) {
      public static Mirna defaults() {
        return new Mirna("tmm", 2, true);
      }
    }

    /** Protein options: median centring, quantile normalisation, imputation and its seed. */
    public record Protein(boolean center, boolean quantile, boolean impute, long seed) {
      public static Protein defaults() {
        return new Protein(true, false, false, 1L);
      }
    }

    /**
     * Which samples and how they are grouped: the samples column of the groups (filterByExpr, ComBat's model),
     * whether samples that failed QC are used, the fewest samples a group may keep after QC (0: no check), and
     * the batch correction (none or combat) with the samples column of the batches.
     */
    public record Samples(String groupColumn, boolean includeFailed, int minPerGroup, String batchCorrection,
        String batchColumn) {
      public static Samples defaults() {
        return new Samples("cancer_type", false, GroupSizes.MIN_DEFAULT, "none", "batch");
      }

      public Samples withIncludeFailed(boolean b) {
        return new Samples(groupColumn, b, minPerGroup, batchCorrection, batchColumn);
      }

      public Samples withBatchCorrection(String correction, String column) {
        return new Samples(groupColumn, includeFailed, minPerGroup, correction, column);
      }
    }

    /** The defaults: all cohorts and modalities, TMM, prior 2, filter on, group cancer_type, no batch correction. */
    public static Args defaults(String lake) {
      return new Args(lake, "exocohort", List.of(), "all", Mirna.defaults(), Protein.defaults(), Samples.defaults(),
          null);
    }

    public Args withDatabase(String db) {
      return new Args(lake, db, cohorts, modality, mirna, protein, samples, runId);
    }

    public Args withCohorts(List<String> cs) {
      return new Args(lake, database, cs, modality, mirna, protein, samples, runId);
    }

    public Args withModality(String m) {
      return new Args(lake, database, cohorts, m, mirna, protein, samples, runId);
    }

    public Args withMirna(Mirna m) {
      return new Args(lake, database, cohorts, modality, m, protein, samples, runId);
    }

    public Args withProtein(Protein p) {
      return new Args(lake, database, cohorts, modality, mirna, p, samples, runId);
    }

    public Args withSamples(Samples s) {
      return new Args(lake, database, cohorts, modality, mirna, protein, s, runId);
    }

    public Args withRunId(String id) {
      return new Args(lake, database, cohorts, modality, mirna, protein, samples, id);
    }

    /** A copy with another minimum of samples per group (0 turns the check off). */
    public Args withMinPerGroup(int min) {
      return withSamples(new Samples(samples.groupColumn(), samples.includeFailed(), min, samples.batchCorrection(),
          samples.batchColumn()));
    }
  }

  public record Result(String runId, Map<String, Long> rowsWritten, Map<String, Long> outputVersions,
      Map<String, String> summary) {}

  /** The checked options: modality and batch correction in lower case, the miR method parsed. */
  private record Checked(String modality, MirnaNormalizer.Method method, boolean combat) {}

  /**
   * The samples to normalise ({@code cohort, sample_id, grp, batch}, read from {@code cached}), how many there are,
   * and the cached selection behind them (every sample of the cohorts, flagged), to release when done.
   */
  private record Selected(Dataset<Row> meta, long n, Dataset<Row> cached) {}

  /**
   * What the run wrote: summary per modality and rows per expression table; {@code read}: how the inputs were read
   * (recorded with the parameters).
   */
  private record Written(Map<String, String> summary, Map<String, Long> rows, Map<String, String> read) {}

  private NormalizeJob() {}

  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    Checked o = check(a);
    s.pin(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE, Tables.SAMPLE_QC,
        Tables.MIRNA_COUNT_VECTORS, Tables.MIRNA_COUNT_FEATURES);
    // requested cohorts are confirmed by the selection's read of samples (select)
    List<String> cohorts = s.cohortsToConfirm(a.cohorts());
    boolean withMirna = !o.modality().equals("protein") && s.has(Tables.MIRNA_COUNTS);
    boolean withProtein = !o.modality().equals("mirna") && s.has(Tables.PROTEIN_ABUNDANCE);
    Selected sel = select(s, a, o, cohorts);
    // after the selection, whose checks are where a run on bad input stops: such a run creates no table
    List<TableDef> out = new java.util.ArrayList<>(List.of(Tables.SAMPLE_NORMALIZATION));
    for (Modality m : Modality.values()) {
      if (m.protein() ? withProtein : withMirna) out.addAll(List.of(m.matrix(), m.samples()));
    }
    s.prepareWrites(out.toArray(new TableDef[0]));
    Written w = new Written(new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
    try {
      if (withMirna) mirna(s, a, o, cohorts, sel, w);
      if (withProtein) protein(s, a, o, cohorts, sel, w);
    } finally {
      sel.cached().unpersist();
    }
    if (w.rows().isEmpty()) {
      throw new BadInputException("nothing to normalise: no " + (o.modality().equals("all") ? "miR or protein"
          : o.modality()) + " data for " + cohorts);
    }
    Map<String, Long> versions = s.outputVersions();
    Map<String, String> params = parameters(a, o, cohorts, sel.n());
    params.putAll(w.read());
    s.succeeded(params, w.summary().toString());
    return new Result(s.id(), w.rows(), versions, w.summary());
  }

  /** Checks the options before anything is read. */
  private static Checked check(Args a) {
    String modality = a.modality() == null ? "all" : a.modality().toLowerCase(Locale.ROOT);
    if (!List.of("mirna", "protein", "all").contains(modality)) {
      throw new BadInputException("--modality must be mirna, protein or all, not '" + a.modality() + "'");
    }
    MirnaNormalizer.Method method = MirnaNormalizer.Method.parse(a.mirna().method());
    Args.Samples g = a.samples();
    String bc = g.batchCorrection() == null ? "none" : g.batchCorrection().toLowerCase(Locale.ROOT);
    if (!bc.equals("none") && !bc.equals("combat")) {
      throw new BadInputException("--batch-correction must be none or combat, not '" + g.batchCorrection() + "'");
    }
    checkColumn("--group", g.groupColumn());
    if (bc.equals("combat")) checkColumn("--batch-column", g.batchColumn());
    double prior = a.mirna().priorCount();
    if (!(prior > 0)) throw new BadInputException("--prior-count must be positive, not " + prior);
    if (g.minPerGroup() < 0) {
      throw new BadInputException(GroupSizes.MIN_KEY + " must be 0 or more, not " + g.minPerGroup());
    }
    return new Checked(modality, method, bc.equals("combat"));
  }

  /**
   * The samples that pass QC (QC statuses as of the pinned versions, not whatever a concurrent qc or ingest
   * committed since), checked: at least two, and no group QC shrank below the minimum (the group feeds
   * filterByExpr, whose smallest group sets the filter's sample size, and ComBat's model).
   */
  private static Selected select(RunScope s, Args a, Checked o, List<String> cohorts) {
    Args.Samples g = a.samples();
    Dataset<Row> flagged;
    long n = 0;
    GroupSizes sizes;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "select samples")) {
      // one read of samples and sample_qc: every sample of the cohorts with its group, batch and whether QC keeps
      // it (cached); the group sizes before and after QC from one aggregation of it, the samples used filtered
      // from the same cache
      Dataset<Row> rows = QcSelection.withStatusColumns(s.reader(), cohorts, List.of(
          col(g.groupColumn()).cast("string"), col(o.combat() ? g.batchColumn() : "batch").cast("string")));
      flagged = rows.select(col("cohort"), col("sample_id"), col("c0").as("grp"), col("c1").as("batch"),
          QcSelection.usableColumn(g.includeFailed()).as("use")).cache();
      Map<String, long[]> byGroup = new HashMap<>(); // group -> {kept, all}; a sample without a group is in n only
      Set<String> seen = new HashSet<>();
      for (Row r : flagged.groupBy("cohort", "grp", "use").count().collectAsList()) {
        seen.add(r.getString(0));
        long c = r.getLong(3);
        boolean used = r.getBoolean(2);
        if (used) n += c;
        if (r.isNullAt(1)) continue;
        long[] kt = byGroup.computeIfAbsent(r.getString(1), k -> new long[2]);
        if (used) kt[0] += c;
        kt[1] += c;
      }
      try {
        s.confirmCohorts(a.cohorts(), seen);
      } catch (RuntimeException e) {
        flagged.unpersist();
        throw e;
      }
      sizes = GroupSizes.of(byGroup, g.groupColumn(), cohorts, g.includeFailed());
      GroupSizes z = sizes;
      st.done("{} of {} samples pass QC (or were not checked){}; per {} (kept of all): {}", n, n + z.excluded(),
          g.includeFailed() ? " (--include-failed)" : "", g.groupColumn(),
          z.groups().stream().map(x -> x + " " + z.kept(x) + "/" + z.total(x)).toList());
    }
    if (n < 2) {
      flagged.unpersist();
      throw new BadInputException("normalize: only " + n + " sample(s) left in " + sizes.cohortLabel()
          + " after QC: nothing to normalise; " + sizes.qcHint(List.of(), 2));
    }
    List<String> short_ = sizes.below(g.minPerGroup());
    if (!short_.isEmpty()) {
      flagged.unpersist();
      throw new BadInputException(sizes.tooFew("normalize", short_, g.minPerGroup()));
    }
    return new Selected(flagged.filter(col("use")).drop("use"), n, flagged);
  }

  /** miR counts: factors and log-CPM, optional ComBat; writes mirna_expression and the per-sample figures. */
  private static void mirna(RunScope s, Args a, Checked o, List<String> cohorts, Selected sel, Written w) {
    SparkSession spark = s.spark();
    SampleMatrix counts;
    // the count vectors ingest wrote (ADR 2); the long rows only for a lake written before them
    Lake pinned = s.reader();
    CountVectors.Index index = CountVectors.Index.of(pinned);
    String read = CountVectors.source(pinned, cohorts, JOB, index);
    try (Stage st = Stage.start(LOG, spark, JOB, "miR sample vectors")) {
      counts = read.equals(CountVectors.READ_VECTORS)
          ? CountVectors.matrix(spark, s.read(Tables.MIRNA_COUNT_VECTORS), index.features(), sel.meta(), cohorts,
              sel.n())
          : SampleMatrix.build(spark, valuesOf(s, Tables.MIRNA_COUNTS, "count", cohorts, sel.meta()), sel.meta(),
              0.0);
      st.done("{} features, read from {}", counts.features.length, read.equals(CountVectors.READ_VECTORS)
          ? Tables.MIRNA_COUNT_VECTORS.name() : Tables.MIRNA_COUNTS.name());
    }
    if (counts.features.length == 0) {
      if (o.modality().equals("mirna")) throw new BadInputException("no miR counts for " + cohorts);
      return;
    }
    MirnaNormalizer.Result r;
    try (Stage st = Stage.start(LOG, spark, JOB, "miR factors and log-CPM")) {
      r = MirnaNormalizer.normalize(spark, counts, o.method(), a.mirna().priorCount(), a.mirna().filter());
      st.done("{} of {} miRs kept, method {}, reference sample {}", r.featuresKept(), r.featuresIn(), o.method(),
          r.referenceSample());
    }
    w.summary().put("mirna", r.featuresKept() + " of " + r.featuresIn() + " miRs kept; " + r.scale());
    w.read().put("mirna_counts_read", read);
    SampleMatrix out = o.combat() ? combat(spark, r.logCpm(), "miR ComBat") : r.logCpm();
    String scale = r.scale() + combatLabel(a, o);
    try (Stage st = Stage.start(LOG, spark, JOB, "write mirna_matrix")) {
      Matrices.Matrix m = MatrixWrite.of(spark, out, r.perSample(), Modality.MIRNA, false, 0L, scale, s.id(),
          MatrixWrite.blockSize());
      long n = Parallel.beside(() -> s.append(Tables.SAMPLE_NORMALIZATION, perSample(s, "mirna", r.perSample(),
          col("library_size"), col("norm_factor"), nullDouble())),
          () -> write(s, Modality.MIRNA, m, cohorts, w, out.features.length));
      st.done("{} values", n);
    }
    out.unpersist();
    r.release().run();
    r.perSample().unpersist();
  }

  /** Protein intensities: log2, centring, quantile, optional ComBat; writes protein_expression and the medians. */
  private static void protein(RunScope s, Args a, Checked o, List<String> cohorts, Selected sel, Written w) {
    SparkSession spark = s.spark();
    Dataset<Row> values = valuesOf(s, Tables.PROTEIN_ABUNDANCE, "intensity", cohorts, sel.meta());
    SampleMatrix linear = SampleMatrix.build(spark, values, sel.meta(), Double.NaN);
    if (linear.features.length == 0) {
      if (o.modality().equals("protein")) throw new BadInputException("no protein intensities for " + cohorts);
      return;
    }
    Args.Protein p = a.protein();
    ProteinNormalizer.Result r;
    try (Stage st = Stage.start(LOG, spark, JOB, "protein log2 / centring / quantile")) {
      r = ProteinNormalizer.normalize(spark, linear, p.center(), p.quantile());
      st.done("{} proteins", linear.features.length);
    }
    SampleMatrix out = o.combat() ? combat(spark, r.values(), "protein ComBat") : r.values();
    String scale = r.scale() + combatLabel(a, o)
        + (p.impute() ? ", imputed(down-shifted normal 1.8/0.3, seed " + p.seed() + ")" : "");
    w.summary().put("protein", linear.features.length + " proteins; " + scale);
    try (Stage st = Stage.start(LOG, spark, JOB, "write protein_matrix")) {
      Matrices.Matrix m = MatrixWrite.of(spark, out, r.perSample(), Modality.PROTEIN, p.impute(), p.seed(), scale,
          s.id(), MatrixWrite.blockSize());
      // the per-sample medians of the log2 intensities before centring (what centring subtracts)
      long n = Parallel.beside(() -> s.append(Tables.SAMPLE_NORMALIZATION, perSample(s, "protein", r.perSample(),
          nullDouble(), nullDouble(), col("sample_median"))),
          () -> write(s, Modality.PROTEIN, m, cohorts, w, out.features.length));
      st.done("{} values", n);
    }
    out.unpersist();
    linear.unpersist();
    r.perSample().unpersist();
  }

  /**
   * Replaces the cohorts' partitions of a modality's matrix and sample index (one commit each; the scope restores
   * both if anything later fails). Returns the number of values written: features x samples.
   */
  private static long write(RunScope s, Modality mod, Matrices.Matrix m, List<String> cohorts, Written w,
      int features) {
    Commit[] idx = new Commit[1];
    Parallel.beside(() -> idx[0] = s.replaceCohortsMergingSchema(mod.samples(), m.samples(), cohorts),
        () -> s.replaceCohorts(mod.matrix(), m.rows(), cohorts));
    long samples = 0;
    for (Row r : m.samples().collectAsList()) samples += r.getList(2).size(); // one small row per block
    long values = samples * features;
    w.rows().put(mod.view(), values);
    LOG.debug("{}: {} sample blocks", mod.samples().name(), idx[0].rowsWritten());
    return values;
  }


  /** Per-sample figures as rows of sample_normalization. */
  private static Dataset<Row> perSample(RunScope s, String modality, Dataset<Row> perSample, Column librarySize,
      Column normFactor, Column median) {
    return perSample.select(lit(s.id()).as("norm_run_id"), lit(modality).as("modality"), col("cohort"),
        col("sample_id"), librarySize.as("library_size"), normFactor.as("norm_factor"), median.as("sample_median"));
  }

  private static Column nullDouble() {
    return lit(null).cast("double");
  }

  private static String combatLabel(Args a, Checked o) {
    return o.combat() ? ", ComBat(" + a.samples().batchColumn() + ", protect " + a.samples().groupColumn() + ")"
        : "";
  }

  /** ComBat on a matrix; the input is freed once the adjusted values are materialised. */
  private static SampleMatrix combat(SparkSession spark, SampleMatrix in, String label) {
    try (Stage s = Stage.start(LOG, spark, JOB, label)) {
      ComBatStep.Result cb = ComBatStep.adjust(spark, in, false);
      cb.adjusted().rows.count();
      in.unpersist();
      s.done("{} batches, {} features adjusted", cb.batches(), cb.featuresAdjusted());
      return cb.adjusted();
    }
  }

  /** The long values (cohort, sample_id, feature, value) of the selected samples, at the pinned version. */
  private static Dataset<Row> valuesOf(RunScope s, TableDef t, String valueColumn, List<String> cohorts,
      Dataset<Row> meta) {
    return s.read(t)
        .filter(col("cohort").isin(cohorts.toArray()))
        .join(broadcast(meta.select("cohort", "sample_id")), CollectionConverters.asScala(
            List.of("cohort", "sample_id")).toList())
        .select(col("cohort"), col("sample_id"), col("feature"), col(valueColumn).as("value"));
  }

  private static Map<String, String> parameters(Args a, Checked o, List<String> cohorts, long samples) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("cohorts", String.join(",", cohorts));
    params.put("modality", o.modality());
    params.put("method", o.method().name().toLowerCase(Locale.ROOT));
    params.put("prior_count", String.valueOf(a.mirna().priorCount()));
    params.put("filter", String.valueOf(a.mirna().filter()));
    params.put("group", a.samples().groupColumn());
    params.put("include_failed", String.valueOf(a.samples().includeFailed()));
    params.put("protein_center", String.valueOf(a.protein().center()));
    params.put("protein_quantile", String.valueOf(a.protein().quantile()));
    params.put("impute", String.valueOf(a.protein().impute()));
    params.put("seed", String.valueOf(a.protein().seed()));
    params.put("batch_correction", o.combat() ? "combat" : "none");
    params.put("batch_column", a.samples().batchColumn());
    params.put("samples", String.valueOf(samples));
    return params;
  }

  private static void checkColumn(String option, String c) {
    if (c == null || !SAMPLE_COLUMNS.contains(c)) {
      throw new BadInputException(option + " '" + c + "' is not a samples column (one of "
          + String.join(", ", new java.util.TreeSet<>(SAMPLE_COLUMNS)) + ")");
    }
  }
}
