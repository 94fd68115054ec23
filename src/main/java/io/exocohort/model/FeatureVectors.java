package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.matrix.SampleVectors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Per-sample feature vectors over a fixed feature index, read from the expression matrices without a row per value
 * ({@link SampleVectors}: each matrix row's entries of the wanted samples are sent in sample ranges to the slot of
 * its feature). Absent or null values are NaN (missing: imputed inside the pipeline); matrix rows of features not
 * in the index are counted per sample as extra and ignored. The driver holds only the index.
 */
public final class FeatureVectors {
  private FeatureVectors() {}

  public static final StructType SCHEMA = new StructType()
      .add("cohort", DataTypes.StringType, false)
      .add("sample_id", DataTypes.StringType, false)
      .add("features_raw", new VectorUDT(), false)
      .add("features_missing", DataTypes.IntegerType, false)
      .add("features_extra", DataTypes.IntegerType, false);

  /**
   * @param sources the modalities' matrices (feature names prefixed by {@link #name})
   * @param keys the samples wanted ({@code cohort, sample_id})
   * @param index the feature index, position = vector slot
   * @return one row per sample of {@code keys} that has a matrix row: {@code cohort, sample_id, features_raw,
   *     features_missing} (slots NaN) {@code , features_extra} (matrix rows whose feature is not in the index)
   */
  public static Dataset<Row> assemble(SparkSession spark, List<SampleVectors.Source> sources, Dataset<Row> keys,
      String[] index) {
    int n = index.length;
    JavaRDD<Row> rows = SampleVectors.of(spark, sources, keys, index, SampleVectors.rangeSamples(n)).map(v -> {
      int missing = 0;
      for (double x : v.values()) if (Double.isNaN(x)) missing++;
      return RowFactory.create(v.cohort(), v.sampleId(), Vectors.dense(v.values()), missing, v.extra());
    });
    return spark.createDataFrame(rows, SCHEMA);
  }

  /** The modalities' matrices at the scope's pinned versions, restricted to {@code cohorts}. */
  public static List<SampleVectors.Source> sources(RunScope s, List<String> modalities, List<String> cohorts) {
    List<SampleVectors.Source> out = new ArrayList<>();
    for (String m : modalities) {
      Modality mod = Modality.of(m);
      out.add(new SampleVectors.Source(s.read(mod.matrix()).filter(col("cohort").isin(cohorts.toArray())),
          s.read(mod.samples()).filter(col("cohort").isin(cohorts.toArray())), name(m, "")));
    }
    return out;
  }

  /** The distinct prefixed features with a matrix row in a block holding a sample of {@code keys}. */
  public static Dataset<String> features(List<SampleVectors.Source> sources, Dataset<Row> keys) {
    Dataset<String> out = null;
    for (SampleVectors.Source s : sources) {
      Dataset<String> f = SampleVectors.features(s, keys);
      out = out == null ? f : out.union(f);
    }
    return out.distinct();
  }

  /** Prefixed feature name: {@code mirna:hsa-miR-21-5p}, {@code protein:CD63}. */
  public static String name(String modality, String feature) {
    return modality + ":" + feature;
  }
}
