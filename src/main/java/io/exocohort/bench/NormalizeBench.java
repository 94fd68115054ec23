package io.exocohort.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.sum;

import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import io.exocohort.normalize.NormalizeJob;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench normalize} (and the later stages): a lake with a generated cohort (made once under --work and
 * reused), then in one JVM: a bare aggregate scan of {@code mirna_counts} (count and sum: the floor), each
 * stage, and the scan again; reports seconds, ratios to the mean scan and peak heap.
 */
public final class NormalizeBench {
  private NormalizeBench() {}

  public record Args(Path work, int samples, int mirnas, long seed, List<String> stages) {}

  /** The stages a bench run may time, by name. */
  public interface StageRunner {
    Object run(SparkSession spark, String lake);
  }

  public static void run(SparkSession spark, Args a, java.util.Map<String, StageRunner> stages, PrintWriter out)
      throws java.io.IOException {
    Path lake = ensureLake(spark, a.work(), a.samples(), a.mirnas(), a.seed(), out);
    String path = lake.resolve("mirna_counts").toString();
    // The floor reads every column of every row: a count, the key lengths and the sum of the counts.
    Supplier<Row> scan = () -> spark.read().format("delta").load(path).agg(count(col("count")),
        sum(length(col("sample_id"))), sum(length(col("feature"))), sum(col("count"))).head();
    // The JVM's first scan pays class loading and JIT compilation: timed and shown, but not part of the floor.
    // A stage named twice is timed twice in this JVM: its first run is cold too, the second comparable to the floor.
    var s0 = Bench.measure("bare scan, the JVM's first (cold; not in the floor)", scan);
    var s1 = Bench.measure("bare scan of mirna_counts (all columns)", scan);
    java.util.List<Bench.Measure<?>> ms = new java.util.ArrayList<>();
    for (String name : a.stages()) {
      StageRunner r = stages.get(name);
      if (r == null) throw new io.exocohort.common.BadInputException("unknown stage " + name + ": " + stages.keySet());
      ms.add(Bench.measure(name, () -> r.run(spark, lake.toString())));
    }
    var s2 = Bench.measure("bare scan again", scan);
    double floor = (s1.seconds() + s2.seconds()) / 2;
    long values = s1.value().getLong(0);
    double cpuFloor = (s1.cpuSeconds() + s2.cpuSeconds()) / 2;
    out.printf(Locale.ROOT, "%,d miR values%n| phase | seconds | x scan | cpu s | x scan (cpu) | peak heap MB |%n"
        + "|---|---|---|---|---|---|%n", values);
    List<Bench.Measure<?>> all = new java.util.ArrayList<>();
    all.add(s0);
    all.add(s1);
    all.addAll(ms);
    all.add(s2);
    for (Bench.Measure<?> m : all) {
      out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.0f |%n", m.name(), m.seconds(), m.seconds() / floor,
          m.cpuSeconds(), m.cpuSeconds() / cpuFloor, m.peakHeapMb());
    }
    out.printf(Locale.ROOT, "scan floor = mean of the two scans = %.1f s (%.1f cpu s); driver max heap %d MB%n",
        floor, cpuFloor, Bench.maxHeapBytes() / (1024 * 1024));
    out.flush();
  }

  /** {@code work/lake} with a generated cohort ingested (made once: generate + ingest), reused when present. */
  static Path ensureLake(SparkSession spark, Path work, int samples, int mirnas, long seed, PrintWriter out) {
    Path lake = work.resolve("lake");
    if (!Files.isDirectory(lake.resolve("mirna_counts"))) {
      Path data = work.resolve("cohort");
      GenerateJob.run(new GenerateArgs(data, samples, mirnas, 150, 10, seed, GenerateArgs.Format.CSV,
          GenerateArgs.Layout.LONG, false, null));
      IngestJob.run(spark, new IngestJob.Args(lake.toString(), "exocohort", "bench", data.resolve("manifest.csv")
          .toString(), data.resolve("mirna_counts.csv").toString(), data.resolve("protein_intensities.csv").toString(),
          "long", "linear", null, null, new Pseudonymizer("bench-key-0123456789abcdef"),
          IngestJob.DEFAULT_IDENTIFIER_COLUMNS));
      out.printf("set up %s: %d samples x %d miRs + 150 proteins, ingested%n", lake, samples, mirnas);
    }
    return lake;
  }

  /** The stages known so far. */
  public static java.util.Map<String, StageRunner> stages() {
    java.util.Map<String, StageRunner> m = new java.util.LinkedHashMap<>();
    m.put("qc (miR + protein + vesicle rules)", (spark, lake) -> io.exocohort.qc.QcJob.run(spark,
        new io.exocohort.qc.QcJob.Args(lake, "exocohort", List.of(), null, null)));
    m.put("normalize mirna (filterByExpr + TMM + logCPM)", (spark, lake) -> NormalizeJob.run(spark,
        NormalizeJob.Args.defaults(lake).withModality("mirna")
            .withSamples(NormalizeJob.Args.Samples.defaults().withIncludeFailed(true))));
    // the least an output of normalize's shape costs: read its rows and write them, unchanged, as a new Delta table
    m.put("write floor (mirna_matrix's rows copied to a new Delta table)", (spark, lake) -> {
      String out = lake.replaceAll("/+$", "") + "-write-floor";
      spark.read().format("delta").load(lake + "/" + io.exocohort.catalog.Tables.MIRNA_MATRIX.name())
          .write().format("delta").mode("overwrite").partitionBy("cohort").save(out);
      return out;
    });
    m.put("de mirna (moderated t, Welch, Wilcoxon, Kruskal, ANOVA; 20 contrasts)", (spark, lake) ->
        io.exocohort.de.DeJob.run(spark, io.exocohort.de.DeJob.Args.defaults(lake).withModality("mirna")
            .withSamples(new io.exocohort.de.DeJob.Args.Samples(true, io.exocohort.normalize.GroupSizes.MIN_DEFAULT))));
    return m;
  }
}
