package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.model.kernel.ClinicalMetrics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.UnivariateFeatureSelector;
import org.apache.spark.ml.feature.UnivariateFeatureSelectorModel;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Cross-validation on in-memory data: the folds equal the golden script's (grouped, stratified), MLlib's
 * out-of-fold logistic regression agrees with scikit-learn's on the same folds, and feature selection inside the
 * folds keeps a pure-noise AUC near 0.5 where selection outside the folds does not.
 */
class ModelCvTest {
  static final StructType SCHEMA = new StructType()
      .add("cohort", DataTypes.StringType).add("sample_id", DataTypes.StringType)
      .add("subject_key", DataTypes.StringType).add("cancer_type", DataTypes.StringType)
      .add("stage", DataTypes.StringType).add("label", DataTypes.DoubleType)
      .add("features_raw", new VectorUDT());

  static Dataset<Row> fixture(SparkSession spark) {
    ModelGolden g = ModelGolden.read("lr_fixture.csv");
    List<Row> rows = new ArrayList<>();
    int first = g.col("f00");
    for (String[] r : g.rows) {
      double[] x = new double[r.length - first];
      for (int j = 0; j < x.length; j++) x[j] = Double.parseDouble(r[first + j]);
      rows.add(RowFactory.create("fx", r[0], r[1], r[2], r[3].isEmpty() ? null : r[3], Double.parseDouble(r[4]),
          Vectors.dense(x)));
    }
    return spark.createDataFrame(rows, SCHEMA).withColumn("stratum", Folds.stratum());
  }

  static Map<String, Double> summary() {
    ModelGolden s = ModelGolden.read("lr_summary.csv");
    Map<String, Double> m = new HashMap<>();
    for (String[] r : s.rows) m.put(r[0], Double.parseDouble(r[1]));
    return m;
  }

  @Test
  void foldsEqualTheGoldenDealAndAreGroupedAndStratified(SparkSession spark) {
    Map<String, Double> sum = summary();
    int k = sum.get("folds").intValue();
    Dataset<Row> f = Folds.assign(fixture(spark), k, sum.get("fold_seed").longValue());
    ModelGolden want = ModelGolden.read("lr_sklearn.csv");
    Map<String, Integer> got = new HashMap<>();
    for (Row r : f.select("sample_id", "fold").collectAsList()) got.put(r.getString(0), r.getInt(1));
    String[] ids = want.strings("sample_id");
    int[] folds = want.ints("fold");
    assertEquals(ids.length, got.size());
    for (int i = 0; i < ids.length; i++) assertEquals(folds[i], got.get(ids[i]), "fold of " + ids[i]);
    // grouped: no subject in two folds
    assertEquals(0, f.groupBy("subject_key").agg(org.apache.spark.sql.functions.countDistinct("fold").as("n"))
        .filter(col("n").gt(1)).count());
    // stratified: within every stratum fold sizes differ by at most one subject
    for (Row r : f.dropDuplicates("subject_key").groupBy("stratum").pivot("fold").count().na().fill(0)
        .collectAsList()) {
      long lo = Long.MAX_VALUE;
      long hi = 0;
      for (int j = 1; j < r.length(); j++) {
        lo = Math.min(lo, r.getLong(j));
        hi = Math.max(hi, r.getLong(j));
      }
      assertTrue(hi - lo <= 1, "stratum " + r.getString(0) + " folds " + r);
    }
  }

  @Test
  void holdoutTakesTheFractionOfEveryStratumBySubject(SparkSession spark) {
    Dataset<Row> h = Folds.holdout(fixture(spark), 0.2, 3);
    assertEquals(0, h.groupBy("subject_key").agg(org.apache.spark.sql.functions.countDistinct("holdout").as("n"))
        .filter(col("n").gt(1)).count());
    for (Row r : h.dropDuplicates("subject_key").groupBy("stratum")
        .agg(org.apache.spark.sql.functions.count("*"), org.apache.spark.sql.functions.sum(
            org.apache.spark.sql.functions.when(col("holdout"), 1).otherwise(0))).collectAsList()) {
      long n = r.getLong(1);
      long held = r.getLong(2);
      assertTrue(held == (long) Math.floor(n * 0.2), "stratum " + r.getString(0) + ": " + held + " of " + n);
    }
    // another seed, another hold-out
    assertTrue(Folds.holdout(fixture(spark), 0.2, 4).filter(col("holdout")).select("subject_key")
        .except(h.filter(col("holdout")).select("subject_key")).count() > 0);
  }

  @Test
  void logisticRegressionAgreesWithSklearnOnTheSameFolds(SparkSession spark) {
    Map<String, Double> sum = summary();
    int k = sum.get("folds").intValue();
    // cached, as the noise test's: every fold fit, fold metric and out-of-fold pass would otherwise recompute the
    // fold assignment (a window over subjects, a join) and the sort
    Dataset<Row> data = Folds.assign(fixture(spark), k, sum.get("fold_seed").longValue()).orderBy("sample_id")
        .cache();
    ModelTraining.Hyper d = ModelTraining.Hyper.defaults();
    ModelTraining.Hyper h = new ModelTraining.Hyper(sum.get("reg_param"), sum.get("elastic_net_param"), 300,
        d.trees(), d.maxDepth(), d.gbtIter(), d.gbtStep());
    ModelTraining.Spec spec = new ModelTraining.Spec(ModelTraining.Kind.LOGISTIC, 2, 0, 30, 1, h);
    ModelTraining.CvOutput cv = ModelTraining.crossValidate(data, ModelTraining.pipeline(spec), k, 2, 1,
        TrainJob.KEEP);
    ModelMetrics.Scored s = ModelMetrics.Scored.collect(cv.outOfFold());
    double[] p = s.positive();
    double auc = ClinicalMetrics.rocAuc(p, s.label());
    assertEquals(sum.get("roc_auc"), auc, 0.01, "out-of-fold ROC AUC vs sklearn");
    List<Double> cases = new ArrayList<>();
    List<Double> controls = new ArrayList<>();
    for (int i = 0; i < p.length; i++) (s.label()[i] == 1 ? cases : controls).add(p[i]);
    double[] c1 = cases.stream().mapToDouble(Double::doubleValue).toArray();
    double[] c0 = controls.stream().mapToDouble(Double::doubleValue).toArray();
    for (double sp : new double[] {0.95, 0.99, 0.995}) {
      assertEquals(sum.get("sensitivity_" + sp), ClinicalMetrics.sensitivityAtSpecificity(c1, c0, sp), 0.01,
          "sensitivity at " + sp + " vs sklearn");
    }
    // and sample by sample
    Map<String, Double> ours = new HashMap<>();
    for (Row r : cv.outOfFold().select("sample_id", "probability").collectAsList()) {
      ours.put(r.getString(0), r.<Double>getList(1).get(1));
    }
    ModelGolden g = ModelGolden.read("lr_sklearn.csv");
    String[] ids = g.strings("sample_id");
    double[] want = g.doubles("probability");
    double worst = 0;
    for (int i = 0; i < ids.length; i++) worst = Math.max(worst, Math.abs(want[i] - ours.get(ids[i])));
    assertTrue(worst < 0.01, "largest per-sample probability difference vs sklearn " + worst);
    data.unpersist();
  }

  /** Pure noise: 1,000 features unrelated to a random label, 120 subjects. */
  static Dataset<Row> noise(SparkSession spark) {
    Random rnd = new Random(20261127);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      double[] x = new double[1000];
      for (int j = 0; j < x.length; j++) x[j] = rnd.nextGaussian();
      boolean cancer = i % 2 == 0;
      rows.add(RowFactory.create("noise", "N" + i, "subj" + i, cancer ? "lung" : "healthy", cancer ? "I" : null,
          cancer ? 1.0 : 0.0, Vectors.dense(x)));
    }
    return Folds.assign(spark.createDataFrame(rows, SCHEMA).withColumn("stratum", Folds.stratum()), 5, 1)
        .orderBy("sample_id").cache();
  }

  /**
   * The out-of-fold AUC: each fold scored by the pipeline fitted on the other folds ({@link ModelTraining#outOfFold},
   * the out-of-fold half of {@link ModelTraining#crossValidate}, without the model on all rows and the logged fold
   * metrics, which this test does not look at).
   */
  static double cvAuc(Dataset<Row> data, Pipeline p) {
    ModelMetrics.Scored s = ModelMetrics.Scored.collect(ModelTraining.outOfFold(data, p, 5, TrainJob.KEEP));
    return ClinicalMetrics.rocAuc(s.positive(), s.label());
  }

  @Test
  void selectionInsideTheFoldsKeepsNoiseAtChanceAndOutsideDoesNot(SparkSession spark) {
    Dataset<Row> data = noise(spark);
    ModelTraining.Hyper h = ModelTraining.Hyper.defaults();
    // the job's pipeline: top-10 features selected on each training fold
    double inside = cvAuc(data, ModelTraining.pipeline(new ModelTraining.Spec(ModelTraining.Kind.LOGISTIC, 2, 10,
        1000, 1, h)));
    // the leaky way: the same selector fitted once on all samples, then the same cross-validation
    UnivariateFeatureSelectorModel leaky = new UnivariateFeatureSelector().setFeaturesCol("features_raw")
        .setOutputCol("features_leaky").setLabelCol("label").setFeatureType("continuous").setLabelType("categorical")
        .setSelectionMode("numTopFeatures").setSelectionThreshold(10).fit(data);
    Dataset<Row> preselected = leaky.transform(data).drop("features_raw")
        .withColumnRenamed("features_leaky", "features_raw");
    double outside = cvAuc(preselected, ModelTraining.pipeline(new ModelTraining.Spec(ModelTraining.Kind.LOGISTIC,
        2, 0, 10, 1, h)));
    assertTrue(Math.abs(inside - 0.5) < 0.15, "selection inside the folds: AUC " + inside + " should be near 0.5");
    assertTrue(outside > 0.75, "selection outside the folds: AUC " + outside + " should be optimistic");
    data.unpersist();
  }

  @Test
  void imputerLearnsTrainingMeansAndSurvivesSaveAndLoad(SparkSession spark, @org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws java.io.IOException {
    StructType schema = new StructType().add("features_raw", new VectorUDT());
    Dataset<Row> train = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(1, Double.NaN, 5)),
        RowFactory.create(Vectors.dense(3, 4, 7)), RowFactory.create(Vectors.dense(Double.NaN, 8,
            Double.NaN))), schema);
    PipelineModel m = new Pipeline().setStages(new PipelineStage[] {new VectorMeanImputer()
        .setInputCol("features_raw").setOutputCol("features_imputed")}).fit(train);
    m.write().overwrite().save(dir.resolve("m").toString());
    PipelineModel back = PipelineModel.load(dir.resolve("m").toString());
    Dataset<Row> test = spark.createDataFrame(List.of(RowFactory.create(Vectors.dense(Double.NaN, Double.NaN,
        Double.NaN))), schema);
    for (PipelineModel x : new PipelineModel[] {m, back}) {
      Row r = x.transform(test).select("features_imputed").head();
      // (a feature with a single observed value would be constant in the training rows: VectorMeanImputerTest)
      assertArrayEquals(new double[] {2, 6, 6}, ((org.apache.spark.ml.linalg.Vector) r.get(0)).toArray(), 0);
    }
  }
}
