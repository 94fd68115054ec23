package io.exocohort.de;

import io.exocohort.de.kernel.KruskalWallis;
import io.exocohort.de.kernel.MannWhitneyU;
import io.exocohort.de.kernel.RankScan;
import io.exocohort.de.kernel.RankSummary;
import io.exocohort.normalize.SampleMatrix;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

/**
 * The distributed passes of a de run over a modality's per-sample vectors ({@link SampleMatrix}): what comes
 * back to the driver is per-feature arrays only.
 *
 * <ul>
 *   <li>{@link #sums}: one aggregation giving, per feature, the linear model's sufficient statistics (n, sum y,
 *       sum y^2, X'y, and the feature's own X'X over its observed rows when values may be missing) and per
 *       (feature, group) n, sum, sum of squares for Welch and ANOVA; plus the shared X'X and samples per
 *       group.</li>
 *   <li>{@link #ranks}: values flattened to (feature, value, group), repartitioned by feature and sorted by
 *       value within partitions, then one {@link RankScan} per feature from which every contrast's
 *       Mann-Whitney U and the Kruskal-Wallis H follow (computed on the executors).</li>
 * </ul>
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

    Sums add(double[] x, int g, double[] v) {
      int pp = p * (p + 1) / 2;
      groupSamples[g]++;
      int k = 0;
      for (int a = 0; a < p; a++) for (int b = a; b < p; b++) sharedXtx[k++] += x[a] * x[b];
      for (int i = 0; i < f; i++) {
        double y = v[i];
        if (Double.isNaN(y)) continue;
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
      return this;
    }

    Sums merge(Sums o) {
      for (int i = 0; i < groups; i++) groupSamples[i] += o.groupSamples[i];
      addInto(sharedXtx, o.sharedXtx);
      for (int i = 0; i < f; i++) n[i] += o.n[i];
      addInto(sumY, o.sumY);
      addInto(sumYY, o.sumYY);
      addInto(xty, o.xty);
      addInto(xtx, o.xtx);
      for (int i = 0; i < gn.length; i++) gn[i] += o.gn[i];
      addInto(gs, o.gs);
      addInto(gss, o.gss);
      return this;
    }

    private static void addInto(double[] a, double[] b) {
      for (int i = 0; i < a.length; i++) a[i] += b[i];
    }
  }

  static Sums sums(JavaSparkContext jsc, SampleMatrix m, DeDesign d, boolean perFeatureXtx) {
    Broadcast<Map<String, double[]>> rows = jsc.broadcast(d.rows);
    Broadcast<Map<String, Integer>> groupOf = jsc.broadcast(d.groupOf);
    int f = m.features.length;
    int p = d.p();
    int groups = d.groups.length;
    return m.rows.treeAggregate(new Sums(f, p, groups, perFeatureXtx), (acc, vec) -> {
      String key = DeDesign.key(vec.cohort(), vec.sampleId());
      double[] x = rows.value().get(key);
      return x == null ? acc : acc.add(x, groupOf.value().get(key), vec.v());
    }, Sums::merge);
  }

  /** Per-contrast rank results: n1, n2, U1, AUC, p. */
  static final int PER_CONTRAST = 5;

  /**
   * Rank tests per feature: an array of {@code contrasts * 5 + 3} values (per contrast n1, n2, U, AUC, p; then
   * Kruskal-Wallis H, df, p across all groups), NaN-filled for features without values.
   */
  static double[][] ranks(JavaSparkContext jsc, SampleMatrix m, DeDesign d, List<DeDesign.Contrast> contrasts) {
    Broadcast<Map<String, Integer>> groupOf = jsc.broadcast(d.groupOf);
    int f = m.features.length;
    int groups = d.groups.length;
    int[][] cases = new int[contrasts.size()][];
    int[][] controls = new int[contrasts.size()][];
    for (int c = 0; c < cases.length; c++) {
      cases[c] = contrasts.get(c).caseGroups();
      controls[c] = contrasts.get(c).controlGroups();
    }
    int width = cases.length * PER_CONTRAST + 3;
    int parts = Math.max(jsc.defaultParallelism(), Math.min(f, m.rows.getNumPartitions()));
    JavaPairRDD<Tuple2<Integer, Double>, Integer> flat = m.rows.flatMapToPair(vec -> {
      Integer g = groupOf.value().get(DeDesign.key(vec.cohort(), vec.sampleId()));
      List<Tuple2<Tuple2<Integer, Double>, Integer>> out = new ArrayList<>();
      if (g == null) return out.iterator();
      double[] v = vec.v();
      for (int i = 0; i < v.length; i++) {
        if (!Double.isNaN(v[i])) out.add(new Tuple2<>(new Tuple2<>(i, v[i]), g));
      }
      return out.iterator();
    });
    List<Tuple2<Integer, double[]>> res = flat
        .repartitionAndSortWithinPartitions(new FeaturePartitioner(parts), new FeatureValueOrder())
        .mapPartitions(it -> {
          List<Tuple2<Integer, double[]>> out = new ArrayList<>();
          RankScan scan = null;
          int current = -1;
          while (it.hasNext()) {
            Tuple2<Tuple2<Integer, Double>, Integer> t = it.next();
            int feature = t._1()._1();
            if (feature != current) {
              if (scan != null) out.add(new Tuple2<>(current, tests(scan.finish(), cases, controls, width)));
              scan = new RankScan(groups);
              current = feature;
            }
            scan.add(t._1()._2(), t._2());
          }
          if (scan != null) out.add(new Tuple2<>(current, tests(scan.finish(), cases, controls, width)));
          return out.iterator();
        })
        .collect();
    double[][] r = new double[f][];
    for (Tuple2<Integer, double[]> t : res) r[t._1()] = t._2();
    for (int i = 0; i < f; i++) {
      if (r[i] == null) {
        r[i] = new double[width];
        Arrays.fill(r[i], Double.NaN);
      }
    }
    return r;
  }

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

  /** Partitions (feature, value) keys by feature. */
  static final class FeaturePartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int parts;

    FeaturePartitioner(int parts) {
      this.parts = parts;
    }

    @Override
    public int numPartitions() {
      return parts;
    }

    @SuppressWarnings("unchecked")
    @Override
    public int getPartition(Object key) {
      return Math.floorMod(((Tuple2<Integer, Double>) key)._1(), parts);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof FeaturePartitioner fp && fp.parts == parts;
    }

    @Override
    public int hashCode() {
      return parts;
    }
  }

  /** Orders by feature, then value. */
  static final class FeatureValueOrder implements Comparator<Tuple2<Integer, Double>>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(Tuple2<Integer, Double> a, Tuple2<Integer, Double> b) {
      int c = Integer.compare(a._1(), b._1());
      return c != 0 ? c : Double.compare(a._2(), b._2());
    }
  }
}
