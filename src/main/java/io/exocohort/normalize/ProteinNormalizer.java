package io.exocohort.normalize;

import io.exocohort.normalize.kernel.DownshiftImputation;
import io.exocohort.normalize.kernel.ProteinNormalization;
import io.exocohort.normalize.kernel.QuantileNormalization;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Protein intensities on a {@link SampleMatrix} (linear, NaN = missing): log2; per-sample median centring with
 * the median of the sample medians added back (MSstats' equalizeMedians; {@code center=false} skips it);
 * optional quantile normalisation as limma's normalizeQuantiles (per-sample quantile functions on a common grid,
 * summed in one aggregation). Missing values stay NaN here; {@link #written} turns a sample's values into what is
 * written (null or imputed) when they are laid out long. The per-sample medians come back as a small Dataset for
 * {@code sample_normalization}.
 */
public final class ProteinNormalizer {
  private ProteinNormalizer() {}

  /**
   * The normalised values, what they are, and one row per sample ({@code cohort, sample_id, sample_median}: the
   * median of the sample's observed log2 intensities before centring, the value centring subtracts; null for a
   * sample without observed values), persisted.
   */
  public record Result(SampleMatrix values, String scale, Dataset<Row> perSample) {}

  static final StructType PER_SAMPLE = new StructType().add("cohort", DataTypes.StringType, false)
      .add("sample_id", DataTypes.StringType, false).add("sample_median", DataTypes.DoubleType, true);

  public static Result normalize(org.apache.spark.sql.SparkSession spark, SampleMatrix linear, boolean center,
      boolean quantile) {
    SampleMatrix log = linear.map(r -> {
      double[] v = r.v();
      double[] o = new double[v.length];
      for (int i = 0; i < v.length; i++) o[i] = ProteinNormalization.log2Intensity(v[i]);
      return r.with(o);
    });
    // the per-sample medians in one pass, kept for sample_normalization (and the global median when centring)
    Dataset<Row> perSample = spark.createDataFrame(log.rows.map(r -> {
      double med = ProteinNormalization.sampleMedian(r.v());
      return RowFactory.create(r.cohort(), r.sampleId(), Double.isNaN(med) ? null : med);
    }), PER_SAMPLE).persist(StorageLevel.MEMORY_AND_DISK());
    if (center) {
      // as before: the median over every sample's median (a sample without observed values counts as NaN)
      double global = perSample.selectExpr("coalesce(sample_median, double('NaN')) AS m")
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
    perSample.count();
    return new Result(log, scale, perSample);
  }

  /** One sample's values as written: null where missing and not imputed; which values are imputed. */
  public record Written(Double[] values, boolean[] imputed) {}

  /**
   * One sample's normalised log2 values (NaN = missing) as written to {@code protein_expression}: an observed
   * value as it is; a missing one null, or with {@code impute} a draw from the sample's down-shifted normal
   * (Perseus: 1.8 SD below its mean, 0.3 SD wide), reproducible from {@code seed}, the sample and the feature.
   */
  public static Written written(double[] v, String sampleId, String[] features, boolean impute, long seed) {
    Double[] out = new Double[v.length];
    boolean[] imputed = new boolean[v.length];
    DownshiftImputation.Distribution d = impute
        ? DownshiftImputation.distribution(v, DownshiftImputation.Parameters.PERSEUS) : null;
    for (int k = 0; k < v.length; k++) {
      if (!Double.isNaN(v[k])) {
        out[k] = v[k];
      } else if (d != null) {
        out[k] = DownshiftImputation.draw(d, seed, sampleId, features[k]);
        imputed[k] = true;
      }
    }
    return new Written(out, imputed);
  }
}
