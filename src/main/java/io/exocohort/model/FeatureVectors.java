package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import io.exocohort.common.SamplePartials;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Per-sample feature vectors over a fixed feature index, without a pivot: the long rows {@code cohort, sample_id,
 * feature, value} are placed into one dense array per sample by a broadcast index (feature name to position),
 * with a map-side combine (each partition fills the arrays of the samples it holds, bounded in memory, and the
 * partial arrays of a sample are merged by key). Absent or null values are NaN (missing: imputed inside the
 * pipeline); features not in the index are counted as extra and ignored. The driver holds only the index.
 */
public final class FeatureVectors {
  private FeatureVectors() {}

  /** A partition holds at most this many bytes of partial arrays before it flushes them. */
  static final long PARTIAL_BYTES = 64L << 20;

  public static final StructType SCHEMA = new StructType()
      .add("cohort", DataTypes.StringType, false)
      .add("sample_id", DataTypes.StringType, false)
      .add("features_raw", new VectorUDT(), false)
      .add("features_missing", DataTypes.IntegerType, false)
      .add("features_extra", DataTypes.IntegerType, false);

  /**
   * @param values long rows {@code cohort, sample_id, feature, value} (value may be null); feature names as in
   *     the index (the caller prefixes the modality)
   * @param index the feature index, position = vector slot
   * @return one row per sample that has at least one row: {@code cohort, sample_id, features_raw,
   *     features_missing} (slots NaN) {@code , features_extra} (rows whose feature is not in the index)
   */
  public static Dataset<Row> assemble(SparkSession spark, Dataset<Row> values, String[] index) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, Integer> ix = new HashMap<>();
    for (int i = 0; i < index.length; i++) ix.put(index[i], i);
    Broadcast<Map<String, Integer>> idx = jsc.broadcast(ix);
    int n = index.length;
    int parts = Math.max(jsc.defaultParallelism(), values.rdd().getNumPartitions());
    JavaRDD<Row> rows = SamplePartials.of(values, idx, n, Double.NaN, true, PARTIAL_BYTES)
        .reduceByKey(new HashPartitioner(parts), (a, b) -> {
          for (int i = 0; i < n; i++) if (Double.isNaN(a[i])) a[i] = b[i];
          a[n] += b[n];
          return a;
        })
        .map(t -> {
          String[] key = SamplePartials.split(t._1());
          double[] a = t._2();
          int missing = 0;
          for (int i = 0; i < n; i++) if (Double.isNaN(a[i])) missing++;
          return RowFactory.create(key[0], key[1], Vectors.dense(Arrays.copyOf(a, n)), missing, (int) a[n]);
        });
    return spark.createDataFrame(rows, SCHEMA);
  }

  /**
   * The long rows {@code cohort, sample_id, feature, value} of one modality's expression table for the samples of
   * {@code keys} ({@code cohort, sample_id}) in {@code cohorts}, the feature prefixed with the modality
   * ({@link #name}), as {@link #assemble} takes them.
   */
  public static Dataset<Row> values(Dataset<Row> expression, String modality, List<String> cohorts,
      Dataset<Row> keys) {
    return expression.filter(col("cohort").isin(cohorts.toArray()))
        .join(keys.select("cohort", "sample_id"), TrainJob.seq("cohort", "sample_id"))
        .select(col("cohort"), col("sample_id"), concat(lit(modality + ":"), col("feature")).as("feature"),
            col("value"));
  }

  /** Prefixed feature name: {@code mirna:hsa-miR-21-5p}, {@code protein:CD63}. */
  public static String name(String modality, String feature) {
    return modality + ":" + feature;
  }
}
