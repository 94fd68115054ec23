package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * Mean imputation of missing (NaN) entries of a feature vector, as a pipeline stage: {@link #fit} learns each
 * feature's mean over the observed values of the rows it is given (in cross-validation: the training folds only)
 * and the model fills that mean in. A feature with no observed value in the training rows is filled with 0. The
 * learned means are a parameter of the model, so a saved pipeline carries them (MLlib's {@code Imputer} works on
 * scalar columns only; this is its vector counterpart).
 */
public final class VectorMeanImputer extends Estimator<VectorMeanImputerModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final DefaultParamsReadable<VectorMeanImputer> READABLE = new DefaultParamsReadable<>() {};

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;

  public VectorMeanImputer() {
    this(Identifiable$.MODULE$.randomUID("vectorMeanImputer"));
  }

  public VectorMeanImputer(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "vector column with NaN for missing values");
    this.outputCol = new Param<>(this, "outputCol", "output vector column");
  }

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public VectorMeanImputer setInputCol(String c) {
    set(inputCol, c);
    return this;
  }

  public VectorMeanImputer setOutputCol(String c) {
    set(outputCol, c);
    return this;
  }

  @Override
  public VectorMeanImputerModel fit(Dataset<?> dataset) {
    String in = getOrDefault(inputCol);
    // per feature: observed count and sum (a distributed aggregation; the driver gets 2 x features doubles)
    double[] agg = dataset.select(col(in)).javaRDD().treeAggregate(new double[0], (double[] acc, Row r) -> {
      Vector v = (Vector) r.get(0);
      int n = v.size();
      double[] a = acc.length == 0 ? new double[2 * n] : acc;
      for (int i = 0; i < n; i++) {
        double x = v.apply(i);
        if (!Double.isNaN(x)) {
          a[i] += 1;
          a[n + i] += x;
        }
      }
      return a;
    }, (double[] a, double[] b) -> {
      if (a.length == 0) return b;
      if (b.length == 0) return a;
      for (int i = 0; i < a.length; i++) a[i] += b[i];
      return a;
    }, 2);
    int n = agg.length / 2;
    double[] fill = new double[n];
    for (int i = 0; i < n; i++) fill[i] = agg[i] > 0 ? agg[n + i] / agg[i] : 0.0;
    VectorMeanImputerModel m = new VectorMeanImputerModel(uid).setFill(fill);
    m.setInputCol(in).setOutputCol(getOrDefault(outputCol));
    m.setParent(this);
    return m;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return VectorMeanImputerModel.outSchema(schema, getOrDefault(outputCol));
  }

  @Override
  public VectorMeanImputer copy(ParamMap extra) {
    return (VectorMeanImputer) defaultCopy(extra);
  }

  public static MLReader<VectorMeanImputer> read() {
    return READABLE.read();
  }

  public static VectorMeanImputer load(String path) {
    return read().load(path);
  }
}
