package io.exocohort.bench;

import static org.apache.spark.sql.functions.lit;

import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code bench ingest}: generates a cohort (long CSV), then in the same JVM times (1) a bare Spark
 * CSV-to-Delta write of the count file with a given schema (the baseline), (2) {@code ingest} of manifest +
 * counts into a fresh lake, (3) the baseline again; reports values per second, the throughput ratio
 * ingest / mean(baseline), and the peak heap of each phase.
 */
public final class IngestBench {
  private IngestBench() {}

  public record Args(Path work, int samples, int mirnas, long seed, boolean keep) {}

  public static void run(SparkSession spark, Args a, PrintWriter out) throws IOException {
    Files.createDirectories(a.work());
    Path data = a.work().resolve("cohort");
    var gen = Bench.measure("generate", () -> GenerateJob.run(new GenerateArgs(data, a.samples(), a.mirnas(), 0,
        10, a.seed(), GenerateArgs.Format.CSV, GenerateArgs.Layout.LONG, false, null)));
    Path mirna = data.resolve("mirna_counts.csv");
    Path manifest = data.resolve("manifest.csv");
    long values = (long) a.samples() * a.mirnas();
    out.printf(Locale.ROOT, "generated %d samples x %d miRs (%,d values, %.0f MB) in %.1f s%n", a.samples(),
        a.mirnas(), values, Files.size(mirna) / 1e6, gen.seconds());
    out.flush();

    // Warm up class loading and Delta's first-commit paths on a tiny table.
    spark.range(10).write().format("delta").mode("overwrite").save(a.work().resolve("warmup").toString());

    StructType schema = new StructType().add("sample_id", DataTypes.StringType)
        .add("feature", DataTypes.StringType).add("value", DataTypes.DoubleType);
    var base1 = Bench.measure("bare CSV->Delta write", () -> bareWrite(spark, schema, mirna, a.work().resolve("bare1")));
    Pseudonymizer p = new Pseudonymizer("bench-key-0123456789abcdef");
    var ingest = Bench.measure("ingest", () -> IngestJob.run(spark, new IngestJob.Args(
        a.work().resolve("lake").toString(), "exocohort_bench", "bench", manifest.toString(), mirna.toString(),
        null, "long", "linear", null, null, p, IngestJob.DEFAULT_IDENTIFIER_COLUMNS)));
    var base2 = Bench.measure("bare CSV->Delta write (again)", () -> bareWrite(spark, schema, mirna,
        a.work().resolve("bare2")));

    double baseline = (base1.seconds() + base2.seconds()) / 2;
    out.printf(Locale.ROOT, "| phase | seconds | values/s | peak heap MB |%n|---|---|---|---|%n");
    for (Bench.Measure<?> m : new Bench.Measure<?>[] {base1, ingest, base2}) {
      out.printf(Locale.ROOT, "| %s | %.1f | %,.0f | %.0f |%n", m.name(), m.seconds(), values / m.seconds(),
          m.peakHeapMb());
    }
    out.printf(Locale.ROOT, "ingest throughput / bare write throughput = %.2f (baseline = mean of the two bare "
        + "writes, %.1f s); driver max heap %d MB; ingest status %s, %d values accepted%n",
        baseline / ingest.seconds(), baseline, Bench.maxHeapBytes() / (1024 * 1024), ingest.value().status(),
        ingest.value().files().get(1).accepted());
    out.flush();
    if (!a.keep()) deleteTree(a.work());
  }

  private static long bareWrite(SparkSession spark, StructType schema, Path csv, Path target) {
    spark.read().option("header", "true").schema(schema).csv(csv.toString())
        .withColumn("cohort", lit("bench"))
        .write().format("delta").partitionBy("cohort").mode("overwrite").save(target.toString());
    return 0;
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
    }
  }
}
