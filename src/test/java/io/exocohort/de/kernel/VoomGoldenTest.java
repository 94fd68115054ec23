package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.de.kernel.Golden.Cohort;
import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Matrix;
import io.exocohort.de.kernel.Golden.Table;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * voom and the weighted limma path against limma 3.54.1 ({@code voom}, {@code lmFit(v, design)}, {@code
 * contrasts.fit}, {@code eBayes(trend = FALSE / TRUE)}, {@code topTable}) on the two counts fixtures: the real
 * GSE197020 counts (300 miRs, 96 samples, ~0 + group) and the synthetic negative binomial counts (200 miRs, one
 * all zero, 120 samples, ~0 + group + age + sex), both with edgeR's TMM norm factors. Everything from the counts
 * and the golden library sizes and norm factors, with the kernels as the Spark side will call them: log-CPM per
 * entry, sums of the log-CPM for the unweighted fit (shared X'X), the trend, a weight per entry, weighted sums per
 * feature (own X'WX) for the weighted fit, contrasts with the unweighted design's covariance, eBayes.
 *
 * <p>"raw" sums are of the values as they are; "centred" sums subtract 60 from age and a per-feature constant
 * (its first log-CPM) from y, as in {@link LimmaGoldenTest}.
 */
class VoomGoldenTest {
  /**
   * E (and sx, the line's x) within 1e-13 relative, the weights (and sy, the line's y) within 1e-11; what held:
   * E 3e-16, weights 4e-13 (raw sums) and 5e-14 (centred). Everything else within limma's 1e-6 as in {@link
   * LimmaGoldenTest}; what held: 6e-10 (t and logFC of a near-zero contrast, raw sums), 6e-11 centred.
   */
  static final double REL_E = 1e-13;
  static final double REL_W = 1e-11;
  static final double REL = 1e-6;
  static final double ABS = 1e-12;

  /** The voom pipeline's intermediate and final results for one counts fixture. */
  record Voomed(Cohort cohort, Matrix counts, double[] lib, double[][] e, FeatureFit[] unweighted, Voom trend,
                double[][] weights, FeatureFit[] weighted, LinearModel model, double[][] sharedXtX) {}

  /** The design's cohort (its samples and design matrix) for a counts fixture. */
  static String designOf(String dataset) {
    return dataset.equals("gse197020") ? "gse197020" : "synth_mirna";
  }

  static Voomed voom(String dataset, boolean centred) {
    Cohort c = Cohort.load(designOf(dataset));
    Matrix counts = Matrix.read(dataset.equals("gse197020") ? "gse197020_counts.csv" : dataset + ".csv");
    assertArrayEquals(c.matrix().samples(), counts.samples(), "counts and design have the same samples");
    Table libs = Golden.read("voom_libs.csv").where("dataset", dataset);
    assertArrayEquals(counts.samples(), libs.strings("sample"));
    double[] libSize = libs.doubles("lib_size");
    double[] normFactor = libs.doubles("norm_factor");
    int n = libSize.length;
    double[] lib = new double[n];
    for (int i = 0; i < n; i++) lib[i] = libSize[i] * normFactor[i];

    int p = c.p();
    double[] shift = new double[p];
    int[] ones = new int[c.groupLevels().length];
    for (int g = 0; g < ones.length; g++) ones[g] = g;
    LinearModel model = LinearModel.of(c.designColumns());
    if (centred) {
      if (p > ones.length) shift[ones.length] = 60; // age
      model = model.centred(shift, ones);
    }
    double[][] x = new double[n][];
    FeatureSums.Builder all = FeatureSums.builder(p, 0);
    for (int i = 0; i < n; i++) {
      x[i] = c.design()[i].clone();
      for (int j = 0; j < p; j++) x[i][j] -= shift[j];
      all.add(x[i], 0);
    }
    double[][] shared = all.build().xtx();

    double[][] cnt = counts.values();
    int nf = cnt.length;
    double[][] e = new double[nf][n];
    FeatureFit[] unweighted = new FeatureFit[nf];
    double[] amean = new double[nf];
    double[] sigma = new double[nf];
    boolean[] allZero = new boolean[nf];
    for (int f = 0; f < nf; f++) {
      double rowSum = 0;
      for (int i = 0; i < n; i++) {
        e[f][i] = Voom.logCpm(cnt[f][i], lib[i]);
        rowSum += cnt[f][i];
      }
      allZero[f] = rowSum == 0;
      FeatureSums.Builder b = FeatureSums.builder(p, centred ? e[f][0] : 0);
      for (int i = 0; i < n; i++) b.add(x[i], e[f][i]);
      FeatureSums s = b.build();
      unweighted[f] = model.fit(new FeatureSums(s.n(), s.sumY(), s.sumYY(), s.xty(), shared, s.yShift()));
      amean[f] = unweighted[f].aveExpr();
      sigma[f] = Math.sqrt(unweighted[f].sigma2());
    }
    Voom trend = Voom.trend(amean, sigma, allZero, Voom.meanLog2LibSize(lib));

    double[][] w = new double[nf][n];
    FeatureFit[] weighted = new FeatureFit[nf];
    for (int f = 0; f < nf; f++) {
      FeatureSums.Builder b = FeatureSums.builder(p, centred ? e[f][0] : 0);
      for (int i = 0; i < n; i++) {
        w[f][i] = trend.weight(Voom.fittedValue(unweighted[f].coefficients(), c.design()[i]), lib[i]);
        b.add(x[i], e[f][i], w[f][i]);
      }
      weighted[f] = model.fit(b.build());
    }
    return new Voomed(c, counts, lib, e, unweighted, trend, w, weighted, model, shared);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"gse197020,raw", "gse197020,centred", "synth_counts,raw", "synth_counts,centred"})
  void voomMatchesLimma(String dataset, String sums) {
    Voomed v = voom(dataset, sums.equals("centred"));
    Deviations dev = new Deviations("voom " + dataset + " (" + sums + " sums)");
    String[] features = v.counts().features();
    Matrix eGolden = Matrix.read("voom_E_" + dataset + ".csv");
    Matrix wGolden = Matrix.read("voom_weights_" + dataset + ".csv");
    assertArrayEquals(features, eGolden.features());
    assertArrayEquals(features, wGolden.features());
    for (int f = 0; f < features.length; f++) {
      for (int i = 0; i < v.lib().length; i++) {
        String at = features[f] + " " + v.counts().samples()[i];
        dev.check("E", at, v.e()[f][i], eGolden.values()[f][i], REL_E, ABS);
        dev.check("weights", at, v.weights()[f][i], wGolden.values()[f][i], REL_W, 0);
      }
    }
    // the trend's input (voom.xy; NA for the all-zero features voom leaves out) and its lowess line (voom.line)
    Table xy = Golden.read("voom_xy.csv").where("dataset", dataset);
    assertArrayEquals(features, xy.strings("feature"));
    double meanLog2Lib = Voom.meanLog2LibSize(v.lib());
    double[] sx = xy.doubles("sx");
    double[] sy = xy.doubles("sy");
    int allZero = 0;
    for (int f = 0; f < features.length; f++) {
      FeatureFit fit = v.unweighted()[f];
      if (Double.isNaN(sx[f])) {
        allZero++;
        continue;
      }
      dev.check("sx", features[f], fit.aveExpr() + meanLog2Lib - Voom.LOG2_1E6, sx[f], REL_E, ABS);
      dev.check("sy", features[f], Math.sqrt(Math.sqrt(fit.sigma2())), sy[f], REL_W, 0);
    }
    assertEquals(dataset.equals("gse197020") ? 0 : 1, allZero, "all-zero features");
    Table line = Golden.read("voom_line.csv").where("dataset", dataset);
    double[] lx = line.doubles("x");
    double[] ly = line.doubles("y");
    assertEquals(lx.length, v.trend().lineX().length);
    for (int k = 0; k < lx.length; k++) {
      dev.check("line x", "point " + (k + 1), v.trend().lineX()[k], lx[k], REL_E, ABS);
      dev.check("line y", "point " + (k + 1), v.trend().lineY()[k], ly[k], REL_W, 0);
    }
    dev.assertOk();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"gse197020,raw", "gse197020,centred", "synth_counts,raw", "synth_counts,centred"})
  void weightedFitMatchesLmFit(String dataset, String sums) {
    Voomed v = voom(dataset, sums.equals("centred"));
    Cohort c = v.cohort();
    Table golden = Golden.read("voom_fit_" + dataset + ".csv");
    String[] names = golden.strings("feature");
    assertArrayEquals(v.counts().features(), names);
    Deviations dev = new Deviations("weighted lmFit " + dataset + " (" + sums + " sums)");
    for (int j = 0; j < c.p(); j++) {
      String col = c.designColumns()[j];
      double[] coef = golden.doubles("coef_" + col);
      double[] su = golden.doubles("su_" + col);
      for (int f = 0; f < names.length; f++) {
        FeatureFit fit = v.weighted()[f];
        dev.check("coefficient", names[f] + " " + col, fit.coefficients()[j], coef[f], REL, ABS);
        dev.check("stdev.unscaled", names[f] + " " + col, fit.stdevUnscaled()[j], su[f], REL, ABS);
      }
    }
    double[] sigma = golden.doubles("sigma");
    double[] df = golden.doubles("df_residual");
    double[] amean = golden.doubles("Amean");
    for (int f = 0; f < names.length; f++) {
      FeatureFit fit = v.weighted()[f];
      dev.check("sigma", names[f], Math.sqrt(fit.sigma2()), sigma[f], REL, ABS);
      dev.check("df.residual", names[f], fit.dfResidual(), df[f], 0, 0);
      dev.check("Amean", names[f], fit.aveExpr(), amean[f], REL, ABS);
    }
    dev.assertOk();
  }

  @ParameterizedTest(name = "{0} trend={1} {2}")
  @CsvSource({"gse197020,false,raw", "gse197020,true,raw", "gse197020,true,centred", "synth_counts,false,raw",
      "synth_counts,true,raw", "synth_counts,false,centred", "synth_counts,true,centred"})
  void moderatedStatisticsMatchTopTable(String dataset, boolean trend, String sums) {
    Voomed v = voom(dataset, sums.equals("centred"));
    FeatureFit[] fits = v.weighted();
    int nf = fits.length;
    double[] s2 = new double[nf];
    double[] df = new double[nf];
    double[] amean = new double[nf];
    for (int f = 0; f < nf; f++) {
      s2[f] = fits[f].sigma2();
      df[f] = fits[f].dfResidual();
      amean[f] = fits[f].aveExpr();
    }
    EmpiricalBayes eb = EmpiricalBayes.fit(s2, df, amean, trend);
    String trendKey = trend ? "TRUE" : "FALSE";
    Deviations dev = new Deviations("voom eBayes/topTable " + dataset + " trend=" + trend + " (" + sums + " sums)");
    Table features = Golden.read("voom_features.csv").where("dataset", dataset).where("trend", trendKey);
    String[] fnames = features.strings("feature");
    assertArrayEquals(v.counts().features(), fnames);
    dev.check("df.prior", dataset, eb.dfPrior(), features.doubles("df_prior")[0], REL, 0);
    double[] s2Prior = features.doubles("s2_prior");
    double[] s2Post = features.doubles("s2_post");
    double[] dfTotal = features.doubles("df_total");
    for (int f = 0; f < nf; f++) {
      dev.check("s2.prior", fnames[f], eb.s2Prior()[eb.s2Prior().length == 1 ? 0 : f], s2Prior[f], REL, ABS);
      dev.check("s2.post", fnames[f], eb.s2Post()[f], s2Post[f], REL, ABS);
      dev.check("df.total", fnames[f], eb.dfTotal()[f], dfTotal[f], REL, ABS);
    }
    ContrastSet contrasts = contrasts(v);
    Table table = Golden.read("voom_contrasts.csv").where("dataset", dataset).where("trend", trendKey);
    Table summary = Golden.read("voom_summary.csv").where("dataset", dataset).where("trend", trendKey);
    Golden.checkTopTables(contrasts, fits, eb, fnames, table, summary, dev, REL, ABS);
    dev.assertOk();
  }

  /** contrasts.fit of the weighted fit: the contrasts R used, with the UNWEIGHTED design's cov.coefficients. */
  static ContrastSet contrasts(Voomed v) {
    Cohort c = v.cohort();
    Table cm = Golden.read("contrasts.csv").where("dataset", designOf(c.name()));
    Map<String, double[]> weights = new LinkedHashMap<>();
    for (String[] r : cm.rows()) {
      double[] w = weights.computeIfAbsent(r[cm.col("contrast")], k -> new double[c.p()]);
      w[List.of(c.designColumns()).indexOf(r[cm.col("coef")])] = Golden.parse(r[cm.col("weight")]);
    }
    return ContrastSet.limma(weights.keySet().toArray(new String[0]), weights.values().toArray(new double[0][]),
        v.model().designCovariance(v.sharedXtX()));
  }

  /** approxfun(rule = 2, ties = list("ordered", mean)) against R: tied x averaged, ends held, NaN kept. */
  @Test
  void trendInterpolatesAsApproxfun() {
    Table t = Golden.read("approxfun_ties.csv");
    Table line = t.where("part", "line");
    Table eval = t.where("part", "eval");
    Voom trend = Voom.fromLine(line.doubles("x"), line.doubles("y"));
    double[] v = eval.doubles("x");
    double[] expected = eval.doubles("y");
    for (int i = 0; i < v.length; i++) {
      double got = trend.sqrtSd(v[i]);
      if (Double.isNaN(expected[i])) assertTrue(Double.isNaN(got), "NaN at " + v[i]);
      else assertEquals(expected[i], got, 1e-15 * Math.abs(expected[i]), "approxfun at " + v[i]);
    }
    assertThrows(IllegalArgumentException.class, () -> Voom.fromLine(new double[] {1, 1}, new double[] {2, 3}));
    assertThrows(IllegalArgumentException.class, () -> Voom.fromLine(new double[] {2, 1}, new double[] {2, 3}));
  }

  /**
   * The trend's grid lookup finds the interval a plain scan finds, on lines with clustered and wide gaps, at the
   * knots themselves, between them and at the grid's cell bounds: the same value to the bit.
   */
  @Test
  void trendLookupEqualsAScan() {
    java.util.Random rnd = new java.util.Random(17);
    for (int round = 0; round < 200; round++) {
      int n = 2 + rnd.nextInt(round < 100 ? 8 : 3000);
      double[] x = new double[n];
      double[] y = new double[n];
      double at = rnd.nextGaussian() * 10;
      for (int i = 0; i < n; i++) {
        at += rnd.nextDouble() < 0.1 ? rnd.nextDouble() * 5 : Math.ulp(at) * (1 + rnd.nextInt(4)) + rnd.nextDouble() * 1e-3;
        x[i] = at;
        y[i] = rnd.nextDouble();
      }
      Voom trend = Voom.fromLine(x, y);
      for (int k = 0; k < 500; k++) {
        double v = switch (k % 4) {
          case 0 -> x[rnd.nextInt(n)];
          case 1 -> x[0] + (x[n - 1] - x[0]) * rnd.nextDouble() * 1.2 - 0.1 * (x[n - 1] - x[0]);
          case 2 -> Math.nextUp(x[rnd.nextInt(n)]);
          default -> x[0] + (x[n - 1] - x[0]) * rnd.nextInt(4 * n + 1) / (4.0 * n);
        };
        assertEquals(scan(x, y, v), trend.sqrtSd(v), 0, "round " + round + " at " + v);
      }
    }
  }

  /** approx1 by a linear scan over strictly ascending x: the reference of {@link #trendLookupEqualsAScan}. */
  private static double scan(double[] x, double[] y, double v) {
    int last = x.length - 1;
    if (v < x[0]) return y[0];
    if (v > x[last]) return y[last];
    int i = 0;
    while (i < last && x[i + 1] <= v) i++;
    if (i == last || v == x[i]) return y[i];
    return y[i] + (y[i + 1] - y[i]) * ((v - x[i]) / (x[i + 1] - x[i]));
  }

  /** The trend travels to Spark tasks: a serialised copy gives the same weights. */
  @Test
  void trendIsSerializable() throws IOException, ClassNotFoundException {
    Voomed v = voom("gse197020", false);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(v.trend());
    }
    Voom copy;
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (Voom) in.readObject();
    }
    for (double fitted = -5; fitted < 25; fitted += 0.37) {
      assertEquals(v.trend().weight(fitted, 1e5), copy.weight(fitted, 1e5), 0);
    }
    assertArrayEquals(v.trend().lineY(), copy.lineY(), 0);
  }
}
