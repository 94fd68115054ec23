package io.exocohort.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.LakeCatalog;
import io.exocohort.catalog.Tables;
import io.exocohort.normalize.NormalizeJob;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench normalize-scale}: normalize (miR, TMM, every sample) on the generated lake of {@code bench stages}
 * and on a lake with {@code copies} times its samples, in one JVM, each run twice (the second is the warm figure);
 * reports the time ratio and peak heap (issue 16: at most 12x the 10,000-sample time for 100,000 samples, under
 * a 2 GB driver).
 *
 * <p>The larger lake is derived, not generated: the base's samples and count vectors replicated under new sample
 * ids ({@code S000001_r2}), with the feature index copied and an empty {@code mirna_counts} (normalize reads the
 * vectors; generating and ingesting 260 M long rows would measure ingest, not normalize). normalize's cost depends
 * on the numbers of samples and features, not on the values, so replicated samples measure the scaling honestly.
 */
public final class NormalizeScaleBench {
  private NormalizeScaleBench() {}

  public record Args(Path work, int samples, int mirnas, long seed, int copies) {}

  public static void run(SparkSession spark, Args a, PrintWriter out) {
    if (a.copies() < 2) throw new io.exocohort.common.BadInputException("--copies must be at least 2");
    Path base = NormalizeBench.ensureLake(spark, a.work(), a.samples(), a.mirnas(), a.seed(), out);
    Path big = a.work().resolve("x" + a.copies()).resolve("lake");
    if (!Files.isDirectory(big.resolve(Tables.MIRNA_COUNT_VECTORS.name()))) {
      derive(spark, base, big, a.copies());
      out.printf("derived %s: %d copies of the base's samples and count vectors%n", big, a.copies());
    }
    List<Bench.Measure<?>> ms = new ArrayList<>();
    for (Path lake : List.of(base, big)) {
      String label = lake.equals(base) ? a.samples() + " samples" : a.samples() * a.copies() + " samples";
      for (String run : List.of("first", "warm")) {
        ms.add(Bench.measure("normalize mirna, " + label + " (" + run + ")", () -> NormalizeJob.run(spark,
            NormalizeJob.Args.defaults(lake.toString()).withModality("mirna")
                .withSamples(NormalizeJob.Args.Samples.defaults().withIncludeFailed(true)))));
      }
    }
    out.printf("| phase | seconds | cpu s | peak heap MB |%n|---|---|---|---|%n");
    for (Bench.Measure<?> m : ms) {
      out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.0f |%n", m.name(), m.seconds(), m.cpuSeconds(), m.peakHeapMb());
    }
    out.printf(Locale.ROOT, "scaling: %dx the samples took %.1fx the warm normalize time (%.1fx its CPU time); "
            + "driver max heap %d MB%n", a.copies(), ms.get(3).seconds() / ms.get(1).seconds(),
        ms.get(3).cpuSeconds() / ms.get(1).cpuSeconds(), Bench.maxHeapBytes() / (1024 * 1024));
    out.flush();
  }

  /** The base's samples and count vectors {@code copies} times, the feature index, an empty mirna_counts. */
  static void derive(SparkSession spark, Path from, Path to, int copies) {
    Lake src = LakeCatalog.open(spark, from.toString(), "exocohort_bench_src");
    Lake dst = LakeCatalog.open(spark, to.toString(), "exocohort_bench_x" + copies);
    Column reps = explode(sequence(lit(1), lit(copies)));
    Column renamed = when(col("rep").equalTo(1), col("sample_id"))
        .otherwise(concat(col("sample_id"), lit("_r"), col("rep").cast("string")));
    dst.ensure(Tables.SAMPLES);
    src.read(Tables.SAMPLES).withColumn("rep", reps).withColumn("sample_id", renamed).drop("rep")
        .write().format("delta").mode("append").save(dst.path(Tables.SAMPLES));
    // an empty long table at version 0: the vectors' counts_version, so that normalize reads the vectors
    dst.ensure(Tables.MIRNA_COUNTS);
    long countsVersion = dst.version(Tables.MIRNA_COUNTS);
    dst.ensure(Tables.MIRNA_COUNT_VECTORS);
    src.read(Tables.MIRNA_COUNT_VECTORS).withColumn("rep", reps).withColumn("sample_id", renamed).drop("rep")
        .sortWithinPartitions("sample_id")
        .write().format("delta").mode("append").save(dst.path(Tables.MIRNA_COUNT_VECTORS));
    dst.ensure(Tables.MIRNA_COUNT_FEATURES);
    src.read(Tables.MIRNA_COUNT_FEATURES).withColumn("counts_version", lit(countsVersion))
        .selectExpr(Tables.MIRNA_COUNT_FEATURES.schema().fieldNames())
        .write().format("delta").mode("append").save(dst.path(Tables.MIRNA_COUNT_FEATURES));
  }
}
