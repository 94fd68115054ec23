package io.exocohort.model;

import org.apache.spark.ml.Model;
import org.apache.spark.ml.feature.VectorSlicer;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The fitted {@link StabilitySelector}: the chosen features (positions in the input vector, in rank order), their
 * selection frequencies and each class's mean of them on the rows it was fitted on (saved with the pipeline, so the
 * panel travels with the model). {@link #transform} keeps the chosen slots (MLlib's {@link VectorSlicer}).
 */
public final class StabilitySelectorModel extends Model<StabilitySelectorModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final DefaultParamsReadable<StabilitySelectorModel> READABLE = new DefaultParamsReadable<>() {};

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> outputCol;
  private final IntArrayParam selected;
  private final DoubleArrayParam frequency;
  private final DoubleArrayParam classMeans;

  public StabilitySelectorModel(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "vector column");
    outputCol = new Param<>(this, "outputCol", "output vector column: the selected features");
    selected = new IntArrayParam(this, "selected", "positions of the chosen features, in rank order");
    frequency = new DoubleArrayParam(this, "frequency", "selection frequency of each chosen feature");
    classMeans = new DoubleArrayParam(this, "classMeans",
        "mean of each chosen feature per class on the fitted rows, class-major ([class * chosen + i])");
  }

  @Override
  public String uid() {
    return uid;
  }

  // MLlib finds a stage's params by its public no-argument methods returning them (names = param names)
  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public IntArrayParam selected() {
    return selected;
  }

  public DoubleArrayParam frequency() {
    return frequency;
  }

  public DoubleArrayParam classMeans() {
    return classMeans;
  }

  /** Positions of the chosen features in the input vector, in rank order. */
  public int[] getSelected() {
    return (int[]) getOrDefault(selected);
  }

  /** Selection frequency of each chosen feature (in {@link #getSelected} order). */
  public double[] getFrequency() {
    return (double[]) getOrDefault(frequency);
  }

  /** The mean of chosen feature {@code i} in class {@code c} on the rows the selector was fitted on. */
  public double classMean(int c, int i) {
    return ((double[]) getOrDefault(classMeans))[c * getSelected().length + i];
  }

  StabilitySelectorModel setSelection(int[] idx, double[] freq, double[] means) {
    set(selected, idx);
    set(frequency, freq);
    set(classMeans, means);
    return this;
  }

  StabilitySelectorModel setColumns(String in, String out) {
    set(inputCol, in);
    set(outputCol, out);
    return this;
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return new VectorSlicer().setInputCol(getOrDefault(inputCol)).setOutputCol(getOrDefault(outputCol))
        .setIndices(getSelected()).transform(dataset);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return VectorMeanImputerModel.outSchema(schema, getOrDefault(outputCol));
  }

  @Override
  public StabilitySelectorModel copy(ParamMap extra) {
    return copyValues(new StabilitySelectorModel(uid), extra).setParent(parent());
  }

  public static MLReader<StabilitySelectorModel> read() {
    return READABLE.read();
  }

  public static StabilitySelectorModel load(String path) {
    return read().load(path);
  }
}
