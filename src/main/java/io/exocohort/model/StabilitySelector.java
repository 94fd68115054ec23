package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import io.exocohort.model.kernel.StabilitySelection;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
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
 * Feature selection by stability as a pipeline stage ({@link StabilitySelection}): {@link #fit} runs the base
 * selector (ANOVA F top {@code baseK}) on {@code resamples} Poisson bootstrap resamples of the rows it is given and
 * keeps the features selected in at least a {@code threshold} fraction of them (or, with {@code panelSize} &gt; 0,
 * the {@code panelSize} most frequently selected). In cross-validation the rows are one fold's training rows, so
 * the selection never sees the fold it is scored on, nor the hold-out.
 *
 * <p>Scale: the rows are never collected. One {@code treeAggregate} over them accumulates, for every resample at
 * once, the per-class weight sums, weighted sums and weighted sums of squares of every feature (each row's
 * Poisson weights come from its key, {@code cohort:sample_id}, on the executor); the driver receives (B + 1) x
 * classes x (1 + 2 features) doubles and computes each resample's F from them.
 *
 * <p>Input: {@code featuresCol} (vector, no NaN: after the imputer), {@code labelCol} (0..classes-1), the key columns
 * {@code cohort} and {@code sample_id}. Output: the selected features in rank order (frequency, then F).
 */
public final class StabilitySelector extends Estimator<StabilitySelectorModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final DefaultParamsReadable<StabilitySelector> READABLE = new DefaultParamsReadable<>() {};

  private final String uid;
  private final Param<String> featuresCol;
  private final Param<String> outputCol;
  private final IntParam classes;
  private final IntParam baseK;
  private final IntParam resamples;
  private final DoubleParam threshold;
  private final IntParam panelSize;
  private final LongParam seed;

  public StabilitySelector() {
    this(Identifiable$.MODULE$.randomUID("stabilitySelector"));
  }

  public StabilitySelector(String uid) {
    this.uid = uid;
    featuresCol = new Param<>(this, "featuresCol", "vector column (no missing values)");
    outputCol = new Param<>(this, "outputCol", "output vector column: the selected features");
    classes = new IntParam(this, "classes", "number of classes (labels 0..classes-1)");
    baseK = new IntParam(this, "baseK", "features the base selector (ANOVA F top k) keeps per resample");
    resamples = new IntParam(this, "resamples", "Poisson bootstrap resamples");
    threshold = new DoubleParam(this, "threshold", "selection frequency a stable feature reaches");
    panelSize = new IntParam(this, "panelSize", "if > 0: keep this many most frequently selected features instead");
    seed = new LongParam(this, "seed", "seed of the resample weights");
    setDefault(panelSize, 0);
  }

  @Override
  public String uid() {
    return uid;
  }

  // MLlib finds a stage's params by its public no-argument methods returning them (names = param names)
  public Param<String> featuresCol() {
    return featuresCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public IntParam classes() {
    return classes;
  }

  public IntParam baseK() {
    return baseK;
  }

  public IntParam resamples() {
    return resamples;
  }

  public DoubleParam threshold() {
    return threshold;
  }

  public IntParam panelSize() {
    return panelSize;
  }

  public LongParam seed() {
    return seed;
  }

  /** Sets every parameter (the pipeline builds it in one place). */
  public StabilitySelector configure(String in, String out, int numClasses, int k, int b, double t, int size,
      long s) {
    set(featuresCol, in);
    set(outputCol, out);
    set(classes, numClasses);
    set(baseK, k);
    set(resamples, b);
    set(threshold, t);
    set(panelSize, size);
    set(seed, s);
    return this;
  }

  /** The sums of every resample over the rows (one distributed pass; see the class comment). */
  static StabilitySelection.Sums sums(Dataset<?> dataset, String features, int b, int c, long seed) {
    Dataset<Row> rows = dataset.select(col("cohort"), col("sample_id"), col("label"), col(features));
    return rows.javaRDD().treeAggregate(new StabilitySelection.Sums(b, c, 0), (acc, r) -> {
      Vector v = (Vector) r.get(3);
      StabilitySelection.Sums a = acc.features() == 0 ? new StabilitySelection.Sums(b, c, v.size()) : acc;
      int[] w = StabilitySelection.weights(seed, r.getString(0) + ":" + r.getString(1), b);
      return a.add(v.toArray(), (int) Math.round(((Number) r.get(2)).doubleValue()), w);
    }, (x, y) -> x.features() == 0 ? y : y.features() == 0 ? x : x.merge(y), 2);
  }

  @Override
  public StabilitySelectorModel fit(Dataset<?> dataset) {
    int c = (Integer) getOrDefault(classes);
    StabilitySelection.Sums sums = sums(dataset, getOrDefault(featuresCol), (Integer) getOrDefault(resamples), c,
        (Long) getOrDefault(seed));
    StabilitySelection.Result r = StabilitySelection.select(sums, (Integer) getOrDefault(baseK));
    int size = (Integer) getOrDefault(panelSize);
    int[] chosen = size > 0 ? r.top(size) : r.stable((Double) getOrDefault(threshold));
    double[] freq = new double[chosen.length];
    double[] means = new double[c * chosen.length];
    for (int c1 = 0; c1 < c; c1++) {
      double[] m = sums.classMeans(c1);
      for (int i = 0; i < chosen.length; i++) means[c1 * chosen.length + i] = m[chosen[i]];
    }
    for (int i = 0; i < chosen.length; i++) freq[i] = r.frequency()[chosen[i]];
    StabilitySelectorModel m = new StabilitySelectorModel(uid).setSelection(chosen, freq, means);
    m.setColumns(getOrDefault(featuresCol), getOrDefault(outputCol));
    m.setParent(this);
    return m;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return VectorMeanImputerModel.outSchema(schema, getOrDefault(outputCol));
  }

  @Override
  public StabilitySelector copy(ParamMap extra) {
    return (StabilitySelector) defaultCopy(extra);
  }

  public static MLReader<StabilitySelector> read() {
    return READABLE.read();
  }

  public static StabilitySelector load(String path) {
    return read().load(path);
  }
}
