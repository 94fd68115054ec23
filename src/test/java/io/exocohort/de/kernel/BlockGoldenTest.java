package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Matrix;
import io.exocohort.de.kernel.Golden.Table;
import io.exocohort.normalize.kernel.LogCpm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Repeated measures against limma 3.54.1 / statmod 1.5.0 ({@code duplicateCorrelation(block = subject)}, {@code
 * lmFit(block, correlation)}, {@code contrasts.fit}, {@code eBayes(trend = FALSE / TRUE)}, {@code topTable}) on the
 * synthetic repeated-measures counts (150 miRs, 160 samples of 60 subjects, ~0 + cell + age + sex, TMM), end to end
 * from the counts and the golden library sizes and norm factors, through {@link BlockedModel} as the de job uses it:
 * each feature's values and weights go through {@link BlockedModel.Builder} into its sums by block size, and
 * everything after comes from those sums:
 * <ul>
 *   <li>logcpm: edgeR's log-CPM ({@link LogCpm}), per-feature REML ({@link BlockedModel#correlations}), the
 *       consensus, GLS ({@link BlockedModel#glsSums}) per feature, contrasts with gls.series' cov.coefficients ({@link
 *       BlockedModel#designGram}), eBayes;</li>
 *   <li>voom: limma's two rounds: voom (unweighted OLS fit, trend, weights), duplicateCorrelation with those weights,
 *       voom with block and that correlation (its first fit is the GLS one), duplicateCorrelation again, the weighted
 *       GLS fit with the second consensus, contrasts, eBayes;</li>
 *   <li>missing: the log-CPM values with 5% missing and a cell missing for one feature, with weights: every feature
 *       fitted on its own rows (blocks of its observed samples).</li>
 * </ul>
 * And statmod's REML alone on 360 small problems that reach each branch of its fit ({@link #remlMatchesStatmod}).
 * "raw" sums are of the values as they are; "centred" sums subtract 60 from age and a per-feature constant (its
 * first value) from y, as in {@link LimmaGoldenTest}.
 */
class BlockGoldenTest {
  /**
   * Asserted: the per-feature atanh correlations, the consensus, statmod's variance components and voom's weights
   * within 1e-8 relative (1e-12 absolute; the variance components 1e-8 of the total variance s2_resid + s2_block),
   * everything else within limma's 1e-6 as in {@link LimmaGoldenTest}. What held through {@link BlockedModel}'s sums
   * (raw / centred sums): atanh 2.5e-11 / 1.9e-12, consensus 5.1e-14 / 1.1e-15, voom weights 1.2e-13 / 2.8e-14; the
   * REML cases (raw) atanh 6.1e-11, consensus 4.3e-12, s2.block 6.1e-11, s2.resid 4.1e-12 of the total variance but
   * 2.3e-8 of itself where it is 1/5500 of s2.block (layout C case 36; case 53 7.6e-9): the sums' rounding is
   * relative to y'Wy and the per-block sums, and the smallest dy's sum is what they leave of the residual sum of
   * squares; coefficients 5.0e-10 / 1.5e-12, stdev.unscaled 1.6e-13 / 1.1e-14, sigma 5.7e-13 / 5.9e-15,
   * cov.coefficients 9.8e-14 / 2.5e-15, Amean 1.3e-15 / 4.6e-16; logFC and t 2.4e-8 / 3.4e-9 (one contrast of
   * -1.6e-6: 4.9e-13 / 2.7e-14 absolute), P.Value and adj.P.Val 1.2e-11 / 6.5e-13, B 3.3e-11 / 2.8e-12, s2.post
   * 1.0e-12 / 1.1e-14, df.prior 1.2e-13 / 2.2e-15.
   */
  static final double REL_COR = 1e-8;
  static final double REL = 1e-6;
  static final double ABS = 1e-12;

  static final String[] COLUMNS = {"cellhealthy.pre", "cellcrc.pre", "cellcrc.post", "cellglioblastoma.pre",
      "cellglioblastoma.post", "age", "sexM"};
  static final String[] CELLS = {"healthy.pre", "crc.pre", "crc.post", "glioblastoma.pre", "glioblastoma.post"};

  /** The fixture: counts, the samples' design rows and subjects, TMM library sizes. */
  record Cohort(Matrix counts, double[][] design, int[] subject, double[] lib) {
    /** The subjects as blocks 0 .. 59. */
    int[] blocks() {
      return compact(subject);
    }

    int maxBlockSize() {
      return BlockGoldenTest.maxBlockSize(subject);
    }

    static Cohort load() {
      Table s = Golden.read("synth_repeated_samples.csv");
      Matrix counts = Matrix.read("synth_repeated_counts.csv");
      assertArrayEquals(s.strings("sample"), counts.samples());
      int n = s.size();
      String[] group = s.strings("group");
      String[] timepoint = s.strings("timepoint");
      String[] subject = s.strings("subject");
      String[] sex = s.strings("sex");
      double[] age = s.doubles("age");
      double[][] x = new double[n][COLUMNS.length];
      int[] block = new int[n];
      for (int i = 0; i < n; i++) {
        int cell = List.of(CELLS).indexOf(group[i] + "." + timepoint[i]);
        if (cell < 0) throw new IllegalStateException("cell " + group[i] + "." + timepoint[i]);
        x[i][cell] = 1;
        x[i][5] = age[i];
        x[i][6] = sex[i].equals("M") ? 1 : 0;
        block[i] = Integer.parseInt(subject[i].substring(1)); // P01..P60: the ids' order is R's level order
      }
      Table libs = Golden.read("block_libs.csv");
      assertArrayEquals(counts.samples(), libs.strings("sample"));
      double[] lib = new double[n];
      for (int i = 0; i < n; i++) lib[i] = libs.doubles("lib_size")[i] * libs.doubles("norm_factor")[i];
      return new Cohort(counts, x, block, lib);
    }

    int n() {
      return subject.length;
    }

    int features() {
      return counts.features().length;
    }
  }

  /** The model and the design rows as the sums see them (age - 60 when centred). */
  record Model(LinearModel model, double[][] rows, boolean centred) {
    static Model of(Cohort c, boolean centred) {
      LinearModel m = LinearModel.of(COLUMNS);
      double[] shift = new double[COLUMNS.length];
      if (centred) {
        shift[5] = 60;
        m = m.centred(shift, 0, 1, 2, 3, 4);
      }
      double[][] rows = new double[c.n()][];
      for (int i = 0; i < c.n(); i++) {
        rows[i] = c.design()[i].clone();
        for (int j = 0; j < shift.length; j++) rows[i][j] -= shift[j];
      }
      return new Model(m, rows, centred);
    }

    /** The feature's first observed value when centred, else 0. */
    double shift(double[] y) {
      if (!centred) return 0;
      for (double v : y) if (!Double.isNaN(v)) return v;
      return 0;
    }

    /** Each feature's sums by block size, through the Builder (NaN values and weights skipped by it). */
    BlockedModel.Sums[] sums(Cohort c, double[][] e, double[][] w) {
      int[] block = c.blocks();
      BlockedModel.Builder b = BlockedModel.builder(COLUMNS.length, Arrays.stream(block).max().getAsInt() + 1);
      BlockedModel.Sums[] sums = new BlockedModel.Sums[e.length];
      for (int f = 0; f < e.length; f++) {
        b.reset(shift(e[f]));
        for (int i = 0; i < c.n(); i++) b.add(block[i], rows[i], e[f][i], w == null ? 1 : w[f][i]);
        sums[f] = b.build();
      }
      return sums;
    }

    /** GLS per feature with this correlation. */
    FeatureFit[] gls(BlockedModel.Sums[] sums, double rho) {
      FeatureFit[] fits = new FeatureFit[sums.length];
      for (int f = 0; f < sums.length; f++) fits[f] = model.fit(BlockedModel.glsSums(sums[f], rho));
      return fits;
    }
  }

  /** duplicateCorrelation: each feature's REML correlation, then the consensus over the cohort's largest block. */
  static BlockedModel.Consensus duplicateCorrelation(Cohort c, BlockedModel.Sums[] sums) {
    return BlockedModel.consensus(BlockedModel.correlations(sums), c.maxBlockSize());
  }

  /**
   * One recipe's results: the atanh correlations and consensus of each duplicateCorrelation, the final fit, its
   * correlation and the whole design's X'C^-1X.
   */
  record Result(Map<String, double[]> atanh, Map<String, Double> consensus, double[][] weights, FeatureFit[] fits,
                double[][] designGram, Model model) {}

  static Result logcpm(Cohort c, boolean centred) {
    Model m = Model.of(c, centred);
    double meanLib = LogCpm.meanLibSize(c.lib());
    double[][] e = new double[c.features()][c.n()];
    for (int f = 0; f < e.length; f++) {
      for (int i = 0; i < c.n(); i++) e[f][i] = LogCpm.logCpm(c.counts().values()[f][i], c.lib()[i], meanLib);
    }
    BlockedModel.Sums[] sums = m.sums(c, e, null);
    BlockedModel.Consensus dc = duplicateCorrelation(c, sums);
    double rho = dc.correlation();
    return new Result(Map.of("logcpm", dc.atanhCorrelations()), Map.of("logcpm", rho), null, m.gls(sums, rho),
        BlockedModel.designGram(m.rows(), c.blocks(), rho), m);
  }

  /**
   * The log-CPM values with the golden's missing values (5% at random, rmiR-001's crc.post cell) and the second
   * voom's golden weights: duplicateCorrelation and lmFit(block, correlation, weights) on each feature's own rows.
   */
  static Result missing(Cohort c, boolean centred) {
    Model m = Model.of(c, centred);
    double meanLib = LogCpm.meanLibSize(c.lib());
    String[] features = c.counts().features();
    List<String> samples = List.of(c.counts().samples());
    double[][] e = new double[c.features()][c.n()];
    for (int f = 0; f < e.length; f++) {
      for (int i = 0; i < c.n(); i++) e[f][i] = LogCpm.logCpm(c.counts().values()[f][i], c.lib()[i], meanLib);
    }
    Table miss = Golden.read("block_missing.csv");
    for (String[] row : miss.rows()) {
      e[List.of(features).indexOf(row[0])][samples.indexOf(row[1])] = Double.NaN;
    }
    double[][] w = Matrix.read("block_voom_weights.csv").values();
    BlockedModel.Sums[] sums = m.sums(c, e, w);
    BlockedModel.Consensus dc = duplicateCorrelation(c, sums);
    double rho = dc.correlation();
    return new Result(Map.of("missing", dc.atanhCorrelations()), Map.of("missing", rho), null, m.gls(sums, rho),
        BlockedModel.designGram(m.rows(), c.blocks(), rho), m);
  }

  static Result voom(Cohort c, boolean centred) {
    Model m = Model.of(c, centred);
    int nf = c.features();
    double[][] e = new double[nf][c.n()];
    boolean[] allZero = new boolean[nf];
    for (int f = 0; f < nf; f++) {
      double sum = 0;
      for (int i = 0; i < c.n(); i++) {
        e[f][i] = Voom.logCpm(c.counts().values()[f][i], c.lib()[i]);
        sum += c.counts().values()[f][i];
      }
      allZero[f] = sum == 0;
    }
    BlockedModel.Sums[] unweighted = m.sums(c, e, null);
    // round 1: voom's unweighted least-squares fit (GLS with correlation 0), its weights, duplicateCorrelation
    double[][] w1 = voomWeights(c, m, e, allZero, m.gls(unweighted, 0));
    BlockedModel.Consensus dc1 = duplicateCorrelation(c, m.sums(c, e, w1));
    double rho1 = dc1.correlation();
    // round 2: voom with block and rho1 (its fit is the GLS one), duplicateCorrelation with its weights
    double[][] w2 = voomWeights(c, m, e, allZero, m.gls(unweighted, rho1));
    BlockedModel.Sums[] weighted = m.sums(c, e, w2);
    BlockedModel.Consensus dc2 = duplicateCorrelation(c, weighted);
    double rho2 = dc2.correlation();
    Map<String, double[]> atanh = new LinkedHashMap<>();
    atanh.put("voom_round1", dc1.atanhCorrelations());
    atanh.put("voom_round2", dc2.atanhCorrelations());
    Map<String, Double> consensus = new LinkedHashMap<>();
    consensus.put("voom_round1", rho1);
    consensus.put("voom_round2", rho2);
    return new Result(atanh, consensus, w2, m.gls(weighted, rho2), BlockedModel.designGram(m.rows(), c.blocks(), rho2),
        m);
  }

  /** voom's trend from a fit's Amean and sigma, and the weights from its fitted values. */
  static double[][] voomWeights(Cohort c, Model m, double[][] e, boolean[] allZero, FeatureFit[] fits) {
    int nf = e.length;
    double[] amean = new double[nf];
    double[] sigma = new double[nf];
    for (int f = 0; f < nf; f++) {
      amean[f] = fits[f].aveExpr();
      sigma[f] = Math.sqrt(fits[f].sigma2());
    }
    Voom trend = Voom.trend(amean, sigma, allZero, Voom.meanLog2LibSize(c.lib()));
    double[][] w = new double[nf][c.n()];
    for (int f = 0; f < nf; f++) {
      for (int i = 0; i < c.n(); i++) {
        w[f][i] = trend.weight(Voom.fittedValue(fits[f].coefficients(), c.design()[i]), c.lib()[i]);
      }
    }
    return w;
  }

  static Result run(String recipe, boolean centred) {
    Cohort c = Cohort.load();
    switch (recipe) {
      case "logcpm":
        return logcpm(c, centred);
      case "voom":
        return voom(c, centred);
      case "missing":
        return missing(c, centred);
      default:
        throw new IllegalArgumentException(recipe);
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"logcpm,raw", "logcpm,centred", "voom,raw", "voom,centred", "missing,raw", "missing,centred"})
  void correlationsMatchDuplicateCorrelation(String recipe, String sums) {
    Result r = run(recipe, sums.equals("centred"));
    Deviations dev = new Deviations("duplicateCorrelation " + recipe + " (" + sums + ")");
    Table golden = Golden.read("block_correlation.csv");
    Table consensus = Golden.read("block_consensus.csv");
    String[] features = Cohort.load().counts().features();
    for (var e : r.atanh().entrySet()) {
      Table g = golden.where("step", e.getKey());
      assertArrayEquals(features, g.strings("feature"));
      double[] expected = g.doubles("atanh_correlation");
      for (int f = 0; f < features.length; f++) {
        dev.check("atanh " + e.getKey(), features[f], e.getValue()[f], expected[f], REL_COR, ABS);
      }
      double rho = consensus.where("step", e.getKey()).doubles("consensus_correlation")[0];
      dev.check("consensus", e.getKey(), r.consensus().get(e.getKey()), rho, REL_COR, 0);
    }
    if (r.weights() != null) {
      Matrix w = Matrix.read("block_voom_weights.csv");
      assertArrayEquals(features, w.features());
      for (int f = 0; f < features.length; f++) {
        for (int i = 0; i < w.samples().length; i++) {
          String at = features[f] + " " + w.samples()[i];
          dev.check("voom weights", at, r.weights()[f][i], w.values()[f][i], REL_COR, 0);
        }
      }
    }
    dev.assertOk();
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"logcpm,raw", "logcpm,centred", "voom,raw", "voom,centred", "missing,raw", "missing,centred"})
  void glsFitMatchesLmFit(String recipe, String sums) {
    Result r = run(recipe, sums.equals("centred"));
    Table golden = Golden.read("block_fit_" + recipe + ".csv");
    String[] names = golden.strings("feature");
    Deviations dev = new Deviations("lmFit(block, correlation) " + recipe + " (" + sums + ")");
    for (int j = 0; j < COLUMNS.length; j++) {
      double[] coef = golden.doubles("coef_" + COLUMNS[j]);
      double[] su = golden.doubles("su_" + COLUMNS[j]);
      for (int f = 0; f < names.length; f++) {
        dev.check("coefficient", names[f] + " " + COLUMNS[j], r.fits()[f].coefficients()[j], coef[f], REL, ABS);
        dev.check("stdev.unscaled", names[f] + " " + COLUMNS[j], r.fits()[f].stdevUnscaled()[j], su[f], REL, ABS);
      }
    }
    double[] sigma = golden.doubles("sigma");
    double[] df = golden.doubles("df_residual");
    double[] amean = golden.doubles("Amean");
    for (int f = 0; f < names.length; f++) {
      dev.check("sigma", names[f], Math.sqrt(r.fits()[f].sigma2()), sigma[f], REL, ABS);
      dev.check("df.residual", names[f], r.fits()[f].dfResidual(), df[f], 0, 0);
      dev.check("Amean", names[f], r.fits()[f].aveExpr(), amean[f], REL, ABS);
    }
    Table cov = Golden.read("block_cov_coefficients.csv").where("recipe", recipe);
    double[][] actual = r.model().model().designCovariance(r.designGram());
    for (String[] row : cov.rows()) {
      int i = List.of(COLUMNS).indexOf(row[cov.col("row")]);
      int j = List.of(COLUMNS).indexOf(row[cov.col("column")]);
      dev.check("cov.coefficients", COLUMNS[i] + " " + COLUMNS[j], actual[i][j], Golden.parse(row[cov.col("value")]),
          REL, ABS);
    }
    assertEquals(COLUMNS.length * COLUMNS.length, cov.size());
    dev.assertOk();
  }

  @ParameterizedTest(name = "{0} trend={1} {2}")
  @CsvSource({"logcpm,false,raw", "logcpm,true,raw", "logcpm,true,centred", "voom,false,raw", "voom,true,raw",
      "voom,false,centred", "voom,true,centred", "missing,false,raw", "missing,true,centred"})
  void moderatedStatisticsMatchTopTable(String recipe, boolean trend, String sums) {
    Result r = run(recipe, sums.equals("centred"));
    FeatureFit[] fits = r.fits();
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
    String key = trend ? "TRUE" : "FALSE";
    Deviations dev = new Deviations("block eBayes/topTable " + recipe + " trend=" + trend + " (" + sums + ")");
    Table features = Golden.read("block_features.csv").where("recipe", recipe).where("trend", key);
    String[] fnames = features.strings("feature");
    dev.check("df.prior", recipe, eb.dfPrior(), features.doubles("df_prior")[0], REL, 0);
    for (int f = 0; f < nf; f++) {
      dev.check("s2.prior", fnames[f], eb.s2Prior()[eb.s2Prior().length == 1 ? 0 : f], features.doubles("s2_prior")[f],
          REL, ABS);
      dev.check("s2.post", fnames[f], eb.s2Post()[f], features.doubles("s2_post")[f], REL, ABS);
      dev.check("df.total", fnames[f], eb.dfTotal()[f], features.doubles("df_total")[f], REL, ABS);
    }
    ContrastSet contrasts = contrasts(r);
    Table table = Golden.read("block_contrasts.csv").where("recipe", recipe).where("trend", key);
    Table summary = Golden.read("block_summary.csv").where("recipe", recipe).where("trend", key);
    Golden.checkTopTables(contrasts, fits, eb, fnames, table, summary, dev, REL, ABS);
    dev.assertOk();
  }

  /** contrasts.fit with gls.series' cov.coefficients: the whole design's (X'C^-1X)^-1, unweighted. */
  static ContrastSet contrasts(Result r) {
    Table cm = Golden.read("block_contrast_weights.csv");
    Map<String, double[]> weights = new LinkedHashMap<>();
    for (String[] row : cm.rows()) {
      double[] w = weights.computeIfAbsent(row[cm.col("contrast")], k -> new double[COLUMNS.length]);
      w[List.of(COLUMNS).indexOf(row[cm.col("coef")])] = Golden.parse(row[cm.col("weight")]);
    }
    return ContrastSet.limma(weights.keySet().toArray(new String[0]), weights.values().toArray(new double[0][]),
        r.model().model().designCovariance(r.designGram()));
  }

  /**
   * statmod's REML on 360 small random problems (block_reml_*.csv): missing values, weights, negative and large block
   * variances, within-block anti-correlation, outliers; glmgam.fit with damping, with the iteration limit reached,
   * with "too much damping"; the least-squares path of two blocks. Each row's y, design rows, blocks (and weights) go
   * through the Builder; per row: the variance components, the atanh correlation and the consensus.
   */
  @ParameterizedTest(name = "layout {0} weighted={1}")
  @CsvSource({"A,false", "A,true", "B,false", "B,true", "C,false", "C,true"})
  void remlMatchesStatmod(String layout, boolean weighted) {
    Table lay = Golden.read("block_reml_layouts.csv").where("layout", layout);
    int n = lay.size();
    double[][] x = new double[n][];
    int[] block = new int[n];
    for (int i = 0; i < n; i++) {
      double[] d = {lay.doubles("d1")[i], lay.doubles("d2")[i], lay.doubles("d3")[i]};
      x[i] = Arrays.stream(d).filter(v -> !Double.isNaN(v)).toArray();
      block[i] = (int) lay.doubles("block")[i];
    }
    int[] blocks = compact(block);
    BlockedModel.Builder b = BlockedModel.builder(x[0].length, Arrays.stream(blocks).max().getAsInt() + 1);
    Table cases = Golden.read("block_reml_cases.csv").where("layout", layout);
    Table results = Golden.read("block_reml_results.csv").where("layout", layout)
        .where("weighted", weighted ? "TRUE" : "FALSE");
    Deviations dev = new Deviations("statmod REML layout " + layout + " weighted=" + weighted);
    double[] rho = new double[results.size()];
    for (int k = 0; k < results.size(); k++) {
      String id = results.strings("case")[k];
      Table c = cases.where("case", id);
      double[] y = c.doubles("y");
      double[] w = weighted ? c.doubles("w") : null;
      b.reset();
      for (int i = 0; i < n; i++) b.add(blocks[i], x[i], y[i], w == null ? 1 : w[i]);
      BlockedModel.Sums sums = b.build();
      double[] s = BlockedModel.varianceComponents(sums);
      String at = "case " + id + " (" + results.strings("iterations")[k] + " iterations, "
          + results.strings("damping")[k] + " damping)";
      // relative to the total variance (see REL_COR)
      double total = Math.abs(results.doubles("s2_resid")[k]) + Math.abs(results.doubles("s2_block")[k]);
      dev.check("s2.resid", at, s[0], results.doubles("s2_resid")[k], REL_COR, REL_COR * total);
      dev.check("s2.block", at, s[1], results.doubles("s2_block")[k], REL_COR, REL_COR * total);
      rho[k] = BlockedModel.correlation(sums);
    }
    BlockedModel.Consensus dc = BlockedModel.consensus(rho, maxBlockSize(block));
    for (int k = 0; k < results.size(); k++) {
      dev.check("atanh", "case " + results.strings("case")[k], dc.atanhCorrelations()[k],
          results.doubles("atanh_correlation")[k], REL_COR, ABS);
    }
    dev.check("consensus", layout, dc.correlation(), results.doubles("consensus")[0], REL_COR, 0);
    dev.assertOk();
  }

  /** The sums travel from Spark tasks to the driver: serialised copies give the same numbers. */
  @Test
  void sumsAreSerializable() throws IOException, ClassNotFoundException {
    Cohort c = Cohort.load();
    Model m = Model.of(c, false);
    double[][] e = new double[5][c.n()];
    for (int f = 0; f < 5; f++) {
      for (int i = 0; i < c.n(); i++) e[f][i] = Voom.logCpm(c.counts().values()[f][i], c.lib()[i]);
    }
    for (BlockedModel.Sums s : m.sums(c, e, null)) {
      BlockedModel.Sums copy = roundTrip(s);
      assertEquals(BlockedModel.correlation(s), BlockedModel.correlation(copy), 0);
      assertArrayEquals(BlockedModel.glsSums(s, 0.4).xty(), BlockedModel.glsSums(copy, 0.4).xty(), 0);
    }
  }

  /** Ids to blocks 0 .. B - 1 in the ids' order. */
  static int[] compact(int[] ids) {
    int[] levels = Arrays.stream(ids).distinct().sorted().toArray();
    return Arrays.stream(ids).map(id -> Arrays.binarySearch(levels, id)).toArray();
  }

  /** R's max(table(block)). */
  static int maxBlockSize(int[] ids) {
    Map<Integer, Integer> size = new java.util.HashMap<>();
    int max = 0;
    for (int id : ids) max = Math.max(max, size.merge(id, 1, Integer::sum));
    return max;
  }

  @SuppressWarnings("unchecked")
  private static <T> T roundTrip(T o) throws IOException, ClassNotFoundException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(o);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
