package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.de.kernel.Golden.Cohort;
import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Table;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The whole limma path (lmFit by sufficient statistics, contrasts.fit, eBayes with and without trend,
 * topTable) against limma 3.54 on the fixtures: the real GSE197020 log-CPM cohort (~0 + group), the synthetic
 * complete miRNA-like cohort and the synthetic protein-like cohort with 12.5% missing values (~0 + group + age +
 * sex), and a homoscedastic synthetic set where df.prior is infinite. The sums are built from the fixture as the
 * Spark side aggregates them: a shared X'X over all samples for features without missing values, per-feature
 * X'X over the observed rows otherwise, and per feature n, sum y, sum y^2, X'y.
 *
 * <p>"raw" sums are of the values as they are; "centred" sums subtract 60 from age and a per-feature constant
 * (its first observed value) from y, and declare it to the model, which maps the fit back.
 */
class LimmaGoldenTest {
  static final double REL = 1e-6;
  static final double ABS = 1e-12;

  record Fitted(Cohort cohort, FeatureFit[] fits, LinearModel model, double[][] sharedXtX) {}

  static Fitted fit(String dataset, boolean centred) {
    Cohort c = Cohort.load(dataset);
    int p = c.p();
    LinearModel model = LinearModel.of(c.designColumns());
    double[] shift = new double[p];
    int[] ones = new int[c.groupLevels().length];
    for (int g = 0; g < ones.length; g++) ones[g] = g;
    if (centred) {
      if (p > ones.length) shift[ones.length] = 60; // age
      model = model.centred(shift, ones);
    }
    double[][] design = c.design();
    // shared X'X over all samples (the complete features' X'X)
    FeatureSums.Builder all = FeatureSums.builder(p, 0);
    for (double[] row : design) all.add(shifted(row, shift), 0);
    double[][] shared = all.build().xtx();
    double[][] values = c.matrix().values();
    FeatureFit[] fits = new FeatureFit[values.length];
    for (int f = 0; f < values.length; f++) {
      double[] y = values[f];
      boolean complete = true;
      double yShift = Double.NaN;
      for (double v : y) {
        if (Double.isNaN(v)) complete = false;
        else if (Double.isNaN(yShift)) yShift = v;
      }
      if (!centred) yShift = 0;
      FeatureSums.Builder b = FeatureSums.builder(p, yShift);
      for (int i = 0; i < y.length; i++) b.add(shifted(design[i], shift), y[i]);
      FeatureSums s = b.build();
      if (complete) s = new FeatureSums(s.n(), s.sumY(), s.sumYY(), s.xty(), shared, s.yShift());
      fits[f] = model.fit(s);
    }
    return new Fitted(c, fits, model, shared);
  }

  private static double[] shifted(double[] row, double[] shift) {
    double[] r = row.clone();
    for (int j = 0; j < r.length; j++) r[j] -= shift[j];
    return r;
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"gse197020,raw", "gse197020,centred", "synth_mirna,raw", "synth_mirna,centred",
      "synth_protein,raw", "synth_protein,centred", "synth_homoscedastic,raw", "synth_homoscedastic,centred"})
  void linearModelMatchesLmFit(String dataset, String sums) {
    Fitted fitted = fit(dataset, sums.equals("centred"));
    Cohort c = fitted.cohort();
    Table golden = Golden.read("limma_fit_" + dataset + ".csv");
    Table features = Golden.read("limma_features.csv").where("dataset", dataset).where("trend", "FALSE");
    Deviations dev = new Deviations("lmFit " + dataset + " (" + sums + " sums)");
    String[] names = golden.strings("feature");
    double[] sigma = features.doubles("sigma");
    double[] df = features.doubles("df_residual");
    double[] amean = features.doubles("AveExpr");
    assertEquals(c.matrix().features().length, names.length);
    for (int j = 0; j < c.p(); j++) {
      double[] coef = golden.doubles("coef_" + c.designColumns()[j]);
      double[] su = golden.doubles("su_" + c.designColumns()[j]);
      for (int f = 0; f < names.length; f++) {
        assertEquals(c.matrix().features()[f], names[f]);
        FeatureFit fit = fitted.fits()[f];
        dev.check("coefficient", names[f] + " " + c.designColumns()[j], fit.coefficients()[j], coef[f], REL, ABS);
        dev.check("stdev.unscaled", names[f] + " " + c.designColumns()[j], fit.stdevUnscaled()[j], su[f], REL, ABS);
      }
    }
    for (int f = 0; f < names.length; f++) {
      FeatureFit fit = fitted.fits()[f];
      dev.check("sigma", names[f], Math.sqrt(fit.sigma2()), sigma[f], REL, ABS);
      dev.check("df.residual", names[f], fit.dfResidual(), df[f], 0, 0);
      dev.check("Amean", names[f], fit.aveExpr(), amean[f], REL, ABS);
    }
    dev.assertOk();
  }

  @ParameterizedTest(name = "{0} trend={1} {2}")
  @CsvSource({"gse197020,false,raw", "gse197020,true,raw", "synth_mirna,false,raw", "synth_mirna,true,raw",
      "synth_protein,false,raw", "synth_protein,true,raw", "synth_homoscedastic,false,raw",
      "synth_homoscedastic,true,raw", "synth_protein,true,centred", "synth_mirna,true,centred"})
  void moderatedStatisticsMatchTopTable(String dataset, boolean trend, String sums) {
    Fitted fitted = fit(dataset, sums.equals("centred"));
    Cohort c = fitted.cohort();
    int nf = fitted.fits().length;
    String trendKey = trend ? "TRUE" : "FALSE";

    ContrastSet contrasts = contrasts(fitted, dataset);
    String[] names = names(contrasts);
    EmpiricalBayes eb = eBayes(fitted, trend);

    Deviations dev = new Deviations("eBayes/topTable " + dataset + " trend=" + trend + " (" + sums + " sums)");
    Table features = Golden.read("limma_features.csv").where("dataset", dataset).where("trend", trendKey);
    String[] fnames = features.strings("feature");
    double[] s2Prior = features.doubles("s2_prior");
    double[] s2Post = features.doubles("s2_post");
    double[] dfTotal = features.doubles("df_total");
    double dfPrior = features.doubles("df_prior")[0];
    dev.check("df.prior", dataset, eb.dfPrior(), dfPrior, REL, 0);
    for (int f = 0; f < nf; f++) {
      dev.check("s2.prior", fnames[f], eb.s2Prior()[eb.s2Prior().length == 1 ? 0 : f], s2Prior[f], REL, ABS);
      dev.check("s2.post", fnames[f], eb.s2Post()[f], s2Post[f], REL, ABS);
      dev.check("df.total", fnames[f], eb.dfTotal()[f], dfTotal[f], REL, ABS);
    }
    Table summary = Golden.read("limma_summary.csv").where("dataset", dataset).where("trend", trendKey);
    Table table = Golden.read("limma_contrasts.csv").where("dataset", dataset).where("trend", trendKey);
    for (int k = 0; k < names.length; k++) {
      double[][] est = estimates(fitted, contrasts, k);
      double[] logFC = est[0];
      double[] su = est[1];
      EmpiricalBayes.TopTable tt = eb.test(logFC, su);
      Table g = table.where("contrast", names[k]);
      assertEquals(nf, g.size(), names[k]);
      String[] gf = g.strings("feature");
      double[][] expected = {g.doubles("logFC"), g.doubles("stdev_unscaled"), g.doubles("t"),
          g.doubles("P.Value"), g.doubles("adj.P.Val"), g.doubles("B")};
      double[][] actual = {tt.logFC(), su, tt.t(), tt.pValue(), tt.adjPValue(), tt.b()};
      String[] cols = {"logFC", "stdev.unscaled", "t", "P.Value", "adj.P.Val", "B"};
      for (int f = 0; f < nf; f++) {
        assertEquals(c.matrix().features()[f], gf[f]);
        for (int col = 0; col < cols.length; col++) {
          dev.check(cols[col], names[k] + " " + gf[f], actual[col][f], expected[col][f], REL, ABS);
        }
        dev.check("AveExpr", gf[f], tt.aveExpr()[f], features.doubles("AveExpr")[f], REL, ABS);
      }
      double varPrior = summary.where("contrast", names[k]).doubles("var_prior")[0];
      dev.check("var.prior", names[k], tt.varPrior(), varPrior, REL, 0);
    }
    dev.assertOk();
    REPORTS.add(dev);
  }

  /** contrasts.fit with the contrasts R used for the dataset. */
  static ContrastSet contrasts(Fitted fitted, String dataset) {
    Cohort c = fitted.cohort();
    Table cm = Golden.read("contrasts.csv").where("dataset", dataset);
    Map<String, double[]> weights = new LinkedHashMap<>();
    for (String[] r : cm.rows()) {
      double[] w = weights.computeIfAbsent(r[cm.col("contrast")], k -> new double[c.p()]);
      w[List.of(c.designColumns()).indexOf(r[cm.col("coef")])] = Golden.parse(r[cm.col("weight")]);
    }
    return ContrastSet.limma(weights.keySet().toArray(new String[0]), weights.values().toArray(new double[0][]),
        fitted.model().designCovariance(fitted.sharedXtX()));
  }

  /** Contrast k's coefficient (logFC) and stdev.unscaled per feature. */
  static double[][] estimates(Fitted fitted, ContrastSet cs, int k) {
    int nf = fitted.fits().length;
    double[][] out = new double[2][nf];
    for (int f = 0; f < nf; f++) {
      ContrastSet.Estimate e = cs.estimate(fitted.fits()[f], k);
      out[0][f] = e.coefficient();
      out[1][f] = e.stdevUnscaled();
    }
    return out;
  }

  static String[] names(ContrastSet cs) {
    String[] n = new String[cs.size()];
    for (int k = 0; k < n.length; k++) n[k] = cs.name(k);
    return n;
  }

  static EmpiricalBayes eBayes(Fitted fitted, boolean trend) {
    int nf = fitted.fits().length;
    double[] s2 = new double[nf];
    double[] df = new double[nf];
    double[] amean = new double[nf];
    for (int f = 0; f < nf; f++) {
      s2[f] = fitted.fits()[f].sigma2();
      df[f] = fitted.fits()[f].dfResidual();
      amean[f] = fitted.fits()[f].aveExpr();
    }
    return EmpiricalBayes.fit(s2, df, amean, trend);
  }

  /**
   * treat + topTreat (limma 3.54.1) on the real cohort, the synthetic miRNA-like one and the homoscedastic one
   * (df.prior infinite), with and without trend, at lfc = log2(1.2) (treat's default fc) and 1: logFC, t,
   * P.Value, adj.P.Val and df.total of every feature, for the contrasts limma_treat.csv holds.
   */
  @ParameterizedTest(name = "{0} trend={1} {2}")
  @CsvSource({"gse197020,false,raw", "gse197020,true,raw", "synth_mirna,false,raw", "synth_mirna,true,centred",
      "synth_homoscedastic,false,raw", "synth_homoscedastic,true,raw"})
  void treatMatchesTopTreat(String dataset, boolean trend, String sums) {
    Fitted fitted = fit(dataset, sums.equals("centred"));
    int nf = fitted.fits().length;
    ContrastSet contrasts = contrasts(fitted, dataset);
    EmpiricalBayes eb = eBayes(fitted, trend);
    Table golden = Golden.read("limma_treat.csv").where("dataset", dataset).where("trend", trend ? "TRUE" : "FALSE");
    Deviations dev = new Deviations("treat/topTreat " + dataset + " trend=" + trend + " (" + sums + " sums)");
    int compared = 0;
    for (String lfcText : new java.util.TreeSet<>(List.of(golden.strings("lfc")))) {
      double lfc = Golden.parse(lfcText);
      Table byLfc = golden.where("lfc", lfcText);
      for (String contrast : new java.util.TreeSet<>(List.of(byLfc.strings("contrast")))) {
        double[][] est = estimates(fitted, contrasts, List.of(names(contrasts)).indexOf(contrast));
        EmpiricalBayes.Treat tr = eb.treat(est[0], est[1], lfc);
        Table g = byLfc.where("contrast", contrast);
        assertEquals(nf, g.size(), contrast);
        String[] gf = g.strings("feature");
        double[][] expected = {g.doubles("logFC"), g.doubles("t"), g.doubles("P.Value"), g.doubles("adj.P.Val"),
            g.doubles("df_total")};
        double[][] actual = {tr.logFC(), tr.t(), tr.pValue(), tr.adjPValue(), eb.dfTotal()};
        String[] cols = {"logFC", "t", "P.Value", "adj.P.Val", "df.total"};
        for (int f = 0; f < nf; f++) {
          assertEquals(fitted.cohort().matrix().features()[f], gf[f]);
          for (int col = 0; col < cols.length; col++) {
            dev.check(cols[col], contrast + " lfc=" + lfcText + " " + gf[f], actual[col][f], expected[col][f], REL,
                ABS);
          }
          compared++;
        }
      }
    }
    assertEquals(golden.size(), compared, "every golden row compared");
    dev.assertOk();
  }

  /**
   * treat's edge cases on the real cohort's fit, against the definitions: a non-estimable (NaN) coefficient gives NaN
   * t, p and adj.P.Val and leaves BH's m (the others' adj.P.Val equal BH over their p alone); |logFC| within the
   * threshold gives t = 0; lfc = 0 gives eBayes' t and p.
   */
  @org.junit.jupiter.api.Test
  void treatEdgeCases() {
    Fitted fitted = fit("gse197020", false);
    int nf = fitted.fits().length;
    EmpiricalBayes eb = eBayes(fitted, false);
    double[][] est = estimates(fitted, contrasts(fitted, "gse197020"), 0);
    double[] coef = est[0].clone();
    coef[7] = Double.NaN;
    EmpiricalBayes.Treat tr = eb.treat(coef, est[1], 0.5);
    assertTrue(Double.isNaN(tr.t()[7]) && Double.isNaN(tr.pValue()[7]) && Double.isNaN(tr.adjPValue()[7]));
    double[] others = new double[nf - 1];
    for (int f = 0, j = 0; f < nf; f++) if (f != 7) others[j++] = tr.pValue()[f];
    double[] bh = BenjaminiHochberg.adjust(others);
    int within = 0;
    for (int f = 0, j = 0; f < nf; f++) {
      if (f == 7) continue;
      assertEquals(bh[j++], tr.adjPValue()[f], 0, "BH over the estimable features only");
      if (Math.abs(coef[f]) <= 0.5) {
        assertEquals(0.0, tr.t()[f], 0, "t within the threshold");
        within++;
      } else {
        assertEquals(Math.signum(coef[f]), Math.signum(tr.t()[f]), 0, "t has logFC's sign");
      }
    }
    assertTrue(within > 0 && within < nf - 1, "features on both sides of the threshold: " + within);
    EmpiricalBayes.TopTable tt = eb.test(est[0], est[1]);
    EmpiricalBayes.Treat zero = eb.treat(est[0], est[1], 0);
    for (int f = 0; f < nf; f++) {
      assertEquals(tt.pValue()[f], zero.pValue()[f], 1e-15 + 1e-12 * tt.pValue()[f], "lfc = 0: eBayes' p");
      assertEquals(tt.t()[f], zero.t()[f], 1e-12 * Math.abs(tt.t()[f]), "lfc = 0: eBayes' t");
    }
  }

  static final List<Deviations> REPORTS = new ArrayList<>();
}
