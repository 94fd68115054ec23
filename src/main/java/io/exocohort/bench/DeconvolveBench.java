package io.exocohort.bench;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.LakeCatalog;
import io.exocohort.catalog.Tables;
import io.exocohort.deconv.DeconvolveJob;
import io.exocohort.deconv.SignatureJob;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench deconvolve} (issue 19 point 6): deconvolution of {@code samples} samples of {@code mirnas} miRs against
 * a bare scan of their count vectors (every count read and summed), in one JVM: the scan, deconvolve twice (cold and
 * warm), the scan again; reports the ratio of the warm deconvolve to the mean scan.
 *
 * <p>The lake is written directly, once per work folder (no ingest: generating and ingesting 260 M long rows would
 * measure ingest): {@code samples} rows of {@code mirna_count_vectors} (counts drawn from a per-miR log-normal level
 * and a per-sample depth, about half of them 0, as in real EV libraries), their {@code samples} rows and feature
 * index, an empty {@code mirna_counts}, 40 reference profiles (20 per group, drawn the same way with 48 miRs
 * differing) and the 48-miR signature given as a list.
 */
public final class DeconvolveBench {
  private DeconvolveBench() {}

  public record Args(Path work, int samples, int mirnas, long seed) {}

  public static void run(SparkSession spark, Args a, PrintWriter out) {
    Path lake = a.work().resolve("lake");
    if (!Files.isDirectory(lake.resolve(Tables.SIGNATURES.name()))) {
      long t0 = System.nanoTime();
      build(spark, lake, a);
      out.printf(Locale.ROOT, "set up %s: %,d samples x %,d miRs, 40 reference profiles (%.0f s)%n", lake,
          a.samples(), a.mirnas(), (System.nanoTime() - t0) / 1e9);
    }
    String vectors = lake.resolve(Tables.MIRNA_COUNT_VECTORS.name()).toString();
    java.util.function.Supplier<Row> scan = () -> spark.read().format("delta").load(vectors)
        .selectExpr("aggregate(counts, 0D, (acc, x) -> acc + x) AS total")
        .agg(org.apache.spark.sql.functions.count(col("total")), org.apache.spark.sql.functions.sum(col("total")))
        .first();
    List<Bench.Measure<?>> ms = new ArrayList<>();
    ms.add(Bench.measure("bare scan, the JVM's first (cold; not in the floor)", scan));
    ms.add(Bench.measure("bare scan of mirna_count_vectors (every count summed)", scan));
    for (String run : List.of("first", "warm")) {
      ms.add(Bench.measure("deconvolve, 48-miR signature, 2 components (" + run + ")", () -> DeconvolveJob.run(spark,
          new DeconvolveJob.Args(lake.toString(), "exocohort", "bench48", List.of(), true, null))));
    }
    ms.add(Bench.measure("bare scan again", scan));
    double floor = (ms.get(1).seconds() + ms.get(4).seconds()) / 2;
    double floorCpu = (ms.get(1).cpuSeconds() + ms.get(4).cpuSeconds()) / 2;
    out.printf(Locale.ROOT, "%,d samples x %,d miRs%n| phase | seconds | x scan | cpu s | x scan (cpu) | peak heap MB |"
        + "%n|---|---|---|---|---|---|%n", a.samples(), a.mirnas());
    for (Bench.Measure<?> m : ms) {
      out.printf(Locale.ROOT, "| %s | %.1f | %.2f | %.1f | %.2f | %.0f |%n", m.name(), m.seconds(), m.seconds() / floor,
          m.cpuSeconds(), m.cpuSeconds() / floorCpu, m.peakHeapMb());
    }
    out.printf(Locale.ROOT, "scan floor = mean of the two scans = %.1f s (%.1f cpu s); warm deconvolve = %.2fx the "
        + "floor; driver max heap %d MB%n", floor, floorCpu, ms.get(3).seconds() / floor,
        Bench.maxHeapBytes() / (1024 * 1024));
    out.flush();
  }

  static void build(SparkSession spark, Path lake, Args a) {
    Lake l = LakeCatalog.open(spark, lake.toString(), "exocohort_bench_deconv");
    int nf = a.mirnas();
    Random rnd = new Random(a.seed());
    double[] level = new double[nf];
    for (int i = 0; i < nf; i++) level[i] = 9 - 12.0 * i / nf + rnd.nextGaussian();
    List<String> features = new ArrayList<>();
    for (int i = 0; i < nf; i++) features.add(String.format(Locale.ROOT, "hsa-miR-%05d", i));
    int[] sig = new int[48];
    for (int k = 0; k < 48; k++) sig[k] = k * (nf / 3) / 48; // among the better expressed third
    l.ensure(Tables.SAMPLES);
    spark.range(a.samples()).selectExpr("'bench' AS cohort", "format_string('S%07d', id) AS sample_id",
            "sha2(cast(id AS string), 256) AS subject_key", "IF(id % 2 = 0, 'healthy', 'colorectal') AS cancer_type",
            "NULL AS cancer_type_source", "IF(id % 2 = 0, 'healthy', 'cancer') AS category", "NULL AS stage",
            "NULL AS sex", "NULL AS age", "NULL AS age_band", "'serum' AS biofluid", "NULL AS isolation_method",
            "NULL AS batch", "NULL AS site", "NULL AS collection_date", "NULL AS particle_concentration",
            "NULL AS particle_size_nm", "NULL AS extra", "'bench' AS source_file", "'bench' AS ingest_run_id")
        .selectExpr(cast(Tables.SAMPLES.schema()))
        .write().format("delta").mode("append").save(l.path(Tables.SAMPLES));
    l.ensure(Tables.MIRNA_COUNTS);
    long countsVersion = l.version(Tables.MIRNA_COUNTS);
    long seed = a.seed();
    int n = a.samples();
    int parts = Math.max(4, a.samples() / 2500);
    JavaRDD<Row> vec = JavaSparkContext.fromSparkContext(spark.sparkContext())
        .parallelize(java.util.stream.IntStream.range(0, parts).boxed().toList(), parts).flatMap(p -> {
          List<Row> out = new ArrayList<>();
          SplittableRandom r = new SplittableRandom(seed * 1_000_003L + p);
          for (int id = p; id < n; id += parts) {
            double depth = r.nextDouble(-1, 1);
            double shift = id % 2 == 0 ? 0 : 1.5;
            double[] c = counts(r, level, depth, sig, shift);
            out.add(RowFactory.create("bench", String.format(Locale.ROOT, "S%07d", id), c, null, "bench"));
          }
          return out.iterator();
        });
    l.ensure(Tables.MIRNA_COUNT_VECTORS);
    spark.createDataFrame(vec, Tables.MIRNA_COUNT_VECTORS.schema()).write().format("delta").mode("append")
        .save(l.path(Tables.MIRNA_COUNT_VECTORS));
    l.ensure(Tables.MIRNA_COUNT_FEATURES);
    spark.createDataFrame(List.of(RowFactory.create("bench", features, countsVersion, "bench")),
            Tables.MIRNA_COUNT_FEATURES.schema())
        .write().format("delta").mode("append").save(l.path(Tables.MIRNA_COUNT_FEATURES));
    // 20 healthy-like and 20 cancer-like reference profiles: the cancer ones 3 log-units up on the signature miRs
    List<Row> ref = new ArrayList<>();
    SplittableRandom r = new SplittableRandom(seed);
    for (int j = 0; j < 40; j++) {
      boolean cancer = j >= 20;
      double[] c = counts(r, level, 0, sig, cancer ? 3 : 0);
      for (int i = 0; i < nf; i++) {
        ref.add(RowFactory.create("bench", "P" + j, cancer ? "cancer_cell" : "healthy_cell", features.get(i), c[i],
            "bench", "bench"));
      }
    }
    l.ensure(Tables.REFERENCE_PROFILES);
    spark.createDataFrame(ref, Tables.REFERENCE_PROFILES.schema()).write().format("delta").mode("append")
        .save(l.path(Tables.REFERENCE_PROFILES));
    try {
      Path list = lake.getParent().resolve("signature48.txt");
      List<String> lines = new ArrayList<>();
      for (int k : sig) lines.add(features.get(k));
      Files.write(list, lines);
      SignatureJob.run(spark, new SignatureJob.Args(lake.toString(), "exocohort", "bench", "cancer_cell",
          "healthy_cell", null, list.toString(), null, "bench48"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One library: per miR a Poisson-like count around exp(level + depth + noise), shifted on the signature miRs. */
  private static double[] counts(SplittableRandom r, double[] level, double depth, int[] sig, double shift) {
    double[] c = new double[level.length];
    for (int i = 0; i < c.length; i++) {
      double mu = Math.exp(level[i] + depth + 0.5 * gaussian(r));
      c[i] = Math.max(0, Math.floor(mu + Math.sqrt(mu) * gaussian(r) + 0.5));
    }
    for (int k : sig) c[k] = Math.floor(c[k] * Math.exp(shift * r.nextDouble()));
    return c;
  }

  private static double gaussian(SplittableRandom r) {
    double u = r.nextDouble(1e-12, 1);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  private static String[] cast(org.apache.spark.sql.types.StructType schema) {
    return java.util.Arrays.stream(schema.fields())
        .map(f -> "CAST(" + f.name() + " AS " + f.dataType().sql() + ") AS " + f.name()).toArray(String[]::new);
  }
}
