package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.StructType;

/**
 * The fitted {@link VectorMeanImputer}: fills NaN entries with the means learned on the training rows, and sets the
 * features constant up to rounding in them to 0 in every row.
 */
public final class VectorMeanImputerModel extends Model<VectorMeanImputerModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final DefaultParamsReadable<VectorMeanImputerModel> READABLE = new DefaultParamsReadable<>() {};

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final DoubleArrayParam fill;
  private final IntArrayParam constant;

  public VectorMeanImputerModel(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "vector column with NaN for missing values");
    this.outputCol = new Param<>(this, "outputCol", "output vector column");
    this.fill = new DoubleArrayParam(this, "fill", "value filled in for a missing entry, per feature");
    this.constant = new IntArrayParam(this, "constant",
        "features constant up to rounding in the training rows: set to 0 in every row");
    setDefault(constant, new int[0]); // models saved before the parameter
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

  public DoubleArrayParam fill() {
    return fill;
  }

  public IntArrayParam constant() {
    return constant;
  }

  public int[] getConstant() {
    return (int[]) getOrDefault(constant);
  }

  VectorMeanImputerModel setConstant(int[] v) {
    set(constant, v);
    return this;
  }

  public double[] getFill() {
    return (double[]) getOrDefault(fill);
  }

  VectorMeanImputerModel setFill(double[] v) {
    set(fill, v);
    return this;
  }

  public VectorMeanImputerModel setInputCol(String c) {
    set(inputCol, c);
    return this;
  }

  public VectorMeanImputerModel setOutputCol(String c) {
    set(outputCol, c);
    return this;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    double[] f = getFill();
    int[] flat = getConstant();
    UserDefinedFunction impute = udf((UDF1<Vector, Vector>) v -> {
      double[] a = v.toArray().clone();
      boolean changed = false;
      for (int i = 0; i < a.length; i++) {
        if (Double.isNaN(a[i])) {
          a[i] = i < f.length ? f[i] : 0.0;
          changed = true;
        }
      }
      for (int i : flat) {
        if (i < a.length && a[i] != 0) {
          a[i] = 0; // exactly: every sum and mean over it is 0, so an F test gives NaN, not rounding noise
          changed = true;
        }
      }
      return changed ? Vectors.dense(a) : v;
    }, new VectorUDT());
    return dataset.withColumn(getOrDefault(outputCol), impute.apply(col(getOrDefault(inputCol))));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return outSchema(schema, getOrDefault(outputCol));
  }

  static StructType outSchema(StructType schema, String out) {
    return schema.add(out, new VectorUDT(), false);
  }

  @Override
  public VectorMeanImputerModel copy(ParamMap extra) {
    VectorMeanImputerModel m = copyValues(new VectorMeanImputerModel(uid), extra);
    return m.setParent(parent());
  }

  public static MLReader<VectorMeanImputerModel> read() {
    return READABLE.read();
  }

  public static VectorMeanImputerModel load(String path) {
    return read().load(path);
  }
}
