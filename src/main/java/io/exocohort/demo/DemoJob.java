package io.exocohort.demo;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import io.exocohort.sql.SqlJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * {@code demo}: the whole pipeline on the bundled sample data, on the embedded local default. Each folder of
 * {@code sample-data/} with an {@code ingest.properties} is ingested as a cohort; then qc and normalize run (one
 * {@code run qc normalize}), de runs on the synthetic cohort, a multi-analyte two-stage test (detection and
 * tissue-of-origin models on miRs, proteins and DNA variants) is trained and scores the synthetic cohort, the example queries ({@link DemoQueries}) print their results, and the HTML report is
 * written.
 */
public final class DemoJob {
  /** The demo's lake, sample data and ingest settings; {@code conf} (may be null) is handed to the stages run. */
  public record Args(String lake, String database, Path sampleData, String aliasesFile, Pseudonymizer pseudonymizer,
      Set<String> identifierColumns, Path conf) {}

  private DemoJob() {}

  public static void run(SparkSession spark, Args a, PrintWriter out) throws IOException {
    if (!Files.isDirectory(a.sampleData())) {
      throw new BadInputException(a.sampleData().toString(), -1, null, "sample-data folder not found");
    }
    List<Path> cohorts;
    try (Stream<Path> s = Files.list(a.sampleData())) {
      cohorts = s.filter(p -> Files.isRegularFile(p.resolve("ingest.properties"))).sorted().toList();
    }
    out.printf("exocohort demo: %d cohorts from %s into lake %s%n", cohorts.size(), a.sampleData(), a.lake());
    out.flush();
    for (Path dir : cohorts) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(dir.resolve("ingest.properties"), StandardCharsets.UTF_8)) {
        p.load(r);
      }
      IngestJob.Result r = IngestJob.run(spark, new IngestJob.Args(a.lake(), a.database(), p.getProperty("cohort"),
          resolve(dir, p.getProperty("manifest")), resolve(dir, p.getProperty("mirna")),
          resolve(dir, p.getProperty("protein")), "auto", p.getProperty("protein_scale", "linear"), null,
          a.aliasesFile(), a.pseudonymizer(), a.identifierColumns())
          .withVariants(resolve(dir, p.getProperty("variants"))));
      out.printf("  ingest %-22s %s:", p.getProperty("cohort"), r.status());
      for (IngestJob.FileResult f : r.files()) out.printf(" %s %d/%d", f.kind(), f.accepted(), f.read());
      out.println(" (accepted/read)");
      out.flush();
    }
    // qc and normalize with their defaults: one run of both stages, as jobs/exocohort run qc normalize
    runStages(a, out, "qc", "normalize");
    io.exocohort.de.DeJob.Result de = io.exocohort.de.DeJob.run(spark, io.exocohort.de.DeJob.Args.defaults(a.lake())
        .withDatabase(a.database()).withCohorts(List.of("synthetic"))
        .withModel(new io.exocohort.de.DeJob.Args.Model(List.of(), List.of("age", "sex"), false)));
    out.printf("de %s: %s results on the synthetic cohort (covariates age, sex)%n", de.runId(), de.rowsWritten());
    screening(spark, a, out);
    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    out.printf("%nTables (Delta, registered as %s.<name>) under %s:%n", a.database(), lake.root());
    for (TableDef t : Tables.ALL) {
      if (lake.exists(t)) out.printf("  %-20s %10d rows  %s%n", t.name(), lake.read(t).count(), lake.path(t));
    }
    for (DemoQueries.Query q : DemoQueries.load(a.database())) {
      out.printf("%n-- %s%n%s%n", q.title(), q.sql());
      SqlJob.run(spark, new SqlJob.Args(a.lake(), a.database(), q.sql(), SqlJob.Format.TABLE, 50), out);
    }
    io.exocohort.report.ReportJob.Result report = io.exocohort.report.ReportJob.run(spark,
        new io.exocohort.report.ReportJob.Args(a.lake(), a.database(), null, null));
    out.printf("%nReport (%d plots, open in a browser): %s%n", report.images(), report.path());
    String db = a.database().equals(io.exocohort.common.ExoConf.DATABASE) ? "" : " --database " + a.database();
    out.printf("%nTry your own: jobs/exocohort sql --lake %s%s \"SELECT * FROM %s.de_significant LIMIT 5\"%n",
        a.lake(), db, a.database());
    out.printf("Recent runs: jobs/exocohort runs --lake %s%n", a.lake());
    out.flush();
  }

  /** The multi-analyte modality of the demo's models. */
  static final String MODALITY = "mirna,protein,dna";

  /**
   * The hold-out of both models: half the subjects of each cancer type and stage. The hold-out is dealt per stratum
   * (floor(size x fraction) subjects), and most of the cohort's type-and-stage strata hold 1 to 3 subjects, so a
   * smaller fraction leaves some cancer type without a hold-out sample; with the same fraction and seed the two
   * models hold out the same subjects, and the origin figures cover every true positive of the hold-out.
   */
  static final double HOLDOUT = 0.5;

  /**
   * A multi-analyte two-stage test on the synthetic cohort: a detection model (with the panel-size curve at 5, 10
   * and 30 features) and a tissue-of-origin model on miRs, proteins and DNA variants (logistic, top 30 features), then {@code score --detect-model --origin-model} at a
   * screening prevalence of 0.5%, with the pair's figures on the hold-out in {@code screening_metrics}.
   */
  static void screening(SparkSession spark, Args a, PrintWriter out) {
    io.exocohort.model.TrainJob.Args detect = io.exocohort.model.TrainJob.Args.defaults(a.lake(), "detect")
        .withDatabase(a.database()).withCohorts(List.of("synthetic")).withModality(MODALITY).withFeatures(30)
        .withValidation(io.exocohort.model.TrainJob.Validation.defaults().withBootstrapReplicates(200)
            .withHoldoutFraction(HOLDOUT))
        .withPanels(new io.exocohort.model.TrainJob.Panels(null, 10, List.of(5, 10, 30)));
    io.exocohort.model.TrainJob.Result tr = io.exocohort.model.TrainJob.run(spark, detect);
    out.printf(java.util.Locale.ROOT, "train %s: detect (%s, logistic, top 30): ROC AUC %.3f out-of-fold, %.3f on "
        + "the hold-out; sensitivity at 99%% specificity %.3f (95%% CI %.3f-%.3f)%n", tr.modelId(), MODALITY,
        tr.metrics().get("cv.roc_auc"), tr.metrics().get("holdout.roc_auc"), tr.metrics().get("cv.sens_at_spec_0.99"),
        tr.metrics().get("cv.sens_at_spec_0.99.ci_low"), tr.metrics().get("cv.sens_at_spec_0.99.ci_high"));
    // origin: 10 cancer types of 7 to 49 samples over five stages: 2 folds, 2 per class
    io.exocohort.model.TrainJob.Args origin = io.exocohort.model.TrainJob.Args.defaults(a.lake(), "origin")
        .withDatabase(a.database()).withCohorts(List.of("synthetic")).withModality(MODALITY).withFeatures(30)
        .withValidation(new io.exocohort.model.TrainJob.Validation(2,
            io.exocohort.model.TrainJob.Validation.defaults().seed(), HOLDOUT, 0.99, 200, 2));
    io.exocohort.model.TrainJob.Result to = io.exocohort.model.TrainJob.run(spark, origin);
    out.printf(java.util.Locale.ROOT, "train %s: origin (%s, logistic, top 30): top-1 accuracy %.3f out-of-fold, "
        + "top-2 %.3f%n", to.modelId(), MODALITY, to.metrics().get("cv.top1_accuracy"),
        to.metrics().get("cv.top2_accuracy"));
    io.exocohort.model.ScoreJob.Result sc = io.exocohort.model.ScoreJob.run(spark, new io.exocohort.model.ScoreJob.Args(
        a.lake(), a.database(), tr.modelId(), List.of("synthetic"), false, 0.5, null,
        new io.exocohort.model.ScoreJob.TwoStage(to.modelId(), 0.005, 200, 1L)));
    out.printf("score %s: two-stage (detect %s, origin %s, prevalence 0.5%%): %s, %d called positive, %d hold-out "
        + "figures in screening_metrics%n", sc.runId(), tr.modelId(), to.modelId(), sc.byStatus(), sc.calledPositive(),
        sc.screeningFigures());
    out.flush();
  }

  /**
   * Runs stages with their default options through {@code run} (one session, each stage its own run and
   * job_runs record, printing what its command prints); a failing stage stops the demo with its exit code.
   */
  static void runStages(Args a, PrintWriter out, String... stages) {
    List<String> args = new java.util.ArrayList<>(List.of("run"));
    args.addAll(List.of(stages));
    args.addAll(List.of("--lake", a.lake(), "--database", a.database()));
    if (a.conf() != null) args.addAll(List.of("--conf", a.conf().toString()));
    PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int code = io.exocohort.cli.Main.execute(out, err, args.toArray(new String[0]));
    out.flush();
    if (code == io.exocohort.common.ExitCodes.BAD_INPUT) {
      throw new BadInputException("demo stopped: run " + String.join(" ", stages) + " exited " + code);
    }
    if (code != io.exocohort.common.ExitCodes.OK) {
      throw new IllegalStateException("demo stopped: run " + String.join(" ", stages) + " exited " + code);
    }
  }

  private static String resolve(Path dir, String file) {
    return file == null || file.isBlank() ? null : dir.resolve(file).toString();
  }
}
