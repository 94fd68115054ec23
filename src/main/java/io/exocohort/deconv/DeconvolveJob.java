package io.exocohort.deconv;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.deconv.kernel.QuantileNormalization;
import io.exocohort.deconv.kernel.ReferenceProfiles;
import io.exocohort.deconv.kernel.SimplexLeastSquares;
import io.exocohort.normalize.CountVectors;
import io.exocohort.qc.QcSelection;
import java.io.Serializable;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code deconvolve --signature ID [--cohort ...]} (issue 19): per sample, the non-negative fractions summing to one
 * with which the signature's reference groups best reproduce the sample's EV miR profile, into {@code ev_origin}.
 * exosomePurity's step 3, distributed over samples:
 * <ol>
 *   <li>CPM of every sample (its miR counts over its total) and reference profile, over the miRs common to the
 *       cohorts' feature indexes and the reference profiles;</li>
 *   <li>quantile normalisation of samples and reference profiles together ({@code normalize.quantiles}). Its target
 *       is the mean over samples of each sample's sorted values: one pass over the count vectors adds each sample's
 *       sorted values to a per-partition {@link QuantileNormalization.Accumulator} and keeps, per sample, only the
 *       average ranks of its signature miRs (a few dozen numbers); the partitions' accumulators and the references'
 *       sorted values give the target on the driver, and a signature miR's normalised value is the target at its
 *       rank ({@link QuantileNormalization#atRank}). The per-sample ranks are persisted, so the expression is read
 *       once;</li>
 *   <li>log2(x + 1); per reference group, the median profile over the signature miRs;</li>
 *   <li>per sample, the least-squares fractions on the simplex ({@link SimplexLeastSquares}, quadprog's solution).</li>
 * </ol>
 * Samples that QC failed are left out (as de and train do) unless {@code includeFailed}; a sample without counts is
 * skipped and counted. Checked against preprocessCore and quadprog on exosomePurity's real data (DeconvolveIT).
 */
public final class DeconvolveJob {
  private static final Logger LOG = LoggerFactory.getLogger(DeconvolveJob.class);
  public static final String JOB = "deconvolve";

  private DeconvolveJob() {}

  public record Args(String lake, String database, String signatureId, List<String> cohorts, boolean includeFailed,
      String runId) {}

  /** The run: samples deconvolved and skipped (no counts), the components, signature miRs and mean fractions. */
  public record Result(String runId, long samples, long skipped, List<String> components, int features,
      Map<String, Double> meanFraction) {}

  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  /** What the pass over the count vectors emits per sample: its signature miRs' average ranks. */
  record Ranks(String cohort, String sampleId, double[] ranks) implements Serializable {}

  /** The signature as stored: reference, components, case label, miRs in rank order. */
  private record Signature(String reference, List<String> components, String caseLabel, List<String> features) {}

  /**
   * What the pass needs: the reference profiles, the miRs shared by them and the cohorts, each cohort's positions of
   * those miRs in its count vectors, and the signature's positions among them.
   */
  private record Plan(ReferenceSet ref, String[] common, Map<String, int[]> positions, int[] sigIdx) {}

  /** The quantile target and the components' median profiles over the signature (log2 scale). */
  private record Fitted(double[] target, double[][] profiles, long samples) {}

  private static Result run(RunScope s, Args a) {
    SparkSession spark = s.spark();
    if (a.signatureId() == null || a.signatureId().isBlank()) throw new BadInputException("--signature ID is needed");
    s.pin(Tables.SIGNATURES, Tables.REFERENCE_PROFILES, Tables.SAMPLES, Tables.SAMPLE_QC, Tables.MIRNA_COUNTS,
        Tables.MIRNA_COUNT_VECTORS, Tables.MIRNA_COUNT_FEATURES, Tables.EV_ORIGIN);
    Signature sig = signature(s, a);
    List<String> cohorts = s.cohorts(a.cohorts());
    Plan plan;
    try (Stage st = Stage.start(LOG, spark, JOB, "reference and feature indexes")) {
      plan = plan(s, a, sig, cohorts);
      st.done("{} reference profiles, {} miRs shared with {} cohort(s), {} in the signature", plan.ref().profiles.length,
          plan.common().length, cohorts.size(), sig.features().size());
    }
    LongAccumulator skipped = spark.sparkContext().longAccumulator("deconvolve: samples without counts");
    JavaRDD<Object> pass = pass(s, a, cohorts, plan, skipped).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Fitted fitted;
      try (Stage st = Stage.start(LOG, spark, JOB, "quantile target")) {
        fitted = target(pass, plan, sig, cohorts, a.includeFailed());
        st.done("{} samples and {} reference profiles over {} miRs; {} skipped without counts", fitted.samples(),
            plan.ref().profiles.length, plan.common().length, skipped.value());
      }
      Map<String, Double> mean = new LinkedHashMap<>();
      try (Stage st = Stage.start(LOG, spark, JOB, "fit and write ev_origin")) {
        Commit c = s.append(Tables.EV_ORIGIN, spark.createDataFrame(fit(s, a, sig, pass, fitted),
            Tables.EV_ORIGIN.schema()));
        for (Row r : s.lake().read(Tables.EV_ORIGIN).filter(col("run_id").equalTo(s.id())).groupBy("component")
            .agg(org.apache.spark.sql.functions.avg("fraction")).collectAsList()) {
          mean.put(r.getString(0), r.getDouble(1));
        }
        st.done("{} rows, mean fractions {}", c.rowsWritten(), mean);
      }
      Map<String, String> params = new LinkedHashMap<>();
      params.put("signature_id", a.signatureId());
      params.put("reference", sig.reference());
      params.put("components", String.join(",", sig.components()));
      params.put("cohorts", String.join(",", cohorts));
      params.put("include_failed", String.valueOf(a.includeFailed()));
      params.put("samples", String.valueOf(fitted.samples()));
      params.put("skipped_without_counts", String.valueOf(skipped.value()));
      params.put("features", String.valueOf(sig.features().size()));
      params.put("shared_features", String.valueOf(plan.common().length));
      s.succeeded(params, fitted.samples() + " samples deconvolved into " + sig.components());
      return new Result(s.id(), fitted.samples(), skipped.value(), sig.components(), sig.features().size(), mean);
    } finally {
      pass.unpersist(false);
    }
  }

  private static Signature signature(RunScope s, Args a) {
    if (!s.has(Tables.SIGNATURES)) {
      throw new BadInputException("lake " + a.lake() + " has no signatures: run signature first");
    }
    List<Row> sig = s.read(Tables.SIGNATURES).filter(col("signature_id").equalTo(a.signatureId()))
        .orderBy("rank").select("reference", "components", "case_label", "feature").collectAsList();
    if (sig.isEmpty()) throw new BadInputException("--signature " + a.signatureId() + ": no such signature");
    Row first = sig.get(0);
    return new Signature(first.getString(0), List.copyOf(first.getList(1)), first.isNullAt(2) ? null
        : first.getString(2), sig.stream().map(r -> r.getString(3)).toList());
  }

  private static Plan plan(RunScope s, Args a, Signature sig, List<String> cohorts) {
    ReferenceSet ref = ReferenceSet.load(s.read(Tables.REFERENCE_PROFILES), sig.reference(), sig.components());
    List<String> stale = CountVectors.missing(s.reader(), cohorts);
    if (!stale.isEmpty()) {
      throw new BadInputException("cohort(s) " + stale + " have no current mirna_count_vectors: run jobs/exocohort "
          + "upgrade --lake " + a.lake());
    }
    Map<String, List<String>> indexes = new HashMap<>();
    if (s.has(Tables.MIRNA_COUNT_FEATURES)) {
      for (Row r : s.read(Tables.MIRNA_COUNT_FEATURES).filter(col("cohort").isin(cohorts.toArray()))
          .select("cohort", "features").collectAsList()) {
        indexes.put(r.getString(0), r.getList(1));
      }
    }
    List<String> noCounts = cohorts.stream().filter(c -> !indexes.containsKey(c)).toList();
    if (!noCounts.isEmpty()) throw new BadInputException("cohort(s) " + noCounts + " have no miR counts");
    TreeSet<String> shared = new TreeSet<>(List.of(ref.features));
    for (List<String> idx : indexes.values()) shared.retainAll(new java.util.HashSet<>(idx));
    for (String f : sig.features()) {
      if (shared.contains(f)) continue;
      String where = !Arrays.asList(ref.features).contains(f) ? "reference '" + sig.reference() + "'"
          : "cohort " + cohorts.stream().filter(c -> !indexes.get(c).contains(f)).findFirst().orElse("?");
      throw new BadInputException("--signature " + a.signatureId() + ": miR '" + f + "' is not measured in "
          + where + " (" + sig.features().stream().filter(x -> !shared.contains(x)).count() + " of the signature's "
          + sig.features().size() + " miRs are missing)");
    }
    String[] common = shared.toArray(new String[0]);
    Map<String, Integer> at = new HashMap<>();
    for (int i = 0; i < common.length; i++) at.put(common[i], i);
    Map<String, int[]> positions = new HashMap<>();
    for (Map.Entry<String, List<String>> e : indexes.entrySet()) {
      Map<String, Integer> p = new HashMap<>();
      for (int i = 0; i < e.getValue().size(); i++) p.put(e.getValue().get(i), i);
      positions.put(e.getKey(), Arrays.stream(common).mapToInt(p::get).toArray());
    }
    return new Plan(ref, common, positions, sig.features().stream().mapToInt(at::get).toArray());
  }

  /**
   * The one pass over the count vectors of the usable samples: per sample its signature miRs' average ranks
   * ({@link Ranks}), and per partition one {@link QuantileNormalization.Accumulator} of the sorted CPM.
   */
  private static JavaRDD<Object> pass(RunScope s, Args a, List<String> cohorts, Plan plan, LongAccumulator skipped) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(s.spark().sparkContext());
    Broadcast<Map<String, int[]>> pos = jsc.broadcast(plan.positions());
    int nf = plan.common().length;
    int[] sigIdx = plan.sigIdx();
    Dataset<Row> vectors = s.read(Tables.MIRNA_COUNT_VECTORS).filter(col("cohort").isin(cohorts.toArray()));
    if (!a.includeFailed()) {
      // the samples whose latest QC failed are few: broadcast them and drop their vectors (no shuffle of the vectors)
      Dataset<Row> failed = QcSelection.withStatus(s.reader(), cohorts, List.of())
          .filter(col("qc_status").equalTo("fail")).select("cohort", "sample_id");
      vectors = vectors.join(org.apache.spark.sql.functions.broadcast(failed),
          vectors.col("cohort").equalTo(failed.col("cohort")).and(vectors.col("sample_id")
              .equalTo(failed.col("sample_id"))), "left_anti");
    }
    return CountVectors.columns(vectors).javaRDD().mapPartitions(it -> {
      QuantileNormalization.Accumulator acc = new QuantileNormalization.Accumulator(nf);
      List<Object> out = new ArrayList<>();
      double[] x = new double[nf];
      double[] sorted = new double[nf];
      double[] at = new double[sigIdx.length];
      while (it.hasNext()) {
        CountVectors.Stored v = it.next();
        double[] c = v.getCounts();
        double total = 0;
        for (double d : c) total += d;
        if (!(total > 0)) {
          skipped.add(1);
          continue;
        }
        int[] p = pos.value().get(v.getCohort());
        for (int i = 0; i < nf; i++) x[i] = c[p[i]] / total * 1e6;
        acc.addSorted(sorted, QuantileNormalization.sortNonNegative(x, sorted));
        for (int k = 0; k < sigIdx.length; k++) at[k] = x[sigIdx[k]];
        out.add(new Ranks(v.getCohort(), v.getSampleId(), QuantileNormalization.averageRanks(sorted, at)));
      }
      out.add(acc);
      return out.iterator();
    });
  }

  /**
   * The target from the partitions' accumulators and the reference profiles (added on the driver), then the reference
   * profiles' signature values from it, log2(x + 1), and each component's median profile.
   */
  private static Fitted target(JavaRDD<Object> pass, Plan plan, Signature sig, List<String> cohorts,
      boolean includeFailed) {
    QuantileNormalization.Accumulator total = pass.filter(o -> o instanceof QuantileNormalization.Accumulator)
        .map(o -> (QuantileNormalization.Accumulator) o).reduce(QuantileNormalization.Accumulator::merge);
    long samples = total.samples();
    if (samples == 0) {
      throw new BadInputException("no sample of " + cohorts + " has miR counts" + (includeFailed ? ""
          : " and passed QC (--include-failed uses every sample)"));
    }
    ReferenceSet ref = plan.ref();
    int nf = plan.common().length;
    int[] sigIdx = plan.sigIdx();
    double[][] refRanks = new double[ref.profiles.length][];
    for (int j = 0; j < ref.profiles.length; j++) {
      double[] xr = new double[nf];
      for (int i = 0; i < nf; i++) xr[i] = ref.values[i][j] / ref.totals[j] * 1e6;
      double[] sr = xr.clone();
      Arrays.sort(sr);
      total.addSorted(sr);
      double[] v = new double[sigIdx.length];
      for (int k = 0; k < v.length; k++) v[k] = xr[sigIdx[k]];
      refRanks[j] = QuantileNormalization.averageRanks(sr, v);
    }
    double[] target = total.target();
    double[][] lg = new double[sigIdx.length][ref.profiles.length];
    for (int j = 0; j < ref.profiles.length; j++) {
      for (int k = 0; k < sigIdx.length; k++) lg[k][j] = QuantileNormalization.atRank(refRanks[j][k], target);
    }
    lg = ReferenceProfiles.log2PlusOne(lg);
    int nc = sig.components().size();
    double[][] profiles = new double[sigIdx.length][nc];
    for (int c = 0; c < nc; c++) {
      int cc = c;
      int[] cols = java.util.stream.IntStream.range(0, ref.profiles.length).filter(j -> ref.labelOf[j] == cc).toArray();
      double[] med = ReferenceProfiles.rowMedians(lg, cols);
      for (int k = 0; k < med.length; k++) profiles[k][c] = med[k];
    }
    return new Fitted(target, profiles, samples);
  }

  /** Per sample, the simplex least-squares fractions: one ev_origin row per component. */
  private static JavaRDD<Row> fit(RunScope s, Args a, Signature sig, JavaRDD<Object> pass, Fitted fitted) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(s.spark().sparkContext());
    Broadcast<double[]> tb = jsc.broadcast(fitted.target());
    Broadcast<double[][]> pb = jsc.broadcast(fitted.profiles());
    String runId = s.id();
    String sigId = a.signatureId();
    List<String> comps = sig.components();
    String[] roles = new String[comps.size()];
    for (int c = 0; c < roles.length; c++) {
      roles[c] = sig.caseLabel() == null ? null : comps.get(c).equals(sig.caseLabel()) ? "case" : "control";
    }
    int nsig = sig.features().size();
    Timestamp now = new Timestamp(System.currentTimeMillis());
    return pass.filter(o -> o instanceof Ranks).mapPartitions(it -> {
      SimplexLeastSquares solver = SimplexLeastSquares.of(pb.value());
      double[] t = tb.value();
      List<Row> out = new ArrayList<>();
      double[] b = new double[nsig];
      while (it.hasNext()) {
        Ranks r = (Ranks) it.next();
        for (int k = 0; k < nsig; k++) b[k] = Math.log(QuantileNormalization.atRank(r.ranks()[k], t) + 1) / Math.log(2);
        SimplexLeastSquares.Fit f = solver.fit(b);
        for (int c = 0; c < comps.size(); c++) {
          double w = Math.max(0, Math.min(1, f.weights()[c]));
          out.add(RowFactory.create(runId, sigId, r.cohort(), r.sampleId(), comps.get(c), roles[c], w,
              f.rmsResidual(), nsig, now));
        }
      }
      return out.iterator();
    });
  }
}
