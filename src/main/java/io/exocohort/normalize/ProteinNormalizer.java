package io.exocohort.normalize;

import io.exocohort.normalize.kernel.ProteinNormalization;
import io.exocohort.normalize.kernel.QuantileNormalization;
import java.util.Locale;

/**
 * Protein intensities on a {@link SampleMatrix} (linear, NaN = missing): log2; per-sample median centring with
 * the median of the sample medians added back (MSstats' equalizeMedians; {@code center=false} skips it);
 * optional quantile normalisation as limma's normalizeQuantiles (per-sample quantile functions on a common grid,
 * summed in one aggregation). Missing values stay NaN here; imputation happens when the values are written.
 */
public final class ProteinNormalizer {
  private ProteinNormalizer() {}

  public record Result(SampleMatrix values, String scale) {}

  public static Result normalize(org.apache.spark.sql.SparkSession spark, SampleMatrix linear, boolean center,
      boolean quantile) {
    SampleMatrix log = linear.map(r -> {
      double[] v = r.v();
      double[] o = new double[v.length];
      for (int i = 0; i < v.length; i++) o[i] = ProteinNormalization.log2Intensity(v[i]);
      return r.with(o);
    });
    if (center) {
      double global = log.scalar(spark, r -> ProteinNormalization.sampleMedian(r.v())).toDF("m")
          .selectExpr("percentile(m, 0.5)").head().getDouble(0);
      SampleMatrix prev = log;
      log = log.map(r -> {
        double[] v = r.v();
        double med = ProteinNormalization.sampleMedian(v);
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = ProteinNormalization.centre(v[i], med, global);
        return r.with(o);
      });
      prev.unpersist();
    }
    if (quantile) {
      int n = linear.features.length;
      Object[] acc = log.aggregate(new Object[] {new double[n], new long[1]}, (a, r) -> {
        double[] q = QuantileNormalization.quantilesOnGrid(r.v(), n);
        double[] s = (double[]) a[0];
        for (int k = 0; k < n; k++) s[k] += q[k];
        ((long[]) a[1])[0]++;
        return a;
      }, (a, b) -> {
        double[] x = (double[]) a[0];
        double[] y = (double[]) b[0];
        for (int k = 0; k < x.length; k++) x[k] += y[k];
        ((long[]) a[1])[0] += ((long[]) b[1])[0];
        return a;
      });
      double[] target = QuantileNormalization.target((double[]) acc[0], ((long[]) acc[1])[0]);
      SampleMatrix prev = log;
      log = log.map(r -> r.with(QuantileNormalization.mapToTarget(r.v(), target)));
      prev.unpersist();
    }
    String scale = String.format(Locale.ROOT, "log2_intensity(%s%s)", center ? "median-centred" : "raw",
        quantile ? ", quantile" : "");
    return new Result(log, scale);
  }
}
