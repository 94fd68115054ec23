package io.exocohort.normalize;

import io.exocohort.normalize.kernel.ProteinNormalization;
import io.exocohort.normalize.kernel.QuantileNormalization;
import java.util.Locale;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * Protein intensities on a {@link SampleMatrix} (linear, NaN = missing): log2; per-sample median centring with
 * the median of the sample medians added back (MSstats' equalizeMedians; {@code center=false} skips it);
 * optional quantile normalisation as limma's normalizeQuantiles (per-sample quantile functions on a common grid,
 * summed in one aggregation). Missing values stay NaN here; imputation happens when the values are written.
 */
public final class ProteinNormalizer {
  private ProteinNormalizer() {}

  public record Result(SampleMatrix values, String scale) {}

  public static Result normalize(SampleMatrix linear, boolean center, boolean quantile) {
    Dataset<Row> log = linear.rows.map((MapFunction<Row, Row>) r -> {
      double[] v = SampleMatrix.values(r);
      double[] o = new double[v.length];
      for (int i = 0; i < v.length; i++) o[i] = ProteinNormalization.log2Intensity(v[i]);
      return SampleMatrix.withValues(r, o);
    }, Encoders.row(SampleMatrix.SCHEMA));
    if (center) {
      double global = log.map((MapFunction<Row, Double>) r -> ProteinNormalization.sampleMedian(SampleMatrix.values(r)),
          Encoders.DOUBLE()).toDF("m").selectExpr("percentile(m, 0.5)").head().getDouble(0);
      log = log.map((MapFunction<Row, Row>) r -> {
        double[] v = SampleMatrix.values(r);
        double med = ProteinNormalization.sampleMedian(v);
        double[] o = new double[v.length];
        for (int i = 0; i < v.length; i++) o[i] = ProteinNormalization.centre(v[i], med, global);
        return SampleMatrix.withValues(r, o);
      }, Encoders.row(SampleMatrix.SCHEMA));
    }
    log = log.persist(StorageLevel.MEMORY_AND_DISK_SER());
    SampleMatrix m = SampleMatrix.of(linear.features, log);
    if (quantile) {
      int n = linear.features.length;
      Object[] acc = m.aggregate(new Object[] {new double[n], new long[1]}, (a, r) -> {
        double[] q = QuantileNormalization.quantilesOnGrid(SampleMatrix.values(r), n);
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
      Dataset<Row> qn = log.map((MapFunction<Row, Row>) r -> SampleMatrix.withValues(r,
          QuantileNormalization.mapToTarget(SampleMatrix.values(r), target)), Encoders.row(SampleMatrix.SCHEMA))
          .persist(StorageLevel.MEMORY_AND_DISK_SER());
      m = SampleMatrix.of(linear.features, qn);
    }
    String scale = String.format(Locale.ROOT, "log2_intensity(%s%s)", center ? "median-centred" : "raw",
        quantile ? ", quantile" : "");
    return new Result(m, scale);
  }
}
