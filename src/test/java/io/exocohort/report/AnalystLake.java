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
   * The lake with {@code predictions} and {@code model_runs} as the model jobs write them (the schemas in
   * docs/tables.md): a score per sample that is higher for cancer samples and for later stages, and the ROC
   * curve of that score.
   */
  public static synchronized Path withModelTables(SparkSession spark) {
    Path lake = get(spark);
    if (modelTables) return lake;
    spark.read().format("delta").load(lake.resolve("samples").toString()).createOrReplaceTempView("fixture_samples");
    spark.sql("SELECT sample_id, cohort, 'mirna_lr' AS model_id, "
        + "CAST(1 / (1 + exp(-(CASE WHEN cancer_type = 'healthy' THEN -2.0 ELSE CASE stage WHEN 'IV' THEN 3.0 "
        + "WHEN 'III' THEN 2.0 WHEN 'II' THEN 1.0 ELSE 0.0 END END + (abs(hash(sample_id)) % 100) / 25.0 - 2.0)))"
        + " AS DOUBLE) AS probability, 0.8D AS threshold, "
        + "cancer_type AS top1, 'healthy' AS top2 FROM fixture_samples")
        .selectExpr("sample_id", "cohort", "model_id", "probability",
            "probability >= threshold AS `call`", "threshold", "top1", "top2")
        .write().format("delta").save(lake.resolve("predictions").toString());
    // the columns of Tables.MODEL_RUNS / PREDICTIONS that the views and the report read
    spark.sql("SELECT 'detect' AS task, 'mirna_lr' AS model_id, current_timestamp() AS ended_at, "
        + "map('cv.roc_auc', 0.91D, 'cv.sens_at_spec_0.99', 0.42D) AS metrics, "
        + "transform(sequence(0, 20), i -> named_struct('set', 'cv', 'threshold', 1.0D - i / 20.0D, "
        + "'fpr', CAST(power(i / 20.0D, 2) AS DOUBLE), 'tpr', CAST(sqrt(i / 20.0D) AS DOUBLE))) AS roc")
        .write().format("delta").save(lake.resolve("model_runs").toString());
    spark.catalog().dropTempView("fixture_samples");
    modelTables = true;
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
