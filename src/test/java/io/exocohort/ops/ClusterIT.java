package io.exocohort.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a real Spark standalone cluster: a master and a worker on 127.0.0.1 (from the build's Spark
 * jars), the stages submitted as one {@code jobs/exocohort --master spark://... run ingest qc normalize de train}
 * (spark-submit in client mode, the application jar {@code target/exocohort-*-app.jar}, executors in the worker's
 * JVMs; each stage its own run in job_runs), on a generated synthetic cohort ({@link #cohort}). Then the cluster's
 * tables must equal, to 1e-9, those of the same stages run embedded by the same launcher without a master
 * ({@code jobs/exocohort run ...}, local mode) into another lake.
 */
class ClusterIT {

  /**
   * The stages, in order, as one {@code run} command line (it gets {@code --lake}): each option goes to every
   * stage that takes it. A stage added to the pipeline is one more name here (and its options), and one entry in
   * {@link #TABLES} for the table it writes.
   */
  static final List<String> STAGES = List.of("ingest", "qc", "normalize", "de", "train");

  /** The run's command line; without train, its stage and its options are left out. */
  static List<String> run(Path data, boolean train) {
    List<String> cmd = new ArrayList<>(List.of("run", "ingest", "qc", "normalize", "de"));
    if (train) cmd.add("train");
    cmd.addAll(List.of("--cohort", "synthetic", "--manifest", data.resolve("manifest.csv").toString(),
        "--mirna", data.resolve("mirna_counts.csv").toString(),
        "--protein", data.resolve("protein_intensities.csv").toString(), "--covariates", "age,sex"));
    if (train) cmd.addAll(List.of("--task", "detect", "--model", "logistic", "--features", "30", "--folds", "3"));
    return cmd;
  }

  /**
   * The cohort: generated (160 samples of 4 cancer types and controls, 200 miRs, 60 proteins; seed 5), smaller than
   * sample-data's 400 x 400 + 150 so that the two cold runs cost less; still several partitions and batches, and
   * enough subjects per class for train's hold-out and 3 folds.
   */
  static Path cohort(Path dir) {
    Path data = dir.resolve("data");
    io.exocohort.generate.GenerateJob.run(io.exocohort.generate.GenerateArgs.defaults(data).withSamples(160)
        .withFeatures(200, 60).withCancerTypes(4).withSeed(5));
    return data.toAbsolutePath();
  }

  /** Tables compared between the cluster's lake and the embedded lake, with their keys. */
  static final Map<String, List<String>> TABLES = Map.of(
      "mirna_counts", List.of("cohort", "sample_id", "feature"),
      "sample_qc", List.of("cohort", "sample_id"),
      "mirna_expression", List.of("cohort", "sample_id", "feature"),
      "protein_expression", List.of("cohort", "sample_id", "feature"),
      "sample_normalization", List.of("modality", "cohort", "sample_id"),
      "de_results", List.of("modality", "contrast", "method", "feature"));

  @Test
  void stagesOnAStandaloneClusterEqualTheEmbeddedRun(SparkSession spark, @TempDir Path dir) throws Exception {
    Path data = cohort(dir);
    List<String> run = run(data, true);
    Path clusterLake = dir.resolve("cluster-lake");
    Path embeddedLake = dir.resolve("embedded-lake");
    // A cluster conf: the template plus what a 2-core test machine wants (the test children's JIT flags, see
    // ChildJvmFlags, for the driver and the executors). Secrets only in the environment.
    Path conf = dir.resolve("cluster.properties");
    String jvm = io.exocohort.ChildJvmFlags.jobString();
    Files.writeString(conf, Files.readString(Path.of("conf/cluster.properties"))
        + "\nspark.sql.shuffle.partitions=4\nspark.databricks.delta.snapshotPartitions=2\nspark.ui.enabled=false\n"
        + "spark.executor.memory=1g\nspark.driver.memory=1g\n"
        + (jvm.isEmpty() ? "" : "spark.driver.extraJavaOptions=" + jvm + "\nspark.executor.extraJavaOptions=" + jvm
            + "\n"));
    // The cluster run gets its key from the environment, as in production; the embedded reference run below runs in
    // this JVM, whose environment a test cannot set, so it takes the demo key, and the cluster run is given the same.
    String key = io.exocohort.ingest.Pseudonymizer.DEMO_KEY;

    long started = System.nanoTime();
    try (LoopbackSpark cluster = LoopbackSpark.start(dir, 2, "2g")) {
      Map<String, String> env = new java.util.HashMap<>(cluster.env());
      env.put("EXOCOHORT_CONF", conf.toString());
      env.put("EXOCOHORT_PSEUDONYM_KEY", key);
      List<String> cmd = new ArrayList<>(List.of("jobs/exocohort", "--master", cluster.masterUrl()));
      cmd.addAll(run);
      cmd.addAll(List.of("--lake", clusterLake.toString()));
      ChildJvm.Result r = ChildJvm.run(cmd, env, cluster.logs().resolve("run.log"), 30);
      assertEquals(0, r.exit(), "run on the cluster failed:\n" + r.output());
      assertTrue(r.output().contains("== run " + STAGES.size() + "/" + STAGES.size() + ": train"),
          "the last stage did not run:\n" + r.output());
      // The run was one application of the master, and its executors ran in the worker's JVMs.
      assertEquals(1, countMatches(cluster.status(), "\"name\" : \"exocohort "), cluster.status());
      try (Stream<Path> apps = Files.list(dir.resolve("work"))) {
        assertEquals(1, apps.filter(p -> p.getFileName().toString().startsWith("app-")).count());
      }
    }
    System.out.printf("ClusterIT: %d stages (one run) on the standalone cluster in %.0f s%n", STAGES.size(),
        (System.nanoTime() - started) / 1e9);

    // The same stages embedded, as a user runs them without a cluster (local mode), up to de: train's tables are not
    // compared (the cluster run above shows that train runs there), so the reference run leaves it out (its 3-fold
    // cross-validation was 45-90 s of this test). It runs in this JVM's shared session (a child JVM cost a cold
    // start and JIT warm-up, about a minute of a 2-core machine), with the demo key: the conf names an environment
    // variable that is never set, so that a key in the developer's environment cannot change the pseudonyms.
    Path localConf = dir.resolve("local.properties");
    Files.writeString(localConf, Files.readString(Path.of("conf/local.properties"))
        + "\nexocohort.pseudonym.key.env=EXOCOHORT_CLUSTERIT_UNSET_KEY\nexocohort.pseudonym.demo=true\n");
    List<String> cmd = new ArrayList<>(run(data, false));
    cmd.addAll(List.of("--conf", localConf.toString(), "--lake", embeddedLake.toString()));
    java.io.StringWriter out = new java.io.StringWriter();
    int code = io.exocohort.cli.Main.execute(new java.io.PrintWriter(out), new java.io.PrintWriter(out),
        cmd.toArray(new String[0]));
    assertEquals(0, code, "run embedded failed:\n" + out);
    for (Map.Entry<String, List<String>> t : TABLES.entrySet()) {
      long n = LakeDiff.assertSameTable(spark, clusterLake.toString(), embeddedLake.toString(), t.getKey(),
          t.getValue(), 1e-9);
      System.out.printf("ClusterIT: %s: %d rows equal%n", t.getKey(), n);
    }
  }

  static int countMatches(String s, String needle) {
    int n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
    return n;
  }
}
