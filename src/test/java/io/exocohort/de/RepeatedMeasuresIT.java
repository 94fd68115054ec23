package io.exocohort.de;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import io.exocohort.ingest.IngestJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Repeated samples per person (issue 17): on a generated cohort where every subject gives 1-4 samples sharing a
 * subject effect, the moderated t that ignores the blocking treats a subject's samples as independent and finds
 * miRs the generator did not plant; {@code --block subject_key} (duplicateCorrelation and the blocked fit) brings
 * the share of discoveries that were not planted back to the nominal FDR. Then a paired contrast: post vs pre within
 * a cancer type finds the planted post_vs_pre changes.
 */
class RepeatedMeasuresIT {
  @Test
  void ignoringTheBlockingInflatesFalseDiscoveriesAndBlockBringsThemBack(SparkSession spark, @TempDir Path dir)
      throws Exception {
    Path data = dir.resolve("data");
    GenerateJob.run(GenerateArgs.defaults(data).withSamples(360).withFeatures(400, 0).withCancerTypes(2)
        .withSeed(17).withCohort("rep").withRepeats(new GenerateArgs.Repeats(4, 1.0, 1.5)));
    Path lake = dir.resolve("lake");
    IngestJob.Result in = IngestJob.run(spark, TestLakes.args(lake, "rep", data.resolve("manifest.csv"),
        data.resolve("mirna_counts.csv"), null));
    assertEquals(0, in.quarantined());
    String[] n = TestLakes.cli(lake, "normalize", "--modality", "mirna");
    assertEquals("0", n[0], n[2]);
    String[] plain = TestLakes.cli(lake, "de", "--modality", "mirna", "--run-id", "plain");
    assertEquals("0", plain[0], plain[2]);
    String[] blocked = TestLakes.cli(lake, "de", "--modality", "mirna", "--block", "subject_key", "--run-id",
        "blocked");
    assertEquals("0", blocked[0], blocked[2]);

    Set<String> planted = new HashSet<>();
    Set<String> post = new HashSet<>();
    List<String> truth = Files.readAllLines(data.resolve("truth.csv"));
    for (String line : truth.subList(1, truth.size())) {
      String[] f = line.split(",");
      if (!f[0].equals("mirna")) continue;
      if (f[5].equals("literature") || f[5].equals("random")) planted.add(f[2] + "|" + f[1]);
      // a post change is also a difference of the type (its pre and post samples pooled) from healthy
      if (f[5].equals("post_vs_pre")) {
        post.add(f[2] + "|" + f[1]);
        planted.add(f[2] + "|" + f[1]);
      }
    }
    double[] fdpPlain = fdp(spark, lake, "plain", planted);
    double[] fdpBlocked = fdp(spark, lake, "blocked", planted);
    String msg = String.format(Locale.ROOT, "without --block: %.0f discoveries, FDP %.3f; with --block: %.0f, FDP %.3f",
        fdpPlain[0], fdpPlain[1], fdpBlocked[0], fdpBlocked[1]);
    System.out.println("repeated measures: " + msg);
    assertTrue(fdpBlocked[0] >= 10, msg);
    assertTrue(fdpPlain[1] > 2 * 0.05 && fdpPlain[1] > 2 * fdpBlocked[1], msg);
    // nominal 0.05; asserted <= 0.10 (as DemoIT) so that one unlucky site or composition effect does not fail it.
    // Measured (seed 17): 65 discoveries and FDP 0.34 without --block, 37 and 0.08 with it.
    assertTrue(fdpBlocked[1] <= 0.10, msg);
    Row r = spark.read().format("delta").load(lake.resolve("de_runs").toString())
        .filter("run_id = 'blocked'").selectExpr("cast(parameters['correlation.mirna'] as double)").head();
    assertTrue(r.getDouble(0) > 0.2, "consensus correlation " + r.getDouble(0));

    // paired: post vs pre of one cancer type through the subject block, on the timepoint kept in extra
    String type = truth.stream().filter(l -> l.contains(",post_vs_pre")).findFirst().orElseThrow().split(",")[2];
    String contrast = type + ".post_vs_" + type + ".pre";
    String[] paired = TestLakes.cli(lake, "de", "--modality", "mirna", "--block", "subject_key", "--factor",
        "timepoint", "--contrasts", contrast, "--run-id", "paired");
    assertEquals("0", paired[0], paired[2]);
    Set<String> found = new HashSet<>();
    for (Row h : spark.read().format("delta").load(lake.resolve("de_results").toString())
        .filter("run_id = 'paired' AND method = 'moderated_t' AND padj < 0.05").select("feature").collectAsList()) {
      found.add(type + "|" + h.getString(0));
    }
    long hits = found.stream().filter(post::contains).count();
    long wanted = post.stream().filter(k -> k.startsWith(type + "|")).count();
    String pm = hits + " of " + wanted + " planted post-vs-pre changes found, " + (found.size() - hits) + " others";
    System.out.println("paired: " + pm);
    assertTrue(hits >= wanted / 2, pm);
    assertTrue(found.size() - hits <= Math.max(1, 0.1 * found.size()), pm);
  }

  /** {discoveries, share not planted} of a run's vs-healthy moderated t at BH 0.05. */
  private static double[] fdp(SparkSession spark, Path lake, String run, Set<String> planted) {
    List<Row> hits = spark.read().format("delta").load(lake.resolve("de_results").toString())
        .filter("run_id = '" + run + "' AND method = 'moderated_t' AND contrast LIKE '%_vs_healthy' AND padj < 0.05")
        .select("contrast", "feature").collectAsList();
    long wrong = 0;
    for (Row h : hits) {
      String k = h.getString(0).replace("_vs_healthy", "") + "|" + h.getString(1);
      if (!planted.contains(k)) wrong++;
    }
    return new double[] {hits.size(), hits.isEmpty() ? 0 : (double) wrong / hits.size()};
  }
}
