package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import io.exocohort.model.kernel.DnaScores;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReadable;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The DNA modality's pipeline stage ({@link DnaScores}): {@link #fit} learns each variant's allele-fraction mean
 * and SD over the healthy reference rows it is given (label {@code referenceLabel}, sequenced: {@code variants_raw}
 * not null; in cross-validation the training folds only, so the hold-out and the scored fold never shape it), and
 * the model replaces each gene's slot of the feature vector by the gene's score. Rows of samples not sequenced keep
 * NaN there (imputed by the next stage). One distributed pass; the driver gets 2 x variants + 1 sums. With no
 * reference label (NaN: the origin task has no healthy rows) every variant keeps mean 0 and the minimum SD.
 */
public final class DnaHealthyScaler extends Estimator<DnaHealthyScalerModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final DefaultParamsReadable<DnaHealthyScaler> READABLE = new DefaultParamsReadable<>() {};

  private final String uid;
  private final Param<String> inputCol;
  private final Param<String> variantsCol;
  private final Param<String> outputCol;
  private final StringArrayParam variants;
  private final IntArrayParam geneSlots;
  private final DoubleParam referenceLabel;

  public DnaHealthyScaler() {
    this(Identifiable$.MODULE$.randomUID("dnaHealthyScaler"));
  }

  public DnaHealthyScaler(String uid) {
    this.uid = uid;
    this.inputCol = new Param<>(this, "inputCol", "feature vector (NaN: missing)");
    this.variantsCol = new Param<>(this, "variantsCol", "sparse allele fractions over the variant index");
    this.outputCol = new Param<>(this, "outputCol", "output feature vector");
    this.variants = new StringArrayParam(this, "variants", "the variant index (gene and change)");
    this.geneSlots = new IntArrayParam(this, "geneSlots", "per variant, its gene's slot in the feature vector");
    this.referenceLabel = new DoubleParam(this, "referenceLabel", "label of the healthy reference rows (NaN: none)");
  }

  /** Sets every parameter: the columns and the variant index of {@code dna}. */
  public DnaHealthyScaler configure(String in, String variantsIn, String out, ModelTraining.Dna dna) {
    set(inputCol, in);
    set(variantsCol, variantsIn);
    set(outputCol, out);
    set(variants, dna.variants());
    set(geneSlots, dna.geneSlots());
    set(referenceLabel, dna.referenceLabel());
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

  public DoubleParam referenceLabel() {
    return referenceLabel;
  }

  @Override
  public DnaHealthyScalerModel fit(Dataset<?> dataset) {
    int nv = ((String[]) getOrDefault(variants)).length;
    double ref = (Double) getOrDefault(referenceLabel);
    double[] agg = new double[2 * nv + 1];
    if (!Double.isNaN(ref)) {
      // per variant: sum and sum of squares of its allele fraction over the sequenced reference rows, and their count
      agg = dataset.filter(col("label").equalTo(ref).and(col(getOrDefault(variantsCol)).isNotNull()))
          .select(col(getOrDefault(variantsCol))).javaRDD().treeAggregate(new double[0], (double[] acc, Row r) -> {
            double[] a = acc.length == 0 ? new double[2 * nv + 1] : acc;
            SparseVector v = ((Vector) r.get(0)).toSparse();
            int[] idx = v.indices();
            double[] x = v.values();
            for (int k = 0; k < idx.length; k++) {
              a[idx[k]] += x[k];
              a[nv + idx[k]] += x[k] * x[k];
            }
            a[2 * nv] += 1;
            return a;
          }, DnaHealthyScaler::add, 2);
      if (agg.length == 0) agg = new double[2 * nv + 1];
    }
    double[] sum = java.util.Arrays.copyOfRange(agg, 0, nv);
    double[] sumSq = java.util.Arrays.copyOfRange(agg, nv, 2 * nv);
    double[][] ms = DnaScores.moments((long) agg[2 * nv], sum, sumSq);
    DnaHealthyScalerModel m = new DnaHealthyScalerModel(uid).configure(getOrDefault(inputCol),
        getOrDefault(variantsCol), getOrDefault(outputCol), (String[]) getOrDefault(variants),
        (int[]) getOrDefault(geneSlots), ms[0], ms[1], (long) agg[2 * nv]);
    m.setParent(this);
    return m;
  }

  private static double[] add(double[] a, double[] b) {
    if (a.length == 0) return b;
    if (b.length == 0) return a;
    for (int i = 0; i < a.length; i++) a[i] += b[i];
    return a;
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return VectorMeanImputerModel.outSchema(schema, getOrDefault(outputCol));
  }

  @Override
  public DnaHealthyScaler copy(ParamMap extra) {
    return (DnaHealthyScaler) defaultCopy(extra);
  }

  public static MLReader<DnaHealthyScaler> read() {
    return READABLE.read();
  }

  public static DnaHealthyScaler load(String path) {
    return read().load(path);
  }
}
