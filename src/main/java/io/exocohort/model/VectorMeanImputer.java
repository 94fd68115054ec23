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
 * and the model fills that mean in. A feature with no observed value in the training rows is filled with 0; a
 * feature constant up to rounding in them ({@link #CONSTANT_RANGE}) is set to 0 in every row. The
 * learned means are a parameter of the model, so a saved pipeline carries them (MLlib's {@code Imputer} works on
 * scalar columns only; this is its vector counterpart).
 */
public final class VectorMeanImputer extends Estimator<VectorMeanImputerModel> implements DefaultParamsWritable {
  /**
   * A feature whose range (max - min) over the training rows is at most this, relative to max(1, |mean|), is
   * constant up to rounding (a miR a cohort never measured, normalised to the same log-CPM in every sample, up to
   * 1e-15). The model sets it to exactly 0 in every row: its mean (computed as sum / n) differs from the value by
   * an ulp, which an F test turns into a random, often huge F; at exactly 0 every group sum is 0, F is NaN and the
   * top-N selectors rank it last, and scaling never blows rounding noise up to unit variance.
   */
  public static final double CONSTANT_RANGE = 1e-9;

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
    // per feature: observed count, sum, min and max (a distributed aggregation; 4 x features doubles)
    double[] agg = dataset.select(col(in)).javaRDD().treeAggregate(new double[0], (double[] acc, Row r) -> {
      Vector v = (Vector) r.get(0);
      int n = v.size();
      double[] a = acc.length == 0 ? empty(n) : acc;
      for (int i = 0; i < n; i++) {
        double x = v.apply(i);
        if (!Double.isNaN(x)) {
          a[i] += 1;
          a[n + i] += x;
          a[2 * n + i] = Math.min(a[2 * n + i], x);
          a[3 * n + i] = Math.max(a[3 * n + i], x);
        }
      }
      return a;
    }, VectorMeanImputer::merge, 2);
    int n = agg.length / 4;
    double[] fill = new double[n];
    java.util.List<Integer> constant = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      fill[i] = agg[i] > 0 ? agg[n + i] / agg[i] : 0.0;
      // the range, not the SD: exact, where a one-pass variance cancels to about 1e-8 x |mean|
      if (agg[i] > 0 && agg[3 * n + i] - agg[2 * n + i] <= CONSTANT_RANGE * Math.max(1, Math.abs(fill[i]))) {
        constant.add(i);
      }
    }
    VectorMeanImputerModel m = new VectorMeanImputerModel(uid).setFill(fill)
        .setConstant(constant.stream().mapToInt(Integer::intValue).toArray());
    m.setInputCol(in).setOutputCol(getOrDefault(outputCol));
    m.setParent(this);
    return m;
  }

  private static double[] empty(int n) {
    double[] a = new double[4 * n];
    java.util.Arrays.fill(a, 2 * n, 3 * n, Double.POSITIVE_INFINITY);
    java.util.Arrays.fill(a, 3 * n, 4 * n, Double.NEGATIVE_INFINITY);
    return a;
  }

  private static double[] merge(double[] a, double[] b) {
    if (a.length == 0) return b;
    if (b.length == 0) return a;
    int n = a.length / 4;
    for (int i = 0; i < 2 * n; i++) a[i] += b[i];
    for (int i = 2 * n; i < 3 * n; i++) a[i] = Math.min(a[i], b[i]);
    for (int i = 3 * n; i < 4 * n; i++) a[i] = Math.max(a[i], b[i]);
    return a;
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
