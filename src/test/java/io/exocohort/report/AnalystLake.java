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
   * {@link #withTwoStage} plus a real deconvolution (issue 19): a reference of 3 cancer cell-line and 3 healthy-cell EV
   * libraries of exosomePurity (real counts, the golden fixture src/test/resources/golden/deconv, restricted to the
   * cohort's miRs) loaded by {@code ingest --reference}, a signature given as the miRs of R's derived differential
   * list (signature_derived.csv) that the cohort measures, and {@code deconvolve} of every sample (QC-failed ones
   * included), run {@code deconv-analyst}. The synthetic cohort has no EV-origin model, so its fractions carry no
   * biology: they exercise the report's section with rows a real run wrote.
   */
  public static synchronized Path withDeconvolution(SparkSession spark) {
    Path lake = withTwoStage(spark);
    if (evOrigin) return lake;
    io.exocohort.catalog.Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    java.util.Set<String> measured = new java.util.HashSet<>(l.read(io.exocohort.catalog.Tables.MIRNA_COUNT_FEATURES)
        .filter(org.apache.spark.sql.functions.col("cohort").equalTo("synthetic")).first().getList(1));
    io.exocohort.model.ModelGolden counts = io.exocohort.model.ModelGolden.read("deconv", "exosomepurity_counts.csv.gz");
    io.exocohort.model.ModelGolden libs = io.exocohort.model.ModelGolden.read("deconv", "exosomepurity_samples.csv");
    java.util.Map<String, String> group = new java.util.HashMap<>();
    for (int i = 0; i < libs.rows.size(); i++) group.put(libs.strings("sample")[i], libs.strings("group")[i]);
    List<Integer> cols = new java.util.ArrayList<>();
    StringBuilder manifest = new StringBuilder("profile_id,label\n");
    java.util.Map<String, Integer> taken = new java.util.HashMap<>();
    for (int j = 1; j < counts.header.size(); j++) {
      String g = group.get(counts.header.get(j));
      if (taken.merge(g, 1, Integer::sum) > 3) continue;
      cols.add(j);
      manifest.append(counts.header.get(j)).append(',').append(g).append('\n');
    }
    StringBuilder wide = new StringBuilder("feature");
    for (int j : cols) wide.append(',').append(counts.header.get(j));
    wide.append('\n');
    for (String[] row : counts.rows) {
      if (!measured.contains(row[0])) continue;
      wide.append(row[0]);
      for (int j : cols) wide.append(',').append(row[j]);
      wide.append('\n');
    }
    io.exocohort.model.ModelGolden derived = io.exocohort.model.ModelGolden.read("deconv", "signature_derived.csv");
    StringBuilder sig = new StringBuilder();
    for (int i = 0; i < derived.rows.size(); i++) {
      String f = derived.strings("feature")[i];
      if (derived.strings("differential")[i].equals("TRUE") && measured.contains(f)) sig.append(f).append('\n');
    }
    Path dir = lake.getParent().resolve("reference");
    TestLakes.write(dir, "manifest.csv", manifest.toString());
    TestLakes.write(dir, "counts.csv", wide.toString());
    TestLakes.write(dir, "signature.txt", sig.toString());
    io.exocohort.deconv.ReferenceIngestJob.run(spark, new io.exocohort.deconv.ReferenceIngestJob.Args(lake.toString(),
        "exocohort", "exosomepurity", dir.resolve("manifest.csv").toString(), dir.resolve("counts.csv").toString(),
        "wide", null));
    io.exocohort.deconv.SignatureJob.run(spark, new io.exocohort.deconv.SignatureJob.Args(lake.toString(), "exocohort",
        "exosomepurity", "cancer_cell", "healthy_cell", null, dir.resolve("signature.txt").toString(), null,
        "analyst-sig"));
    io.exocohort.deconv.DeconvolveJob.run(spark, new io.exocohort.deconv.DeconvolveJob.Args(lake.toString(),
        "exocohort", "analyst-sig", List.of(), true, "deconv-analyst"));
    evOrigin = true;
    return lake;
  }

  public static synchronized Path get(SparkSession spark) {
    if (root != null) return root;
    try {
      Path dir = TestLakes.jvmTempDir("exocohort-analyst-");
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
