package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import io.exocohort.model.kernel.DnaScores;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.StructType;

/**
 * The fitted {@link DnaHealthyScaler}: each variant's healthy mean and SD (saved with the pipeline, as is the
 * variant index that {@code score} assembles {@code variants_raw} over), and the transform to gene scores.
 */
public final class DnaHealthyScalerModel extends Model<DnaHealthyScalerModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final DefaultParamsReadable<DnaHealthyScalerModel> READABLE = new DefaultParamsReadable<>() {};

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> variantsCol;
  private final Param<String> outputCol;
  private final StringArrayParam variants;
  private final IntArrayParam geneSlots;
  private final DoubleArrayParam mean;
  private final DoubleArrayParam sd;
  private final LongParam references;

  public DnaHealthyScalerModel(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "feature vector (NaN: missing)");
    this.variantsCol = new Param<>(this, "variantsCol", "sparse allele fractions over the variant index");
    this.outputCol = new Param<>(this, "outputCol", "output feature vector");
    this.variants = new StringArrayParam(this, "variants", "the variant index (gene and change)");
    this.geneSlots = new IntArrayParam(this, "geneSlots", "per variant, its gene's slot in the feature vector");
    this.mean = new DoubleArrayParam(this, "mean", "per variant, its allele fraction's mean over the reference rows");
    this.sd = new DoubleArrayParam(this, "sd", "per variant, its allele fraction's population SD over them");
    this.references = new LongParam(this, "references", "sequenced healthy reference rows fitted on");
  }

  DnaHealthyScalerModel configure(String in, String variantsIn, String out, String[] v, int[] slots, double[] m,
      double[] s, long n) {
    set(inputCol, in);
    set(variantsCol, variantsIn);
    set(outputCol, out);
    set(variants, v);
    set(geneSlots, slots);
    set(mean, m);
    set(sd, s);
    set(references, n);
    return this;
  }

  @Override
  public String uid() {
    return uid;
  }

  // the params, found by MLlib by reflection (public, no arguments)
  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> variantsCol() {
    return variantsCol;
  }

  public Param<String> outputCol() {
    return outputCol;
  }

  public StringArrayParam variants() {
    return variants;
  }

  public IntArrayParam geneSlots() {
    return geneSlots;
  }

  public DoubleArrayParam mean() {
    return mean;
  }

  public DoubleArrayParam sd() {
    return sd;
  }

  public LongParam references() {
    return references;
  }

  /** The variant index: {@code variants_raw} slot k is variant {@code getVariants()[k]}. */
  public String[] getVariants() {
    return (String[]) getOrDefault(variants);
  }

  public double[] getMean() {
    return (double[]) getOrDefault(mean);
  }

  public double[] getSd() {
    return (double[]) getOrDefault(sd);
  }

  public long getReferences() {
    return (Long) getOrDefault(references);
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    double[] m = getMean();
    double[] s = getSd();
    int[] slots = (int[]) getOrDefault(geneSlots);
    int[] genes = java.util.Arrays.stream(slots).distinct().toArray();
    UserDefinedFunction score = udf((UDF2<Vector, Vector, Vector>) (x, v) -> {
      double[] out = x.toArray().clone();
      if (v == null) {
        for (int g : genes) out[g] = Double.NaN; // not sequenced: missing
      } else {
        SparseVector sv = v.toSparse();
        DnaScores.geneScores(out, sv.indices(), sv.values(), genes, slots, m, s, DnaScores.MIN_SD);
      }
      return Vectors.dense(out);
    }, new VectorUDT());
    return dataset.withColumn(getOrDefault(outputCol),
        score.apply(col(getOrDefault(inputCol)), col(getOrDefault(variantsCol))));
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return VectorMeanImputerModel.outSchema(schema, getOrDefault(outputCol));
  }

  @Override
  public DnaHealthyScalerModel copy(ParamMap extra) {
    DnaHealthyScalerModel c = copyValues(new DnaHealthyScalerModel(uid), extra);
    return c.setParent(parent());
  }

  public static MLReader<DnaHealthyScalerModel> read() {
    return READABLE.read();
  }

  public static DnaHealthyScalerModel load(String path) {
    return read().load(path);
  }
}
