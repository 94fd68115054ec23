package io.exocohort.de;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
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
import java.util.TreeSet;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
 * (Mann-Whitney U) test with AUC; across all groups Kruskal-Wallis and one-way ANOVA. Every input is read at the
 * Delta version recorded in {@code de_runs} and {@code job_runs}; results are appended to {@code de_results}.
 * Every check happens before the first write; a failed write restores the tables.
 */
public final class DeJob {
  private static final Logger LOG = LoggerFactory.getLogger(DeJob.class);
  private static final String JOB = "de";

  /**
   * Options of a de run. {@code minPerGroup}: fewest samples a compared group may have
   * ({@code exocohort.min.samples.per.group}); never below 2.
   */
  public record Args(String lake, String database, List<String> cohorts, String modality, List<String> contrasts,
      List<String> covariates, boolean trend, boolean includeFailed, String runId, int minPerGroup) {
    /** With the default minimum of samples per group ({@link GroupSizes#MIN_DEFAULT}). */
    public Args(String lake, String database, List<String> cohorts, String modality, List<String> contrasts,
        List<String> covariates, boolean trend, boolean includeFailed, String runId) {
      this(lake, database, cohorts, modality, contrasts, covariates, trend, includeFailed, runId,
          GroupSizes.MIN_DEFAULT);
    }

    public static Args defaults(String lake) {
      return new Args(lake, "exocohort", List.of(), "all", List.of(), List.of(), false, false, null);
    }
  }

  /**
   * What a run did: results per modality, samples with values per modality and group, the contrasts computed per
   * modality, and warnings (default contrasts dropped and why), each one line.
   */
  public record Result(String runId, Map<String, Long> rowsWritten, Map<String, Long> sampleCounts,
      Map<String, List<String>> contrasts, List<String> warnings) {}

  private DeJob() {}

  public static Result run(SparkSession spark, Args a) {
    return JobRuns.track(spark, a.lake(), a.database(), JOB, a.runId(), a, run -> run(spark, a, run));
  }

  private static Result run(SparkSession spark, Args a, JobRuns.Run run) {
    Instant started = run.started();
    String modality = a.modality() == null ? "all" : a.modality().toLowerCase(Locale.ROOT);
    if (!List.of("mirna", "protein", "all").contains(modality)) {
      throw new BadInputException("--modality must be mirna, protein or all, not '" + a.modality() + "'");
    }
    List<String> covariates = new ArrayList<>();
    for (String c : a.covariates() == null ? List.<String>of() : a.covariates()) {
      String t = c.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty() || covariates.contains(t)) continue;
      DeDesign.checkCovariate(t);
      covariates.add(t);
    }
    String runId = run.id();
    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    if (!lake.exists(Tables.SAMPLES)) throw new BadInputException("lake " + a.lake() + " has no samples: ingest first");
    Map<String, Long> inputs = lake.versions(List.of(Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_EXPRESSION,
        Tables.PROTEIN_EXPRESSION));
    run.inputs(inputs);
    Dataset<Row> samplesTable = lake.readAsOf(Tables.SAMPLES, inputs.get("samples"));
    List<String> known = samplesTable.select("cohort").distinct().as(Encoders.STRING()).collectAsList();
    List<String> cohorts = a.cohorts() == null || a.cohorts().isEmpty() ? known : a.cohorts();
    for (String c : cohorts) {
      if (!known.contains(c)) throw new BadInputException("--cohort " + c + ": no such cohort in " + a.lake()
          + " (cohorts: " + String.join(", ", known) + ")");
    }
    List<String> modalities = new ArrayList<>();
    if (!modality.equals("protein") && inputs.get("mirna_expression") >= 0) modalities.add("mirna");
    if (!modality.equals("mirna") && inputs.get("protein_expression") >= 0) modalities.add("protein");
    if (modalities.isEmpty()) {
      throw new BadInputException("no " + (modality.equals("all") ? "mirna_expression or protein_expression"
          : modality + "_expression") + " in " + a.lake() + ": run normalize first");
    }

    // the samples and the design (one small record per sample on the driver)
    // QC statuses as of the recorded input versions, not whatever a concurrent qc or ingest committed since
    Dataset<Row> usable = QcSelection.usable(lake.pinned(inputs), cohorts, a.includeFailed());
    List<org.apache.spark.sql.Column> cols = new ArrayList<>(List.of(col("cohort"), col("sample_id"),
        col("cancer_type")));
    for (String c : covariates) cols.add(col(c));
    Dataset<Row> meta = samplesTable.filter(col("cohort").isin(cohorts.toArray()))
        .join(usable.select("cohort", "sample_id"), CollectionConverters.asScala(List.of("cohort", "sample_id")).toList())
        .select(cols.toArray(new org.apache.spark.sql.Column[0]));
    List<DeDesign.Sample> samples = new ArrayList<>();
    Map<String, long[]> counts = new java.util.TreeMap<>();
    for (Row r : meta.collectAsList()) {
      Object[] cv = new Object[covariates.size()];
      for (int i = 0; i < cv.length; i++) cv[i] = r.get(3 + i);
      samples.add(new DeDesign.Sample(DeDesign.key(r.getString(0), r.getString(1)), r.getString(2), cv));
      counts.computeIfAbsent(r.getString(2), k -> new long[2])[0]++;
    }
    // samples per group before QC (one row per group), to say what QC excluded
    for (Row r : samplesTable.filter(col("cohort").isin(cohorts.toArray())).groupBy("cancer_type").count()
        .collectAsList()) {
      counts.computeIfAbsent(r.getString(0), k -> new long[2])[1] = r.getLong(1);
    }
    GroupSizes sizes = GroupSizes.of(counts, "cancer_type", cohorts, a.includeFailed());
    // benign and premalignant groups, by the category each sample was ingested with (an overlay's count too)
    Set<String> nonCancer = io.exocohort.ingest.CancerTypes.nonCancerGroups(
        samplesTable.filter(col("cohort").isin(cohorts.toArray())));
    int min = Math.max(2, a.minPerGroup());
    if (samples.size() < 3) {
      throw new BadInputException("de: only " + samples.size() + " usable sample(s) in " + sizes.cohortLabel()
          + ": nothing to compare; " + sizes.qcHint(List.of(), 3));
    }
    boolean explicit = a.contrasts() != null && !DeDesign.names(a.contrasts()).isEmpty();
    List<String> warnings = new ArrayList<>();
    Set<String> usableGroups = new TreeSet<>();
    for (DeDesign.Sample s : samples) usableGroups.add(s.group());
    List<DeDesign.Sample> used;
    if (explicit) {
      // only the groups the contrasts compare: their samples are the fit (limma users fit the named groups), so
      // a group nobody asked about cannot block the run
      Set<String> needed = neededGroups(DeDesign.names(a.contrasts()), usableGroups, sizes, min, nonCancer);
      used = samples.stream().filter(s -> needed.contains(s.group())).toList();
    } else {
      // default contrasts: a group QC left below the minimum is left out, and the contrasts it would be in are
      // named in a warning (or, when none is left, the run stops)
      List<String> short_ = sizes.below(min);
      used = samples.stream().filter(s -> !short_.contains(s.group())).toList();
    }
    DeDesign design = DeDesign.build(used, covariates, nonCancer);
    List<DeDesign.Contrast> contrasts = design.contrasts(a.contrasts());
    if (!explicit) {
      // what the defaults would be with every group of the cohorts and a healthy group (so that "no healthy
      // samples" is said, not silently skipped)
      Set<String> all = new TreeSet<>(sizes.groups());
      all.add(io.exocohort.ingest.CancerTypes.HEALTHY);
      String why = dropped(DeDesign.defaultNames(all, nonCancer), contrasts, sizes, min, null, nonCancer);
      if (why != null && contrasts.isEmpty()) {
        throw new BadInputException("de: no contrast can be computed in " + sizes.cohortLabel() + ": " + why);
      }
      if (why != null) warn(warnings, "de: dropped contrasts " + why);
    }
    if (contrasts.isEmpty()) {
      throw new BadInputException("de: no contrasts in " + sizes.cohortLabel() + ": groups "
          + String.join(", ", design.groups)
          + " (need a cancer type and healthy samples or another cancer type, or give --contrasts a_vs_b)");
    }

    // analyse every modality before writing anything
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Row> rows = new ArrayList<>();
    Map<String, Long> sampleCounts = new LinkedHashMap<>();
    Map<String, Long> rowsPerModality = new LinkedHashMap<>();
    Map<String, List<String>> contrastsPerModality = new LinkedHashMap<>();
    Map<String, String> designPerModality = new LinkedHashMap<>();
    for (String m : modalities) {
      TableDef t = m.equals("mirna") ? Tables.MIRNA_EXPRESSION : Tables.PROTEIN_EXPRESSION;
      // the design's samples are picked inside the pass (a broadcast index), so no join here
      Dataset<Row> values = lake.readAsOf(t, inputs.get(t.name())).filter(col("cohort").isin(cohorts.toArray()))
          .select("cohort", "sample_id", "feature", "value");
      DeDesign md = design;
      List<DeDesign.Contrast> mc = contrasts;
      DeStats.ByFeature stats = pass(spark, jsc, m, values, md, mc);
      if (stats.features().length == 0) {
        if (!modality.equals("all")) throw new BadInputException("no " + m + " values for the samples of " + cohorts);
        continue;
      }
      if (!explicit) {
        // a group with too few samples with values in this modality (e.g. no protein data for one cancer type):
        // this modality's design leaves it out and the contrasts it would be in are named
        List<String> thin = new ArrayList<>();
        for (int g = 0; g < md.groups.length; g++) if (stats.sums().groupSamples[g] < min) thin.add(md.groups[g]);
        if (!thin.isEmpty()) {
          Map<String, long[]> mCounts = new java.util.TreeMap<>();
          for (int g = 0; g < md.groups.length; g++) {
            mCounts.put(md.groups[g], new long[] {stats.sums().groupSamples[g], sizes.kept(md.groups[g])});
          }
          GroupSizes ms = GroupSizes.of(mCounts, "cancer_type", cohorts, a.includeFailed(), "without " + m + " values");
          List<DeDesign.Sample> keep = used.stream().filter(s -> !thin.contains(s.group())).toList();
          List<String> before = mc.stream().map(DeDesign.Contrast::name).toList();
          md = keep.isEmpty() ? null : DeDesign.build(keep, covariates, nonCancer);
          mc = md == null ? List.of() : md.contrasts(List.of());
          String why = dropped(before, mc, ms, min, m + " values", nonCancer);
          if (mc.isEmpty()) {
            if (!modality.equals("all")) {
              throw new BadInputException("de: no " + m + " contrast can be computed in " + sizes.cohortLabel() + ": "
                  + why);
            }
            warn(warnings, "de: no " + m + " results: dropped contrasts " + why);
            continue;
          }
          warn(warnings, "de: " + m + ": dropped contrasts " + why);
          stats = pass(spark, jsc, m, values, md, mc);
        }
      }
      DeStats.Sums sums = stats.sums();
      for (int g = 0; g < md.groups.length; g++) sampleCounts.put(m + "." + md.groups[g], sums.groupSamples[g]);
      for (DeDesign.Contrast c : mc) {
        for (int[] set : new int[][] {c.caseGroups(), c.controlGroups()}) {
          for (int g : set) {
            if (sums.groupSamples[g] < min) {
              throw new BadInputException("contrast " + c.name() + ": group " + md.groups[g] + " has "
                  + sums.groupSamples[g] + " " + m + " sample(s) with values in " + sizes.cohortLabel()
                  + "; need at least " + min + " (" + GroupSizes.MIN_KEY + "; choose --cohort or --modality); "
                  + sizes.qcHint(List.of(md.groups[g]), min));
            }
          }
        }
      }
      long n = 0;
      for (long k : sums.groupSamples) n += k;
      if (n - md.p() <= 0) {
        throw new BadInputException("de: " + m + " in " + sizes.cohortLabel() + ": " + n + " samples with values for "
            + md.p() + " design columns (" + String.join(" + ", md.columns) + "): no residual degrees of freedom");
      }
      List<DeResults.Result> res;
      try (Stage s = Stage.start(LOG, spark, JOB, m + " models and tests")) {
        res = DeResults.analyse(m, stats.features(), md, mc, sums, stats.ranks(), a.trend());
        s.done("{} results", res.size());
      }
      for (DeResults.Result r : res) rows.add(r.toRow(runId, m));
      rowsPerModality.put(m, (long) res.size());
      contrastsPerModality.put(m, mc.stream().map(DeDesign.Contrast::name).toList());
      designPerModality.put(m, String.join(" + ", md.columns));
    }
    if (rows.isEmpty()) {
      throw new BadInputException(warnings.isEmpty() ? "no expression values for the samples of " + cohorts
          : warnings.get(warnings.size() - 1));
    }

    Map<String, String> params = new LinkedHashMap<>();
    params.put("cohorts", String.join(",", cohorts));
    params.put("modality", modality);
    params.put("contrasts", String.join(",", contrastsPerModality.values().stream().flatMap(List::stream)
        .distinct().toList()));
    params.put("covariates", String.join(",", covariates));
    params.put("design", String.join(" + ", design.columns));
    for (Map.Entry<String, String> e : designPerModality.entrySet()) {
      if (!e.getValue().equals(params.get("design"))) params.put("design." + e.getKey(), e.getValue());
    }
    params.put("samples", explicit ? "the groups of the given contrasts" : "every group with at least " + min);
    params.put("min_samples_per_group", String.valueOf(min));
    if (!warnings.isEmpty()) params.put("warnings", String.join(" | ", warnings));
    params.put("trend", String.valueOf(a.trend()));
    params.put("include_failed", String.valueOf(a.includeFailed()));

    Map<String, Long> before = lake.versions(List.of(Tables.DE_RESULTS, Tables.DE_RUNS, Tables.MARKER_ANNOTATIONS));
    Map<String, Long> written = new LinkedHashMap<>();
    try {
      try (Stage s = Stage.start(LOG, spark, JOB, "write de_results")) {
        if (!lake.exists(Tables.DE_RESULTS)) lake.ensure(Tables.DE_RESULTS);
        // a local relation: the rows are encoded once on the driver and shipped as compact binary rows (an RDD of
        // Row objects went through Java serialization, most of this stage's time)
        spark.createDataFrame(rows, Tables.DE_RESULTS.schema())
            .write().format("delta").mode("append").save(lake.path(Tables.DE_RESULTS));
        written.put(Tables.DE_RESULTS.name(), lake.version(Tables.DE_RESULTS));
        s.done("{} rows", rows.size());
      }
      if (!lake.exists(Tables.DE_RUNS)) lake.ensure(Tables.DE_RUNS);
      Row runRow = RowFactory.create(runId, CollectionConverters.asScala(params), CollectionConverters.asScala(inputs),
          CollectionConverters.asScala(sampleCounts), Timestamp.from(started), Timestamp.from(Instant.now()));
      spark.createDataFrame(List.of(runRow), Tables.DE_RUNS.schema()).write().format("delta").mode("append")
          .save(lake.path(Tables.DE_RUNS));
      written.put(Tables.DE_RUNS.name(), lake.version(Tables.DE_RUNS));
      Commit markers = io.exocohort.catalog.Views.loadMarkerAnnotations(lake);
      if (markers != null) written.put(markers.table(), markers.version());
      Map<String, Long> rowsWritten = new LinkedHashMap<>();
      rowsWritten.put(Tables.DE_RESULTS.name(), (long) rows.size());
      rowsWritten.put(Tables.DE_RUNS.name(), 1L);
      run.succeeded(lake, params, inputs, written, rowsWritten, "results per modality " + rowsPerModality);
      return new Result(runId, rowsPerModality, sampleCounts, contrastsPerModality, warnings);
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared (checked in Java)
      lake.rollbackAll(before, written, e);
      throw e;
    }
  }

  /** One modality's distributed pass (sufficient statistics and rank scans) for a design and its contrasts. */
  private static DeStats.ByFeature pass(SparkSession spark, JavaSparkContext jsc, String m, Dataset<Row> values,
      DeDesign design, List<DeDesign.Contrast> contrasts) {
    try (Stage s = Stage.start(LOG, spark, JOB, m + " sufficient statistics and rank scans")) {
      DeStats.ByFeature stats = DeStats.byFeature(jsc, values, design, contrasts, m.equals("protein"));
      s.done("{} features x {} design columns, {} contrasts", stats.features().length, design.p(),
          contrasts.size());
      return stats;
    }
  }

  private static void warn(List<String> warnings, String w) {
    LOG.warn(w);
    warnings.add(w);
  }

  /**
   * The groups given contrasts compare, each checked to have usable samples: a group the cohorts have but QC
   * emptied is named with its counts and the QC hint; a group they do not have at all, with the groups there are.
   */
  static Set<String> neededGroups(List<String> names, Set<String> usable, GroupSizes sizes, int min,
      Set<String> nonCancer) {
    Set<String> needed = new TreeSet<>();
    for (String n : names) {
      List<String> gs = DeDesign.groupsOf(n, usable, nonCancer);
      if (gs == null) continue; // not a_vs_b: DeDesign.contrasts says so
      List<String> named = n.endsWith("_vs_" + DeDesign.OTHER_CANCERS) ? gs.subList(0, 1) : gs;
      for (String g : named) {
        if (usable.contains(g)) continue;
        if (sizes.total(g) > 0) {
          throw new BadInputException("contrast " + n + ": no usable samples of group '" + g + "' in "
              + sizes.cohortLabel() + " (" + sizes.describe(g) + "); " + sizes.qcHint(List.of(g), min));
        }
        throw new BadInputException("contrast " + n + ": no samples of group '" + g + "' (groups: "
            + String.join(", ", usable) + ")");
      }
      needed.addAll(gs);
    }
    return needed;
  }

  /**
   * Why contrasts of {@code wanted} are not among {@code got}, in one line: each dropped contrast with its groups
   * that have fewer than {@code min} samples, the minimum and (for QC) the QC hint; null when none was dropped.
   *
   * @param what null when the counts are samples after QC, else what was counted ("protein values")
   */
  static String dropped(List<String> wanted, List<DeDesign.Contrast> got, GroupSizes sizes, int min, String what,
      Set<String> nonCancer) {
    Set<String> have = new java.util.HashSet<>();
    for (DeDesign.Contrast c : got) have.add(c.name());
    List<String> parts = new ArrayList<>();
    Set<String> shortGroups = new TreeSet<>();
    for (String n : wanted) {
      if (have.contains(n)) continue;
      List<String> reasons = new ArrayList<>();
      for (String g : DeDesign.groupsOf(n, sizes.groups(), nonCancer)) {
        if (sizes.kept(g) < min) {
          reasons.add(sizes.describe(g));
          shortGroups.add(g);
        }
      }
      parts.add(n + (reasons.isEmpty() ? "" : " (" + String.join(", ", reasons) + ")"));
    }
    if (parts.isEmpty()) return null;
    return String.join(", ", parts) + "; need at least " + min + " samples" + (what == null ? "" : " with " + what)
        + " per compared group (" + GroupSizes.MIN_KEY + ")"
        + (what == null ? "; " + sizes.qcHint(new ArrayList<>(shortGroups), min) : "");
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
