package io.exocohort.demo;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import io.exocohort.normalize.NormalizeJob;
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
 * {@code sample-data/} with an {@code ingest.properties} is ingested as a cohort; then the demo prints where the
 * tables are and runs a few example queries. Then qc, normalize and de run, a detection model is trained and scores
 * the synthetic cohort, and the HTML report is written.
 */
public final class DemoJob {
  public record Args(String lake, String database, Path sampleData, String aliasesFile, Pseudonymizer pseudonymizer,
      Set<String> identifierColumns) {}

  /** Example queries an analyst might start from; printed with their results. */
  static final List<String[]> QUERIES = List.of(
      new String[] {"Samples per cohort and cancer type",
          "SELECT cohort, cancer_type, count(*) AS samples FROM exocohort.samples GROUP BY cohort, cancer_type "
              + "ORDER BY cohort, samples DESC LIMIT 12"},
      new String[] {"Library sizes (total miR reads per sample), by cohort",
          "SELECT cohort, count(*) AS samples, percentile(lib, 0.5) AS median_reads, min(lib) AS min_reads, "
              + "max(lib) AS max_reads FROM (SELECT cohort, sample_id, sum(count) AS lib "
              + "FROM exocohort.mirna_counts GROUP BY cohort, sample_id) GROUP BY cohort ORDER BY cohort"},
      new String[] {"miR-21-5p by cancer type (mean reads per million)",
          "SELECT s.cancer_type, count(*) AS samples, round(avg(1e6 * c.count / l.lib), 1) AS mean_rpm "
              + "FROM exocohort.mirna_counts c JOIN exocohort.samples s USING (cohort, sample_id) "
              + "JOIN (SELECT cohort, sample_id, sum(count) AS lib FROM exocohort.mirna_counts "
              + "GROUP BY cohort, sample_id) l USING (cohort, sample_id) "
              + "WHERE c.feature = 'hsa-miR-21-5p' GROUP BY s.cancer_type ORDER BY mean_rpm DESC"},
      new String[] {"QC status by cohort (latest run)",
          "SELECT cohort, status, count(*) AS samples FROM exocohort.sample_qc "
              + "WHERE run_id = (SELECT max_by(run_id, ended_at) FROM exocohort.job_runs WHERE job = 'qc') "
              + "GROUP BY cohort, status ORDER BY cohort, status"},
      new String[] {"miR-21-5p log2 CPM (TMM) by cancer type, synthetic cohort",
          "SELECT s.cancer_type, count(*) AS samples, round(avg(e.value), 2) AS mean_log2_cpm "
              + "FROM exocohort.mirna_expression e JOIN exocohort.samples s USING (cohort, sample_id) "
              + "WHERE e.cohort = 'synthetic' AND e.feature = 'hsa-miR-21-5p' GROUP BY s.cancer_type "
              + "ORDER BY mean_log2_cpm DESC"},
      new String[] {"Top miRs, pancreatic vs healthy (limma moderated t, synthetic cohort)",
          "SELECT feature, round(log2fc, 2) AS log2fc, round(statistic, 2) AS t, pvalue, padj, round(b, 2) AS b "
              + "FROM exocohort.de_results WHERE modality = 'mirna' AND contrast = 'pancreatic_vs_healthy' "
              + "AND method = 'moderated_t' AND run_id = (SELECT max_by(run_id, ended_at) FROM exocohort.de_runs) "
              + "ORDER BY pvalue LIMIT 10"},
      new String[] {"Top proteins, pancreatic vs healthy (Wilcoxon with AUC)",
          "SELECT feature, round(auc, 3) AS auc, pvalue, padj FROM exocohort.de_results WHERE modality = 'protein' "
              + "AND contrast = 'pancreatic_vs_healthy' AND method = 'wilcoxon' "
              + "AND run_id = (SELECT max_by(run_id, ended_at) FROM exocohort.de_runs) ORDER BY pvalue LIMIT 10"},
      new String[] {"Known literature markers among the significant miRs (view de_significant)",
          "SELECT contrast, feature, round(log2fc, 2) AS log2fc, padj, marker_source FROM exocohort.de_significant "
              + "WHERE method = 'moderated_t' AND known_marker ORDER BY contrast, padj LIMIT 10"},
      new String[] {"Ingest runs", "SELECT run_id, cohort, status, transform(files, f -> concat(f.kind, ':', "
          + "f.rows_accepted, '/', f.rows_read)) AS accepted_of_read FROM exocohort.ingest_runs "
          + "ORDER BY started_at"});

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
          a.aliasesFile(), a.pseudonymizer(), a.identifierColumns()));
      out.printf("  ingest %-22s %s:", p.getProperty("cohort"), r.status());
      for (IngestJob.FileResult f : r.files()) out.printf(" %s %d/%d", f.kind(), f.accepted(), f.read());
      out.println(" (accepted/read)");
      out.flush();
    }
    io.exocohort.qc.QcJob.Result qc = io.exocohort.qc.QcJob.run(spark, new io.exocohort.qc.QcJob.Args(a.lake(),
        a.database(), List.of(), null, null));
    out.printf("%n%s%n", qc.summary());
    NormalizeJob.Result norm = NormalizeJob.run(spark,
        NormalizeJob.Args.defaults(a.lake()).withDatabase(a.database()));
    out.printf("normalize %s: %s%n", norm.runId(), norm.summary());
    io.exocohort.de.DeJob.Result de = io.exocohort.de.DeJob.run(spark, io.exocohort.de.DeJob.Args.defaults(a.lake())
        .withDatabase(a.database()).withCohorts(List.of("synthetic"))
        .withModel(new io.exocohort.de.DeJob.Args.Model(List.of(), List.of("age", "sex"), false)));
    out.printf("de %s: %s results on the synthetic cohort (covariates age, sex)%n", de.runId(), de.rowsWritten());
    io.exocohort.model.TrainJob.Args ta = io.exocohort.model.TrainJob.Args.defaults(a.lake(), "detect")
        .withDatabase(a.database()).withCohorts(List.of("synthetic")).withFeatures(30)
        .withValidation(io.exocohort.model.TrainJob.Validation.defaults().withBootstrapReplicates(200));
    io.exocohort.model.TrainJob.Result tr = io.exocohort.model.TrainJob.run(spark, ta);
    out.printf(java.util.Locale.ROOT, "train %s: detect (miRNA, logistic, top 30): ROC AUC %.3f out-of-fold, %.3f on "
        + "the hold-out; sensitivity at 99%% specificity %.3f (95%% CI %.3f-%.3f)%n", tr.modelId(),
        tr.metrics().get("cv.roc_auc"), tr.metrics().get("holdout.roc_auc"), tr.metrics().get("cv.sens_at_spec_0.99"),
        tr.metrics().get("cv.sens_at_spec_0.99.ci_low"), tr.metrics().get("cv.sens_at_spec_0.99.ci_high"));
    io.exocohort.model.ScoreJob.Result sc = io.exocohort.model.ScoreJob.run(spark, new io.exocohort.model.ScoreJob.Args(
        a.lake(), a.database(), tr.modelId(), List.of("synthetic"), false, 0.5, null));
    out.printf("score %s: %s, %d called positive%n", sc.runId(), sc.byStatus(), sc.calledPositive());
    out.flush();
    Lake lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database());
    out.printf("%nTables (Delta, registered as %s.<name>) under %s:%n", a.database(), lake.root());
    for (TableDef t : Tables.ALL) {
      if (lake.exists(t)) out.printf("  %-20s %10d rows  %s%n", t.name(), lake.read(t).count(), lake.path(t));
    }
    for (String[] q : QUERIES) {
      out.printf("%n-- %s%n%s%n", q[0], q[1]);
      SqlJob.run(spark, new SqlJob.Args(a.lake(), a.database(), q[1], SqlJob.Format.TABLE, 50), out);
    }
    io.exocohort.report.ReportJob.Result report = io.exocohort.report.ReportJob.run(spark,
        new io.exocohort.report.ReportJob.Args(a.lake(), a.database(), null, null));
    out.printf("%nReport (%d plots, open in a browser): %s%n", report.images(), report.path());
    out.printf("%nTry your own: jobs/exocohort sql --lake %s \"SELECT * FROM %s.de_significant LIMIT 5\"%n",
        a.lake(), a.database());
    out.printf("Recent runs: jobs/exocohort runs --lake %s%n", a.lake());
    out.flush();
  }

  private static String resolve(Path dir, String file) {
    return file == null || file.isBlank() ? null : dir.resolve(file).toString();
  }
}
