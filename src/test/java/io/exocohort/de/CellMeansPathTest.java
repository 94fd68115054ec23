package io.exocohort.de;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.de.kernel.Voom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The passes' sums for a design of groups alone (no covariates), added up per column in local variables, against
 * the same passes walking each sample's design row: the first pass (the stored values' and voom's log-CPM sums, the
 * group sums, the rank tests) and voom's weighted pass, on entries with samples outside the design and missing
 * values, over two blocks.
 */
class CellMeansPathTest {
  private static final int GROUPS = 4;
  private static final int SAMPLES = 240;
  private static final int FEATURES = 6;

  @AfterEach
  void restore() {
    DeStats.SparseRows.cellMeansPath = true;
  }

  /** Entries of two blocks per feature: block 0 holds samples 0-119 and two outside the design, block 1 the rest. */
  private record Data(List<FeatureRow> rows, Map<String, int[]> blocks, double[][] xs, int[] gs,
      DeStats.VoomScale voom) {}

  private static Data data() {
    Random rnd = new Random(17);
    double[][] xs = new double[SAMPLES][GROUPS];
    int[] gs = new int[SAMPLES];
    double[] lib = new double[SAMPLES];
    double[] q = new double[SAMPLES];
    double[] a = new double[SAMPLES];
    for (int s = 0; s < SAMPLES; s++) {
      gs[s] = rnd.nextInt(GROUPS);
      xs[s][gs[s]] = 1;
      lib[s] = 2e5 + rnd.nextInt(800_000);
      q[s] = 2 * lib[s] / 6e5;
      a[s] = (lib[s] + 2 * q[s]) / 1e6;
    }
    int[] b0 = new int[122];
    for (int k = 0; k < 120; k++) b0[k] = k;
    b0[120] = -1;
    b0[121] = -1;
    int[] b1 = new int[SAMPLES - 120];
    for (int k = 0; k < b1.length; k++) b1[k] = 120 + k;
    List<FeatureRow> rows = new ArrayList<>();
    for (int f = 0; f < FEATURES; f++) {
      for (int b = 0; b < 2; b++) {
        int[] idx = b == 0 ? b0 : b1;
        double[] e = new double[idx.length];
        for (int k = 0; k < e.length; k++) {
          int s = Math.max(idx[k], 0);
          // whole counts, one in fifty a fraction, one in forty missing
          double c = Math.floor(Math.exp(rnd.nextDouble() * (2 + f)));
          if (rnd.nextInt(50) == 0) c += 0.37;
          e[k] = rnd.nextInt(40) == 0 ? Double.NaN : Math.log((c + q[s]) / (a[s] * 1e6) * 1e6) / Math.log(2);
        }
        FeatureRow r = new FeatureRow();
        r.setCohort("c");
        r.setBlock(b);
        r.setNormRunId("n");
        r.setFeature(String.format("f%02d", f));
        r.setEntries(e);
        rows.add(r);
      }
    }
    Map<String, int[]> blocks = Map.of(DeStats.blockKey("c", 0, "n"), b0, DeStats.blockKey("c", 1, "n"), b1);
    return new Data(rows, blocks, xs, gs, new DeStats.VoomScale(a, q, lib));
  }

  private static List<DeStats.FeatureResult> firstPass(Data d, boolean fast) {
    return firstPass(d, fast, true);
  }

  private static List<DeStats.FeatureResult> firstPass(Data d, boolean fast, boolean ranks) {
    DeStats.SparseRows.cellMeansPath = fast;
    DeStats.FeatureTask task = new DeStats.FeatureTask(GROUPS, GROUPS, false, new int[][] {{1}, {2, 3}},
        new int[][] {{0}, {0}}, d.voom(), null, 0, ranks);
    return task.run(d.rows().iterator(), d.blocks(), d.xs(), d.gs());
  }

  @Test
  void firstPassSumsAreTheRowWalksSums() {
    Data d = data();
    List<DeStats.FeatureResult> fast = firstPass(d, true);
    List<DeStats.FeatureResult> slow = firstPass(d, false);
    assertEquals(slow.size(), fast.size());
    // one record per feature (its two blocks' rows meet in one task) and the task's last one (the samples seen)
    assertEquals(FEATURES + 1, fast.size());
    for (int i = 0; i < fast.size(); i++) {
      DeStats.FeatureResult f = fast.get(i);
      DeStats.FeatureResult s = slow.get(i);
      assertEquals(s.feature(), f.feature());
      assertEquals(s.present(), f.present());
      if (f.sums() == null) continue;
      same(s.sums(), f.sums());
      same(s.voomSums(), f.voomSums());
      assertEquals(s.maxCount(), f.maxCount(), 0);
      assertEquals(s.ranks().length, f.ranks().length);
      for (int k = 0; k < f.ranks().length; k++) assertEquals(s.ranks()[k], f.ranks()[k], 1e-12);
    }
  }

  /** A pass without rank tests (de --methods without wilcoxon and kruskal): the same sums, no rank results. */
  @Test
  void withoutRankTestsTheSumsAreTheSame() {
    Data d = data();
    for (boolean fast : new boolean[] {true, false}) {
      List<DeStats.FeatureResult> all = firstPass(d, fast, true);
      List<DeStats.FeatureResult> sums = firstPass(d, fast, false);
      assertEquals(all.size(), sums.size());
      for (int i = 0; i < all.size(); i++) {
        assertEquals(all.get(i).present(), sums.get(i).present());
        if (all.get(i).sums() == null) continue;
        assertTrue(all.get(i).ranks().length > 0);
        assertEquals(0, sums.get(i).ranks().length);
        same(all.get(i).sums(), sums.get(i).sums());
        same(all.get(i).voomSums(), sums.get(i).voomSums());
        assertEquals(all.get(i).maxCount(), sums.get(i).maxCount(), 0);
      }
    }
  }

  @Test
  void weightedSumsAreTheRowWalksSums() {
    Data d = data();
    Random rnd = new Random(5);
    double[] ave = new double[40];
    double[] sigma = new double[40];
    for (int f = 0; f < ave.length; f++) {
      ave[f] = rnd.nextDouble() * 12;
      sigma[f] = 0.4 + 2 * Math.exp(-ave[f] / 3);
    }
    Voom trend = Voom.trend(ave, sigma, new boolean[ave.length], 19.5);
    double[] beta = new double[FEATURES * GROUPS];
    for (int i = 0; i < beta.length; i++) beta[i] = rnd.nextDouble() * 10;
    beta[3] = Double.NaN; // a column not estimable for feature 0
    Map<String, Integer> features = new java.util.HashMap<>();
    for (int f = 0; f < FEATURES; f++) features.put(String.format("f%02d", f), f);
    List<List<DeStats.WeightedFeature>> out = new ArrayList<>();
    for (boolean fast : new boolean[] {true, false}) {
      DeStats.SparseRows.cellMeansPath = fast;
      DeStats.WeightTask task = new DeStats.WeightTask(GROUPS, new double[GROUPS], d.voom(), trend, null, 0);
      out.add(task.run(d.rows().iterator(), d.blocks(), d.xs(), features, beta));
    }
    assertEquals(FEATURES, out.get(0).size());
    for (int i = 0; i < out.get(0).size(); i++) {
      assertEquals(out.get(1).get(i).index(), out.get(0).get(i).index());
      same(out.get(1).get(i).sums(), out.get(0).get(i).sums());
    }
  }

  /** Feature 0 of two one-feature sums, to 1e-12 relative (the same additions, in another order at most). */
  private static void same(DeStats.Sums want, DeStats.Sums got) {
    assertEquals(want.n[0], got.n[0]);
    assertTrue(want.n[0] > 0);
    close(want.sumY, got.sumY);
    close(want.sumYY, got.sumYY);
    close(want.xty, got.xty);
    close(want.xtx, got.xtx);
    close(want.gs, got.gs);
    close(want.gss, got.gss);
    assertEquals(java.util.Arrays.toString(want.gn), java.util.Arrays.toString(got.gn));
  }

  private static void close(double[] want, double[] got) {
    assertEquals(want.length, got.length);
    for (int i = 0; i < want.length; i++) {
      assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), "element " + i);
    }
  }
}
