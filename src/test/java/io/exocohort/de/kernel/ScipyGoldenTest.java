package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.de.kernel.Golden.Cohort;
import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Table;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Rank tests (one sorted scan per feature), Welch, ANOVA and BH against scipy 1.10 / statsmodels on the fixtures.
 * Per feature the observed values are sorted (ties in a random order: the scan must not depend on it) and
 * scanned once; every contrast's Mann-Whitney U and the Kruskal-Wallis H come from that one summary. Welch and
 * ANOVA come from per-group sums (n, sum y, sum y^2) as the Spark side aggregates them; "centred" subtracts a
 * per-feature constant (its first observed value) before summing.
 */
class ScipyGoldenTest {
  static final double REL = 1e-9;
  static final double ABS = 1e-13;

  record Contrast(String name, int[] x, int[] y) {}

  static List<Contrast> contrasts(Cohort c) {
    List<Contrast> out = new ArrayList<>();
    if (c.name().equals("gse197020")) {
      out.add(new Contrast("breast_cancer_vs_control", new int[] {1}, new int[] {0}));
      return out;
    }
    String[] levels = c.groupLevels();
    for (int g = 1; g < levels.length; g++) out.add(new Contrast(levels[g] + "_vs_healthy", new int[] {g}, new int[] {0}));
    for (int g = 1; g < levels.length; g++) {
      int[] others = new int[levels.length - 2];
      for (int h = 1, k = 0; h < levels.length; h++) if (h != g) others[k++] = h;
      out.add(new Contrast(levels[g] + "_vs_other_cancers", new int[] {g}, others));
    }
    return out;
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"gse197020,raw", "synth_mirna,raw", "synth_protein,raw", "synth_protein,centred"})
  void matchesScipy(String dataset, String sums) {
    Cohort c = Cohort.load(dataset);
    int nf = c.matrix().values().length;
    RankSummary[] ranks = new RankSummary[nf];
    GroupSums[][] gsums = new GroupSums[nf][];
    summarise(c, sums.equals("centred"), ranks, gsums);

    Deviations dev = new Deviations("scipy " + dataset + " (" + sums + " sums)");
    Table pairwise = Golden.read("scipy_pairwise.csv").where("dataset", dataset);
    for (Contrast k : contrasts(c)) {
      Table g = pairwise.where("contrast", k.name());
      assertEquals(nf, g.size(), k.name());
      String[] feat = g.strings("feature");
      double[] mwuP = new double[nf];
      double[] welchP = new double[nf];
      double[] n1 = g.doubles("n1");
      double[] n2 = g.doubles("n2");
      double[] u = g.doubles("U");
      double[] auc = g.doubles("AUC");
      double[] p = g.doubles("mwu_p");
      double[] wt = g.doubles("welch_t");
      double[] wdf = g.doubles("welch_df");
      double[] wp = g.doubles("welch_p");
      for (int f = 0; f < nf; f++) {
        assertEquals(c.matrix().features()[f], feat[f]);
        String w = k.name() + " " + feat[f];
        MannWhitneyU.Result mw = MannWhitneyU.test(ranks[f], k.x(), k.y());
        dev.check("n1", w, mw.n1(), n1[f], 0, 0);
        dev.check("n2", w, mw.n2(), n2[f], 0, 0);
        dev.check("U", w, mw.u(), u[f], 0, 0);
        dev.check("AUC", w, mw.auc(), auc[f], REL, ABS);
        dev.check("mwu_p", w, mw.pValue(), p[f], REL, ABS);
        mwuP[f] = mw.pValue();
        GroupSums x = GroupSums.EMPTY;
        GroupSums y = GroupSums.EMPTY;
        for (int a : k.x()) x = x.merge(gsums[f][a]);
        for (int b : k.y()) y = y.merge(gsums[f][b]);
        WelchTTest.Result wr = WelchTTest.test(x, y);
        dev.check("welch_t", w, wr.t(), wt[f], REL, ABS);
        dev.check("welch_df", w, wr.df(), wdf[f], REL, ABS);
        dev.check("welch_p", w, wr.pValue(), wp[f], REL, ABS);
        welchP[f] = wr.pValue();
      }
      double[] mwuBh = BenjaminiHochberg.adjust(mwuP);
      double[] welchBh = BenjaminiHochberg.adjust(welchP);
      double[] eMwuBh = g.doubles("mwu_p_bh");
      double[] eWelchBh = g.doubles("welch_p_bh");
      for (int f = 0; f < nf; f++) {
        dev.check("mwu_p_bh", k.name() + " " + feat[f], mwuBh[f], eMwuBh[f], REL, ABS);
        dev.check("welch_p_bh", k.name() + " " + feat[f], welchBh[f], eWelchBh[f], REL, ABS);
      }
    }

    checkGroupTests(dev, c, dataset, ranks, gsums);
    dev.assertOk();
  }

  /**
   * The sufficient statistics of every feature as the Spark side gathers them: the rank scan over the values in a
   * shuffled-then-sorted order (ties in any order) and per-group sums (shifted by the feature's first value when
   * {@code centred}).
   */
  static void summarise(Cohort c, boolean centred, RankSummary[] ranks, GroupSums[][] gsums) {
    int groups = c.groupLevels().length;
    double[][] values = c.matrix().values();
    Random random = new Random(11);
    for (int f = 0; f < values.length; f++) {
      List<double[]> obs = new ArrayList<>();
      double shift = Double.NaN;
      for (int i = 0; i < values[f].length; i++) {
        if (Double.isNaN(values[f][i])) continue;
        obs.add(new double[] {values[f][i], c.group()[i]});
        if (Double.isNaN(shift)) shift = values[f][i];
      }
      if (!centred) shift = 0;
      Collections.shuffle(obs, random);
      obs.sort(Comparator.comparingDouble(o -> o[0]));
      RankScan scan = new RankScan(groups);
      gsums[f] = new GroupSums[groups];
      Arrays.fill(gsums[f], GroupSums.EMPTY);
      for (double[] o : obs) {
        scan.add(o[0], (int) o[1]);
        gsums[f][(int) o[1]] = gsums[f][(int) o[1]].add(o[0] - shift);
      }
      ranks[f] = scan.finish();
    }
  }

  /** Kruskal-Wallis and one-way ANOVA over all groups (and their BH adjustments) against scipy_groups.csv. */
  static void checkGroupTests(Deviations dev, Cohort c, String dataset, RankSummary[] ranks, GroupSums[][] gsums) {
    int nf = ranks.length;
    Table byGroup = Golden.read("scipy_groups.csv").where("dataset", dataset);
    assertEquals(nf, byGroup.size());
    double[] kwP = new double[nf];
    double[] anP = new double[nf];
    double[] h = byGroup.doubles("kruskal_H");
    double[] hp = byGroup.doubles("kruskal_p");
    double[] fs = byGroup.doubles("anova_F");
    double[] fp = byGroup.doubles("anova_p");
    double[] ng = byGroup.doubles("n_groups");
    for (int f = 0; f < nf; f++) {
      String w = c.matrix().features()[f];
      KruskalWallis.Result kw = KruskalWallis.test(ranks[f]);
      dev.check("n_groups", w, kw.groups(), ng[f], 0, 0);
      dev.check("kruskal_H", w, kw.h(), h[f], REL, ABS);
      dev.check("kruskal_p", w, kw.pValue(), hp[f], REL, ABS);
      kwP[f] = kw.pValue();
      OneWayAnova.Result an = OneWayAnova.test(gsums[f]);
      dev.check("anova_F", w, an.f(), fs[f], REL, ABS);
      dev.check("anova_p", w, an.pValue(), fp[f], REL, ABS);
      anP[f] = an.pValue();
    }
    double[] kwBh = BenjaminiHochberg.adjust(kwP);
    double[] anBh = BenjaminiHochberg.adjust(anP);
    double[] eKw = byGroup.doubles("kruskal_p_bh");
    double[] eAn = byGroup.doubles("anova_p_bh");
    for (int f = 0; f < nf; f++) {
      dev.check("kruskal_p_bh", c.matrix().features()[f], kwBh[f], eKw[f], REL, ABS);
      dev.check("anova_p_bh", c.matrix().features()[f], anBh[f], eAn[f], REL, ABS);
    }
  }
}
