package io.exocohort.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.ingest.IngestJob;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's demo: every stage on the bundled sample-data into a fresh lake, with its example queries. */
class DemoIT {
  @Test
  void demoRunsEveryStageOnSampleData(SparkSession spark, @TempDir Path dir) throws Exception {
    StringWriter out = new StringWriter();
    DemoJob.run(spark, new DemoJob.Args(dir.resolve("lake").toString(), "exocohort", Path.of("sample-data"), null,
        TestLakes.TEST_KEY, IngestJob.DEFAULT_IDENTIFIER_COLUMNS), new PrintWriter(out));
    String s = out.toString();
    for (String cohort : new String[] {"gbm_ebrahimkhani2018", "gse197020", "synthetic"}) {
      assertTrue(s.contains("ingest " + cohort), s);
    }
    assertTrue(s.contains("manifest 400/400") && s.contains("mirna 160000/160000") && s.contains("protein 60000/60000"),
        s);
    assertTrue(s.contains("manifest 38/38") && s.contains("mirna 73682/73682"), "GBM: 38 samples x 1,939 miRs\n" + s);
    assertTrue(s.contains("normalize normalize-"), s);
    assertTrue(s.contains("de de-"), s);
    // Every table the pipeline writes is listed with rows.
    for (String t : new String[] {"samples", "mirna_counts", "protein_abundance", "sample_qc", "mirna_expression",
        "protein_expression", "job_runs", "ingest_runs", "de_results", "de_runs"}) {
      assertTrue(s.matches("(?s).*\\n  " + t + " +[1-9][0-9]* rows.*"), t + "\n" + s);
    }
    assertEquals(534, spark.sql("SELECT count(*) FROM exocohort.samples").head().getLong(0));
  }
}
