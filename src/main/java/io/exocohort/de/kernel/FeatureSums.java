package io.exocohort.de.kernel;

/**
 * The sufficient statistics of one feature's linear model y = X beta + e over the samples where the feature was
 * observed: what the Spark side aggregates per feature in one pass (plain sums, so partial aggregates merge by
 * addition), and all {@link LinearModel#fit} needs.
 *
 * <p>With design row x_i (p values) and value y_i of sample i, summed over the observed samples:
 * <ul>
 *   <li>{@code n}: the number of observed samples;</li>
 *   <li>{@code sumY} = sum (y_i - c), {@code sumYY} = sum (y_i - c)^2, {@code xty[j]} = sum x_ij (y_i - c),
 *       where c = {@code yShift} is a constant of the caller's choosing (0, or roughly the feature's mean for
 *       better numerical accuracy with large values: see {@link LinearModel});</li>
 *   <li>{@code xtx[j][k]} = sum x_ij x_ik: the same for all features without missing values (aggregate it once
 *       over all samples and pass the shared matrix), per feature where values are missing (its p(p+1)/2
 *       distinct entries aggregated over the observed rows).</li>
 * </ul>
 * Memory per feature: p + p^2 + 4 doubles.
 *
 * <p><b>Weighted least squares</b> (limma's {@code lmFit} with per-observation weights w_i, e.g. voom's, fitted
 * by {@code lm.wfit}): the same record with the weights inside the sums that enter the fit, {@code sumYY} = sum
 * w_i (y_i - c)^2, {@code xty[j]} = sum w_i x_ij (y_i - c), {@code xtx[j][k]} = sum w_i x_ij x_ik (per feature:
 * the weights differ between features, so there is no shared X'WX), while {@code n} and {@code sumY} stay the
 * unweighted count and sum: limma's Amean is the plain mean of the values, and df.residual is n - rank.
 * {@link LinearModel#fit} then gives lm.wfit's coefficients, stdev.unscaled = sqrt(diag((X'WX)^-1)) and
 * sigma^2 = sum w_i r_i^2 / (n - rank). limma drops an observation whose weight is not positive or not finite
 * from the fit ({@link Builder#add(double[], double, double)} does the same); limma's Amean still includes its
 * value, these sums' do not.
 */
public record FeatureSums(long n, double sumY, double sumYY, double[] xty, double[][] xtx, double yShift) {

  public FeatureSums {
    if (xty.length != xtx.length) throw new IllegalArgumentException("xty and xtx differ in dimension");
    for (double[] row : xtx) {
      if (row.length != xty.length) throw new IllegalArgumentException("xtx is not square");
    }
    if (n < 0) throw new IllegalArgumentException("n < 0: " + n);
  }

  /** Sums of the raw values (no shift). */
  public static FeatureSums of(long n, double sumY, double sumYY, double[] xty, double[][] xtx) {
    return new FeatureSums(n, sumY, sumYY, xty, xtx, 0.0);
  }

  /** The symmetric p x p matrix from its packed upper triangle (row-major: (0,0), (0,1), ..., (0,p-1), (1,1), ...). */
  public static double[][] unpackUpper(double[] packed, int p) {
    if (packed.length != p * (p + 1) / 2) {
      throw new IllegalArgumentException("packed upper triangle of " + p + " x " + p + " needs "
          + p * (p + 1) / 2 + " values, got " + packed.length);
    }
    double[][] m = new double[p][p];
    int k = 0;
    for (int i = 0; i < p; i++) {
      for (int j = i; j < p; j++) {
        m[i][j] = packed[k];
        m[j][i] = packed[k];
        k++;
      }
    }
    return m;
  }

  /** Accumulates the sums row by row (for tests, and for callers that see a feature's rows together). */
  public static Builder builder(int p, double yShift) {
    return new Builder(p, yShift);
  }

  /** Adds rows one at a time; NaN values are skipped (a missing value has no row). */
  public static final class Builder {
    private final int p;
    private final double shift;
    private long n;
    private double sumY;
    private double sumYY;
    private final double[] xty;
    private final double[][] xtx;

    private Builder(int p, double shift) {
      this.p = p;
      this.shift = shift;
      this.xty = new double[p];
      this.xtx = new double[p][p];
    }

    public Builder add(double[] x, double y) {
      if (Double.isNaN(y)) return this;
      if (x.length != p) throw new IllegalArgumentException("design row has " + x.length + " values, not " + p);
      double v = y - shift;
      n++;
      sumY += v;
      sumYY += v * v;
      for (int j = 0; j < p; j++) {
        xty[j] += x[j] * v;
        for (int k = j; k < p; k++) xtx[j][k] += x[j] * x[k];
      }
      return this;
    }

    /**
     * Adds a row with weight w (weighted least squares, see {@link FeatureSums}): w enters X'WX, X'Wy and y'Wy,
     * not n and sum y. A NaN value, or a weight that is not positive and finite, adds nothing (limma: NA).
     */
    public Builder add(double[] x, double y, double w) {
      if (Double.isNaN(y) || !(w > 0) || w == Double.POSITIVE_INFINITY) return this;
      if (x.length != p) throw new IllegalArgumentException("design row has " + x.length + " values, not " + p);
      double v = y - shift;
      double wv = w * v;
      n++;
      sumY += v;
      sumYY += wv * v;
      for (int j = 0; j < p; j++) {
        xty[j] += x[j] * wv;
        double wx = w * x[j];
        for (int k = j; k < p; k++) xtx[j][k] += wx * x[k];
      }
      return this;
    }

    public FeatureSums build() {
      double[][] m = new double[p][p];
      for (int j = 0; j < p; j++) {
        for (int k = j; k < p; k++) {
          m[j][k] = xtx[j][k];
          m[k][j] = xtx[j][k];
        }
      }
      return new FeatureSums(n, sumY, sumYY, xty.clone(), m, shift);
    }
  }
}
