package io.exocohort.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.report.AnalystLake;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The analysts' views on a lake built by the jobs, and every example query of docs/tables.md run against it
 * (the ```sql blocks, split into statements at a ';' that ends a line).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewsIT {
  SparkSession spark;
  Path lake;
  Lake l;

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = AnalystLake.withDeconvolution(spark);
    l = LakeCatalog.open(spark, lake.toString(), "exocohort");
  }

  static List<String> docQueries() throws Exception {
    String md = Files.readString(Path.of("docs/tables.md"), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("```sql\\n(.*?)```", Pattern.DOTALL).matcher(md);
    List<String> out = new ArrayList<>();
    while (m.find()) {
      for (String st : m.group(1).split(";\\s*\\n")) {
        String q = st.lines().filter(x -> !x.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
        if (!q.isEmpty()) out.add(q.replaceAll(";$", ""));
      }
    }
    return out;
  }

  @Test
  void everyExampleQueryOfTheTableReferenceRuns() throws Exception {
    List<String> qs = docQueries();
    assertTrue(qs.size() >= 15, qs.size() + " queries found");
    List<String> failures = new ArrayList<>();
    for (String q : qs) {
      String sql = q.replace("/path/to/lake", l.root());
      try {
        spark.sql(sql).limit(100).collectAsList();
      } catch (Exception e) {
        failures.add(sql + "\n  -> " + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    assertTrue(failures.isEmpty(), failures.size() + " of " + qs.size() + " doc queries failed:\n"
        + String.join("\n", failures));
  }

  @Test
  void viewsAreRegisteredAndDocumented() throws Exception {
    String md = Files.readString(Path.of("docs/tables.md"), StandardCharsets.UTF_8);
    for (String v : Views.NAMES) {
      assertTrue(spark.catalog().tableExists("exocohort", v), v);
      assertTrue(md.contains("### " + v), v + " is not documented");
    }
    for (TableDef t : Tables.ALL) assertTrue(md.contains("## " + t.name()), t.name() + " is not documented");
  }

  @Test
  void deSignificantIsTheLatestRunAnnotated() {
    List<Row> runs = spark.sql("SELECT DISTINCT run_id FROM exocohort.de_significant").collectAsList();
    String latest = spark.sql("SELECT max_by(run_id, ended_at) FROM exocohort.de_runs").head().getString(0);
    assertEquals(List.of(latest), runs.stream().map(r -> r.getString(0)).toList());
    assertEquals(0, spark.sql("SELECT * FROM exocohort.de_significant WHERE NOT (padj < 0.05)").count());
    long sig = spark.sql("SELECT * FROM exocohort.de_results WHERE run_id = '" + latest + "' AND padj < 0.05")
        .count();
    assertEquals(sig, spark.sql("SELECT * FROM exocohort.de_significant").count());
    List<Row> known = spark.sql("SELECT case_group, feature, marker_source FROM exocohort.de_significant "
        + "WHERE known_marker AND method = 'moderated_t'").collectAsList();
    assertTrue(!known.isEmpty(), "the generator plants literature markers: some are found and annotated");
    for (Row r : known) assertTrue(r.getString(2).matches(".*\\d{4}.*"), r.toString());
  }

  @Test
  void sampleSummaryHasOneRowPerSampleWithQcAndPredictions() {
    long samples = l.read(Tables.SAMPLES).count();
    assertEquals(samples, spark.sql("SELECT * FROM exocohort.sample_summary").count());
    assertEquals(0, spark.sql("SELECT * FROM exocohort.sample_summary WHERE qc_status IS NULL").count());
    // one prediction per score run of the lake (score-1 and the two-stage score-2s), each for every sample
    long runs = spark.sql("SELECT DISTINCT run_id FROM exocohort.predictions").count();
    assertEquals(samples, spark.sql("SELECT * FROM exocohort.sample_summary WHERE size(predictions) = " + runs)
        .count());
    Set<String> metrics = new HashSet<>();
    for (Row r : spark.sql("SELECT metric FROM exocohort.model_metrics_latest").collectAsList()) {
      metrics.add(r.getString(0));
    }
    assertTrue(metrics.containsAll(Set.of("cv.roc_auc", "cv.sens_at_spec_0.99", "holdout.roc_auc")), metrics.toString());
  }

  @Test
  void markerAnnotationsLoadFromTheCommittedFile() throws Exception {
    List<Row> rows = Views.parseMarkers(Files.readAllBytes(Path.of("conf/marker_annotations.tsv")));
    assertEquals(rows.size(), l.read(Tables.MARKER_ANNOTATIONS).count());
    Set<String> keys = new HashSet<>();
    for (Row r : rows) {
      assertTrue(keys.add(r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2)), "duplicate " + r);
      assertTrue(r.getString(5).matches(".*(19|20)\\d{2}.*"), "source without a year: " + r);
    }
    long v = l.version(Tables.MARKER_ANNOTATIONS);
    assertNull(Views.loadMarkerAnnotations(l), "unchanged file: no commit");
    assertEquals(v, l.version(Tables.MARKER_ANNOTATIONS), "unchanged file: not reloaded");
  }
}
