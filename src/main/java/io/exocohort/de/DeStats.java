package io.exocohort.de;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.transform;

import io.exocohort.de.kernel.BlockedModel;
import io.exocohort.de.kernel.KruskalWallis;
import io.exocohort.de.kernel.Log2;
import io.exocohort.de.kernel.MannWhitneyU;
import io.exocohort.de.kernel.RankScan;
import io.exocohort.de.kernel.RankSummary;
import io.exocohort.de.kernel.Voom;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;

/**
 * The distributed pass of a de run over a modality's matrix ({@link #byFeature}): per feature, the linear
 * model's sufficient statistics (n, sum y, sum y^2, X'y, and the feature's own X'X over its observed rows when
 * values may be missing), per (feature, group) n, sum and sum of squares for Welch and ANOVA, and one
 * {@link RankScan} from which every contrast's Mann-Whitney U and the Kruskal-Wallis H follow. What comes back to
 * the driver is per-feature arrays only.
 */
final class DeStats {
  private DeStats() {}

  /** Per-feature sums; arrays indexed [feature], [feature * p + j], [feature * pp + packed], [feature * G + g]. */
  static final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;
    final int f;
    final int p;
    final int groups;
    final boolean perFeatureXtx;
    final long[] groupSamples;
    final double[] sharedXtx;
    final long[] n;
    final double[] sumY;
    final double[] sumYY;
    final double[] xty;
    final double[] xtx;
    final long[] gn;
    final double[] gs;
    final double[] gss;

    Sums(int f, int p, int groups, boolean perFeatureXtx) {
      this.f = f;
      this.p = p;
      this.groups = groups;
      this.perFeatureXtx = perFeatureXtx;
      int pp = p * (p + 1) / 2;
      groupSamples = new long[groups];
      sharedXtx = new double[pp];
      n = new long[f];
      sumY = new double[f];
      sumYY = new double[f];
      xty = new double[f * p];
      xtx = perFeatureXtx ? new double[f * pp] : new double[0];
      gn = new long[f * groups];
      gs = new double[f * groups];
      gss = new double[f * groups];
    }

    /**
     * Adds one value {@code y} to feature 0 for sample {@code s} of the design {@code d}, in group {@code g}: the
     * linear model's sums ({@link #addModelSparse} with weight 1) and the group's n, sum and sum of squares.
     */
    void addValueSparse(SparseRows d, int s, int g, double y) {
      addModelSparse(d, s, y, 1);
      gn[g]++;
      gs[g] += y;
      gss[g] += y * y;
    }

    /**
     * Adds one value {@code y} with weight {@code w} to feature 0's linear-model sums (n and sum y unweighted, for
     * Amean; y'Wy, X'Wy and, per feature, X'WX weighted: limma's lmFit with weights), for sample {@code s} of the
     * design {@code d} (its centred row at its nonzero columns; the centred value may be zero at some of them): a
     * zero column adds nothing and is skipped, so a cell-means row costs one group column and the covariates, not
     * p. The group sums are not touched.
     */
    void addModelSparse(SparseRows d, int s, double y, double w) {
      n[0]++;
      sumY[0] += y;
      double wy = w * y;
      sumYY[0] += wy * y;
      int hi = d.start[s + 1];
      for (int j = d.start[s]; j < hi; j++) {
        int a = d.col[j];
        double xa = d.x[j];
        if (xa == 0) continue;
        xty[a] += xa * wy;
        if (perFeatureXtx) {
          double wxa = w * xa;
          int base = packed(a, 0, p); // packed index of (a, b) is base + b for b >= a
          for (int k = j; k < hi; k++) xtx[base + d.col[k]] += wxa * d.x[k];
        }
      }
    }

    /** Index of (a, b), b >= a, in a packed upper triangle of p x p, row-major ({@code FeatureSums.unpackUpper}). */
    static int packed(int a, int b, int p) {
      return a * p - a * (a - 1) / 2 - a + b;
    }

    /** Adds feature 0 of {@code one} (a one-feature Sums over some of the samples) to feature {@code i}. */
    void add(int i, Sums one) {
      int pp = p * (p + 1) / 2;
      n[i] += one.n[0];
      sumY[i] += one.sumY[0];
      sumYY[i] += one.sumYY[0];
      for (int a = 0; a < p; a++) xty[i * p + a] += one.xty[a];
      if (perFeatureXtx) for (int a = 0; a < pp; a++) xtx[i * pp + a] += one.xtx[a];
      for (int g = 0; g < groups; g++) {
        gn[i * groups + g] += one.gn[g];
        gs[i * groups + g] += one.gs[g];
        gss[i * groups + g] += one.gss[g];
      }
    }

    /** Copies feature 0 of {@code one} (a one-feature Sums) into feature {@code i}. */
    void put(int i, Sums one) {
      int pp = p * (p + 1) / 2;
      n[i] = one.n[0];
      sumY[i] = one.sumY[0];
      sumYY[i] = one.sumYY[0];
      System.arraycopy(one.xty, 0, xty, i * p, p);
      if (perFeatureXtx) System.arraycopy(one.xtx, 0, xtx, i * pp, pp);
      System.arraycopy(one.gn, 0, gn, i * groups, groups);
      System.arraycopy(one.gs, 0, gs, i * groups, groups);
      System.arraycopy(one.gss, 0, gss, i * groups, groups);
    }
  }

  /**
   * What one pass over a modality's matrix gives: the features (sorted), their sums and rank tests, the design's
   * samples that had a value, and with voom ({@link VoomScale}) the linear-model sums of voom's log-CPM and which
   * features are zero in every sample (null without voom).
   */
  record ByFeature(String[] features, Sums sums, double[][] ranks, java.util.BitSet present, Sums voomSums,
      boolean[] allZero, BlockedModel.Sums[] blockSums) {}

  /**
   * A feature's results from its task (with voom also the sums of its voom log-CPM and its largest count); the
   * task's last record carries the samples it saw instead.
   */
  record FeatureResult(String feature, Sums sums, double[] ranks, java.util.BitSet present, Sums voomSums,
      double maxCount, BlockedModel.Sums blockSums) implements Serializable {}

  /**
   * voom's log-CPM of each value, per design sample: the matrix holds edgeR's {@code cpm(log = TRUE,
   * prior.count)} of the counts, log2((c + q) / (L + 2q) 1e6) with q = prior.count L / mean(L) and L the effective
   * library size (library size x norm factor) of the normalize run; it gives the count back, c = 2^y (L + 2q) / 1e6
   * - q (to about 1e-15 relative), and voom's value is log2((c + 0.5) / (L + 1) 1e6). Per sample: {@code a} =
   * (L + 2q) / 1e6, {@code q}, {@code lib} = L and {@code eShift} = log2(1e6) - log2(L + 1); NaN for a sample
   * without normalisation figures (never present in the matrix).
   */
  record VoomScale(double[] a, double[] q, double[] lib, double[] eShift) implements Serializable {
    /** log2(k + 0.5) for the whole counts k of most miR reads (128 KB: it stays in the cores' caches). */
    private static final double[] HALF_LOGS = new double[1 << 14];

    static {
      for (int k = 0; k < HALF_LOGS.length; k++) HALF_LOGS[k] = Log2.log2(k + 0.5);
    }

    VoomScale(double[] a, double[] q, double[] lib) {
      this(a, q, lib, shifts(lib));
    }

    /** log2(1e6) - log2(L + 1) per sample: voom's log-CPM is log2(c + 0.5) plus this. */
    private static double[] shifts(double[] lib) {
      double[] out = new double[lib.length];
      for (int i = 0; i < out.length; i++) out[i] = LOG2_MILLION - Math.log(lib[i] + 1) / LN2;
      return out;
    }

    /**
     * The count of log-CPM {@code y} at sample {@code s}: 2^y a - q ({@link Log2#exp2}, once per value), recovered
     * to about 1e-15 relative; one within 1e-9 relative of a whole number is made whole again, as the counts voom
     * reads are.
     */
    double count(int s, double y) {
      double c = Log2.exp2(y) * a[s] - q[s];
      double whole = Math.rint(c);
      return Math.abs(c - whole) <= 1e-9 * Math.max(1, whole) ? whole : c;
    }

    /**
     * voom's log-CPM of a recovered count: log2((c + 0.5) / (L + 1) 1e6) as log2(c + 0.5) + log2(1e6) - log2(L +
     * 1), the sample's part taken once ({@link Log2#log2}; two divisions fewer per value; equal to about 1e-15). A
     * whole count below {@link #HALF_LOGS}'s length is looked up: the same {@link Log2#log2}, computed once.
     */
    double logCpm(int s, double count) {
      int k = (int) count;
      return (k == count && k >= 0 && k < HALF_LOGS.length ? HALF_LOGS[k] : Log2.log2(count + 0.5)) + eShift[s];
    }
  }

  /**
   * The design rows of a pass's samples in compressed sparse row form: sample s's nonzero columns (raw or centred
   * nonzero, ascending) are {@code col[start[s] .. start[s + 1])}, with the centred values {@code x} and the raw
   * ones {@code raw} (centred plus the design's shift) beside them. A cell-means row has one group column and the
   * covariates, so a value's sums cost those columns, not p; and the rows of all samples lie in three flat arrays
   * a task walks in order (a row object per sample, 10 MB of them at 100,000 samples, was read from memory once
   * per value).
   */
  static final class SparseRows {
    final int[] start;
    final int[] col;
    final double[] x;
    final double[] raw;
    /**
     * Every row is one column at 1, raw and centred (a design of groups or cells and nothing else, the default):
     * a value's sums are then its column's, which the passes add up in local variables ({@link #column}) instead
     * of walking the row (40% less time per value in voom's weighted pass).
     */
    final boolean cellMeans;

    private SparseRows(int[] start, int[] col, double[] x, double[] raw) {
      this.start = start;
      this.col = col;
      this.x = x;
      this.raw = raw;
      boolean cm = true;
      for (int s = 0; s + 1 < start.length && cm; s++) {
        cm = start[s + 1] - start[s] == 1 && x[start[s]] == 1 && raw[start[s]] == 1;
      }
      this.cellMeans = cm && cellMeansPath;
    }

    /** Test hook: false makes every pass walk the rows, so that a test can compare the two ways. */
    static volatile boolean cellMeansPath = true;

    /** Sample s's one column, when {@link #cellMeans}. */
    int column(int s) {
      return col[start[s]];
    }

    /** The rows {@code xs} (centred), nonzero where the centred or the raw value ({@code xs + shift}) is. */
    static SparseRows of(double[][] xs, double[] shift) {
      int p = shift.length;
      int[] start = new int[xs.length + 1];
      for (int i = 0; i < xs.length; i++) {
        int k = 0;
        for (int a = 0; a < p; a++) if (xs[i][a] + shift[a] != 0 || xs[i][a] != 0) k++;
        start[i + 1] = start[i] + k;
      }
      int[] col = new int[start[xs.length]];
      double[] x = new double[col.length];
      double[] raw = new double[col.length];
      for (int i = 0, j = 0; i < xs.length; i++) {
        for (int a = 0; a < p; a++) {
          if (xs[i][a] + shift[a] != 0 || xs[i][a] != 0) {
            col[j] = a;
            x[j] = xs[i][a];
            raw[j++] = xs[i][a] + shift[a];
          }
        }
      }
      return new SparseRows(start, col, x, raw);
    }
  }

  /** The key of a block's sample index: cohort, block and normalize run. */
  static String blockKey(String cohort, int block, String normRunId) {
    return cohort + '\u0000' + block + '\u0000' + normRunId;
  }

  /**
   * Everything de needs from one modality in one pass over its matrix ({@code matrix}: rows {@code cohort, block,
   * feature, entries, norm_run_id}; {@code samples}: its sample index, one row per block, both already filtered to
   * the run's cohorts). On the driver each block's sample ids become the design's sample indexes (-1: not in the
   * design), one int array per block, broadcast. Each matrix row is decoded into a {@code double[]}; a feature's
   * rows of several blocks (cohorts or sample blocks) meet by feature in one shuffle of whole rows, a feature held
   * in one block needs none. The feature's task adds up the linear model's and the groups' sufficient statistics
   * and sorts its values (per group, then merged) for one {@link RankScan}. Missing entries (null or NaN) are
   * skipped. Nothing but per-feature results reaches the driver. Without {@code ranks} (a run of no rank test)
   * nothing is sorted and each feature's rank results are empty.
   */
  static ByFeature byFeature(JavaSparkContext jsc, Source matrix, DeDesign d, List<DeDesign.Contrast> contrasts,
      boolean perFeatureXtx, VoomScale voom, boolean ranks) {
    List<String> keys = new ArrayList<>(d.rows.keySet());
    int ns = keys.size();
    Map<String, Integer> sampleIndex = new HashMap<>();
    double[][] x = new double[ns][];
    int[] grp = new int[ns];
    for (int i = 0; i < ns; i++) {
      sampleIndex.put(keys.get(i), i);
      x[i] = d.rows.get(keys.get(i));
      grp[i] = d.groupOf.get(keys.get(i));
    }
    Map<String, int[]> blocks = blockIndexes(matrix.index(), sampleIndex);
    Broadcast<Map<String, int[]>> bBlocks = jsc.broadcast(blocks);
    Broadcast<double[][]> bX = jsc.broadcast(x);
    Broadcast<int[]> bG = jsc.broadcast(grp);
    int[][] cases = new int[contrasts.size()][];
    int[][] controls = new int[contrasts.size()][];
    for (int c = 0; c < cases.length; c++) {
      cases[c] = contrasts.get(c).caseGroups();
      controls[c] = contrasts.get(c).controlGroups();
    }
    org.apache.spark.api.java.JavaRDD<FeatureRow> rows = matrix.rows(jsc, blocks.size());
    int[] blockOf = blockOf(d, keys);
    FeatureTask task = new FeatureTask(d.p(), d.groups.length, perFeatureXtx, cases, controls, voom, blockOf,
        d.blocks(), ranks);
    List<FeatureResult> res = rows
        .mapPartitions(it -> task.run(it, bBlocks.value(), bX.value(), bG.value()).iterator()).collect();
    ByFeature byFeature = assemble(res, d.p(), d.groups.length, perFeatureXtx, x, grp, voom != null);
    bBlocks.destroy();
    bX.destroy();
    bG.destroy();
    return byFeature;
  }

  /**
   * A modality's matrix rows as its passes read them, prepared once per run: with several blocks (cohorts or sample
   * blocks) a feature's rows meet by one shuffle of whole rows, and every later pass over the same {@link Source}
   * (voom's weighted pass, the blocked model's) reads that shuffle's output again instead of the table (Spark
   * reuses a shuffle's map output for the same RDD); a single block needs no shuffle and is read from the table.
   * Its sample index (one small row per block) is collected once per run, for voom's inputs and every pass.
   */
  static final class Source {
    private final Dataset<Row> matrix;
    private final Dataset<Row> index;
    private List<Row> indexRows;
    private org.apache.spark.api.java.JavaRDD<FeatureRow> rows;
    private org.apache.spark.api.java.JavaRDD<FeatureRow> raw;

    /** The matrix rows and their sample index, both already filtered to the run's cohorts. */
    Source(Dataset<Row> matrix, Dataset<Row> index) {
      this.matrix = matrix;
      this.index = index;
    }

    /** The matrix table's rows (for the small queries beside the passes, such as voom's scales). */
    Dataset<Row> table() {
      return matrix;
    }

    /**
     * The sample index's rows (collected at the first call): cohort, block, norm_run_id, sample_ids, then, when
     * the table has them (blocks written since the index held them), voom's scale, library_sizes and
     * mean_library_size ({@link VoomInputs}).
     */
    List<Row> index() {
      if (indexRows == null) {
        List<String> cols = new java.util.ArrayList<>(List.of("cohort", "block", "norm_run_id", "sample_ids"));
        if (java.util.Arrays.asList(index.columns()).containsAll(VOOM_INDEX_COLUMNS)) cols.addAll(VOOM_INDEX_COLUMNS);
        indexRows = index.select(cols.get(0), cols.subList(1, cols.size()).toArray(new String[0])).collectAsList();
      }
      return indexRows;
    }

    /** The sample index's columns that carry what voom needs of each sample. */
    static final List<String> VOOM_INDEX_COLUMNS = List.of("scale", "library_sizes", "mean_library_size");

    /**
     * The matrix rows as the table holds them, a feature's rows of several blocks in different tasks: for sums that
     * add over samples (voom's weighted pass without blocking), which then need no shuffle.
     */
    org.apache.spark.api.java.JavaRDD<FeatureRow> raw() {
      if (raw == null) raw = featureRows(matrix).javaRDD();
      return raw;
    }

    org.apache.spark.api.java.JavaRDD<FeatureRow> rows(JavaSparkContext jsc, int blocks) {
      if (rows == null) {
        Dataset<FeatureRow> r = featureRows(matrix);
        if (blocks > 1) {
          int parts = Math.max(2 * jsc.defaultParallelism(), r.rdd().getNumPartitions());
          r = r.repartition(parts, col("feature")).sortWithinPartitions("feature");
        }
        rows = r.javaRDD();
      }
      return rows;
    }
  }

  /**
   * The matrix rows as beans: entries decoded into a {@code double[]}, a null entry (a missing protein value) as
   * NaN.
   */
  static Dataset<FeatureRow> featureRows(Dataset<Row> matrix) {
    Column entries = col("entries");
    ArrayType t = (ArrayType) matrix.schema().apply("entries").dataType();
    if (t.containsNull()) entries = transform(entries, v -> coalesce(v, lit(Double.NaN)));
    return matrix.select(col("cohort"), col("block"), col("norm_run_id").as("normRunId"), col("feature"),
        entries.as("entries")).as(Encoders.bean(FeatureRow.class));
  }

  /**
   * Each block's entry positions as design sample indexes ({@code -1}: a sample outside the design), by
   * {@link #blockKey}: the sample index has one small row per block, collected on the driver (which holds the
   * design's samples already).
   */
  static Map<String, int[]> blockIndexes(List<Row> index, Map<String, Integer> sampleIndex) {
    Map<String, int[]> blocks = new HashMap<>();
    for (Row r : index) {
      String cohort = r.getString(0);
      List<String> ids = r.getList(3);
      int[] idx = new int[ids.size()];
      for (int k = 0; k < idx.length; k++) {
        Integer i = sampleIndex.get(DeDesign.key(cohort, ids.get(k)));
        idx[k] = i == null ? -1 : i;
      }
      blocks.put(blockKey(cohort, r.getInt(1), r.getString(2)), idx);
    }
    return blocks;
  }

  /**
   * The executor side of {@link #byFeature}: a partition's matrix rows, a feature's rows consecutive, to one
   * {@link FeatureResult} per feature and a last one with the samples that had a value.
   */
  record FeatureTask(int p, int groups, boolean perFeatureXtx, int[][] cases, int[][] controls, VoomScale voom,
      int[] blockOf, int nBlocks, boolean ranks) implements Serializable {

    List<FeatureResult> run(Iterator<FeatureRow> it, Map<String, int[]> blocks, double[][] xs, int[] gs) {
      java.util.BitSet present = new java.util.BitSet(xs.length);
      BlockedModel.Builder bb = blockOf == null ? null : BlockedModel.builder(p, nBlocks);
      SparseRows d = SparseRows.of(xs, new double[p]);
      List<FeatureResult> out = eachFeature(it, blocks,
          (same, idx) -> feature(same, idx, d, gs, present, bb));
      out.add(new FeatureResult(null, null, null, present, null, 0, null));
      return out;
    }

    /** One feature from its rows: the sums over its present values and its rank tests. */
    private FeatureResult feature(List<FeatureRow> rows, List<int[]> idx, SparseRows d, int[] gs,
        java.util.BitSet present, BlockedModel.Builder bb) {
      if (bb != null) bb.reset();
      // the values of each group, for the rank scans (none when the run computes no rank test)
      double[][] byGroup = null;
      if (ranks) {
        int[] count = new int[groups];
        for (int r = 0; r < rows.size(); r++) {
          double[] v = rows.get(r).getEntries();
          int[] si = idx.get(r);
          for (int k = 0; k < v.length; k++) if (si[k] >= 0 && !Double.isNaN(v[k])) count[gs[si[k]]]++;
        }
        byGroup = new double[groups][];
        for (int g = 0; g < groups; g++) byGroup[g] = new double[count[g]];
      }
      int[] fill = new int[groups];
      Sums one = new Sums(1, p, groups, perFeatureXtx);
      Sums vs = voom == null ? null : new Sums(1, p, 0, false);
      if (d.cellMeans && p == groups && !perFeatureXtx && bb == null) {
        return cellMeans(rows, idx, gs, present, byGroup, fill, one, vs);
      }
      double maxCount = Double.NEGATIVE_INFINITY;
      for (int r = 0; r < rows.size(); r++) {
        double[] v = rows.get(r).getEntries();
        int[] si = idx.get(r);
        for (int k = 0; k < v.length; k++) {
          int s = si[k];
          double y = v[k];
          if (s < 0 || Double.isNaN(y)) continue;
          int g = gs[s];
          one.addValueSparse(d, s, g, y);
          if (byGroup != null) byGroup[g][fill[g]] = y;
          fill[g]++;
          present.set(s);
          double ylm = y;
          if (vs != null) {
            double c = voom.count(s, y);
            maxCount = Math.max(maxCount, c);
            ylm = voom.logCpm(s, c);
            vs.addModelSparse(d, s, ylm, 1);
          }
          if (bb != null) bb.add(blockOf[s], d.col, d.x, d.start[s], d.start[s + 1], ylm, 1);
        }
      }
      return new FeatureResult(rows.get(0).getFeature(), one, rankTests(byGroup), null, vs, maxCount,
          bb == null ? null : bb.build());
    }

    /** The rank tests of every contrast and across the groups from the groups' values; none without them. */
    private double[] rankTests(double[][] byGroup) {
      return byGroup == null ? new double[0]
          : tests(mergeScan(byGroup), cases, controls, cases.length * PER_CONTRAST + 3);
    }

    /**
     * {@link #feature} for a design of groups alone ({@link SparseRows#cellMeans}, p = groups: a sample's one
     * column is its group) without blocking: the same sums, a value's column sums being its group's (xty of the
     * stored values is the groups' sums), added up in local variables.
     */
    private FeatureResult cellMeans(List<FeatureRow> rows, List<int[]> idx, int[] gs, java.util.BitSet present,
        double[][] byGroup, int[] fill, Sums one, Sums vs) {
      long n = 0;
      double sumY = 0;
      double sumYY = 0;
      double[] gSum = new double[groups];
      double[] gSq = new double[groups];
      double vSumY = 0;
      double vSumYY = 0;
      double[] vXty = new double[p];
      double maxCount = Double.NEGATIVE_INFINITY;
      for (int r = 0; r < rows.size(); r++) {
        double[] v = rows.get(r).getEntries();
        int[] si = idx.get(r);
        for (int k = 0; k < v.length; k++) {
          int s = si[k];
          double y = v[k];
          if (s < 0 || Double.isNaN(y)) continue;
          int g = gs[s];
          n++;
          sumY += y;
          double yy = y * y;
          sumYY += yy;
          gSum[g] += y;
          gSq[g] += yy;
          if (byGroup != null) byGroup[g][fill[g]] = y;
          fill[g]++;
          present.set(s);
          if (vs != null) {
            double c = voom.count(s, y);
            maxCount = Math.max(maxCount, c);
            double e = voom.logCpm(s, c);
            vSumY += e;
            vSumYY += e * e;
            vXty[g] += e;
          }
        }
      }
      one.n[0] = n;
      one.sumY[0] = sumY;
      one.sumYY[0] = sumYY;
      for (int g = 0; g < groups; g++) {
        one.gn[g] = fill[g];
        one.gs[g] = gSum[g];
        one.gss[g] = gSq[g];
      }
      // each sample's one column is its group's: the column sums of the values are the groups' sums
      for (int g = 0; g < groups; g++) one.xty[g] = gSum[g];
      if (vs != null) {
        vs.n[0] = n;
        vs.sumY[0] = vSumY;
        vs.sumYY[0] = vSumYY;
        System.arraycopy(vXty, 0, vs.xty, 0, p);
      }
      return new FeatureResult(rows.get(0).getFeature(), one, rankTests(byGroup), null, vs, maxCount, null);
    }
  }

  private static final double LN2 = Math.log(2);
  private static final double LOG2_MILLION = Math.log(1e6) / LN2;

  /**
   * A partition's matrix rows, a feature's rows consecutive, to one result per feature: {@code feature} gets the
   * feature's rows and each row's block index (design sample indexes).
   */
  static <R> List<R> eachFeature(Iterator<FeatureRow> it, Map<String, int[]> blocks,
      java.util.function.BiFunction<List<FeatureRow>, List<int[]>, R> feature) {
    List<R> out = new ArrayList<>();
    List<FeatureRow> same = new ArrayList<>();
    List<int[]> idx = new ArrayList<>();
    while (it.hasNext()) {
      FeatureRow r = it.next();
      if (!same.isEmpty() && !same.get(0).getFeature().equals(r.getFeature())) {
        out.add(feature.apply(same, idx));
        same.clear();
        idx.clear();
      }
      int[] bi = blocks.get(r.blockKey());
      if (bi == null) {
        throw new IllegalStateException("matrix row of cohort " + r.getCohort() + ", block " + r.getBlock()
            + ", normalize run " + r.getNormRunId() + " has no sample index row");
      }
      same.add(r);
      idx.add(bi);
    }
    if (!same.isEmpty()) out.add(feature.apply(same, idx));
    return out;
  }

  /**
   * voom's second pass ({@code lmFit(v, design)} with the voom weights): per feature, the weighted linear-model
   * sums of its voom log-CPM values, X'WX of its own included. Each value's weight follows from the feature's
   * unweighted fit ({@code coefficients}, raw parametrisation, indexed [feature * p + j], NaN for a column not
   * estimable), the sample's raw design row (the centred row plus {@code shift}) and library size, and the
   * mean-variance trend: {@link Voom#weight}. The matrix is read again (the same rows, the same shuffle
   * as {@link #byFeature}); what reaches the driver is the per-feature sums.
   */
  static Weighted weighted(JavaSparkContext jsc, Source matrix, DeDesign d, VoomScale voom, String[] features,
      double[] coefficients, Voom trend) {
    List<String> keys = new ArrayList<>(d.rows.keySet());
    int ns = keys.size();
    int p = d.p();
    Map<String, Integer> sampleIndex = new HashMap<>();
    double[][] x = new double[ns][];
    for (int i = 0; i < ns; i++) {
      sampleIndex.put(keys.get(i), i);
      x[i] = d.rows.get(keys.get(i));
    }
    Map<String, int[]> blocks = blockIndexes(matrix.index(), sampleIndex);
    Map<String, Integer> featureIndex = new HashMap<>();
    for (int i = 0; i < features.length; i++) featureIndex.put(features[i], i);
    Broadcast<Map<String, int[]>> bBlocks = jsc.broadcast(blocks);
    Broadcast<double[][]> bX = jsc.broadcast(x);
    Broadcast<Map<String, Integer>> bF = jsc.broadcast(featureIndex);
    Broadcast<double[]> bBeta = jsc.broadcast(coefficients);
    // unblocked, the weighted sums add over samples: a feature's blocks are summed apart, no shuffle; blocked, the
    // per-subject sums need a feature's whole vector in one task
    org.apache.spark.api.java.JavaRDD<FeatureRow> rows = d.blocks() == 0 ? matrix.raw()
        : matrix.rows(jsc, blocks.size());
    WeightTask task = new WeightTask(p, d.shift.clone(), voom, trend, blockOf(d, keys), d.blocks());
    List<WeightedFeature> res = rows.mapPartitions(it -> task.run(it, bBlocks.value(), bX.value(),
        bF.value(), bBeta.value()).iterator()).collect();
    Sums out = new Sums(features.length, p, 0, true);
    BlockedModel.Sums[] blocked = d.blocks() > 0 ? new BlockedModel.Sums[features.length] : null;
    for (WeightedFeature r : res) {
      if (r.sums() != null) out.add(r.index(), r.sums());
      if (blocked != null) blocked[r.index()] = r.blockSums();
    }
    bBlocks.destroy();
    bX.destroy();
    bF.destroy();
    bBeta.destroy();
    return new Weighted(out, blocked);
  }

  /** The weighted pass's per-feature sums: plain (X'WX, ...; null rows when blocked) and, blocked, by block size. */
  record Weighted(Sums sums, BlockedModel.Sums[] blockSums) {}

  /** The design samples' block indexes in the pass's sample order; null without blocking. */
  private static int[] blockOf(DeDesign d, List<String> keys) {
    if (d.blocks() == 0) return null;
    int[] b = new int[keys.size()];
    for (int i = 0; i < b.length; i++) b[i] = d.blockOf.get(keys.get(i));
    return b;
  }

  /** One feature's weighted sums, by its index in the driver's sorted features (blocked: by block size). */
  record WeightedFeature(int index, Sums sums, BlockedModel.Sums blockSums) implements Serializable {}

  /** The executor side of {@link #weighted}. */
  record WeightTask(int p, double[] shift, VoomScale voom, Voom trend, int[] blockOf, int nBlocks)
      implements Serializable {
    List<WeightedFeature> run(Iterator<FeatureRow> it, Map<String, int[]> blocks, double[][] xs,
        Map<String, Integer> features, double[] beta) {
      List<WeightedFeature> out = new ArrayList<>();
      BlockedModel.Builder bb = blockOf == null ? null : BlockedModel.builder(p, nBlocks);
      // each sample's design row as its nonzero columns, raw (for the fitted value) and centred (for the sums): a
      // cell-means design has one group column per row, so most of the p multiplications per value are skipped
      SparseRows d = SparseRows.of(xs, shift);
      for (WeightedFeature w : eachFeature(it, blocks,
          (same, idx) -> feature(same, idx, d, features, beta, bb))) {
        if (w != null) out.add(w);
      }
      return out;
    }

    private WeightedFeature feature(List<FeatureRow> rows, List<int[]> idx, SparseRows d,
        Map<String, Integer> features, double[] beta, BlockedModel.Builder bb) {
      Integer fi = features.get(rows.get(0).getFeature());
      if (fi == null) return null;
      int o = fi * p;
      if (d.cellMeans && bb == null) return cellMeans(fi, rows, idx, d, beta);
      if (bb != null) bb.reset();
      Sums one = bb == null ? new Sums(1, p, 0, true) : null;
      for (int r = 0; r < rows.size(); r++) {
        double[] v = rows.get(r).getEntries();
        int[] si = idx.get(r);
        for (int k = 0; k < v.length; k++) {
          int s = si[k];
          double y = v[k];
          if (s < 0 || Double.isNaN(y)) continue;
          // voom: fitted.values <- coefficients %*% t(design), over the estimable columns
          double fitted = 0;
          for (int j = d.start[s], hi = d.start[s + 1]; j < hi; j++) {
            double b = beta[o + d.col[j]];
            if (d.raw[j] != 0 && !Double.isNaN(b)) fitted += d.raw[j] * b;
          }
          double e = voom.logCpm(s, voom.count(s, y));
          // voom's 1 / f(log2(2^fitted (L + 1) / 1e6))^4 with the logarithm taken apart (fitted + log2(L + 1) -
          // log2(1e6), per sample once): two transcendental calls fewer per value, equal to about 1e-15
          double sd = trend.sqrtSd(fitted - voom.eShift()[s]);
          double sd2 = sd * sd;
          double w = 1 / (sd2 * sd2);
          if (bb != null) bb.add(blockOf[s], d.col, d.x, d.start[s], d.start[s + 1], e, w);
          else one.addModelSparse(d, s, e, w);
        }
      }
      return new WeightedFeature(fi, one, bb == null ? null : bb.build());
    }

    /**
     * {@link #feature} for a design of groups alone ({@link SparseRows#cellMeans}) without blocking: a value's
     * fitted value is its column's coefficient, and its weighted sums are its column's (X'WX diagonal), added up in
     * local variables; the same sums.
     */
    private WeightedFeature cellMeans(int fi, List<FeatureRow> rows, List<int[]> idx, SparseRows d, double[] beta) {
      int o = fi * p;
      double[] eShift = voom.eShift();
      long n = 0;
      double sumY = 0;
      double sumYY = 0;
      double[] xty = new double[p];
      double[] xtx = new double[p];
      for (int r = 0; r < rows.size(); r++) {
        double[] v = rows.get(r).getEntries();
        int[] si = idx.get(r);
        for (int k = 0; k < v.length; k++) {
          int s = si[k];
          double y = v[k];
          if (s < 0 || Double.isNaN(y)) continue;
          int a = d.column(s);
          double b = beta[o + a];
          double fitted = Double.isNaN(b) ? 0 : b;
          double e = voom.logCpm(s, voom.count(s, y));
          double sd = trend.sqrtSd(fitted - eShift[s]);
          double sd2 = sd * sd;
          double w = 1 / (sd2 * sd2);
          n++;
          sumY += e;
          double we = w * e;
          sumYY += we * e;
          xty[a] += we;
          xtx[a] += w;
        }
      }
      Sums one = new Sums(1, p, 0, true);
      one.n[0] = n;
      one.sumY[0] = sumY;
      one.sumYY[0] = sumYY;
      System.arraycopy(xty, 0, one.xty, 0, p);
      for (int a = 0; a < p; a++) one.xtx[Sums.packed(a, a, p)] = xtx[a];
      return new WeightedFeature(fi, one, null);
    }
  }

  /**
   * The per-feature results sorted by feature, their sums and rank scans in one place, and the shared X'X and
   * samples per group over the samples that have any value.
   */
  private static ByFeature assemble(List<FeatureResult> res, int p, int groups, boolean perFeatureXtx,
      double[][] x, int[] grp, boolean voom) {
    int ns = x.length;
    java.util.BitSet present = new java.util.BitSet(ns);
    java.util.TreeMap<String, FeatureResult> sorted = new java.util.TreeMap<>();
    for (FeatureResult r : res) {
      if (r.feature() == null) present.or(r.present());
      else sorted.put(r.feature(), r);
    }
    String[] features = sorted.keySet().toArray(new String[0]);
    Sums sums = new Sums(features.length, p, groups, perFeatureXtx);
    Sums vs = voom ? new Sums(features.length, p, 0, false) : null;
    boolean[] allZero = voom ? new boolean[features.length] : null;
    double[][] ranks = new double[features.length][];
    for (int i = 0; i < features.length; i++) {
      FeatureResult r = sorted.get(features[i]);
      sums.put(i, r.sums());
      ranks[i] = r.ranks();
      if (voom) {
        vs.put(i, r.voomSums());
        // voom's rowSums(counts) == 0; the counts come back to about 1e-12 of a read
        allZero[i] = !(r.maxCount() > 1e-6);
      }
    }
    for (int si = present.nextSetBit(0); si >= 0; si = present.nextSetBit(si + 1)) {
      sums.groupSamples[grp[si]]++;
      int k = 0;
      for (int a = 0; a < p; a++) for (int b = a; b < p; b++) sums.sharedXtx[k++] += x[si][a] * x[si][b];
    }
    if (voom) System.arraycopy(sums.sharedXtx, 0, vs.sharedXtx, 0, sums.sharedXtx.length);
    BlockedModel.Sums[] blockSums = null;
    if (features.length > 0 && sorted.firstEntry().getValue().blockSums() != null) {
      blockSums = new BlockedModel.Sums[features.length];
      for (int i = 0; i < features.length; i++) blockSums[i] = sorted.get(features[i]).blockSums();
    }
    return new ByFeature(features, sums, ranks, present, vs, allZero, blockSums);
  }

  /** Sorts each group's values and feeds them to one {@link RankScan} in ascending order (a G-way merge). */
  static RankSummary mergeScan(double[][] byGroup) {
    int groups = byGroup.length;
    long total = 0;
    for (double[] v : byGroup) {
      Arrays.sort(v);
      total += v.length;
    }
    RankScan scan = new RankScan(groups);
    // The groups' heads meet in a tournament (a loser tree over a power of two of leaves): the next value costs one
    // comparison per level, log2 of the groups, where a scan of every head cost one per group. Equal values may come
    // in any group order: the scan counts a run of ties as a whole.
    int size = 2;
    while (size < groups) size <<= 1;
    int[] pos = new int[groups];
    int[] loser = new int[size];
    int winner = tournament(1, size, byGroup, loser);
    for (long k = 0; k < total; k++) {
      int w = winner;
      scan.add(byGroup[w][pos[w]], w);
      int p = ++pos[w];
      int cur = p < byGroup[w].length ? w : -1; // -1: exhausted, loses to every value
      double cv = cur < 0 ? 0 : byGroup[w][p];
      for (int i = (size + w) >>> 1; i >= 1; i >>>= 1) {
        int l = loser[i];
        if (l < 0) continue;
        double lv = byGroup[l][pos[l]];
        if (cur < 0 || lv < cv) {
          loser[i] = cur;
          cur = l;
          cv = lv;
        }
      }
      winner = cur;
    }
    return scan.finish();
  }

  /**
   * The winner (the group with the smallest first value; -1 for none) of the tournament's subtree at {@code node}
   * (leaves {@code size + g}, for each group g), storing each inner node's loser in {@code loser}.
   */
  private static int tournament(int node, int size, double[][] byGroup, int[] loser) {
    if (node >= size) {
      int g = node - size;
      return g < byGroup.length && byGroup[g].length > 0 ? g : -1;
    }
    int a = tournament(2 * node, size, byGroup, loser);
    int b = tournament(2 * node + 1, size, byGroup, loser);
    boolean bWins = a < 0 || (b >= 0 && byGroup[b][0] < byGroup[a][0]);
    loser[node] = bWins ? a : b;
    return bWins ? b : a;
  }

  /** Per-contrast rank results: n1, n2, U1, AUC, p. */
  static final int PER_CONTRAST = 5;

  private static double[] tests(RankSummary s, int[][] cases, int[][] controls, int width) {
    double[] out = new double[width];
    for (int c = 0; c < cases.length; c++) {
      MannWhitneyU.Result u = MannWhitneyU.test(s, cases[c], controls[c]);
      int o = c * PER_CONTRAST;
      out[o] = u.n1();
      out[o + 1] = u.n2();
      out[o + 2] = u.u();
      out[o + 3] = u.auc();
      out[o + 4] = u.pValue();
    }
    KruskalWallis.Result k = KruskalWallis.test(s);
    int o = cases.length * PER_CONTRAST;
    out[o] = k.h();
    out[o + 1] = k.df();
    out[o + 2] = k.pValue();
    return out;
  }
}
