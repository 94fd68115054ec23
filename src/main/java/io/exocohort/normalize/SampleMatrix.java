package io.exocohort.normalize;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.collection.immutable.ArraySeq;

/**
 * A cohort's values "transposed once" into one row per sample with a dense array over a stable feature index
 * (Spark groups the long rows by sample in one shuffle; each array is one sample's few thousand values). Every
 * later step is a map over these rows or a distributed aggregation of per-feature arrays: the driver holds the
 * feature index and per-feature arrays, never samples x features.
 *
 * <p>Rows: {@code cohort, sample_id, grp, batch, v} where {@code grp} is the biological group (the protected
 * column, e.g. cancer_type), {@code batch} the batch label (may be null) and {@code v} the values; absent
 * values are {@code fill} (0 for counts, NaN for intensities).
 */
public final class SampleMatrix implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final StructType SCHEMA = new StructType()
      .add("cohort", DataTypes.StringType, false)
      .add("sample_id", DataTypes.StringType, false)
      .add("grp", DataTypes.StringType, true)
      .add("batch", DataTypes.StringType, true)
      .add("v", DataTypes.createArrayType(DataTypes.DoubleType, false), false);

  public final String[] features;
  public final transient Dataset<Row> rows;

  private SampleMatrix(String[] features, Dataset<Row> rows) {
    this.features = features;
    this.rows = rows;
  }

  /**
   * @param values long rows {@code cohort, sample_id, feature, value}
   * @param meta one row per sample to include: {@code cohort, sample_id, grp, batch}
   * @param fill the value of an absent (sample, feature)
   */
  public static SampleMatrix build(SparkSession spark, Dataset<Row> values, Dataset<Row> meta, double fill) {
    List<String> fs = values.select("feature").distinct().orderBy("feature").as(Encoders.STRING()).collectAsList();
    String[] features = fs.toArray(new String[0]);
    Map<String, Integer> index = new HashMap<>();
    for (int i = 0; i < features.length; i++) index.put(features[i], i);
    Broadcast<Map<String, Integer>> idx =
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(index);
    int n = features.length;
    Dataset<Row> grouped = values.groupBy("cohort", "sample_id")
        .agg(collect_list(struct(col("feature"), col("value"))).as("cells"));
    Dataset<Row> joined = meta.join(grouped, scala.jdk.javaapi.CollectionConverters.asScala(
        List.of("cohort", "sample_id")).toList(), "inner");
    Dataset<Row> rows = joined.map((org.apache.spark.api.java.function.MapFunction<Row, Row>) r -> {
      double[] v = new double[n];
      java.util.Arrays.fill(v, fill);
      List<Row> cells = r.getList(r.fieldIndex("cells"));
      Map<String, Integer> ix = idx.value();
      for (Row c : cells) {
        if (!c.isNullAt(1)) v[ix.get(c.getString(0))] = c.getDouble(1);
      }
      return RowFactory.create(r.getString(r.fieldIndex("cohort")), r.getString(r.fieldIndex("sample_id")),
          r.getString(r.fieldIndex("grp")), r.getString(r.fieldIndex("batch")), ArraySeq.unsafeWrapArray(v));
    }, Encoders.row(SCHEMA)).persist(StorageLevel.MEMORY_AND_DISK_SER());
    return new SampleMatrix(features, rows);
  }

  public static SampleMatrix of(String[] features, Dataset<Row> rows) {
    return new SampleMatrix(features, rows);
  }

  /** Same features, new rows (after a per-sample transformation). */
  public SampleMatrix withRows(Dataset<Row> newRows) {
    return new SampleMatrix(features, newRows);
  }

  /** The values of a row (column 4, by position: rows handed over from RDDs carry no schema). */
  public static double[] values(Row r) {
    Object o = r.get(4);
    if (o instanceof scala.collection.Seq<?> s) {
      double[] out = new double[s.size()];
      for (int i = 0; i < out.length; i++) out[i] = (Double) s.apply(i);
      return out;
    }
    List<Double> l = r.getList(4);
    double[] out = new double[l.size()];
    for (int i = 0; i < out.length; i++) out[i] = l.get(i);
    return out;
  }

  public static Row withValues(Row r, double[] v) {
    return RowFactory.create(r.getString(0), r.getString(1), r.getString(2), r.getString(3),
        ArraySeq.unsafeWrapArray(v));
  }

  /** A distributed aggregation over the sample rows (partial results merged in a tree). */
  public <A> A aggregate(A zero, Function2<A, Row, A> add, Function2<A, A, A> merge) {
    JavaRDD<Row> rdd = rows.toJavaRDD();
    return rdd.treeAggregate(zero, add, merge);
  }

  public void unpersist() {
    rows.unpersist();
  }
}
