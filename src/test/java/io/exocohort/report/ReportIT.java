package io.exocohort.report;

import static io.exocohort.TestLakes.args;
import static io.exocohort.TestLakes.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.Main;
import io.exocohort.common.ExitCodes;
import io.exocohort.ingest.IngestJob;
import io.exocohort.model.FailedRuns;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML report, rendered in headless Chromium: every image loads and the page reports no error. */
class ReportIT {
  @TempDir Path dir;

  @Test
  void fullReportRendersInChromium(SparkSession spark) throws Exception {
    HeadlessChromium.binary();
    Path lake = AnalystLake.withDeconvolution(spark);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), "report", "--conf",
        "src/test/resources/test.properties", "--lake", lake.toString(), "--run-id", "report-it");
    assertEquals(0, code, err.toString());
    Path html = lake.resolve("reports/report-it/index.html");
    assertTrue(out.toString().startsWith("report report-it: " + html + " ("), out.toString());
    String page = Files.readString(html, StandardCharsets.UTF_8);
    assertTrue(!page.contains("src=\"http") && !page.contains("<link") && !page.contains("src=\"file"),
        "self-contained");
    for (String id : new String[] {"volcano", "markers", "roc", "stage", "screening", "ev_origin", "qc"}) {
      assertTrue(page.contains("<h2 id=\"" + id + "\""), id);
    }
    assertTrue(page.contains("alt=\"roc curves\"") && page.contains("alt=\"sensitivity by stage\""), "model sections");
    assertTrue(!page.contains("no model runs"), "model sections shown");
    assertTrue(page.contains("alt=\"screening sensitivity by stage\"")
        && page.contains("alt=\"ppv and npv against prevalence\"") && page.contains("Score run score-2s"),
        "screening section: stage intervals, PPV / NPV curve, the run's figures");
    assertTrue(page.contains("<th>true type \\ origin top-1</th>") || page.contains("no true positive in the hold-out"),
        "origin calls among the true positives");
    assertPanelCurve(spark, lake, page);
    assertEvFractions(spark, lake, page);
    assertTrue(page.contains("alt=\"qc hemolysis_log2_ratio\""), "qc histograms");
    assertTrue(page.contains("<th>not assessed</th>"), "qc rule outcomes per cohort, with the rules not assessed");
    assertTrue(page.contains("<h3>Likely mis-calibrated rules</h3>"), "qc mis-calibration check");

    Map<String, String> check = HeadlessChromium.check(html, dir);
    int expected = Integer.parseInt(check.get("expected-images"));
    assertTrue(expected >= 12, check.toString());
    assertEquals("ok", check.get("status"), check.toString());
    assertEquals(String.valueOf(expected), check.get("images"), check.toString());
    assertEquals("", check.get("broken"), check.toString());
    assertEquals("", check.get("errors"), check.toString());

    Row run = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort").read(Tables.JOB_RUNS)
        .filter("run_id = 'report-it'").head();
    assertEquals("report", run.getAs("job"));
    assertEquals("succeeded", run.getAs("status"));

    // the check sees a broken image: a copy with one image's data cut short
    String broken = page.replaceFirst("src=\"data:image/png;base64,[A-Za-z0-9+/]{40}", "src=\"data:image/png;base64,AAAA");
    Path bad = write(dir, "broken.html", broken);
    Map<String, String> badCheck = HeadlessChromium.check(bad, dir);
    assertEquals("problems", badCheck.get("status"), badCheck.toString());
    assertTrue(badCheck.get("broken").startsWith("volcano "), badCheck.toString());
  }

  /**
   * The screening section's panel-size curve: the detection model's (trained with --panel-sizes 5,10,20), drawn, and
   * tabled with the figures model_runs holds, by size.
   */
  private static void assertPanelCurve(SparkSession spark, Path lake, String page) {
    Map<String, Double> metrics = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort")
        .read(Tables.MODEL_RUNS).filter("model_id = 'mirna_lr'").select("metrics").head().getJavaMap(0);
    String section = page.substring(page.indexOf("<h2 id=\"screening\""), page.indexOf("<h2 id=\"qc\""));
    assertTrue(section.contains("alt=\"panel-size curve\"") && section.contains("Model mirna_lr (detect, the "
        + "detection model of the score run above)") && section.contains("Out-of-fold figures, without leakage"),
        "panel-size curve of the detection model, captioned");
    StringBuilder rows = new StringBuilder("<th>sensitivity at 99% specificity (out-of-fold)</th></tr></thead><tbody>\n");
    for (int k : new int[] {5, 10, 20}) {
      rows.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.3f</td><td>%.3f</td></tr>%n", k,
          metrics.get("panel." + k + ".cv_auc"), metrics.get("panel." + k + ".cv_sens_at_99")));
    }
    assertTrue(section.contains(rows.toString() + "</tbody></table>"), "panel sizes 5, 10, 20 with the figures of "
        + "model_runs " + metrics + "\n" + section.substring(section.indexOf("<h3>Panel size")));
    assertTrue(!section.contains("no model run has a panel-size curve"), "panel-size curve shown");
  }

  /**
   * The tumour-EV fraction section (from AnalystLake's deconvolve run, every sample covered): both box
   * plots, and a table row per cancer type and per stage group with its sample count (counted here from samples)
   * and median and quartiles in order within the group's range.
   */
  private static void assertEvFractions(SparkSession spark, Path lake, String page) {
    String section = page.substring(page.indexOf("<h2 id=\"ev_origin\""), page.indexOf("<h2 id=\"qc\""));
    assertTrue(section.contains("alt=\"tumour-EV fraction by cancer type\"")
        && section.contains("alt=\"tumour-EV fraction by stage\""), section);
    io.exocohort.catalog.Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    java.util.List<Row> groups = l.read(Tables.SAMPLES).selectExpr("'cancer type' AS by", "cancer_type AS grp")
        .union(l.read(Tables.SAMPLES).selectExpr("'stage' AS by", "CASE WHEN cancer_type = 'healthy' THEN 'healthy' "
            + "ELSE coalesce(stage, 'unknown') END AS grp"))
        .groupBy("by", "grp").count().collectAsList();
    assertTrue(groups.size() >= 6, groups.toString());
    java.util.regex.Pattern cell = java.util.regex.Pattern.compile("<td>([0-9.]+)</td>");
    for (Row g : groups) {
      String head = "<tr><td>" + g.getString(0) + "</td><td>" + g.getString(1) + "</td><td>" + g.getLong(2)
          + "</td>";
      int at = section.indexOf(head);
      assertTrue(at >= 0, head + " in\n" + section);
      java.util.regex.Matcher m = cell.matcher(section.substring(at + head.length(), section.indexOf("</tr>", at)));
      double[] v = new double[3];
      for (int i = 0; i < 3; i++) {
        assertTrue(m.find(), head);
        v[i] = Double.parseDouble(m.group(1));
      }
      assertTrue(v[1] <= v[0] && v[0] <= v[2] && v[1] >= 0 && v[2] <= 1, head + " median, quartiles " + v[0] + " "
          + v[1] + " " + v[2]);
    }
  }

  @Test
  void aLakeWithoutDeOrModelsStillGetsAReport(SparkSession spark) throws Exception {
    HeadlessChromium.binary();
    Path lake = dir.resolve("lake");
    IngestJob.run(spark, args(lake, "c1", write(dir, "m.tsv", "sample_id\tsubject_id\tcancer_type\n"
        + "A1\tP1\thealthy\nA2\tP2\tPDAC\n"), write(dir, "x.tsv", "feature\tA1\tA2\nmiR-a\t1\t2\n"), null));
    ReportJob.Result r = ReportJob.run(spark, new ReportJob.Args(lake.toString(), "exocohort", null, null));
    assertEquals("no model runs", r.sections().get("roc"));
    assertEquals("no de runs", r.sections().get("volcano"));
    assertEquals("no two-stage runs; no panel-size curve", r.sections().get("screening"));
    assertEquals("no ev_origin", r.sections().get("ev_origin"));
    String page = Files.readString(Path.of(r.path()), StandardCharsets.UTF_8);
    assertTrue(page.contains("no model runs: the lake has no model_runs table"), page);
    assertTrue(page.contains("<p class=\"none\">no tumour-EV fractions: the lake has no ev_origin table (run "
        + "deconvolve)</p>"), page);
    assertTrue(page.contains("<p class=\"none\">no model run has a panel-size curve (train a binary model with "
        + "--panel-sizes 5,10,20)</p>"), page);
    Map<String, String> check = HeadlessChromium.check(Path.of(r.path()), dir);
    assertEquals("ok", check.get("status"), check.toString());
    assertEquals("0", check.get("images"), check.toString());

    // a forced failure after the report file is written: recorded, no table changed, no report folder left
    Map<String, String> before = FailedRuns.contents(spark, lake);
    RunScope.injectFailure("report");
    assertThrows(IllegalStateException.class,
        () -> ReportJob.run(spark, new ReportJob.Args(lake.toString(), "exocohort", null, "report-fail")));
    FailedRuns.assertRolledBack(spark, lake, before, "report", "report-fail");
    assertTrue(!Files.exists(lake.resolve("reports/report-fail")), "the failed run's report folder");

    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "report", "--conf",
        "src/test/resources/test.properties", "--lake", lake.toString(), "--run-id", r.runId());
    assertEquals(ExitCodes.ALREADY_RECORDED, code, err.toString());
    assertTrue(err.toString().contains(r.runId() + " is already recorded"), err.toString());
    assertEquals(1, err.toString().strip().lines().count(), err.toString());
  }
}
