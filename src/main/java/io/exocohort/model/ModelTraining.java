package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.feature.UnivariateFeatureSelector;
import org.apache.spark.ml.feature.UnivariateFeatureSelectorModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The MLlib side of a model: the pipeline, cross-validation over the folds of column {@code fold}, and the
 * out-of-fold predictions. Every step that learns from the data is a stage of the pipeline, so cross-validation fits
 * it on the training folds only and applies it to the held-out fold:
 * <ol>
 *   <li>with DNA, {@link DnaHealthyScaler}: each gene's slot becomes the highest allele fraction of the sample's
 *       variants in it, each adjusted against that variant's distribution in the healthy training rows;</li>
 *   <li>{@link VectorMeanImputer}: missing values (proteins not quantified, features absent from a sample) get the
 *       feature's mean over the training rows;</li>
 *   <li>{@link UnivariateFeatureSelector} (when fewer features are asked for than there are): the top N by the
 *       ANOVA F test of the feature against the label on the training rows (for two classes F = t^2 of Student's
 *       t, so this is the top-N differentially expressed features by a t-test);</li>
 *   <li>or, with {@link Stability}, {@link StabilitySelector}: the features the same top-N selector picks in at
 *       least a threshold fraction of bootstrap resamples of the training rows (or the most frequently picked);</li>
 *   <li>the classifier: logistic regression with an elastic-net penalty on standardised features
 *       ({@code standardization=true}: the penalty treats every feature on the same scale, and the coefficients
 *       come back on the original scale), a random forest, or gradient-boosted trees (binary tasks; trees need no
 *       scaling).</li>
 * </ol>
 * Input columns: {@code features_raw} (vector, NaN = missing), {@code label} (double, 0..k-1), {@code fold} (int),
 * and with DNA {@code variants_raw} (sparse vector of allele fractions over the variant index; null: not sequenced).
 */
public final class ModelTraining {
  private ModelTraining() {}

  public enum Kind {
    LOGISTIC, FOREST, GBT;

    public static Kind parse(String s) {
      return switch (s == null ? "" : s.toLowerCase(Locale.ROOT)) {
        case "logistic" -> LOGISTIC;
        case "forest" -> FOREST;
        case "gbt" -> GBT;
        default -> throw new io.exocohort.common.BadInputException(
            "--model must be logistic, forest or gbt, not '" + s + "'");
      };
    }

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Hyperparameters (defaults in {@link #defaults}); seeds everywhere. */
  public record Hyper(double regParam, double elasticNet, int maxIter, int trees, int maxDepth, int gbtIter,
      double gbtStep) {
    public static Hyper defaults() {
      return new Hyper(0.05, 0.5, 100, 100, 6, 50, 0.1);
    }
  }

  /**
   * Selection by stability ({@link StabilitySelector}): {@code resamples} Poisson bootstrap resamples of each
   * training fold, the features selected in at least {@code threshold} of them, or with {@code panelSize > 0} the
   * {@code panelSize} most frequently selected.
   */
  public record Stability(int resamples, double threshold, int panelSize) {
    public Stability withPanelSize(int size) {
      return new Stability(resamples, threshold, size);
    }
  }

  /**
   * What to build: model kind, number of classes, how many features to select out of how many (with {@code
   * stability}: the base selector's k), and the stability selection (null: the top N by F).
   */
  public record Spec(Kind kind, int classes, int topFeatures, int featureCount, long seed, Hyper hyper,
      Stability stability, Dna dna) {
    public Spec(Kind kind, int classes, int topFeatures, int featureCount, long seed, Hyper hyper) {
      this(kind, classes, topFeatures, featureCount, seed, hyper, null, null);
    }

    public Spec(Kind kind, int classes, int topFeatures, int featureCount, long seed, Hyper hyper,
        Stability stability) {
      this(kind, classes, topFeatures, featureCount, seed, hyper, stability, null);
    }

    boolean selects() {
      return topFeatures > 0 && topFeatures < featureCount;
    }

    public Spec withStability(Stability s) {
      return new Spec(kind, classes, topFeatures, featureCount, seed, hyper, s, dna);
    }
  }

  /**
   * The DNA modality ({@link DnaHealthyScaler}): the variant index of column {@code variants_raw}, each variant's
   * gene slot in the feature vector, and the label of the healthy reference rows (NaN: none, as for origin).
   */
  public record Dna(String[] variants, int[] geneSlots, double referenceLabel) {}

  public static Pipeline pipeline(Spec s) {
    List<PipelineStage> stages = new ArrayList<>();
    String raw = "features_raw";
    if (s.dna() != null) {
      stages.add(new DnaHealthyScaler().configure(raw, DnaFeatures.VARIANTS_COL, "features_dna", s.dna()));
      raw = "features_dna";
    }
    stages.add(new VectorMeanImputer().setInputCol(raw).setOutputCol("features_imputed"));
    String featuresCol = "features_imputed";
    if (s.stability() != null) {
      Stability st = s.stability();
      stages.add(new StabilitySelector().configure("features_imputed", "features", s.classes(),
          s.topFeatures() > 0 ? s.topFeatures() : s.featureCount(), st.resamples(), st.threshold(), st.panelSize(),
          s.seed()));
      featuresCol = "features";
    } else if (s.selects()) {
      stages.add(new UnivariateFeatureSelector().setFeaturesCol("features_imputed").setOutputCol("features")
          .setLabelCol("label").setFeatureType("continuous").setLabelType("categorical")
          .setSelectionMode("numTopFeatures").setSelectionThreshold(s.topFeatures()));
      featuresCol = "features";
    }
    Hyper h = s.hyper();
    stages.add(switch (s.kind()) {
      case LOGISTIC -> new LogisticRegression().setFeaturesCol(featuresCol).setLabelCol("label")
          .setRegParam(h.regParam()).setElasticNetParam(h.elasticNet()).setMaxIter(h.maxIter())
          .setStandardization(true).setFamily(s.classes() == 2 ? "binomial" : "multinomial");
      case FOREST -> new RandomForestClassifier().setFeaturesCol(featuresCol).setLabelCol("label")
          .setNumTrees(h.trees()).setMaxDepth(h.maxDepth()).setSeed(s.seed());
      case GBT -> new GBTClassifier().setFeaturesCol(featuresCol).setLabelCol("label").setMaxIter(h.gbtIter())
          .setMaxDepth(Math.min(h.maxDepth(), 4)).setStepSize(h.gbtStep()).setSeed(s.seed());
    });
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0]));
  }

  /** The model fitted on all training rows, and the out-of-fold predictions of the fold models. */
  public record CvOutput(PipelineModel model, Dataset<Row> outOfFold, double cvMetric) {}

  /**
   * k-fold cross-validation with the folds of column {@code fold}: fold f's model is the pipeline fitted on the rows
   * of the other folds and scores fold f's rows; then the pipeline is fitted on all rows. This is what MLlib's
   * {@code CrossValidator.setFoldCol} does with one parameter map and its sub-models kept (the same fits on the same
   * rows), without its copies of every fold's rows (an RDD round trip and two caches per fold) and its evaluator's
   * jobs: the mean fold metric (AUC for two classes, else accuracy; it is only logged) is computed on the driver
   * from the fold's collected scores. {@code keep} columns are carried to the out-of-fold rows, with
   * {@code probability} as an array of doubles (one per class). {@code seed} draws nothing: the folds are given
   * (as CrossValidator's seed with a fold column); the pipeline's stages carry their own seeds.
   */
  public static CvOutput crossValidate(Dataset<Row> train, Pipeline p, int k, int classes, long seed,
      String... keep) {
    PipelineModel[] models = foldModels(train, p, k);
    double metricSum = 0;
    for (int f = 0; f < k; f++) metricSum += foldMetric(predict(models[f], fold(train, f), "label"), classes);
    return new CvOutput(p.fit(train), outOfFold(models, train, keep), metricSum / k);
  }

  /** A fold's AUC (two classes; the Mann-Whitney area, ties counted half) or accuracy (argmax of probability). */
  private static double foldMetric(Dataset<Row> scored, int classes) {
    List<Row> rows = scored.collectAsList();
    int[] label = new int[rows.size()];
    double[] positive = new double[rows.size()];
    int correct = 0;
    for (int i = 0; i < label.length; i++) {
      Row r = rows.get(i);
      label[i] = (int) Math.round(r.getDouble(0));
      List<Double> prob = r.getList(1);
      positive[i] = prob.get(prob.size() - 1);
      int best = 0;
      for (int c = 1; c < prob.size(); c++) if (prob.get(c) > prob.get(best)) best = c;
      if (best == label[i]) correct++;
    }
    return classes == 2 ? io.exocohort.model.kernel.ClinicalMetrics.rocAuc(positive, label)
        : (double) correct / Math.max(1, label.length);
  }

  /**
   * Out-of-fold predictions of fold models only (no model on all rows): fold f is scored by the pipeline fitted on
   * the rows of the other folds, as in {@link #crossValidate}.
   */
  public static Dataset<Row> outOfFold(Dataset<Row> train, Pipeline p, int k, String... keep) {
    return outOfFold(foldModels(train, p, k), train, keep);
  }

  /** Fold f's model: the pipeline fitted on the rows of every other fold. */
  private static PipelineModel[] foldModels(Dataset<Row> train, Pipeline p, int k) {
    PipelineModel[] models = new PipelineModel[k];
    for (int f = 0; f < k; f++) models[f] = p.fit(train.filter(col("fold").notEqual(f)));
    return models;
  }

  private static Dataset<Row> fold(Dataset<Row> train, int f) {
    return train.filter(col("fold").equalTo(f));
  }

  private static Dataset<Row> outOfFold(PipelineModel[] models, Dataset<Row> train, String... keep) {
    Dataset<Row> oof = null;
    for (int f = 0; f < models.length; f++) {
      Dataset<Row> part = predict(models[f], fold(train, f), keep);
      oof = oof == null ? part : oof.union(part);
    }
    return oof;
  }

  /** Applies a fitted pipeline; {@code keep} columns plus {@code probability} as array<double>. */
  public static Dataset<Row> predict(Transformer model, Dataset<Row> rows, String... keep) {
    List<org.apache.spark.sql.Column> cols = new ArrayList<>();
    for (String c : keep) cols.add(col(c));
    cols.add(org.apache.spark.ml.functions.vector_to_array(col("probability"), "float64").as("probability"));
    return model.transform(rows).select(cols.toArray(new org.apache.spark.sql.Column[0]));
  }

  /** Positions (in the feature index) the fitted pipeline uses: the selector's choice, or all of them. */
  public static int[] selected(PipelineModel m, int featureCount) {
    for (Transformer t : m.stages()) {
      if (t instanceof UnivariateFeatureSelectorModel u) return u.selectedFeatures();
      if (t instanceof StabilitySelectorModel st) return st.getSelected();
    }
    int[] all = new int[featureCount];
    for (int i = 0; i < all.length; i++) all[i] = i;
    return all;
  }
}
