package io.exocohort.normalize;

import static org.apache.spark.sql.functions.expr;

import io.exocohort.common.BadInputException;
import io.exocohort.common.ExactSum;
import io.exocohort.normalize.kernel.FilterByExpr;
import io.exocohort.normalize.kernel.LogCpm;
import io.exocohort.normalize.kernel.TmmFactors;
import io.exocohort.normalize.kernel.UpperQuartile;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * edgeR's standard chain on a {@link SampleMatrix} of raw counts, distributed:
 * {@code keep <- filterByExpr(y, group)}; {@code y <- y[keep, , keep.lib.sizes = FALSE]};
 * {@code y <- calcNormFactors(y, method)}; {@code cpm(y, log = TRUE, prior.count)}.
 *
 * <p>Passes over the sample rows (cached, or read from the table again at each pass when they would not fit:
 * {@link SampleMatrix#cacheable}): library sizes and groups (their median and sizes, one rollup query); per-feature
 * filter statistics (one aggregation of per-feature arrays); per-sample upper quartiles (their mean and median),
 * then the reference sample with its counts (one reduce); per-sample factors with the broadcast reference (cached
 * beside the vectors, with the per-sample figures); log-CPM, when written. The driver holds the feature
 * index, per-feature arrays and the reference sample's counts.
 */
public final class MirnaNormalizer {
  private MirnaNormalizer() {}

  public enum Method {
    TMM, UPPERQUARTILE, NONE;

    public static Method parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT).replace("_", "").replace("-", ""));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("--method must be tmm, upperquartile or none, not '" + s + "'");
      }
    }
  }

  /** Per-sample figures: cohort, sample_id, library_size (kept features), norm_factor. */
  public static final StructType PER_SAMPLE = new StructType()
      .add("cohort", DataTypes.StringType, false).add("sample_id", DataTypes.StringType, false)
      .add("library_size", DataTypes.DoubleType, false).add("norm_factor", DataTypes.DoubleType, false);

  /**
   * {@code logCpm} is computed from the cached counts when it is used (not cached itself); {@code release} frees
   * the counts and factors once the caller has consumed it.
   */
  public record Result(SampleMatrix logCpm, Dataset<Row> perSample, int featuresIn, int featuresKept,
      String referenceSample, String scale, Runnable release) {}

  /** Normalises {@code counts}; call the result's {@code release} when its log-CPM values are consumed. */
  public static Result normalize(SparkSession spark, SampleMatrix counts, Method method, double priorCount,
      boolean filter) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int n = counts.features.length;

    // 1. filterByExpr, and the kept features the factors are computed on
    Kept kp = keep(spark, counts, filter);
    String[] keptFeatures = kp.features();
    int[] keptIdx = kp.index();
    int[] factorIdx = kp.factorIndex();
    int kept = keptIdx.length;
    // The kept features' counts, derived on the fly from the cached counts (a cheap copy per pass, no second cache).
    org.apache.spark.api.java.JavaRDD<SampleMatrix.Vec> keptRows = kept == n ? counts.rows
        : counts.rows.map(r -> r.with(pick(r.v(), keptIdx)));

    // 2. Raw factors per sample.
    Reference rf = method == Method.TMM ? reference(jsc, keptRows, factorIdx) : null;
    Broadcast<TmmFactors.Reference> ref = rf == null ? null : rf.values();
    String refName = rf == null ? null : rf.name();
    // Each sample's raw factor, computed once (a TMM factor sorts the sample's values) and kept beside the
    // vectors: a small cached RDD with the same partitions, zipped back onto them for log-CPM.
    org.apache.spark.api.java.JavaRDD<Raw> raw = keptRows.map(r -> {
      double[] v = r.v();
      double lib = sum(v);
      return new Raw(r.cohort(), r.sampleId(), lib, rawFactor(method, pick(v, factorIdx), lib,
          ref == null ? null : ref.value()));
    }).persist(StorageLevel.MEMORY_AND_DISK());
    // Exact sums (ExactSum): the same factors and log-CPM, to the last bit, whatever order the partitions merge in.
    ExactSum agg = raw.treeAggregate(new ExactSum(4), (a, x) -> {
      if (!(x.factor() > 0 && Double.isFinite(x.factor()))) return a.add(3, 1);
      return a.add(0, Math.log(x.factor())).add(1, x.lib() * x.factor()).add(2, 1);
    }, ExactSum::merge);
    if (agg.get(3) > 0) {
      throw new BadInputException("a normalisation factor is NaN, zero or infinite (a zero library size?)");
    }
    long samples = (long) agg.get(2);
    double gm = Math.exp(agg.get(0) / samples);
    double meanEff = agg.get(1) / samples / gm;

    // 3. Scaled factors and log-CPM (computed when written: the counts stay cached until the caller frees them).
    // The zip pairs each sample's vector with its own factor: raw is a map over keptRows (same partitions, same
    // order), and keptRows gives the same rows in the same order at every pass, cached or read again.
    org.apache.spark.api.java.JavaRDD<SampleMatrix.Vec> logRows = keptRows.zip(raw).map(vr -> {
      double[] v = vr._1().v();
      double f = vr._2().factor() / gm;
      double eff = LogCpm.effectiveLibSize(vr._2().lib(), f);
      return vr._1().with(LogCpm.logCpm(v, eff, meanEff, priorCount));
    });
    // cached when first read (the matrix write collects its sample keys from it, then sample_normalization is written
    // from it): a count of its own here was one more query
    Dataset<Row> perSample = spark.createDataFrame(raw.map(x -> RowFactory.create(x.cohort(), x.sampleId(),
        x.lib(), x.factor() / gm)), PER_SAMPLE).persist(StorageLevel.MEMORY_AND_DISK());
    Runnable release = () -> {
      raw.unpersist(false);
      counts.unpersist();
    };
    String scale = String.format(Locale.ROOT, "log2_cpm(%s, prior.count=%s)", method.name(),
        priorCount == Math.rint(priorCount) ? String.valueOf((long) priorCount) : String.valueOf(priorCount));
    return new Result(SampleMatrix.of(keptFeatures, logRows), perSample, n, kept, refName, scale, release);
  }

  /** A sample's library size over the kept features and its raw (unscaled) factor. */
  private record Raw(String cohort, String sampleId, double lib, double factor) implements java.io.Serializable {}

  /** The kept features (names, indices into the counts) and, among them, those not zero in every sample. */
  private record Kept(String[] features, int[] index, int[] factorIndex) {}

  /**
   * filterByExpr (library sizes are the column sums over all features; the thresholds take the exact median of
   * the library sizes, computed distributed: Spark's percentile at 0.5 averages the two middle values, as R's
   * median does), in one aggregation with the per-feature totals; calcNormFactors then drops the features that
   * are zero in every sample before computing factors.
   */
  private static Kept keep(SparkSession spark, SampleMatrix counts, boolean filter) {
    int n = counts.features.length;
    FilterByExpr.Thresholds t = null;
    if (filter) {
      // The groups' sizes and the median library size in one query over the vectors (a rollup: one row per group
      // and one for all samples, where grouping(grp) = 1); Spark's percentile at 0.5 averages the two middle
      // values, as R's median does.
      StructType libSchema = new StructType().add("grp", "string", false).add("lib", "double", false);
      Dataset<Row> libs = spark.createDataFrame(counts.rows.map(r -> RowFactory.create(r.grp() == null ? ""
          : r.grp(), sum(r.v()))), libSchema);
      List<Row> rolled = libs.rollup("grp").agg(expr("grouping(grp)"), expr("count(*)"),
          expr("percentile(lib, 0.5)")).collectAsList();
      double median = Double.NaN;
      List<Long> sizes = new java.util.ArrayList<>();
      for (Row r : rolled) {
        if (r.getByte(1) == 1) {
          median = r.getDouble(3);
        } else {
          sizes.add(r.getLong(2));
        }
      }
      t = FilterByExpr.thresholds(new double[] {median}, sizes.stream().mapToLong(Long::longValue).toArray());
    }
    FilterByExpr.Thresholds th = t;
    Object[] acc = counts.aggregate(new Object[] {new long[n], new double[n]}, (a, r) -> {
      double[] v = r.v();
      double lib = sum(v);
      long[] above = (long[]) a[0];
      double[] total = (double[]) a[1];
      for (int k = 0; k < v.length; k++) {
        if (th != null && FilterByExpr.atOrAboveCutoff(v[k], lib, th)) above[k]++;
        total[k] += v[k];
      }
      return a;
    }, (a, b) -> {
      long[] x = (long[]) a[0];
      long[] y = (long[]) b[0];
      double[] tx = (double[]) a[1];
      double[] ty = (double[]) b[1];
      for (int k = 0; k < x.length; k++) {
        x[k] += y[k];
        tx[k] += ty[k];
      }
      return a;
    });
    long[] above = (long[]) acc[0];
    double[] total = (double[]) acc[1];
    List<Integer> keptIdx = new java.util.ArrayList<>();
    for (int k = 0; k < n; k++) if (t == null || FilterByExpr.keepFeature(above[k], total[k], t)) keptIdx.add(k);
    if (keptIdx.isEmpty()) {
      throw new BadInputException("no miR passes the expression filter (filterByExpr): nothing to normalise");
    }
    int[] idx = keptIdx.stream().mapToInt(Integer::intValue).toArray();
    String[] names = new String[idx.length];
    for (int j = 0; j < idx.length; j++) names[j] = counts.features[idx[j]];
    int[] factorIdx = java.util.stream.IntStream.range(0, idx.length).filter(j -> total[idx[j]] > 0).toArray();
    return new Kept(names, idx, factorIdx);
  }

  /** TMM's reference sample (its factor-feature counts, library size and log proportions; broadcast) and name. */
  private record Reference(Broadcast<TmmFactors.Reference> values, String name) {}

  /**
   * edgeR's reference sample: which.min(abs(f75 - mean(f75))), or which.max(colSums(sqrt(x))) if median(f75) &lt;
   * 1e-20; ties go to the first (cohort, sample_id) here.
   */
  private static Reference reference(JavaSparkContext jsc,
      org.apache.spark.api.java.JavaRDD<SampleMatrix.Vec> keptRows, int[] factorIdx) {
    // Each sample's upper quartile and sum of square roots, cached beside the vectors (same partitions, same order).
    org.apache.spark.api.java.JavaRDD<double[]> uqs = keptRows.map(r -> {
      double[] all = r.v();
      double[] v = pick(all, factorIdx);
      return new double[] {UpperQuartile.upperQuartile(v, sum(all)), UpperQuartile.sumSqrt(v)};
    }).persist(StorageLevel.MEMORY_AND_DISK());
    Candidate best;
    try {
      UqStats stats = uqs.treeAggregate(new UqStats(), UqStats::add, UqStats::merge);
      if (stats.nan > 0) {
        throw new BadInputException("a sample has no reads over the kept miRs: TMM is undefined (edgeR stops too)");
      }
      // The reference and its counts in one reduce (a total order, so any merge order picks the same sample).
      Candidate.Rule rule = new Candidate.Rule(stats.medianBelowTiny(), stats.mean());
      best = keptRows.zip(uqs).map(t -> new Candidate(t._1().cohort(), t._1().sampleId(), t._2()[0], t._2()[1],
          t._1().v())).reduce(rule::better);
    } finally {
      uqs.unpersist(false);
    }
    double[] refAll = best.v();
    return new Reference(jsc.broadcast(TmmFactors.Reference.of(pick(refAll, factorIdx), sum(refAll))),
        best.cohort() + "/" + best.sampleId());
  }

  /**
   * The upper quartiles' figures edgeR's choice of reference needs, from one aggregation: their mean (an exact sum,
   * so the same whatever order the partitions merge in) and whether their median is below 1e-20, decided from how
   * many lie below it and, when exactly half do, the two middle values (the median as Spark's percentile at 0.5
   * takes it: half of each); NaNs counted apart.
   */
  static final class UqStats implements java.io.Serializable {
    private static final double TINY = 1e-20;
    private final ExactSum sum = new ExactSum(1);
    long n;
    long nan;
    long below;
    double maxBelow = Double.NEGATIVE_INFINITY;
    double minAtOrAbove = Double.POSITIVE_INFINITY;

    UqStats add(double[] u) {
      double q = u[0];
      if (Double.isNaN(q)) {
        nan++;
        return this;
      }
      n++;
      sum.add(0, q);
      if (q < TINY) {
        below++;
        maxBelow = Math.max(maxBelow, q);
      } else {
        minAtOrAbove = Math.min(minAtOrAbove, q);
      }
      return this;
    }

    UqStats merge(UqStats o) {
      sum.merge(o.sum);
      n += o.n;
      nan += o.nan;
      below += o.below;
      maxBelow = Math.max(maxBelow, o.maxBelow);
      minAtOrAbove = Math.min(minAtOrAbove, o.minAtOrAbove);
      return this;
    }

    double mean() {
      return sum.get(0) / n;
    }

    /** {@code median(f75) < 1e-20}: edgeR then takes the largest sum of square roots as the reference. */
    boolean medianBelowTiny() {
      if (n % 2 == 1) return below >= (n + 1) / 2;
      if (below != n / 2) return below > n / 2;
      return 0.5 * maxBelow + 0.5 * minAtOrAbove < TINY; // the two middle values straddle the bound
    }
  }

  /** A sample in the running for TMM's reference: its upper quartile, sum of square roots and counts. */
  record Candidate(String cohort, String sampleId, double uq, double sqrtSum, double[] v)
      implements java.io.Serializable {
    /**
     * edgeR's choice as an order: the largest sum of square roots ({@code bySqrt}), else the upper quartile
     * closest to the mean; ties to the first (cohort, sample_id), compared as UTF-8 bytes as Spark orders strings.
     */
    record Rule(boolean bySqrt, double mean) implements java.io.Serializable {
      Candidate better(Candidate a, Candidate b) {
        int c = bySqrt ? Double.compare(b.sqrtSum(), a.sqrtSum())
            : Double.compare(Math.abs(a.uq() - mean), Math.abs(b.uq() - mean));
        if (c == 0) c = utf8(a.cohort(), b.cohort());
        if (c == 0) c = utf8(a.sampleId(), b.sampleId());
        return c <= 0 ? a : b;
      }

      private static int utf8(String x, String y) {
        return java.util.Arrays.compareUnsigned(x.getBytes(java.nio.charset.StandardCharsets.UTF_8),
            y.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
    }
  }

  static double rawFactor(Method method, double[] v, double lib, TmmFactors.Reference ref) {
    return switch (method) {
      case TMM -> TmmFactors.tmmFactor(v, lib, ref);
      case UPPERQUARTILE -> UpperQuartile.quantileFactor(v, lib, UpperQuartile.P75);
      case NONE -> 1.0;
    };
  }

  static double[] pick(double[] v, int[] idx) {
    if (idx.length == v.length) return v;
    double[] out = new double[idx.length];
    for (int j = 0; j < idx.length; j++) out[j] = v[idx[j]];
    return out;
  }

  static double sum(double[] v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
  }

}
