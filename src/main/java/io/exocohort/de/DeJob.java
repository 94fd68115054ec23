package io.exocohort.de;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.catalog.Views;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Parallel;
import io.exocohort.common.Stage;
import io.exocohort.de.kernel.BlockedModel;
import io.exocohort.de.kernel.FeatureSums;
import io.exocohort.de.kernel.Voom;
import io.exocohort.deconv.EvFractions;
import io.exocohort.normalize.GroupSizes;
import io.exocohort.qc.QcSelection;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code de}: differential expression of the normalised miR and protein values between cancer types, for the
 * samples that pass QC. Per (modality, contrast, feature): limma's moderated t (lmFit on {@code ~0 + group +
 * covariates} from per-feature sufficient statistics, contrasts.fit, eBayes), Welch's t, the Wilcoxon rank-sum
 * (Mann-Whitney U) test with AUC; across all groups Kruskal-Wallis and one-way ANOVA. Runs in a {@link RunScope}:
 * every input is read at the Delta version recorded in {@code de_runs} and {@code job_runs}; results are appended
 * to {@code de_results}. Every check happens before the first write; a failed run's writes are restored.
 */
public final class DeJob {
  private static final Logger LOG = LoggerFactory.getLogger(DeJob.class);
  private static final String JOB = "de";

  /**
   * Options of a de run: where, which cohorts (empty: all) and modality (mirna, protein or all), what to fit, which
   * samples, and the run id (null: generated). Build with {@link #defaults} and the {@code with} copies.
   */
  public record Args(String lake, String database, List<String> cohorts, String modality, Model model,
      Samples samples, String runId) {

    /**
     * What is fitted: contrasts {@code a_vs_b} (empty: the defaults), covariates (samples columns),
     * eBayes(trend), a log2 fold-change threshold for limma's {@code treat} (0: none; above 0, each contrast
     * also gets {@code treat} rows testing |logFC| &gt; the threshold), and the miR precision weights of the
     * moderated t: {@code voom} or {@code none} (null: voom where the miR matrix is the log-CPM of counts, else none
     * with a warning). Protein values are never weighted. {@code block}: the samples column (or manifest column
     * kept in {@code extra}) naming each sample's subject, for limma's duplicateCorrelation and a blocked fit (null:
     * none); {@code factor}: a column whose values split each group into cells {@code <group>.<value>}, e.g.
     * {@code timepoint} for {@code glioblastoma.post_vs_glioblastoma.pre} (null: none). {@code methods}: the
     * methods to compute (null or empty: every one; {@link DeMethods}).
     */
    public record Model(List<String> contrasts, List<String> covariates, boolean trend, double lfcThreshold,
        String weights, String block, String factor, List<String> methods) {
      public Model(List<String> contrasts, List<String> covariates, boolean trend) {
        this(contrasts, covariates, trend, 0, null, null, null, null);
      }

      public Model(List<String> contrasts, List<String> covariates, boolean trend, double lfcThreshold) {
        this(contrasts, covariates, trend, lfcThreshold, null, null, null, null);
      }

      public Model(List<String> contrasts, List<String> covariates, boolean trend, double lfcThreshold,
          String weights) {
        this(contrasts, covariates, trend, lfcThreshold, weights, null, null, null);
      }

      public Model(List<String> contrasts, List<String> covariates, boolean trend, double lfcThreshold,
          String weights, String block, String factor) {
        this(contrasts, covariates, trend, lfcThreshold, weights, block, factor, null);
      }

      /** The same model with these miR weights ({@code voom}, {@code none}; null: the default). */
      public Model withWeights(String w) {
        return new Model(contrasts, covariates, trend, lfcThreshold, w, block, factor, methods);
      }

      /** The same model blocked by this column (null: not blocked). */
      public Model withBlock(String b) {
        return new Model(contrasts, covariates, trend, lfcThreshold, weights, b, factor, methods);
      }

      /** The same model with groups split by this column's values (null: not split). */
      public Model withFactor(String f) {
        return new Model(contrasts, covariates, trend, lfcThreshold, weights, block, f, methods);
      }

      /** The same model computing only these methods (null or empty: every one). */
      public Model withMethods(List<String> ms) {
        return new Model(contrasts, covariates, trend, lfcThreshold, weights, block, factor, ms);
      }

      public static Model defaults() {
        return new Model(List.of(), List.of(), false);
      }
    }

    /**
     * Which samples: also those that failed QC or not, and the fewest samples a compared group may have
     * ({@code exocohort.min.samples.per.group}; never below 2).
     */
    public record Samples(boolean includeFailed, int minPerGroup) {
      public static Samples defaults() {
        return new Samples(false, GroupSizes.MIN_DEFAULT);
      }
    }

    public static Args defaults(String lake) {
      return new Args(lake, "exocohort", List.of(), "all", Model.defaults(), Samples.defaults(), null);
    }

    public Args withDatabase(String db) {
      return new Args(lake, db, cohorts, modality, model, samples, runId);
    }

    public Args withCohorts(List<String> cs) {
      return new Args(lake, database, cs, modality, model, samples, runId);
    }

    public Args withModality(String m) {
      return new Args(lake, database, cohorts, m, model, samples, runId);
    }

    public Args withModel(Model m) {
      return new Args(lake, database, cohorts, modality, m, samples, runId);
    }

    public Args withSamples(Samples s) {
      return new Args(lake, database, cohorts, modality, model, s, runId);
    }

    public Args withRunId(String id) {
      return new Args(lake, database, cohorts, modality, model, samples, id);
    }
  }

  /**
   * What a run did: results per modality, samples with values per modality and group, the contrasts computed per
   * modality, and warnings (default contrasts dropped and why), each one line.
   */
  public record Result(String runId, Map<String, Long> rowsWritten, Map<String, Long> sampleCounts,
      Map<String, List<String>> contrasts, List<String> warnings) {}

  /** The results of every modality, before anything is written. */
  private record Analysis(List<Row> rows, Map<String, Long> sampleCounts, Map<String, Long> rowsPerModality,
      Map<String, List<String>> contrasts, Map<String, String> designs, Map<String, String> weights,
      Map<String, Double> correlations) {
    Analysis() {
      this(new ArrayList<>(), new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>(),
          new LinkedHashMap<>(), new LinkedHashMap<>(), new LinkedHashMap<>());
    }
  }

  private DeJob() {}

  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    String modality = a.modality() == null ? "all" : a.modality().toLowerCase(Locale.ROOT);
    if (!List.of("mirna", "protein", "all").contains(modality)) {
      throw new BadInputException("--modality must be mirna, protein or all, not '" + a.modality() + "'");
    }
    double lfc = a.model().lfcThreshold();
    if (!(lfc >= 0) || Double.isInfinite(lfc)) {
      throw new BadInputException("--lfc-threshold must be a log2 fold change of 0 or more (e.g. 0.58 for 1.5-fold), "
          + "not " + lfc);
    }
    String weights = a.model().weights() == null ? null : a.model().weights().trim().toLowerCase(Locale.ROOT);
    if (weights != null && !weights.equals("voom") && !weights.equals("none")) {
      throw new BadInputException("--weights must be voom or none, not '" + a.model().weights() + "'");
    }
    if ("voom".equals(weights) && modality.equals("protein")) {
      throw new BadInputException("--weights voom is for miR counts: protein values are not weighted (use "
          + "--modality mirna or all, or --weights none)");
    }
    DeMethods methods = DeMethods.of(a.model().methods(), lfc);
    if (!methods.limma()) {
      // what only changes limma's model: refused rather than silently ignored (the other tests do not adjust for
      // covariates)
      boolean covariates = a.model().covariates() != null && a.model().covariates().stream().anyMatch(c -> !c.isBlank());
      String limmaOnly = weights != null ? "--weights" : a.model().block() != null ? "--block"
          : a.model().trend() ? "--trend" : covariates ? "--covariates" : null;
      if (limmaOnly != null) {
        throw new BadInputException(limmaOnly + " is for limma's moderated t and treat: --methods " + methods.label()
            + " has neither");
      }
    }
    String factor = a.model().factor();
    if (factor != null && DeDesign.names(a.model().contrasts()).isEmpty()) {
      throw new BadInputException("--factor " + factor + " needs --contrasts naming its cells, e.g. "
          + "glioblastoma.post_vs_glioblastoma.pre");
    }
    List<String> covariates = covariates(a.model().covariates());
    s.pin(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX,
        Tables.PROTEIN_MATRIX_SAMPLES, Tables.SAMPLE_NORMALIZATION);
    // requested cohorts are confirmed by the design's read of samples (inputs)
    List<String> cohorts = s.cohortsToConfirm(a.cohorts());
    List<String> modalities = new ArrayList<>();
    if (!modality.equals("protein") && s.has(Tables.MIRNA_MATRIX)) modalities.add("mirna");
    if (!modality.equals("mirna") && s.has(Tables.PROTEIN_MATRIX)) modalities.add("protein");
    if (modalities.isEmpty()) {
      throw new BadInputException("no " + (modality.equals("all") ? "mirna_matrix or protein_matrix"
          : modality + "_matrix") + " in " + a.lake() + ": run normalize first");
    }
    List<String> warnings = new ArrayList<>();
    Map<String, String> evRuns = new java.util.HashMap<>();
    DeDesign.Selection sel;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "select samples and design")) {
      sel = DeDesign.fromSamples(inputs(s, a, cohorts, covariates, warnings, evRuns), a.model().contrasts());
      sel.design().checkBlocks(a.model().block());
      st.done("{} samples, design {}{}", sel.in().samples().size(), String.join(" + ", sel.design().columns),
          a.model().block() == null ? "" : ", " + sel.design().blocks() + " blocks of " + a.model().block());
    }
    for (String w : sel.warnings()) warn(warnings, w);
    // the tables of a first run are created beside the passes (after the selection's checks: a run on bad input
    // creates none)
    s.prepareWrites(Tables.DE_RESULTS, Tables.DE_RUNS, Tables.MARKER_ANNOTATIONS);
    Analysis an = new Analysis();
    for (String m : modalities) analyse(s, a, methods, m, modality.equals("all"), cohorts, sel, an, warnings);
    if (an.rows().isEmpty()) {
      throw new BadInputException(warnings.isEmpty() ? "no expression values for the samples of " + cohorts
          : warnings.get(warnings.size() - 1));
    }
    Map<String, String> params = parameters(a, methods, modality, cohorts, covariates, sel, an, warnings);
    if (!evRuns.isEmpty()) {
      params.put("ev_origin_runs", String.join(",", new java.util.TreeSet<>(
          sel.used().stream().map(x -> evRuns.get(x.key())).toList())));
    }
    write(s, an, params, methods.has("treat"));
    s.succeeded(params, "results per modality " + an.rowsPerModality());
    return new Result(s.id(), an.rowsPerModality(), an.sampleCounts(), an.contrasts(), warnings);
  }

  /** The covariates trimmed, lower-cased, without empties and repeats, each checked. */
  private static List<String> covariates(List<String> given) {
    List<String> covariates = new ArrayList<>();
    for (String c : given == null ? List.<String>of() : given) {
      String t = c.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty() || covariates.contains(t)) continue;
      DeDesign.checkCovariate(t);
      covariates.add(t);
    }
    return covariates;
  }

  /**
   * The usable samples (one small record per sample on the driver; QC statuses as of the pinned versions, not
   * whatever a concurrent qc or ingest committed since), the samples per group before QC (one row per group) to
   * say what QC excluded, and the benign and premalignant groups by the category each sample was ingested with.
   * With the covariate {@code tumour_ev_fraction}, each sample's fraction from its latest deconvolve run
   * ({@link EvFractions}, {@code ev_origin} pinned): a usable sample without one is left out of the design (one
   * warning with the count), and {@code evRuns} gets the deconvolve run of each sample kept.
   */
  private static DeDesign.Inputs inputs(RunScope s, Args a, List<String> cohorts, List<String> covariates,
      List<String> warnings, Map<String, String> evRuns) {
    boolean includeFailed = a.samples().includeFailed();
    // one query: every sample of the cohorts with its latest QC status, group, category, covariates and, when
    // asked, block and factor (one small row per sample, failed ones included: they count in the group sizes before
    // QC); the design's samples, the group sizes and the non-cancer groups are then counted here
    List<String> columns = List.of(s.read(Tables.SAMPLES).columns());
    boolean hasCategory = columns.contains("category");
    String block = a.model().block();
    String factor = a.model().factor();
    List<Column> extra = new ArrayList<>(List.of(col("cancer_type"), col(hasCategory ? "category" : "cancer_type")));
    int evAt = covariates.indexOf(EvFractions.TUMOUR_EV_FRACTION);
    Map<String, Row> fractions = evAt < 0 ? Map.of() : fractions(s, cohorts);
    for (String c : covariates) extra.add(c.equals(EvFractions.TUMOUR_EV_FRACTION) ? lit(null) : col(c));
    extra.add(block == null ? lit(null).cast("string") : samplesColumn(columns, block, "--block"));
    extra.add(factor == null ? lit(null).cast("string") : samplesColumn(columns, factor, "--factor"));
    List<DeDesign.Sample> used = new ArrayList<>();
    Map<String, long[]> counts = new TreeMap<>();
    Map<String, String[]> groupCategories = new TreeMap<>();
    int nc = covariates.size();
    int status = 6 + nc;
    long noBlock = 0;
    long noFactor = 0;
    long noFraction = 0;
    Set<String> seen = new java.util.HashSet<>();
    for (Row r : QcSelection.withStatusColumns(s.reader(), cohorts, extra).collectAsList()) {
      seen.add(r.getString(0));
      String group = r.getString(2);
      String category = hasCategory && !r.isNullAt(3) ? r.getString(3) : null;
      groupCategories.putIfAbsent(group + "\u0000" + category, new String[] {group, category});
      if (factor != null) {
        if (r.isNullAt(5 + nc) || r.getString(5 + nc).isBlank()) {
          noFactor++;
          continue;
        }
        group = group + "." + r.getString(5 + nc).trim().toLowerCase(Locale.ROOT);
      }
      long[] c = counts.computeIfAbsent(group, k -> new long[2]);
      c[1]++;
      if (!QcSelection.isUsable(r.isNullAt(status) ? null : r.getString(status), includeFailed)) continue;
      String b = null;
      if (block != null) {
        if (r.isNullAt(4 + nc) || r.getString(4 + nc).isBlank()) {
          noBlock++;
          continue;
        }
        b = r.getString(4 + nc);
      }
      Object[] cv = new Object[nc];
      for (int i = 0; i < cv.length; i++) cv[i] = r.get(4 + i);
      String key = DeDesign.key(r.getString(0), r.getString(1));
      if (evAt >= 0) {
        Row f = fractions.get(key);
        if (f == null || f.isNullAt(2)) {
          noFraction++;
          continue;
        }
        cv[evAt] = f.getDouble(2);
        evRuns.put(key, f.getString(3));
      }
      used.add(new DeDesign.Sample(key, group, cv, b));
      c[0]++;
    }
    s.confirmCohorts(a.cohorts(), seen);
    if (noFactor > 0) {
      warn(warnings, "de: " + noFactor + " sample(s) without a value of " + factor + " are not in the design");
    }
    if (noBlock > 0) warn(warnings, "de: " + noBlock + " sample(s) without a value of " + block + " are not fitted");
    if (evAt >= 0 && evRuns.isEmpty()) {
      throw new BadInputException("--covariates " + EvFractions.TUMOUR_EV_FRACTION + ": no usable sample of "
          + String.join(", ", cohorts) + " has a tumour-EV fraction (" + (s.has(Tables.EV_ORIGIN)
          ? "ev_origin covers none of them" : "the lake has no ev_origin") + "): run deconvolve first");
    }
    if (noFraction > 0) {
      warn(warnings, "de: " + noFraction + " sample(s) without a " + EvFractions.TUMOUR_EV_FRACTION
          + " (no deconvolve run covered them) are not in the design");
    }
    GroupSizes sizes = GroupSizes.of(counts, factor == null ? "cancer_type" : "cancer_type." + factor, cohorts,
        includeFailed);
    Set<String> nonCancer = hasCategory ? io.exocohort.ingest.CancerTypes.nonCancerGroups(groupCategories.values())
        : io.exocohort.ingest.CancerTypes.nonCancerGroups();
    return new DeDesign.Inputs(used, sizes, covariates, Math.max(2, a.samples().minPerGroup()), nonCancer);
  }

  /**
   * The tumour-EV fraction of the cohorts' samples by sample key: (cohort, sample_id, fraction, deconvolve run) of
   * each sample's latest deconvolve run, from {@code ev_origin} at its pinned version (one small row per sample on
   * the driver, as the samples themselves).
   */
  private static Map<String, Row> fractions(RunScope s, List<String> cohorts) {
    s.pin(Tables.EV_ORIGIN);
    Map<String, Row> out = new java.util.HashMap<>();
    for (Row r : EvFractions.latest(s.reader(), cohorts).collectAsList()) {
      out.put(DeDesign.key(r.getString(0), r.getString(1)), r);
    }
    return out;
  }

  /**
   * A samples column by name, or a manifest column ingest kept in {@code extra} (e.g. timepoint), as a string;
   * refused when it is neither a column nor a name a column could have.
   */
  private static Column samplesColumn(List<String> columns, String name, String option) {
    if (columns.contains(name)) return col(name).cast("string");
    if (!name.matches("[a-z][a-z0-9_]{0,63}")) {
      throw new BadInputException(option + " must name a samples column or a manifest column (lower case), not '"
          + name + "'");
    }
    return col("extra").getItem(name);
  }

  /**
   * One modality: its pass, its design without thin groups (default contrasts), its checks, models and tests;
   * for miRs with voom weights a second, weighted pass (voom's mean-variance trend from the first pass's fits).
   */
  private static void analyse(RunScope s, Args a, DeMethods methods, String m, boolean all, List<String> cohorts,
      DeDesign.Selection sel, Analysis an, List<String> warnings) {
    SparkSession spark = s.spark();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // the matrix rows and their sample index (one small row per block); the design's samples are picked inside
    // the pass (a broadcast index per block), so no join here
    Modality mod = Modality.of(m);
    DeStats.Source matrix = new DeStats.Source(s.read(mod.matrix()).filter(col("cohort").isin(cohorts.toArray())),
        s.read(mod.samples()).filter(col("cohort").isin(cohorts.toArray())));
    DeDesign md = sel.design();
    List<DeDesign.Contrast> mc = sel.contrasts();
    String asked = a.model().weights() == null ? null : a.model().weights().trim().toLowerCase(Locale.ROOT);
    VoomInputs voom = null;
    if (!mod.protein() && !"none".equals(asked) && methods.limma()) {
      try (Stage st = Stage.start(LOG, spark, JOB, m + " voom inputs")) {
        voom = VoomInputs.of(s, matrix);
        st.done(voom.unusable() == null ? "library sizes of {} samples" : "unusable: {}",
            voom.unusable() == null ? voom.bySample().size() : voom.unusable());
      }
      if (voom.unusable() != null) {
        if ("voom".equals(asked)) throw new BadInputException("--weights voom: " + voom.unusable());
        warn(warnings, "mirna: no voom weights (" + voom.unusable() + "); the moderated t is unweighted "
            + "(--weights none to choose it)");
        voom = null;
      }
    }
    DeStats.VoomScale scale = voom == null ? null : voom.scale(md);
    DeStats.ByFeature stats = pass(spark, jsc, mod, matrix, md, mc, scale, methods.ranks());
    if (stats.features().length == 0) {
      if (!all) throw new BadInputException("no " + m + " values for the samples of " + cohorts);
      return;
    }
    DeDesign.Fit fit = DeDesign.withoutThinGroups(sel, m, stats.sums().groupSamples, !all);
    if (fit != null) {
      warn(warnings, fit.warning());
      if (fit.contrasts().isEmpty()) return;
      md = fit.design();
      mc = fit.contrasts();
      scale = voom == null ? null : voom.scale(md);
      stats = pass(spark, jsc, mod, matrix, md, mc, scale, methods.ranks());
    }
    DeStats.Sums sums = stats.sums();
    for (int g = 0; g < md.groups.length; g++) an.sampleCounts().put(m + "." + md.groups[g], sums.groupSamples[g]);
    DeDesign.checkFit(sel.in(), m, md, mc, sums.groupSamples);
    String[] features = stats.features();
    DeResults.LmInput lm = md.blocks() == 0 || !methods.limma() ? null
        : blocked(spark, jsc, m, matrix, md, mc, stats, scale, a.model().block(), an, warnings);
    if (lm == null && voom != null) {
      DeResults.Fits ols = DeResults.fit(m, md, mc, DeResults.lmInput(m, features, md, sums, stats.voomSums(), false));
      Voom trend = voomTrend(spark, m, "", ols, stats, scale, warnings);
      DeStats.Sums w = trend == null ? null
          : weighted(spark, jsc, m, "", matrix, md, scale, features, coefficients(ols, md.p()), trend).sums();
      lm = DeResults.lmInput(m, features, md, sums, w == null ? stats.voomSums() : w, w != null);
    } else if (lm == null && methods.limma()) {
      lm = DeResults.lmInput(m, features, md, sums, sums, false);
    }
    if (methods.limma()) an.weights().put(m, voom == null ? "none" : "voom");
    List<DeResults.Result> res;
    try (Stage st = Stage.start(LOG, spark, JOB, m + " models and tests")) {
      res = DeResults.analyse(m, features, md, mc, sums, lm, stats.ranks(), a.model().trend(),
          a.model().lfcThreshold(), methods);
      st.done("{} results", res.size());
    }
    for (DeResults.Result r : res) an.rows().add(r.toRow(s.id(), m));
    an.rowsPerModality().put(m, (long) res.size());
    an.contrasts().put(m, mc.stream().map(DeDesign.Contrast::name).toList());
    an.designs().put(m, String.join(" + ", md.columns));
  }

  /**
   * The blocked fit ({@code --block}): limma's duplicateCorrelation and lmFit(block, correlation) from the per-feature
   * sums by block size. Without voom: the first pass's sums of the stored values give each feature's REML
   * correlation, their consensus, then each feature's generalised least squares; one pass. With voom, limma's two
   * rounds: voom on the unweighted fit, duplicateCorrelation with those weights (a weighted pass), voom again on the
   * blocked unweighted fit, duplicateCorrelation with the new weights and the final weighted blocked fit (a second
   * weighted pass). Null when limma's correlation is 0 (the blocks are in the design): the unblocked fit then.
   */
  private static DeResults.LmInput blocked(SparkSession spark, JavaSparkContext jsc, String m, DeStats.Source matrix,
      DeDesign md, List<DeDesign.Contrast> mc, DeStats.ByFeature stats,
      DeStats.VoomScale scale, String column, Analysis an, List<String> warnings) {
    String[] features = stats.features();
    int maxBlock = maxBlock(md, stats.present());
    BlockedModel.Sums[] first = stats.blockSums();
    // limma's cases of no correlation to estimate (blocks already encoded in the design): correlation 0, a warning
    List<String> keys = new ArrayList<>(md.rows.keySet());
    double[][] rows = new double[stats.present().cardinality()][];
    int[] ids = new int[rows.length];
    int k = 0;
    for (int i = stats.present().nextSetBit(0); i >= 0; i = stats.present().nextSetBit(i + 1), k++) {
      rows[k] = md.rows.get(keys.get(i));
      ids[k] = md.blockOf.get(keys.get(i));
    }
    BlockedModel.ZeroCase zero = BlockedModel.zeroCase(rows, ids);
    if (zero != BlockedModel.ZeroCase.NONE) {
      warn(warnings, m + ": --block " + column + ": " + zero.warning());
      an.correlations().put(m, 0.0);
      return null;
    }
    if (scale == null) {
      double rho = consensus(spark, m, "", first, maxBlock, column, an);
      return glsInput(md, stats.present(), first, rho);
    }
    DeStats.Sums sums = stats.sums();
    DeResults.Fits ols = DeResults.fit(m, md, mc, DeResults.lmInput(m, features, md, sums, stats.voomSums(), false));
    Voom trend1 = voomTrend(spark, m, " (round 1)", ols, stats, scale, warnings);
    double rho1 = trend1 == null ? consensus(spark, m, "", first, maxBlock, column, an)
        : consensus(spark, m, " (round 1)", weighted(spark, jsc, m, " (round 1)", matrix, md, scale,
            features, coefficients(ols, md.p()), trend1).blockSums(), maxBlock, column, an);
    DeResults.LmInput unweighted = glsInput(md, stats.present(), first, rho1);
    if (trend1 == null) return unweighted;
    DeResults.Fits gls = DeResults.fit(m, md, mc, unweighted);
    Voom trend2 = voomTrend(spark, m, " (round 2)", gls, stats, scale, warnings);
    if (trend2 == null) return unweighted;
    BlockedModel.Sums[] w2 = weighted(spark, jsc, m, " (round 2)", matrix, md, scale, features,
        coefficients(gls, md.p()), trend2).blockSums();
    double rho2 = consensus(spark, m, "", w2, maxBlock, column, an);
    return glsInput(md, stats.present(), w2, rho2);
  }

  /** The largest block over the design's samples with values (R's max(table(block))). */
  private static int maxBlock(DeDesign md, java.util.BitSet present) {
    List<String> keys = new ArrayList<>(md.rows.keySet());
    Map<Integer, Integer> size = new java.util.HashMap<>();
    int max = 0;
    for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
      max = Math.max(max, size.merge(md.blockOf.get(keys.get(i)), 1, Integer::sum));
    }
    return max;
  }

  /** duplicateCorrelation's consensus from the features' sums, logged and recorded in the run's parameters. */
  private static double consensus(SparkSession spark, String m, String round, BlockedModel.Sums[] sums,
      int maxBlock, String column, Analysis an) {
    try (Stage st = Stage.start(LOG, spark, JOB, m + " duplicateCorrelation" + round)) {
      double[] rho = BlockedModel.correlations(sums);
      int na = 0;
      for (double r : rho) if (Double.isNaN(r)) na++;
      if (na == rho.length) {
        throw new BadInputException("--block " + column + ": no " + m + " feature has the observations and blocks "
            + "to estimate a within-block correlation (duplicateCorrelation: NA for all " + rho.length + ")");
      }
      double c = BlockedModel.consensus(rho, maxBlock).correlation();
      an.correlations().put(m + round.replace(" (round ", ".round").replace(")", ""), c);
      st.done("consensus correlation {} within blocks of {} ({} features, {} skipped)", c, column, rho.length, na);
      return c;
    }
  }

  /**
   * lmFit(block, correlation) input: each feature's generalised least squares sums, and the design's X'C^-1X over
   * the samples with values (gls.series' cov.coefficients, which contrasts.fit uses).
   */
  private static DeResults.LmInput glsInput(DeDesign md, java.util.BitSet present, BlockedModel.Sums[] sums,
      double rho) {
    List<String> keys = new ArrayList<>(md.rows.keySet());
    BlockedModel.Builder b = BlockedModel.builder(md.p(), md.blocks());
    for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
      b.add(md.blockOf.get(keys.get(i)), md.rows.get(keys.get(i)), 0, 1);
    }
    double[][] designXtx = BlockedModel.glsSums(b.build(), rho).xtx();
    FeatureSums[] fs = new FeatureSums[sums.length];
    for (int i = 0; i < fs.length; i++) fs[i] = BlockedModel.glsSums(sums[i], rho);
    return new DeResults.LmInput(designXtx, fs);
  }

  /** voom's weighted pass over the matrix ({@link DeStats#weighted}), logged as a stage. */
  private static DeStats.Weighted weighted(SparkSession spark, JavaSparkContext jsc, String m, String round,
      DeStats.Source matrix, DeDesign md, DeStats.VoomScale scale, String[] features,
      double[] coefficients, Voom trend) {
    try (Stage st = Stage.start(LOG, spark, JOB, m + " voom weighted pass" + round)) {
      DeStats.Weighted w = DeStats.weighted(jsc, matrix, md, scale, features, coefficients, trend);
      st.done("weighted sums of {} features", features.length);
      return w;
    }
  }

  /** The fits' coefficients, [feature * p + j]. */
  private static double[] coefficients(DeResults.Fits fx, int p) {
    double[] coef = new double[fx.fits().length * p];
    for (int i = 0; i < fx.fits().length; i++) System.arraycopy(fx.fits()[i].coefficients(), 0, coef, i * p, p);
    return coef;
  }

  /**
   * voom's mean-variance trend from a fit of its log-CPM: the lowess of sqrt(sigma) on the average log count over
   * the features not zero in every sample. Null when fewer than two features have residual degrees of freedom
   * (voom then sets every weight to 1), with a warning.
   */
  private static Voom voomTrend(SparkSession spark, String m, String round, DeResults.Fits fx,
      DeStats.ByFeature stats, DeStats.VoomScale scale, List<String> warnings) {
    try (Stage st = Stage.start(LOG, spark, JOB, m + " voom trend" + round)) {
      int withReps = 0;
      for (double df : fx.dfResidual()) if (df > 0) withReps++;
      if (withReps < 2) {
        warn(warnings, m + ": voom: " + (withReps == 0 ? "the design has no replication" : "only one feature has "
            + "replication") + "; every weight is 1");
        st.done("no weights");
        return null;
      }
      double[] libs = new double[stats.present().cardinality()];
      int present = 0;
      for (int i = stats.present().nextSetBit(0); i >= 0; i = stats.present().nextSetBit(i + 1)) {
        libs[present++] = scale.lib()[i];
      }
      double[] sigma = new double[fx.sigma2().length];
      for (int i = 0; i < sigma.length; i++) sigma[i] = Math.sqrt(fx.sigma2()[i]);
      Voom trend = Voom.trend(fx.ave(), sigma, stats.allZero(), Voom.meanLog2LibSize(libs));
      st.done("{} features, {} samples; trend over {} features", sigma.length, present,
          sigma.length - countTrue(stats.allZero()));
      return trend;
    }
  }

  private static int countTrue(boolean[] b) {
    int n = 0;
    for (boolean x : b) if (x) n++;
    return n;
  }

  /**
   * Appends the results and the de_runs row, and loads the shipped marker annotations when they changed (the
   * de_significant view joins them); each through the run's scope, so a failure restores them.
   */
  private static void write(RunScope s, Analysis an, Map<String, String> params, boolean treat) {
    SparkSession spark = s.spark();
    // treat rows need the declared method_valid; a de_results created before treat holds an older one: put the
    // declared one in place first (metadata commits, restored with the rest if the run fails). Other runs write
    // rows the older constraint accepts, and skip the table-properties read.
    java.util.Map<String, String> outdated = treat ? s.lake().outdatedConstraints(Tables.DE_RESULTS) : Map.of();
    if (!outdated.isEmpty()) {
      s.declareConstraints(Tables.DE_RESULTS, outdated.keySet());
      LOG.warn("de_results: constraint(s) {} brought to the declared form", outdated.keySet());
    }
    // A first run on a lake has its three tables created beside its passes (run: prepareWrites); the shipped marker
    // annotations are loaded (only when they changed: a read of the newest commit file otherwise) in a second driver
    // thread beside the results, which they do not depend on; de_runs still comes after de_results.
    try (Stage st = Stage.start(LOG, spark, JOB, "write de_results")) {
      // a local relation: the rows are encoded once on the driver and shipped as compact binary rows (an RDD of
      // Row objects went through Java serialization, most of this stage's time); the markers' commit is recorded in
      // their thread, so that a failed results write restores it too
      Commit c = Parallel.beside(() -> {
        Commit m = Views.loadMarkerAnnotations(s.lake());
        if (m != null) s.wrote(m);
      }, () -> s.append(Tables.DE_RESULTS, spark.createDataFrame(an.rows(), Tables.DE_RESULTS.schema())));
      st.done("{} rows", c.rowsWritten());
    }
    Row runRow = RowFactory.create(s.id(), CollectionConverters.asScala(params),
        CollectionConverters.asScala(s.inputs()), CollectionConverters.asScala(an.sampleCounts()),
        Timestamp.from(s.started()), Timestamp.from(Instant.now()));
    s.append(Tables.DE_RUNS, spark.createDataFrame(List.of(runRow), Tables.DE_RUNS.schema()));
  }

  private static Map<String, String> parameters(Args a, DeMethods methods, String modality, List<String> cohorts,
      List<String> covariates, DeDesign.Selection sel, Analysis an, List<String> warnings) {
    Map<String, String> params = new LinkedHashMap<>();
    params.put("cohorts", String.join(",", cohorts));
    params.put("modality", modality);
    params.put("methods", methods.label());
    params.put("contrasts", String.join(",", an.contrasts().values().stream().flatMap(List::stream)
        .distinct().toList()));
    params.put("covariates", String.join(",", covariates));
    params.put("design", String.join(" + ", sel.design().columns));
    for (Map.Entry<String, String> e : an.designs().entrySet()) {
      if (!e.getValue().equals(params.get("design"))) params.put("design." + e.getKey(), e.getValue());
    }
    int min = sel.in().min();
    params.put("samples", sel.explicit() ? "the groups of the given contrasts" : "every group with at least " + min);
    params.put("min_samples_per_group", String.valueOf(min));
    if (!warnings.isEmpty()) params.put("warnings", String.join(" | ", warnings));
    params.put("trend", String.valueOf(a.model().trend()));
    params.put("lfc_threshold", String.valueOf(a.model().lfcThreshold()));
    for (Map.Entry<String, String> e : an.weights().entrySet()) params.put("weights." + e.getKey(), e.getValue());
    if (a.model().block() != null) params.put("block", a.model().block());
    if (a.model().factor() != null) params.put("factor", a.model().factor());
    for (Map.Entry<String, Double> e : an.correlations().entrySet()) {
      params.put("correlation." + e.getKey(), String.valueOf(e.getValue()));
    }
    params.put("include_failed", String.valueOf(a.samples().includeFailed()));
    return params;
  }

  /**
   * One modality's distributed pass over its matrix (sufficient statistics and rank scans) for a design and its
   * contrasts.
   */
  private static DeStats.ByFeature pass(SparkSession spark, JavaSparkContext jsc, Modality m, DeStats.Source matrix,
      DeDesign design, List<DeDesign.Contrast> contrasts, DeStats.VoomScale voom, boolean ranks) {
    try (Stage s = Stage.start(LOG, spark, JOB, m.label() + " sufficient statistics"
        + (ranks ? " and rank scans" : ""))) {
      DeStats.ByFeature stats = DeStats.byFeature(jsc, matrix, design, contrasts, m.protein(), voom, ranks);
      s.done("{} features x {} design columns, {} contrasts", stats.features().length, design.p(),
          contrasts.size());
      return stats;
    }
  }

  private static void warn(List<String> warnings, String w) {
    LOG.warn(w);
    warnings.add(w);
  }

  /** Options of {@code de top}. */
  public record TopArgs(String lake, String database, String contrast, String method, String modality, int n,
      String runId) {}

  /**
   * The top table of one run, contrast, method and modality, sorted by p-value: the run given, or the latest
   * (by end time in de_runs) when {@code runId} is null or "latest".
   */
  public static Dataset<Row> top(SparkSession spark, TopArgs a) {
    if (a.contrast() == null || a.contrast().isBlank()) throw new BadInputException("--contrast is required");
    if (a.n() < 1) throw new BadInputException("--n must be at least 1, not " + a.n());
    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.DE_RESULTS) || !lake.exists(Tables.DE_RUNS)) {
      throw new BadInputException("lake " + a.lake() + " has no de results: run de first");
    }
    String runId = a.runId();
    if (runId == null || runId.isBlank() || runId.equals("latest")) {
      List<Row> latest = lake.read(Tables.DE_RUNS).orderBy(col("ended_at").desc()).select("run_id").limit(1)
          .collectAsList();
      if (latest.isEmpty()) throw new BadInputException("lake " + a.lake() + " has no de runs");
      runId = latest.get(0).getString(0);
    }
    String method = a.method() == null ? "moderated_t" : a.method();
    String modality = a.modality() == null ? "mirna" : a.modality();
    Dataset<Row> r = lake.read(Tables.DE_RESULTS).filter(col("run_id").equalTo(runId)
        .and(col("contrast").equalTo(a.contrast())).and(col("method").equalTo(method))
        .and(col("modality").equalTo(modality)));
    if (r.isEmpty()) {
      List<String> have = lake.read(Tables.DE_RESULTS).filter(col("run_id").equalTo(runId))
          .select("modality", "contrast", "method").distinct().orderBy("modality", "contrast", "method")
          .collectAsList().stream().map(x -> x.getString(0) + "/" + x.getString(1) + "/" + x.getString(2)).toList();
      throw new BadInputException("run " + runId + " has no results for " + modality + "/" + a.contrast() + "/"
          + method + (have.isEmpty() ? "" : " (it has: " + String.join(", ", have) + ")"));
    }
    return r.orderBy(col("pvalue").asc_nulls_last(), col("feature")).limit(a.n())
        .select("feature", "n_case", "n_control", "log2fc", "ave_expr", "statistic", "df", "pvalue", "padj", "auc",
            "b", "run_id");
  }
}
