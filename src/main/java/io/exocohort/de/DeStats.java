package io.exocohort.de;

import io.exocohort.de.kernel.KruskalWallis;
import io.exocohort.de.kernel.MannWhitneyU;
import io.exocohort.de.kernel.RankScan;
import io.exocohort.de.kernel.RankSummary;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * The distributed pass of a de run over a modality's long values ({@link #byFeature}): per feature, the linear
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

    /** Adds one value {@code y} of feature {@code i} for a sample with design row {@code x} in group {@code g}. */
    void addValue(int i, double[] x, int g, double y) {
      int pp = p * (p + 1) / 2;
      n[i]++;
      sumY[i] += y;
      sumYY[i] += y * y;
      int o = i * p;
      for (int a = 0; a < p; a++) if (x[a] != 0) xty[o + a] += x[a] * y;
      if (perFeatureXtx) {
        int q = i * pp;
        for (int a = 0; a < p; a++) {
          double xa = x[a];
          if (xa == 0) {
            q += p - a;
            continue;
          }
          for (int b = a; b < p; b++) xtx[q++] += xa * x[b];
        }
      }
      int gi = i * groups + g;
      gn[gi]++;
      gs[gi] += y;
      gss[gi] += y * y;
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

  /** What one pass over a modality's long values gives: the features (sorted), their sums and rank tests. */
  record ByFeature(String[] features, Sums sums, double[][] ranks) {}

  /** One input partition's values of one feature: sample indices and values (growable). */
  static final class Chunk implements Serializable {
    private static final long serialVersionUID = 1L;
    int[] s = new int[64];
    double[] v = new double[64];
    int size;

    void add(int sample, double value) {
      if (size == s.length) {
        s = Arrays.copyOf(s, size * 2);
        v = Arrays.copyOf(v, size * 2);
      }
      s[size] = sample;
      v[size++] = value;
    }

    Chunk trim() {
      s = Arrays.copyOf(s, size);
      v = Arrays.copyOf(v, size);
      return this;
    }
  }

  /** A feature's results from its partition; the partition's last record carries the samples it saw instead. */
  record FeatureResult(String feature, Sums sums, double[] ranks, java.util.BitSet present) implements Serializable {}

  /** Values a map task gathers (about 12 bytes each) before it hands its chunks to the shuffle. */
  static final int CHUNK_VALUES = 4 << 20;

  /**
   * Everything de needs from one modality in one pass over its long values ({@code cohort, sample_id, feature,
   * value}): each input partition cuts its rows into per-feature chunks of primitive arrays (a table laid out by
   * sample gives one chunk per feature and partition), the chunks meet by feature in one shuffle, and each
   * feature's task adds up the linear model's and the groups' sufficient statistics and sorts the feature's
   * values (per group, then merged) for one {@link RankScan}. No value travels as an object of its own, and
   * nothing but per-feature results reaches the driver.
   */
  static ByFeature byFeature(JavaSparkContext jsc, org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> values,
      DeDesign d, List<DeDesign.Contrast> contrasts, boolean perFeatureXtx) {
    List<String> keys = new ArrayList<>(d.rows.keySet());
    int ns = keys.size();
    Map<String, Integer> sampleIndex = new java.util.HashMap<>();
    double[][] x = new double[ns][];
    int[] grp = new int[ns];
    for (int i = 0; i < ns; i++) {
      sampleIndex.put(keys.get(i), i);
      x[i] = d.rows.get(keys.get(i));
      grp[i] = d.groupOf.get(keys.get(i));
    }
    Broadcast<Map<String, Integer>> bIndex = jsc.broadcast(sampleIndex);
    Broadcast<double[][]> bX = jsc.broadcast(x);
    Broadcast<int[]> bG = jsc.broadcast(grp);
    int p = d.p();
    int groups = d.groups.length;
    int[][] cases = new int[contrasts.size()][];
    int[][] controls = new int[contrasts.size()][];
    for (int c = 0; c < cases.length; c++) {
      cases[c] = contrasts.get(c).caseGroups();
      controls[c] = contrasts.get(c).controlGroups();
    }
    int width = cases.length * PER_CONTRAST + 3;
    org.apache.spark.api.java.JavaRDD<org.apache.spark.sql.catalyst.InternalRow> rows = values
        .select(org.apache.spark.sql.functions.col("cohort"), org.apache.spark.sql.functions.col("sample_id"),
            org.apache.spark.sql.functions.col("feature"), org.apache.spark.sql.functions.col("value").cast("double"))
        .queryExecution().toRdd().toJavaRDD();
    int parts = Math.max(2 * jsc.defaultParallelism(), rows.getNumPartitions());
    JavaPairRDD<String, Chunk> chunks = rows.mapPartitionsToPair(it -> new Chunks(it, bIndex.value()));
    List<FeatureResult> res = chunks.partitionBy(new org.apache.spark.HashPartitioner(parts)).mapPartitions(it -> {
      Map<String, List<Chunk>> byFeature = new java.util.HashMap<>();
      while (it.hasNext()) {
        Tuple2<String, Chunk> t = it.next();
        byFeature.computeIfAbsent(t._1(), k -> new ArrayList<>()).add(t._2());
      }
      double[][] xs = bX.value();
      int[] gs = bG.value();
      java.util.BitSet present = new java.util.BitSet(xs.length);
      List<FeatureResult> out = new ArrayList<>(byFeature.size() + 1);
      for (Map.Entry<String, List<Chunk>> e : byFeature.entrySet()) {
        Sums one = new Sums(1, p, groups, perFeatureXtx);
        int[] count = new int[groups];
        for (Chunk ch : e.getValue()) for (int j = 0; j < ch.size; j++) count[gs[ch.s[j]]]++;
        double[][] byGroup = new double[groups][];
        for (int g = 0; g < groups; g++) byGroup[g] = new double[count[g]];
        int[] fill = new int[groups];
        for (Chunk ch : e.getValue()) {
          for (int j = 0; j < ch.size; j++) {
            int si = ch.s[j];
            int g = gs[si];
            one.addValue(0, xs[si], g, ch.v[j]);
            byGroup[g][fill[g]++] = ch.v[j];
            present.set(si);
          }
        }
        out.add(new FeatureResult(e.getKey(), one, tests(mergeScan(byGroup), cases, controls, width), null));
      }
      out.add(new FeatureResult(null, null, null, present));
      return out.iterator();
    }).collect();

    ByFeature byFeature = assemble(res, p, groups, perFeatureXtx, x, grp);
    bIndex.destroy();
    bX.destroy();
    bG.destroy();
    return byFeature;
  }

  /**
   * The per-feature results sorted by feature, their sums and rank scans in one place, and the shared X'X and
   * samples per group over the samples that have any value.
   */
  private static ByFeature assemble(List<FeatureResult> res, int p, int groups, boolean perFeatureXtx,
      double[][] x, int[] grp) {
    int ns = x.length;
    java.util.BitSet present = new java.util.BitSet(ns);
    java.util.TreeMap<String, FeatureResult> sorted = new java.util.TreeMap<>();
    for (FeatureResult r : res) {
      if (r.feature() == null) present.or(r.present());
      else sorted.put(r.feature(), r);
    }
    String[] features = sorted.keySet().toArray(new String[0]);
    Sums sums = new Sums(features.length, p, groups, perFeatureXtx);
    double[][] ranks = new double[features.length][];
    for (int i = 0; i < features.length; i++) {
      FeatureResult r = sorted.get(features[i]);
      sums.put(i, r.sums());
      ranks[i] = r.ranks();
    }
    for (int si = present.nextSetBit(0); si >= 0; si = present.nextSetBit(si + 1)) {
      sums.groupSamples[grp[si]]++;
      int k = 0;
      for (int a = 0; a < p; a++) for (int b = a; b < p; b++) sums.sharedXtx[k++] += x[si][a] * x[si][b];
    }
    return new ByFeature(features, sums, ranks);
  }

  /**
   * A partition's long rows ({@code cohort, sample_id, feature, value}) as (feature, chunk) pairs: up to
   * {@code CHUNK_VALUES} values are gathered per feature at a time; rows of samples outside the design and missing
   * values are skipped; the sample's index is looked up once per run of rows of the same sample.
   */
  private static final class Chunks implements Iterator<Tuple2<String, Chunk>> {
    private final Iterator<org.apache.spark.sql.catalyst.InternalRow> it;
    private final Map<String, Integer> index;

    private final Map<org.apache.spark.unsafe.types.UTF8String, Chunk> batch = new java.util.HashMap<>();
    private Iterator<Map.Entry<org.apache.spark.unsafe.types.UTF8String, Chunk>> out;
    private org.apache.spark.unsafe.types.UTF8String lastCohort;
    private org.apache.spark.unsafe.types.UTF8String lastSample;
    private int sample = -1;

    Chunks(Iterator<org.apache.spark.sql.catalyst.InternalRow> it, Map<String, Integer> index) {
      this.it = it;
      this.index = index;
    }

    private void fill() {
      batch.clear();
      lastCohort = null;
      long n = 0;
      while (it.hasNext() && n < CHUNK_VALUES) {
        org.apache.spark.sql.catalyst.InternalRow r = it.next();
        if (r.isNullAt(3)) continue;
        double y = r.getDouble(3);
        if (Double.isNaN(y)) continue;
        org.apache.spark.unsafe.types.UTF8String c = r.getUTF8String(0);
        org.apache.spark.unsafe.types.UTF8String sm = r.getUTF8String(1);
        if (lastCohort == null || !sm.equals(lastSample) || !c.equals(lastCohort)) {
          lastCohort = c.clone();
          lastSample = sm.clone();
          Integer i = index.get(DeDesign.key(lastCohort.toString(), lastSample.toString()));
          sample = i == null ? -1 : i;
        }
        if (sample < 0) continue;
        org.apache.spark.unsafe.types.UTF8String f = r.getUTF8String(2);
        Chunk ch = batch.get(f);
        if (ch == null) {
          ch = new Chunk();
          batch.put(f.clone(), ch);
        }
        ch.add(sample, y);
        n++;
      }
      out = new ArrayList<>(batch.entrySet()).iterator();
    }

    @Override
    public boolean hasNext() {
      while (out == null || !out.hasNext()) {
        if (!it.hasNext()) return false;
        fill();
      }
      return true;
    }

    @Override
    public Tuple2<String, Chunk> next() {
      Map.Entry<org.apache.spark.unsafe.types.UTF8String, Chunk> e = out.next();
      return new Tuple2<>(e.getKey().toString(), e.getValue().trim());
    }
  }

  /** Sorts each group's values and feeds them to one {@link RankScan} in ascending order (a G-way merge). */
  static RankSummary mergeScan(double[][] byGroup) {
    int groups = byGroup.length;
    int[] pos = new int[groups];
    long total = 0;
    for (double[] v : byGroup) {
      Arrays.sort(v);
      total += v.length;
    }
    RankScan scan = new RankScan(groups);
    for (long k = 0; k < total; k++) {
      int best = -1;
      double min = Double.POSITIVE_INFINITY;
      for (int g = 0; g < groups; g++) {
        if (pos[g] < byGroup[g].length && (best < 0 || byGroup[g][pos[g]] < min)) {
          best = g;
          min = byGroup[g][pos[g]];
        }
      }
      scan.add(min, best);
      pos[best]++;
    }
    return scan.finish();
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
