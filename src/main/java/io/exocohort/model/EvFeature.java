package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.deconv.EvFractions;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The tumour-EV fraction as a model feature (issue 19, {@code train --ev-fraction}): one slot {@link #SLOT} of the
 * feature vector holding the sample's fraction in its latest deconvolve run ({@link EvFractions}), NaN for a sample
 * no run covered. The slot is an ordinary feature of the pipeline: imputed with the training folds' mean when
 * missing, ranked by the selector with the others, scaled with them, so no label information leaks from outside the
 * training rows. {@code score} fills the slot of a model whose feature index has it the same way.
 */
public final class EvFeature {
  /** The slot's prefix in the feature index (not a modality of {@code --modality}). */
  public static final String PREFIX = "ev";
  /** The slot's name in {@code model_runs.feature_index}. */
  public static final String SLOT = FeatureVectors.name(PREFIX, EvFractions.TUMOUR_EV_FRACTION);

  private EvFeature() {}

  /** The slot of {@link #SLOT} in a feature index, -1 if the model does not use the fraction. */
  public static int slot(String[] index) {
    return Arrays.asList(index).indexOf(SLOT);
  }

  /**
   * (cohort, sample_id, tumour_ev_fraction, run_id) of the cohorts' samples from {@code ev_origin}, pinned in the
   * scope (empty when the lake has none).
   */
  public static Dataset<Row> fractions(RunScope s, List<String> cohorts) {
    s.pin(Tables.EV_ORIGIN);
    return EvFractions.latest(s.reader(), cohorts);
  }

  /**
   * Feature vectors ({@link FeatureVectors#SCHEMA}, or {@link DnaFeatures#SCHEMA}) with slot {@code slot} set to
   * each sample's fraction from {@code fractions} (NaN when it has none) and {@code features_missing} recounted;
   * every other column unchanged.
   */
  public static Dataset<Row> fill(SparkSession spark, Dataset<Row> vectors, Dataset<Row> fractions, int slot) {
    StructType schema = vectors.schema();
    int raw = schema.fieldIndex("features_raw");
    int missingAt = schema.fieldIndex("features_missing");
    int width = schema.size();
    Dataset<Row> joined = vectors.join(fractions.select(col("cohort"), col("sample_id"),
        col(EvFractions.TUMOUR_EV_FRACTION).as("ev_fraction_value")), TrainJob.seq("cohort", "sample_id"),
        "left_outer");
    int[] at = new int[width];
    for (int i = 0; i < width; i++) at[i] = joined.schema().fieldIndex(schema.fields()[i].name());
    int value = joined.schema().fieldIndex("ev_fraction_value");
    return spark.createDataFrame(joined.javaRDD().map(r -> {
      Object[] out = new Object[width];
      for (int i = 0; i < width; i++) out[i] = r.get(at[i]);
      if (!r.isNullAt(at[raw])) {
        double[] x = ((Vector) r.get(at[raw])).toArray().clone();
        x[slot] = r.isNullAt(value) ? Double.NaN : r.getDouble(value);
        int missing = 0;
        for (double d : x) if (Double.isNaN(d)) missing++;
        out[raw] = Vectors.dense(x);
        out[missingAt] = missing;
      }
      return RowFactory.create(out);
    }), schema);
  }
}
