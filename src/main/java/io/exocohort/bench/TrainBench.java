package io.exocohort.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.sum;

import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import io.exocohort.model.TrainJob;
import io.exocohort.normalize.NormalizeJob;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench train}: a lake with a generated, QC'd and normalised cohort (made once under --work and reused),
 * then in one JVM: a bare aggregate scan of {@code mirna_expression} (the floor), train with logistic regression
 * and with a random forest (k-fold cross-validation, top-N features selected inside each training fold, no
 * hold-out so every sample is scored out of fold), and the scan again. Reports seconds, ratios to the mean scan,
 * peak heap and the models' cross-validated figures.
 */
public final class TrainBench {
  private TrainBench() {}

  public record Args(Path work, int samples, int mirnas, long seed, int features, int folds, List<String> models) {}

  public static void run(SparkSession spark, Args a, PrintWriter out) throws java.io.IOException {
    Path lake = a.work().resolve("lake");
    if (!Files.isDirectory(lake.resolve("mirna_matrix"))) {
      Path data = a.work().resolve("cohort");
      GenerateJob.run(new GenerateArgs(data, a.samples(), a.mirnas(), 150, 10, a.seed(), GenerateArgs.Format.CSV,
          GenerateArgs.Layout.LONG, false, null));
      IngestJob.run(spark, new IngestJob.Args(lake.toString(), "exocohort", "bench", data.resolve("manifest.csv")
          .toString(), data.resolve("mirna_counts.csv").toString(), null, "long", "linear", null, null,
          new Pseudonymizer("bench-key-0123456789abcdef"), IngestJob.DEFAULT_IDENTIFIER_COLUMNS));
      io.exocohort.qc.QcJob.run(spark, new io.exocohort.qc.QcJob.Args(lake.toString(), "exocohort", List.of(), null,
          null));
      NormalizeJob.run(spark, NormalizeJob.Args.defaults(lake.toString()).withModality("mirna")
          .withSamples(NormalizeJob.Args.Samples.defaults().withIncludeFailed(true)));
      out.printf("set up %s: %d samples x %d miRs generated, ingested, qc'd, normalised%n", lake, a.samples(),
          a.mirnas());
    }
    Supplier<Row> scan = () -> DeBench.expression(spark, lake).agg(count(col("value")), sum(col("value")))
        .head();
    scan.get(); // warm-up
    Bench.Measure<Row> s1 = Bench.measure("bare scan of mirna_expression", scan);
    List<Bench.Measure<TrainJob.Result>> ms = new ArrayList<>();
    for (String m : a.models()) {
      TrainJob.Args t = TrainJob.Args.defaults(lake.toString(), "detect").withModel(m).withFeatures(a.features())
          .withValidation(TrainJob.Validation.defaults().withFolds(a.folds()).withSeed(a.seed())
              .withHoldoutFraction(0.0))
          .withIncludeFailed(true).withModelId("bench-" + m + "-" + System.currentTimeMillis());
      ms.add(Bench.measure("train detect " + m + ", " + a.folds() + "-fold CV, top " + a.features() + " features",
          () -> TrainJob.run(spark, t)));
    }
    Bench.Measure<Row> s2 = Bench.measure("bare scan again", scan);
    double floor = (s1.seconds() + s2.seconds()) / 2;
    out.printf(Locale.ROOT, "%,d expression values%n| phase | seconds | x scan | peak heap MB |%n|---|---|---|---|%n",
        s1.value().getLong(0));
    out.printf(Locale.ROOT, "| %s | %.1f | 1.0 | %.0f |%n", s1.name(), s1.seconds(), s1.peakHeapMb());
    for (Bench.Measure<TrainJob.Result> m : ms) {
      out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.0f |%n", m.name(), m.seconds(), m.seconds() / floor,
          m.peakHeapMb());
    }
    out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.0f |%n", s2.name(), s2.seconds(), s2.seconds() / floor,
        s2.peakHeapMb());
    out.printf(Locale.ROOT, "%n| model | samples (cases/controls) | CV ROC AUC | PR AUC | Brier | sens @95%% spec | "
        + "sens @99%% spec (95%% CI) | sens @99.5%% spec |%n|---|---|---|---|---|---|---|---|%n");
    for (Bench.Measure<TrainJob.Result> m : ms) {
      Map<String, Double> x = m.value().metrics();
      out.printf(Locale.ROOT, "| %s | %.0f/%.0f | %.3f | %.3f | %.4f | %.3f | %.3f (%.3f-%.3f) | %.3f |%n",
          m.value().modelId().replaceAll("-\\d+$", ""), x.get("cv.n_cases"), x.get("cv.n_controls"),
          x.get("cv.roc_auc"), x.get("cv.pr_auc"), x.get("cv.brier"), x.get("cv.sens_at_spec_0.95"),
          x.get("cv.sens_at_spec_0.99"), x.get("cv.sens_at_spec_0.99.ci_low"), x.get("cv.sens_at_spec_0.99.ci_high"),
          x.get("cv.sens_at_spec_0.995"));
    }
    out.printf(Locale.ROOT, "scan floor = mean of the two scans = %.1f s; driver max heap %d MB%n", floor,
        Bench.maxHeapBytes() / (1024 * 1024));
    out.flush();
  }
}
