package io.exocohort.report;

import io.exocohort.TestLakes;
import io.exocohort.de.DeJob;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import io.exocohort.ingest.IngestJob;
import io.exocohort.normalize.NormalizeJob;
import io.exocohort.qc.QcJob;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;

/**
 * One small lake shared by the analyst-facing ITs (runs, views and docs queries, maintenance, report), built
 * once per test JVM by the real jobs: a generated cohort named {@code synthetic} (90 samples, 200 miRs, 40
 * proteins, 3 cancer types), ingest, qc, normalize, de. Tests may add runs and versions to it; none assumes
 * exact counts of what another test adds.
 */
public final class AnalystLake {
  private static Path root;

  private AnalystLake() {}

  private static boolean modelTables;

  /**
   * The lake with {@code model_runs} and {@code predictions} written by the real model jobs: a detection model
   * (logistic regression, top 30 miRs, 3 folds) trained on the cohort, and its scores for every sample. Three
   * folds, not the default five: these tables feed views, doc queries and plots; what cross-validation proves is
   * TrainIT's. The model also has a panel-size curve ({@code --panel-sizes 5,10,20}, 5 bootstrap resamples per fold,
   * not the default 50: the curve is for the report's screening section; what the curve proves is StablePanelIT's).
   */
  public static synchronized Path withModelTables(SparkSession spark) {
    Path lake = get(spark);
    if (modelTables) return lake;
    io.exocohort.model.TrainJob.Result tr = io.exocohort.model.TrainJob.run(spark,
        io.exocohort.model.TrainJob.Args.defaults(lake.toString(), "detect").withFeatures(30).withIncludeFailed(true)
            .withValidation(io.exocohort.model.TrainJob.Validation.defaults().withFolds(3)
                .withBootstrapReplicates(200))
            .withPanels(new io.exocohort.model.TrainJob.Panels(null, 5, List.of(5, 10, 20)))
            .withModelId("mirna_lr"));
    io.exocohort.model.ScoreJob.run(spark, new io.exocohort.model.ScoreJob.Args(lake.toString(), "exocohort",
        tr.modelId(), List.of(), true, 0.5, "score-1"));
    modelTables = true;
    return lake;
  }

  private static boolean twoStage;

  /**
   * {@link #withModelTables} plus an origin model (logistic regression, top 30 miRs; 2 folds, 30% of the subjects
   * of each cancer type and stage held out, 5 samples per class enough: the cohort has 16 to 23 samples per cancer
   * type over four stages) and a
   * two-stage score of both ({@code score-2s}): {@code screening_metrics} for the report's screening section (its
   * origin figures over the true positives in both hold-outs).
   */
  public static synchronized Path withTwoStage(SparkSession spark) {
    Path lake = withModelTables(spark);
    if (twoStage) return lake;
    io.exocohort.model.TrainJob.run(spark, io.exocohort.model.TrainJob.Args.defaults(lake.toString(), "origin")
        .withFeatures(30).withIncludeFailed(true)
        .withValidation(new io.exocohort.model.TrainJob.Validation(2,
            io.exocohort.model.TrainJob.Validation.defaults().seed(), 0.3, 0.99, 200, 5))
        .withModelId("mirna_origin"));
    io.exocohort.model.ScoreJob.run(spark, new io.exocohort.model.ScoreJob.Args(lake.toString(), "exocohort",
        "mirna_lr", List.of(), true, 0.5, "score-2s",
        new io.exocohort.model.ScoreJob.TwoStage("mirna_origin", 0.005, 200, 1L)));
    twoStage = true;
    return lake;
  }

  private static boolean evOrigin;

  /**
   * {@link #withTwoStage} plus {@code ev_origin} rows STANDING IN FOR A DECONVOLVE RUN (issue 19: the deconvolve job
   * is not there yet; replace this method's body with a real {@code deconvolve} run when it lands): run
   * {@code deconv-standin}, for every sample of the cohort a tumour-EV fraction drawn with a fixed seed, higher in
   * the cancers and rising with the stage (healthy about 0.05, stage I about 0.09 to stage IV about 0.18).
   */
  public static synchronized Path withEvOriginStandIn(SparkSession spark) {
    Path lake = withTwoStage(spark);
    if (evOrigin) return lake;
    io.exocohort.catalog.Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    java.util.Random rnd = new java.util.Random(19);
    java.util.Map<String, Double> fractions = new java.util.LinkedHashMap<>();
    for (org.apache.spark.sql.Row r : l.read(io.exocohort.catalog.Tables.SAMPLES)
        .select("cohort", "sample_id", "cancer_type", "stage").orderBy("cohort", "sample_id").collectAsList()) {
      boolean healthy = "healthy".equals(r.getString(2));
      String stage = r.isNullAt(3) ? "" : r.getString(3);
      int level = healthy ? 0 : 1 + Math.max(0, List.of("I", "II", "III", "IV").indexOf(stage));
      double mean = healthy ? 0.05 : 0.06 + 0.03 * level;
      fractions.put(r.getString(0) + "/" + r.getString(1), Math.min(0.9, Math.max(0.0, mean + 0.02
          * rnd.nextGaussian())));
    }
    TestLakes.writeEvOrigin(spark, l, "deconv-standin", fractions, java.sql.Timestamp.valueOf("2026-02-01 00:00:00"));
    evOrigin = true;
    return lake;
  }

  private static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temp folder left behind
    }
  }

  public static synchronized Path get(SparkSession spark) {
    if (root != null) return root;
    try {
      Path dir = Files.createTempDirectory("exocohort-analyst-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
      Path data = dir.resolve("data");
      GenerateJob.run(GenerateArgs.defaults(data).withSamples(90).withFeatures(200, 40).withCancerTypes(3)
          .withSeed(11));
      Path lake = dir.resolve("lake");
      IngestJob.run(spark, TestLakes.args(lake, "synthetic", data.resolve("manifest.csv"),
          data.resolve("mirna_counts.csv"), data.resolve("protein_intensities.csv")));
      QcJob.run(spark, new QcJob.Args(lake.toString(), "exocohort", List.of(), null, null));
      NormalizeJob.Args n = NormalizeJob.Args.defaults(lake.toString());
      NormalizeJob.run(spark, n);
      DeJob.run(spark, DeJob.Args.defaults(lake.toString()));
      root = lake;
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
