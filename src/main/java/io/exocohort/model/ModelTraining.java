package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.UnivariateFeatureSelector;
import org.apache.spark.ml.feature.UnivariateFeatureSelectorModel;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The MLlib side of a model: the pipeline, cross-validation through MLlib's {@code foldCol}, and the out-of-fold
 * predictions. Every step that learns from the data is a stage of the pipeline, so {@link CrossValidator} fits it
 * on the training folds only and applies it to the held-out fold:
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
   * k-fold cross-validation with the folds of column {@code fold} (MLlib {@code CrossValidator.setFoldCol}, one
   * parameter map), keeping the fold models to score each fold's own held-out rows. {@code keep} columns are
   * carried to the out-of-fold rows, with {@code probability} as an array of doubles (one per class).
   */
  public static CvOutput crossValidate(Dataset<Row> train, Pipeline p, int k, int classes, long seed,
      String... keep) {
    CrossValidator cv = new CrossValidator().setEstimator(p)
        .setEstimatorParamMaps(new ParamGridBuilder().build())
        .setEvaluator(classes == 2 ? new BinaryClassificationEvaluator().setMetricName("areaUnderROC")
            : new MulticlassClassificationEvaluator().setMetricName("accuracy"))
        .setNumFolds(k).setFoldCol("fold").setCollectSubModels(true).setSeed(seed).setParallelism(1);
    CrossValidatorModel m = cv.fit(train);
    Model<?>[][] sub = m.subModels();
    Dataset<Row> oof = null;
    for (int f = 0; f < k; f++) {
      Dataset<Row> part = predict(sub[f][0], train.filter(col("fold").equalTo(f)), keep);
      oof = oof == null ? part : oof.union(part);
    }
    return new CvOutput((PipelineModel) m.bestModel(), oof, m.avgMetrics()[0]);
  }

  /**
   * Out-of-fold predictions of fold models only (no model on all rows): fold f is scored by the pipeline fitted on
   * the rows of the other folds, as in {@link #crossValidate}.
   */
  public static Dataset<Row> outOfFold(Dataset<Row> train, Pipeline p, int k, String... keep) {
    Dataset<Row> oof = null;
    for (int f = 0; f < k; f++) {
      PipelineModel m = p.fit(train.filter(col("fold").notEqual(f)));
      Dataset<Row> part = predict(m, train.filter(col("fold").equalTo(f)), keep);
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
