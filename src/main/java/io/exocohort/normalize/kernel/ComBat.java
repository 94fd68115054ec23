package io.exocohort.normalize.kernel;

import java.util.Arrays;
import java.util.TreeMap;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.DecompositionSolver;
import org.apache.commons.math3.linear.LUDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * Batch-effect correction by parametric empirical Bayes, {@code sva::ComBat(dat, batch, mod, par.prior = TRUE,
 * mean.only = FALSE)} (sva 3.46; Johnson, Li &amp; Rabinovic 2007, Biostatistics 8:118), written as steps on
 * sufficient statistics so that Spark only aggregates and the driver holds per-feature and per-(batch, feature)
 * numbers. No reference batch; the non-parametric prior is not reproduced.
 *
 * <h2>The model and sva's steps</h2>
 * For feature g and sample j of batch b, {@code y = X beta_g + e}, with the design
 * {@code X = [batch indicators | covariates]} (the covariates are {@code mod} without its all-ones intercept column,
 * which sva drops). Then, per feature:
 * <ol start="0">
 *   <li>features constant within any batch of more than one sample (no missing value there) are left unadjusted
 *       and take no part in the priors ({@link #uniformWithinBatch});</li>
 *   <li>OLS fit {@code beta = (X'X)^-1 X'y}; {@code grand.mean = sum_b (n_b/n) beta_b} with n_b the batch's number
 *       of samples; per sample {@code stand.mean = grand.mean + covariates . beta_cov} ({@link #fitFeature},
 *       {@link #standardMean});</li>
 *   <li>pooled variance of the residuals {@code e = y - X beta}: {@code sum(e^2)/n} without missing values,
 *       {@code var(e)} (n - 1, centred) when the matrix has any — sva switches formula for the whole matrix
 *       ({@link #pooledVariance}); standardised data {@code s = (y - stand.mean)/sqrt(var.pooled)};</li>
 *   <li>per batch, over the features: {@code gamma.hat = mean(s)}, {@code delta.hat = var(s)} in the batch; priors
 *       {@code gamma.bar = mean(gamma.hat)}, {@code t2 = var(gamma.hat)}, inverse-gamma {@code a, b} by moments of
 *       delta.hat ({@code aprior}, {@code bprior}); then {@code it.sol}: iterate
 *       {@code gamma* = (t2 n gamma.hat + delta* gamma.bar)/(t2 n + delta*)},
 *       {@code delta* = (sum((s - gamma*)^2)/2 + b)/(n/2 + a - 1)} until the largest relative change over all the
 *       batch's features is at most 1e-4 ({@link #estimateBatch});</li>
 *   <li>{@code y* = ((s - gamma*_b)/sqrt(delta*_b)) sqrt(var.pooled) + stand.mean} ({@link #adjust}).</li>
 * </ol>
 * If some batch has a single sample, sva switches to the "mean only" version (delta* = 1 and
 * {@code gamma* = postmean(gamma.hat, gamma.bar, 1, 1, t2)}); so does this class.
 *
 * <h2>For Spark: what to aggregate</h2>
 * <ul>
 *   <li><b>Design</b> (driver): per sample a row from {@link #designRow}; {@code X'X} ({@link #crossProduct}, or an
 *       aggregate of outer products), {@link #checkDesign}; the batch sizes n_b.</li>
 *   <li><b>Pass A</b>, per (batch, feature): {@code n, missing, min, max} → {@link #uniformWithinBatch}; per feature
 *       the p sums {@code X'y = sum_j y_j x_j} over observed values, and, only when some value is missing, the
 *       feature's own {@code X'X} over its observed samples (p(p+1)/2 sums). Driver: {@link #fitFeature}.</li>
 *   <li><b>Pass B</b>, per (batch, feature): {@link Moments} (n, sum, sum of squares) of the centred values
 *       {@code c = y - standardMean(fit, covariates of the sample)}. Driver: {@link #pooledVariance} from a
 *       feature's batch moments, {@link #standardize} them, then {@link #estimateBatch} per batch over the
 *       features (n_batches x n_features numbers).</li>
 *   <li><b>Adjust</b>, elementwise with the broadcast per-feature fit and variance and per-(batch, feature)
 *       {@code gamma*, delta*}: {@link #adjust}.</li>
 * </ul>
 * Centring by the stand mean before summing squares keeps the sums well conditioned (the pooled variance and
 * delta.hat come from centred sums, not from {@code y'y - beta'X'y}). {@link #combat} composes exactly these steps
 * on an in-memory matrix and is what the tests compare with sva.
 */
public final class ComBat {
  /** sva's {@code it.sol} convergence threshold. */
  public static final double CONVERGENCE = 1e-4;
  /** A guard sva does not have: {@code it.sol} normally converges in a handful of iterations. */
  public static final int MAX_ITERATIONS = 10_000;
  /** R's {@code qr()} tolerance for the rank checks of the design. */
  private static final double QR_TOL = 1e-7;

  private ComBat() {}

  // ------------------------------------------------------------------------------------------------ design

  /** A sample's design row: {@code nBatch} indicators (1 at {@code batch}, 0-based) followed by its covariates. */
  public static double[] designRow(int batch, int nBatch, double[] covariates) {
    if (batch < 0 || batch >= nBatch) throw new IllegalArgumentException("batch " + batch + " of " + nBatch);
    double[] x = new double[nBatch + covariates.length];
    x[batch] = 1;
    System.arraycopy(covariates, 0, x, nBatch, covariates.length);
    return x;
  }

  /** {@code X'X} of design rows. */
  public static double[][] crossProduct(double[][] designRows) {
    int p = designRows.length == 0 ? 0 : designRows[0].length;
    double[][] a = new double[p][p];
    for (double[] x : designRows) {
      for (int r = 0; r < p; r++) {
        if (x[r] == 0) continue;
        for (int c = 0; c < p; c++) a[r][c] += x[r] * x[c];
      }
    }
    return a;
  }

  /**
   * sva's design checks, on {@code X'X}: a rank-deficient design stops with sva's message. The rank follows R's
   * {@code qr()} rule (a column whose norm, after projecting out the preceding independent columns, is below
   * 1e-7 of its own norm is dependent), computed on the Gram matrix.
   *
   * @throws IllegalArgumentException if the covariates are confounded with batch or with each other
   */
  public static void checkDesign(double[][] xtx, int nBatch) {
    int p = xtx.length;
    if (rank(xtx, 0, p) == p) return;
    if (p == nBatch + 1) {
      throw new IllegalArgumentException(
          "The covariate is confounded with batch! Remove the covariate and rerun ComBat");
    }
    if (p > nBatch + 1) {
      if (rank(xtx, nBatch, p) < p - nBatch) {
        throw new IllegalArgumentException("The covariates are confounded! Please remove one or more of the"
            + " covariates so the design is not confounded");
      }
      throw new IllegalArgumentException(
          "At least one covariate is confounded with batch! Please remove confounded covariates and rerun ComBat");
    }
    throw new IllegalArgumentException("the batch design is rank deficient (an empty batch?)");
  }

  /** {@code n_b / n}: the weights of the batch coefficients in {@code grand.mean}. */
  public static double[] batchWeights(long[] batchSizes) {
    long n = 0;
    for (long b : batchSizes) n += b;
    double[] w = new double[batchSizes.length];
    for (int b = 0; b < w.length; b++) w[b] = (double) batchSizes[b] / n;
    return w;
  }

  /** sva switches to the mean-only model when a batch has a single sample. */
  public static boolean meanOnlyForced(long[] batchSizes) {
    for (long b : batchSizes) if (b == 1) return true;
    return false;
  }

  // ------------------------------------------------------------------------------------------------ step 0

  /**
   * Whether a feature is constant within one batch, which makes sva leave the feature unadjusted (sva:
   * {@code var(x) == 0} within a batch of more than one sample; a batch with a missing value gives NA there and
   * does not count).
   *
   * @param nSamplesInBatch the batch's number of samples (not just those with a value)
   * @param nMissing how many of them have no value for the feature
   * @param min the smallest observed value in the batch
   * @param max the largest observed value in the batch
   */
  public static boolean uniformWithinBatch(long nSamplesInBatch, long nMissing, double min, double max) {
    return nSamplesInBatch > 1 && nMissing == 0 && min == max;
  }

  // ------------------------------------------------------------------------------------------------ step 1

  /**
   * The OLS fit of one feature.
   *
   * @param beta coefficients: batch effects first, then covariates
   * @param grandMean {@code sum_b (n_b/n) beta_b}
   */
  public record FeatureFit(double[] beta, double grandMean) implements java.io.Serializable {
    public int nCovariates(int nBatch) {
      return beta.length - nBatch;
    }
  }

  /**
   * Step 1: {@code beta = solve(X'X, X'y)} and the grand mean.
   *
   * @param xtx the design's {@code X'X} — shared by all features when no value is missing, else the feature's own
   *     over its observed samples (sva's {@code Beta.NA})
   * @param xty {@code X'y} of the feature over its observed samples
   * @param batchSizes n_b, the number of samples of each batch (all samples, as sva's {@code n.batches})
   * @throws IllegalArgumentException when {@code X'X} is numerically singular (R's {@code solve} stops when the
   *     reciprocal condition number is below machine epsilon)
   */
  public static FeatureFit fitFeature(double[][] xtx, double[] xty, long[] batchSizes) {
    double[] beta = solve(xtx, xty);
    double[] w = batchWeights(batchSizes);
    double gm = 0;
    for (int b = 0; b < w.length; b++) gm += w[b] * beta[b];
    return new FeatureFit(beta, gm);
  }

  /** sva's {@code stand.mean} of a sample: {@code grand.mean + sum_k covariates_k beta_(nBatch+k)}. */
  public static double standardMean(FeatureFit fit, double[] covariates) {
    int nBatch = fit.beta().length - covariates.length;
    double t = 0;
    for (int k = 0; k < covariates.length; k++) t += covariates[k] * fit.beta()[nBatch + k];
    return fit.grandMean() + t;
  }

  // ------------------------------------------------------------------------------------------------ step 2

  /** Count, sum and sum of squares of the observed values of one (batch, feature) cell. */
  public record Moments(long n, double sum, double sumSquares) {
    public static final Moments EMPTY = new Moments(0, 0, 0);

    /** The moments of the non-NaN values. */
    public static Moments of(double[] values) {
      long n = 0;
      RNumerics.Sum s = new RNumerics.Sum();
      RNumerics.Sum ss = new RNumerics.Sum();
      for (double v : values) {
        if (Double.isNaN(v)) continue;
        n++;
        s.add(v);
        ss.add(v * v);
      }
      return new Moments(n, s.value(), ss.value());
    }

    public Moments plus(Moments o) {
      return new Moments(n + o.n, sum + o.sum, sumSquares + o.sumSquares);
    }

    /** {@code sum((x - mean)^2)}. */
    public double centredSumOfSquares() {
      return n == 0 ? 0 : sumSquares - sum * (sum / n);
    }
  }

  /**
   * Step 2: sva's {@code var.pooled} of a feature from the moments of its centred values
   * {@code c = y - stand.mean} per batch. The residual is {@code e = c - (beta_b - grand.mean)}.
   *
   * @param centredByBatch moments of the centred values, one entry per batch (batch order as in the design)
   * @param missingValues whether the matrix (after dropping the step-0 features) has any missing value: sva then
   *     uses {@code var(e)} with n - 1 for every feature, otherwise {@code sum(e^2)/n}
   */
  public static double pooledVariance(FeatureFit fit, Moments[] centredByBatch, boolean missingValues) {
    RNumerics.Sum t1 = new RNumerics.Sum();
    RNumerics.Sum t2 = new RNumerics.Sum();
    long n = 0;
    for (int b = 0; b < centredByBatch.length; b++) {
      Moments m = centredByBatch[b];
      double d = fit.beta()[b] - fit.grandMean();
      t1.add(m.sum() - m.n() * d);
      t2.add(m.sumSquares() - 2 * d * m.sum() + m.n() * d * d);
      n += m.n();
    }
    if (!missingValues) return t2.value() / n;
    if (n <= 1) return Double.NaN;
    double s1 = t1.value();
    return (t2.value() - s1 * (s1 / n)) / (n - 1);
  }

  /** The moments of the standardised values {@code s = c / sqrt(var.pooled)} from those of the centred values. */
  public static Moments standardize(Moments centred, double varPooled) {
    double sd = Math.sqrt(varPooled);
    return new Moments(centred.n(), centred.sum() / sd, centred.sumSquares() / (sd * sd));
  }

  /** sva's {@code s.data} for one value. */
  public static double standardizedValue(double y, double standMean, double varPooled) {
    return (y - standMean) / Math.sqrt(varPooled);
  }

  // ------------------------------------------------------------------------------------------------ step 3

  /**
   * The empirical-Bayes estimates of one batch.
   *
   * @param gammaHat per feature, mean of s in the batch
   * @param deltaHat per feature, variance (n - 1) of s in the batch (1 in the mean-only model)
   * @param gammaBar mean of gammaHat over features
   * @param tau2 variance of gammaHat over features ({@code t2})
   * @param aPrior inverse-gamma shape ({@code a.prior}; NaN in the mean-only model)
   * @param bPrior inverse-gamma scale ({@code b.prior}; NaN in the mean-only model)
   * @param gammaStar per feature, the adjusted location
   * @param deltaStar per feature, the adjusted scale
   * @param iterations {@code it.sol} iterations (0 in the mean-only model)
   */
  public record BatchEstimate(double[] gammaHat, double[] deltaHat, double gammaBar, double tau2, double aPrior,
      double bPrior, double[] gammaStar, double[] deltaStar, int iterations) {}

  /**
   * Step 3, for one batch over all features (except the step-0 ones): priors and {@code it.sol}.
   *
   * @param standardizedByFeature moments of the standardised values of this batch, one entry per feature
   * @param meanOnly sva's mean-only model (forced when a batch has a single sample, see {@link #meanOnlyForced})
   * @throws IllegalStateException if the iteration meets a NaN (sva stops: "missing value where TRUE/FALSE
   *     needed") or does not converge within {@link #MAX_ITERATIONS}
   */
  public static BatchEstimate estimateBatch(Moments[] standardizedByFeature, boolean meanOnly) {
    int g = standardizedByFeature.length;
    double[] n = new double[g];
    double[] gammaHat = new double[g];
    double[] deltaHat = new double[g];
    double[] css = new double[g];
    for (int i = 0; i < g; i++) {
      Moments m = standardizedByFeature[i];
      n[i] = m.n();
      gammaHat[i] = m.sum() / m.n();
      css[i] = m.centredSumOfSquares();
      deltaHat[i] = meanOnly ? 1.0 : (m.n() <= 1 ? Double.NaN : css[i] / (m.n() - 1));
    }
    double gammaBar = RNumerics.mean(gammaHat);
    double t2 = RNumerics.var(gammaHat);
    if (meanOnly) {
      double[] gammaStar = new double[g];
      double[] deltaStar = new double[g];
      for (int i = 0; i < g; i++) {
        gammaStar[i] = postMean(gammaHat[i], gammaBar, 1, 1, t2);
        deltaStar[i] = 1;
      }
      return new BatchEstimate(gammaHat, deltaHat, gammaBar, t2, Double.NaN, Double.NaN, gammaStar, deltaStar, 0);
    }
    double m = RNumerics.mean(deltaHat);
    double s2 = RNumerics.var(deltaHat);
    double a = (2 * s2 + m * m) / s2;
    double b = (m * s2 + m * m * m) / s2;

    double[] gOld = gammaHat.clone();
    double[] dOld = deltaHat.clone();
    double[] gNew = new double[g];
    double[] dNew = new double[g];
    double change = 1;
    int count = 0;
    while (change > CONVERGENCE) {
      if (count >= MAX_ITERATIONS) {
        throw new IllegalStateException("ComBat's it.sol did not converge in " + MAX_ITERATIONS + " iterations");
      }
      change = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < g; i++) {
        gNew[i] = postMean(gammaHat[i], gammaBar, n[i], dOld[i], t2);
        double mean = gammaHat[i];
        double sum2 = css[i] + n[i] * (mean - gNew[i]) * (mean - gNew[i]);
        dNew[i] = postVar(sum2, n[i], a, b);
        double cg = Math.abs(gNew[i] - gOld[i]) / gOld[i];
        double cd = Math.abs(dNew[i] - dOld[i]) / dOld[i];
        if (Double.isNaN(cg) || Double.isNaN(cd)) {
          throw new IllegalStateException("ComBat's it.sol met a NaN at feature " + i
              + " (sva stops here too: missing value where TRUE/FALSE needed)");
        }
        change = Math.max(change, Math.max(cg, cd));
      }
      System.arraycopy(gNew, 0, gOld, 0, g);
      System.arraycopy(dNew, 0, dOld, 0, g);
      count++;
    }
    return new BatchEstimate(gammaHat, deltaHat, gammaBar, t2, a, b, gNew.clone(), dNew.clone(), count);
  }

  /** sva's {@code postmean(g.hat, g.bar, n, d.star, t2)}. */
  public static double postMean(double gHat, double gBar, double n, double dStar, double t2) {
    return (t2 * n * gHat + dStar * gBar) / (t2 * n + dStar);
  }

  /** sva's {@code postvar(sum2, n, a, b)}. */
  public static double postVar(double sum2, double n, double a, double b) {
    return (0.5 * sum2 + b) / (n / 2 + a - 1);
  }

  // ------------------------------------------------------------------------------------------------ step 4

  /**
   * Step 4: the adjusted value, {@code ((s - gamma*)/sqrt(delta*)) * sqrt(var.pooled) + stand.mean} with
   * {@code s = (y - stand.mean)/sqrt(var.pooled)}. NaN stays NaN. Features left out at step 0 keep {@code y}.
   */
  public static double adjust(double y, double standMean, double varPooled, double gammaStar, double deltaStar) {
    double sd = Math.sqrt(varPooled);
    double s = (y - standMean) / sd;
    return ((s - gammaStar) / Math.sqrt(deltaStar)) * sd + standMean;
  }

  // ------------------------------------------------------------------------------------------------ matrix

  /**
   * {@code sva::ComBat(dat, batch, mod, par.prior = TRUE, mean.only)} on an in-memory features x samples matrix
   * (NaN = NA), composed from the steps above exactly as the Spark side does. For tests and small cohorts.
   *
   * @param featuresBySamples the data, {@code [feature][sample]}
   * @param batch per-sample batch labels (at least two distinct)
   * @param mod per-sample covariate rows ({@code [sample][covariate]}), e.g. {@code model.matrix(~group)}; columns
   *     that are all ones (the intercept) are dropped as sva does; null or zero columns for none
   * @param meanOnly sva's {@code mean.only}
   * @return the adjusted matrix (a new array)
   */
  public static double[][] combat(double[][] featuresBySamples, String[] batch, double[][] mod, boolean meanOnly) {
    int nFeatures = featuresBySamples.length;
    int nSamples = batch.length;
    TreeMap<String, Integer> levels = new TreeMap<>();
    for (String b : batch) {
      if (b == null) throw new IllegalArgumentException("missing batch label");
      levels.putIfAbsent(b, 0);
    }
    int nBatch = levels.size();
    if (nBatch < 2) throw new IllegalArgumentException("ComBat needs at least two batches, got " + nBatch);
    int idx = 0;
    for (var e : levels.entrySet()) e.setValue(idx++);
    int[] bIdx = new int[nSamples];
    long[] batchSizes = new long[nBatch];
    for (int j = 0; j < nSamples; j++) {
      bIdx[j] = levels.get(batch[j]);
      batchSizes[bIdx[j]]++;
    }
    double[][] cov = covariates(mod, nSamples);
    int q = cov.length == 0 ? 0 : cov[0].length;
    boolean meanOnlyUsed = meanOnly || meanOnlyForced(batchSizes);

    // step 0
    boolean[] skip = uniformFeatures(featuresBySamples, bIdx, batchSizes);
    boolean missingValues = hasMissing(featuresBySamples, skip);

    // design
    double[][] x = new double[nSamples][];
    for (int j = 0; j < nSamples; j++) x[j] = designRow(bIdx[j], nBatch, cov[j]);
    double[][] xtxShared = crossProduct(x);
    checkDesign(xtxShared, nBatch);
    int p = nBatch + q;

    // step 1 (pass A)
    FeatureFit[] fits = fitFeatures(featuresBySamples, x, xtxShared, skip, missingValues, batchSizes);

    // step 2 (pass B)
    double[] varPooled = new double[nFeatures];
    Moments[][] standardized = new Moments[nBatch][nFeatures];
    double[][] standMean = new double[nFeatures][];
    for (int i = 0; i < nFeatures; i++) {
      if (skip[i]) continue;
      double[] row = featuresBySamples[i];
      standMean[i] = new double[nSamples];
      RNumerics.Sum[] s = new RNumerics.Sum[nBatch];
      RNumerics.Sum[] ss = new RNumerics.Sum[nBatch];
      long[] n = new long[nBatch];
      for (int b = 0; b < nBatch; b++) {
        s[b] = new RNumerics.Sum();
        ss[b] = new RNumerics.Sum();
      }
      for (int j = 0; j < nSamples; j++) {
        standMean[i][j] = standardMean(fits[i], cov[j]);
        double v = row[j];
        if (Double.isNaN(v)) continue;
        double c = v - standMean[i][j];
        int b = bIdx[j];
        n[b]++;
        s[b].add(c);
        ss[b].add(c * c);
      }
      Moments[] centred = new Moments[nBatch];
      for (int b = 0; b < nBatch; b++) centred[b] = new Moments(n[b], s[b].value(), ss[b].value());
      varPooled[i] = pooledVariance(fits[i], centred, missingValues);
      for (int b = 0; b < nBatch; b++) standardized[b][i] = standardize(centred[b], varPooled[i]);
    }

    // step 3 (driver), over the features not skipped
    double[][][] stars = shrink(standardized, skip, meanOnlyUsed);
    double[][] gammaStar = stars[0];
    double[][] deltaStar = stars[1];

    // step 4
    double[][] out = new double[nFeatures][];
    for (int i = 0; i < nFeatures; i++) {
      out[i] = featuresBySamples[i].clone();
      if (skip[i]) continue;
      for (int j = 0; j < nSamples; j++) {
        double v = out[i][j];
        if (Double.isNaN(v)) continue;
        int b = bIdx[j];
        out[i][j] = adjust(v, standMean[i][j], varPooled[i], gammaStar[b][i], deltaStar[b][i]);
      }
    }
    return out;
  }

  /** Step 0 of {@link #combat}: the features that are constant (or all missing) within some batch. */
  private static boolean[] uniformFeatures(double[][] featuresBySamples, int[] bIdx, long[] batchSizes) {
    int nFeatures = featuresBySamples.length;
    int nSamples = bIdx.length;
    int nBatch = batchSizes.length;
    boolean[] skip = new boolean[nFeatures];
    for (int i = 0; i < nFeatures; i++) {
      double[] row = featuresBySamples[i];
      if (row.length != nSamples) throw new IllegalArgumentException("feature " + i + " has " + row.length + " values");
      long[] missing = new long[nBatch];
      double[] min = new double[nBatch];
      double[] max = new double[nBatch];
      Arrays.fill(min, Double.POSITIVE_INFINITY);
      Arrays.fill(max, Double.NEGATIVE_INFINITY);
      for (int j = 0; j < nSamples; j++) {
        double v = row[j];
        int b = bIdx[j];
        if (Double.isNaN(v)) missing[b]++;
        else {
          min[b] = Math.min(min[b], v);
          max[b] = Math.max(max[b], v);
        }
      }
      for (int b = 0; b < nBatch; b++) skip[i] |= uniformWithinBatch(batchSizes[b], missing[b], min[b], max[b]);
    }
    return skip;
  }

  /** Whether a feature that is not skipped has a missing value. */
  private static boolean hasMissing(double[][] featuresBySamples, boolean[] skip) {
    for (int i = 0; i < featuresBySamples.length; i++) {
      if (skip[i]) continue;
      for (double v : featuresBySamples[i]) if (Double.isNaN(v)) return true;
    }
    return false;
  }

  /** Step 1 of {@link #combat}: each feature's fit (its own X'X over its observed values when any is missing). */
  private static FeatureFit[] fitFeatures(double[][] featuresBySamples, double[][] x, double[][] xtxShared,
      boolean[] skip, boolean missingValues, long[] batchSizes) {
    int nFeatures = featuresBySamples.length;
    int nSamples = x.length;
    int p = xtxShared.length;
    FeatureFit[] fits = new FeatureFit[nFeatures];
    for (int i = 0; i < nFeatures; i++) {
      if (skip[i]) continue;
      double[] row = featuresBySamples[i];
      double[] xty = new double[p];
      double[][] xtx = missingValues ? new double[p][p] : xtxShared;
      for (int j = 0; j < nSamples; j++) {
        double v = row[j];
        if (Double.isNaN(v)) continue;
        for (int r = 0; r < p; r++) {
          xty[r] += x[j][r] * v;
          if (missingValues && x[j][r] != 0) for (int c = 0; c < p; c++) xtx[r][c] += x[j][r] * x[j][c];
        }
      }
      try {
        fits[i] = fitFeature(xtx, xty, batchSizes);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("feature " + i + ": " + e.getMessage(), e);
      }
    }
    return fits;
  }

  /**
   * Step 3 of {@link #combat}: per batch, the empirical Bayes estimates over the features not skipped;
   * {gammaStar, deltaStar}, each {@code [batch][feature]}.
   */
  private static double[][][] shrink(Moments[][] standardized, boolean[] skip, boolean meanOnly) {
    int nBatch = standardized.length;
    int nFeatures = skip.length;
    int kept = 0;
    for (boolean sk : skip) if (!sk) kept++;
    int[] keptIdx = new int[kept];
    for (int i = 0, k = 0; i < nFeatures; i++) if (!skip[i]) keptIdx[k++] = i;
    double[][] gammaStar = new double[nBatch][nFeatures];
    double[][] deltaStar = new double[nBatch][nFeatures];
    for (int b = 0; b < nBatch; b++) {
      Moments[] mb = new Moments[kept];
      for (int k = 0; k < kept; k++) mb[k] = standardized[b][keptIdx[k]];
      BatchEstimate est = estimateBatch(mb, meanOnly);
      for (int k = 0; k < kept; k++) {
        gammaStar[b][keptIdx[k]] = est.gammaStar()[k];
        deltaStar[b][keptIdx[k]] = est.deltaStar()[k];
      }
    }
    return new double[][][] {gammaStar, deltaStar};
  }

  // ------------------------------------------------------------------------------------------------ internals

  /** The mod columns that are not all ones, per sample. */
  private static double[][] covariates(double[][] mod, int nSamples) {
    if (mod == null) return new double[nSamples][0];
    if (mod.length != nSamples) {
      throw new IllegalArgumentException("mod has " + mod.length + " rows for " + nSamples + " samples");
    }
    int q = mod.length == 0 ? 0 : mod[0].length;
    boolean[] keep = new boolean[q];
    int kept = 0;
    for (int c = 0; c < q; c++) {
      for (double[] row : mod) {
        if (!Double.isFinite(row[c])) throw new IllegalArgumentException("mod has a non-finite value");
        if (row[c] != 1) keep[c] = true;
      }
      if (keep[c]) kept++;
    }
    double[][] cov = new double[nSamples][kept];
    for (int j = 0; j < nSamples; j++) {
      for (int c = 0, k = 0; c < q; c++) if (keep[c]) cov[j][k++] = mod[j][c];
    }
    return cov;
  }

  /** Rank of the columns {@code from..to-1} of the design, from their Gram matrix, with R's qr() rule. */
  static int rank(double[][] xtx, int from, int to) {
    int p = to - from;
    double[][] l = new double[p][p];
    boolean[] indep = new boolean[p];
    int rank = 0;
    for (int j = 0; j < p; j++) {
      double ajj = xtx[from + j][from + j];
      double d = ajj;
      for (int k = 0; k < j; k++) if (indep[k]) d -= l[j][k] * l[j][k];
      if (!(ajj > 0) || !(d > QR_TOL * QR_TOL * ajj)) continue;
      indep[j] = true;
      rank++;
      l[j][j] = Math.sqrt(d);
      for (int i = j + 1; i < p; i++) {
        double v = xtx[from + i][from + j];
        for (int k = 0; k < j; k++) if (indep[k]) v -= l[i][k] * l[j][k];
        l[i][j] = v / l[j][j];
      }
    }
    return rank;
  }

  /** {@code solve(a, b)} by LU with partial pivoting; stops like R when the 1-norm reciprocal condition < eps. */
  static double[] solve(double[][] a, double[] b) {
    RealMatrix m = new Array2DRowRealMatrix(a, true);
    LUDecomposition lu = new LUDecomposition(m, 0.0);
    DecompositionSolver solver = lu.getSolver();
    if (!solver.isNonSingular()) {
      throw new IllegalArgumentException("system is exactly singular (R: Lapack dgesv: system is exactly singular)");
    }
    RealMatrix inv = solver.getInverse();
    double rcond = 1.0 / (m.getNorm() * inv.getNorm());
    if (!(rcond >= Math.ulp(1.0))) {
      throw new IllegalArgumentException(
          "system is computationally singular: reciprocal condition number = " + rcond);
    }
    return solver.solve(new ArrayRealVector(b, false)).toArray();
  }
}
