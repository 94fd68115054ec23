package io.exocohort.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.sum;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.Tables;
import io.exocohort.de.DeJob;
import io.exocohort.matrix.Matrices;
import io.exocohort.normalize.NormalizeJob;
import java.io.BufferedWriter;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench de}: differential expression (every method, every default contrast) on lakes of several sizes made
 * from one generated and normalised base cohort, each timed against a bare aggregate scan of its
 * {@code mirna_expression} in the same run, and limma ({@code lmFit + contrasts.fit + eBayes + topTable}, timed
 * inside R) on the same matrix where {@code Rscript} with limma is installed.
 *
 * <p>Sizes other than the base are derived from it: smaller ones keep the first samples, larger ones replicate the
 * base under new sample ids ({@code S000001_r2}). The statistics' cost depends on the numbers of samples, features,
 * groups and contrasts, not on the values, so a replicated cohort measures the scaling honestly.
 */
public final class DeBench {
  private DeBench() {}

  public record Args(Path work, int base, int mirnas, long seed, List<Integer> sizes, boolean limma, int repeat) {}

  /**
   * One size: the scans around the runs, de unweighted ({@code --weights none}, the series of earlier sessions),
   * with voom weights (the default for miRs) and with voom and {@code --block subject_key} (limma's two rounds).
   */
  public record Row1(int samples, long values, Bench.Measure<?> scan1, Bench.Measure<?> de, Bench.Measure<?> scan2,
      Bench.Measure<?> sortFloor, double limmaSeconds, int contrasts, long results, Bench.Measure<?> voom,
      Bench.Measure<?> block) {}

  public static void run(SparkSession spark, Args a, PrintWriter out) throws IOException, InterruptedException {
    Path baseLake = a.work().resolve("base");
    NormalizeBench.ensureLake(spark, baseLake, a.base(), a.mirnas(), a.seed(), out);
    if (!Files.isDirectory(baseLake.resolve("lake").resolve(Tables.MIRNA_MATRIX.name()))) {
      NormalizeJob.run(spark, NormalizeJob.Args.defaults(baseLake.resolve("lake").toString()).withModality("mirna")
          .withSamples(NormalizeJob.Args.Samples.defaults().withIncludeFailed(true)));
      out.printf("normalised %s%n", baseLake);
    }
    List<Row1> rows = new ArrayList<>();
    for (int n : a.sizes()) {
      Path lake = n == a.base() ? baseLake.resolve("lake") : a.work().resolve("n" + n).resolve("lake");
      if (n != a.base() && !Files.isDirectory(lake.resolve(Tables.MIRNA_MATRIX.name()))) {
        derive(spark, baseLake.resolve("lake"), lake, a.base(), n);
        out.printf("derived %s: %d samples%n", lake, n);
      }
      rows.add(measure(spark, lake, n, a.limma(), a.work(), a.repeat(), out));
      out.flush();
    }
    report(rows, out);
  }

  /** A lake of {@code n} samples from the base: the first n samples, or the base replicated under new ids. */
  static void derive(SparkSession spark, Path from, Path to, int base, int n) {
    Lake src = io.exocohort.catalog.LakeCatalog.open(spark, from.toString(), "exocohort_bench_src");
    Lake dst = io.exocohort.catalog.LakeCatalog.open(spark, to.toString(), "exocohort_bench_n" + n);
    int copies = (n + base - 1) / base;
    Dataset<Row> samples = src.read(Tables.SAMPLES).orderBy("sample_id").limit(Math.min(n, base));
    Dataset<Row> keep = samples.select("cohort", "sample_id");
    Dataset<Row> reps = samples.withColumn("rep", explode(sequence(lit(1), lit(copies))));
    Dataset<Row> repSamples = reps.withColumn("sample_id", rename()).drop("rep");
    if (copies > 1) {
      // keep exactly n: the base's samples in every full copy, then the first ones of the last copy
      repSamples = repSamples.orderBy("sample_id").limit(n);
    }
    dst.ensure(Tables.SAMPLES);
    repSamples.write().format("delta").mode("append").save(dst.path(Tables.SAMPLES));
    // voom's library sizes: the normalize run's figures of the kept samples, under the derived ids
    dst.ensure(Tables.SAMPLE_NORMALIZATION);
    Dataset<Row> norm = src.read(Tables.SAMPLE_NORMALIZATION).filter(col("modality").equalTo("mirna"))
        .join(keep, scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList(),
            "left_semi");
    Dataset<Row> repNorm = norm.withColumn("rep", explode(sequence(lit(1), lit(copies))))
        .withColumn("sample_id", rename()).drop("rep")
        .join(dst.read(Tables.SAMPLES).select("cohort", "sample_id"),
            scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList(), "left_semi")
        .select(Tables.SAMPLE_NORMALIZATION.schema().fieldNames()[0],
            java.util.Arrays.copyOfRange(Tables.SAMPLE_NORMALIZATION.schema().fieldNames(), 1,
                Tables.SAMPLE_NORMALIZATION.schema().fieldNames().length));
    repNorm.write().format("delta").mode("append").save(dst.path(Tables.SAMPLE_NORMALIZATION));
    if (copies > 1) {
      replicateMatrix(src, dst, base, n);
      return;
    }
    Dataset<Row> kept = dst.read(Tables.SAMPLES).select("cohort", "sample_id");
    Dataset<Row> values = Matrices.longRows(src.read(Tables.MIRNA_MATRIX), src.read(Tables.MIRNA_MATRIX_SAMPLES),
        false).join(keep, scala.jdk.javaapi.CollectionConverters.asScala(
        List.of("cohort", "sample_id")).toList());
    Dataset<Row> repValues = values.withColumn("rep", explode(sequence(lit(1), lit(copies))))
        .withColumn("sample_id", rename()).drop("rep")
        .join(org.apache.spark.sql.functions.broadcast(kept), scala.jdk.javaapi.CollectionConverters.asScala(
            List.of("cohort", "sample_id")).toList(), "left_semi")
        .sortWithinPartitions("sample_id");
    Matrices.Matrix m = Matrices.fromLong(dst.spark(), repValues, Modality.MIRNA, Tables.MATRIX_BLOCK_SAMPLES);
    dst.ensure(Tables.MIRNA_MATRIX);
    dst.ensure(Tables.MIRNA_MATRIX_SAMPLES);
    m.rows().write().format("delta").mode("append").save(dst.path(Tables.MIRNA_MATRIX));
    m.samples().write().format("delta").mode("append").save(dst.path(Tables.MIRNA_MATRIX_SAMPLES));
  }

  /**
   * The base's matrix replicated {@code n / base} times at the matrix level (no long rows: those are 115 M at
   * 100,000 samples and their transpose does not fit a 2 GB driver): copy r of base sample k is named as the samples
   * table names it, and the copies are numbered in sample-id order (as normalize numbers a cohort's samples), cut
   * into blocks of the registry's size.
   */
  private static void replicateMatrix(Lake src, Lake dst, int base, int n) {
    if (n % base != 0) throw new IllegalArgumentException("a size above the base must be a multiple of it: " + n);
    List<Row> idx = src.read(Tables.MIRNA_MATRIX_SAMPLES).collectAsList();
    if (idx.size() != 1) throw new IllegalStateException("the base matrix must be one block, not " + idx.size());
    String cohort = idx.get(0).getString(0);
    String runId = idx.get(0).getAs("norm_run_id");
    List<String> baseIds = idx.get(0).getList(2);
    // voom's per-sample figures of the index: a copy has its base sample's (so the run's mean is the base's)
    String scale = idx.get(0).getAs("scale");
    List<Double> baseLibs = idx.get(0).isNullAt(idx.get(0).fieldIndex("library_sizes")) ? null
        : idx.get(0).getList(idx.get(0).fieldIndex("library_sizes"));
    Double mean = idx.get(0).getAs("mean_library_size");
    int b0 = baseIds.size();
    int size = Tables.MATRIX_BLOCK_SAMPLES;
    int blocks = (n + size - 1) / size;
    // every copy's id with its base position, in sample-id order as normalize numbers a cohort's samples
    // (MatrixWrite.blocks)
    String[] all = new String[n];
    Integer[] order = new Integer[n];
    for (int p = 0; p < n; p++) {
      int rep = p / b0 + 1;
      all[p] = rep == 1 ? baseIds.get(p % b0) : baseIds.get(p % b0) + "_r" + rep;
      order[p] = p;
    }
    java.util.Arrays.sort(order, java.util.Comparator.comparing(p -> all[p]));
    int[][] from = new int[blocks][];
    List<Row> index = new ArrayList<>();
    for (int b = 0; b < blocks; b++) {
      int lo = b * size;
      int hi = Math.min(n, lo + size);
      String[] ids = new String[hi - lo];
      Double[] libs = baseLibs == null ? null : new Double[hi - lo];
      from[b] = new int[hi - lo];
      for (int p = lo; p < hi; p++) {
        from[b][p - lo] = order[p] % b0;
        ids[p - lo] = all[order[p]];
        if (libs != null) libs[p - lo] = baseLibs.get(order[p] % b0);
      }
      index.add(org.apache.spark.sql.RowFactory.create(cohort, b, ids, runId, scale, libs, mean));
    }
    SparkSession spark = dst.spark();
    var fb = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(from);
    var rows = src.read(Tables.MIRNA_MATRIX).select("cohort", "feature", "entries", "scale", "norm_run_id")
        .javaRDD().flatMap(r -> {
          List<Double> e = r.getList(2);
          double[] v = new double[e.size()];
          for (int i = 0; i < v.length; i++) v[i] = e.get(i);
          List<Row> out = new ArrayList<>();
          int[][] f = fb.value();
          for (int b = 0; b < f.length; b++) {
            double[] x = new double[f[b].length];
            for (int i = 0; i < x.length; i++) x[i] = v[f[b][i]];
            out.add(org.apache.spark.sql.RowFactory.create(r.getString(0), b, r.getString(1), x, r.getString(3),
                r.getString(4)));
          }
          return out.iterator();
        });
    dst.ensure(Tables.MIRNA_MATRIX);
    dst.ensure(Tables.MIRNA_MATRIX_SAMPLES);
    spark.createDataFrame(rows, Modality.MIRNA.matrix().schema()).write().format("delta").mode("append")
        .save(dst.path(Tables.MIRNA_MATRIX));
    spark.createDataFrame(index, Modality.MIRNA.samples().schema()).write().format("delta").mode("append")
        .save(dst.path(Tables.MIRNA_MATRIX_SAMPLES));
  }

  /** The long rows of a lake's miR matrix (what the mirna_expression view shows). */
  static Dataset<Row> expression(SparkSession spark, Path lake) {
    return Matrices.longRows(spark.read().format("delta").load(lake.resolve(Tables.MIRNA_MATRIX.name()).toString()),
        spark.read().format("delta").load(lake.resolve(Tables.MIRNA_MATRIX_SAMPLES.name()).toString()), false);
  }

  private static org.apache.spark.sql.Column rename() {
    return org.apache.spark.sql.functions.when(col("rep").equalTo(1), col("sample_id"))
        .otherwise(concat(col("sample_id"), lit("_r"), col("rep").cast("string")));
  }

  static Row1 measure(SparkSession spark, Path lake, int n, boolean limma, Path work, int repeat, PrintWriter out)
      throws IOException, InterruptedException {
    String path = lake.resolve(Tables.MIRNA_MATRIX.name()).toString();
    Supplier<Row> scan = () -> expression(spark, lake).agg(count(col("value")),
        sum(length(col("sample_id"))), sum(length(col("feature"))), sum(col("value"))).head();
    scan.get(); // warm-up
    var s1 = Bench.measure("scan", scan);
    DeJob.Args args = DeJob.Args.defaults(lake.toString()).withModality("mirna")
        .withSamples(new DeJob.Args.Samples(true, io.exocohort.normalize.GroupSizes.MIN_DEFAULT));
    // one untimed de first, so that the first timed one is not the only one to pay the JVM's warm-up
    DeJob.run(spark, args.withModel(DeJob.Args.Model.defaults().withWeights("none")));
    // --repeat rounds of the three runs, interleaved, so that a slow spell of the host falls on all three; each
    // figure is its run's median
    List<Bench.Measure<?>> des = new ArrayList<>();
    List<Bench.Measure<?>> vooms = new ArrayList<>();
    List<Bench.Measure<?>> blocks = new ArrayList<>();
    for (int r = 0; r < repeat; r++) {
      des.add(Bench.measure("de", () -> DeJob.run(spark, args.withModel(DeJob.Args.Model.defaults()
          .withWeights("none")))));
      vooms.add(Bench.measure("de voom", () -> DeJob.run(spark, args.withModel(DeJob.Args.Model.defaults()
          .withWeights("voom")))));
      blocks.add(Bench.measure("de voom block", () -> DeJob.run(spark, args.withModel(DeJob.Args.Model.defaults()
          .withWeights("voom").withBlock("subject_key")))));
      if (repeat > 1) {
        out.printf(Locale.ROOT, "n=%d round %d: de %.1f s, voom %.1f s (%.2f x de), voom + block %.1f s (%.2f x de)%n",
            n, r + 1, des.get(r).seconds(), vooms.get(r).seconds(), vooms.get(r).seconds() / des.get(r).seconds(),
            blocks.get(r).seconds(), blocks.get(r).seconds() / des.get(r).seconds());
        out.flush();
      }
    }
    var de = median(des);
    var voom = median(vooms);
    var block = median(blocks);
    var s2 = Bench.measure("scan again", scan);
    // the least work exact rank tests on the matrix need: every row read and its entries sorted
    var sortFloor = Bench.measure("read + sort each matrix row", () -> sortRows(spark, path));
    long results = spark.read().format("delta").load(lake.resolve(Tables.DE_RESULTS.name()).toString())
        .filter(col("run_id").equalTo(((DeJob.Result) de.value()).runId())).count();
    int contrasts = (int) spark.read().format("delta").load(lake.resolve(Tables.DE_RESULTS.name()).toString())
        .filter(col("run_id").equalTo(((DeJob.Result) de.value()).runId())).filter(col("method").equalTo("wilcoxon"))
        .select("contrast").distinct().count();
    double limmaSeconds = Double.NaN;
    if (limma && n <= 10_000) limmaSeconds = limma(spark, lake, work.resolve("limma-" + n), out);
    out.printf(Locale.ROOT, "n=%d: scan %.1f s, de %.1f s (%.1f x scan), voom %.1f s (%.2f x de), voom + block %.1f s "
        + "(%.2f x de), limma %s%n", n, s1.seconds(), de.seconds(), de.seconds() / ((s1.seconds() + s2.seconds()) / 2),
        voom.seconds(), voom.seconds() / de.seconds(), block.seconds(), block.seconds() / de.seconds(),
        Double.isNaN(limmaSeconds) ? "not run" : String.format(Locale.ROOT, "%.1f s", limmaSeconds));
    return new Row1(n, s1.value().getLong(0), s1, de, s2, sortFloor, limmaSeconds, contrasts, results, voom, block);
  }

  /** The run of median time (the lower middle one of an even count). */
  static Bench.Measure<?> median(List<Bench.Measure<?>> runs) {
    List<Bench.Measure<?>> sorted = new ArrayList<>(runs);
    sorted.sort(java.util.Comparator.comparingDouble(Bench.Measure::seconds));
    return sorted.get((sorted.size() - 1) / 2);
  }

  /**
   * Every matrix row read and its entries sorted, consumed by a sum of each row's smallest entry (so the sort
   * cannot be optimised away): the floor of exact rank tests computed from the matrix's arrays.
   */
  static double sortRows(SparkSession spark, String path) {
    return spark.read().format("delta").load(path)
        .agg(sum(element_at(sort_array(col("entries")), 1)), sum(size(col("entries")))).head().getDouble(0);
  }

  /**
   * Exports the lake's log-CPM matrix (features x samples, little-endian doubles, sample-major) and the groups,
   * then runs {@code jobs/limma_bench.R}, which times limma's chain inside R and prints the elapsed seconds.
   * Returns NaN when R or limma is not installed.
   */
  static double limma(SparkSession spark, Path lake, Path dir, PrintWriter out) throws IOException,
      InterruptedException {
    Path script = Path.of(System.getenv().getOrDefault("EXOCOHORT_HOME", ".")).resolve("jobs/limma_bench.R");
    if (!Files.isRegularFile(script) || !onPath("Rscript")) {
      out.println("limma: Rscript or jobs/limma_bench.R not found, skipped");
      return Double.NaN;
    }
    Files.createDirectories(dir);
    Dataset<Row> samples = spark.read().format("delta").load(lake.resolve(Tables.SAMPLES.name()).toString())
        .select("sample_id", "cancer_type").orderBy("sample_id");
    List<String> features = expression(spark, lake).select("feature").distinct().orderBy("feature").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
    Map<String, Integer> fi = new LinkedHashMap<>();
    for (int i = 0; i < features.size(); i++) fi.put(features.get(i), i);
    // benchmark export only: the matrix streams to a file partition by partition, never whole in memory
    try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("groups.txt"), StandardCharsets.UTF_8)) {
      Iterator<Row> it = samples.toLocalIterator();
      while (it.hasNext()) {
        w.write(it.next().getString(1));
        w.newLine();
      }
    }
    Files.writeString(dir.resolve("features.txt"), String.join("\n", features) + "\n");
    Iterator<Row> it = expression(spark, lake)
        .select("sample_id", "feature", "value").orderBy("sample_id", "feature").toLocalIterator();
    int nf = features.size();
    try (DataOutputStream o = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(
        dir.resolve("matrix.bin")), 1 << 20))) {
      double[] col = new double[nf];
      String current = null;
      ByteBuffer buf = ByteBuffer.allocate(8 * nf).order(ByteOrder.LITTLE_ENDIAN);
      while (it.hasNext()) {
        Row r = it.next();
        if (current != null && !current.equals(r.getString(0))) {
          writeColumn(o, buf, col);
        }
        current = r.getString(0);
        col[fi.get(r.getString(1))] = r.getDouble(2);
      }
      if (current != null) writeColumn(o, buf, col);
    }
    Process p = new ProcessBuilder("Rscript", script.toString(), dir.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
      out.println("limma failed: " + output.strip().replace('\n', ' '));
      return Double.NaN;
    }
    for (String line : output.split("\n")) {
      if (line.startsWith("limma_seconds ")) return Double.parseDouble(line.substring(14).trim());
    }
    out.println("limma: no timing in its output: " + output.strip().replace('\n', ' '));
    return Double.NaN;
  }

  private static void writeColumn(DataOutputStream o, ByteBuffer buf, double[] col) throws IOException {
    buf.clear();
    for (double v : col) buf.putDouble(v);
    o.write(buf.array(), 0, buf.position());
    java.util.Arrays.fill(col, Double.NaN);
  }

  private static boolean onPath(String exe) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(d, exe))) return true;
    }
    return false;
  }

  static void report(List<Row1> rows, PrintWriter out) {
    out.printf(Locale.ROOT, "%n| samples | values | scan s | de s | de x scan | scan cpu s | de cpu s | de x scan (cpu) "
        + "| read + sort rows s | read + sort x scan | de x read + sort | limma s | de / limma | de peak heap MB "
        + "| contrasts | results |%n");
    out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Row1 r : rows) {
      double floor = (r.scan1().seconds() + r.scan2().seconds()) / 2;
      double cpuFloor = (r.scan1().cpuSeconds() + r.scan2().cpuSeconds()) / 2;
      out.printf(Locale.ROOT, "| %,d | %,d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s "
          + "| %.0f | %d | %,d |%n",
          r.samples(), r.values(), floor, r.de().seconds(), r.de().seconds() / floor, cpuFloor,
          r.de().cpuSeconds(), r.de().cpuSeconds() / cpuFloor, r.sortFloor().seconds(),
          r.sortFloor().seconds() / floor, r.de().seconds() / r.sortFloor().seconds(),
          Double.isNaN(r.limmaSeconds()) ? "-" : String.format(Locale.ROOT, "%.1f", r.limmaSeconds()),
          Double.isNaN(r.limmaSeconds()) ? "-" : String.format(Locale.ROOT, "%.2f", r.de().seconds() / r.limmaSeconds()),
          r.de().peakHeapMb(), r.contrasts(), r.results());
    }
    out.printf(Locale.ROOT, "%n| samples | de (--weights none) s | voom s | voom / none (<= 1.5) | voom x scan "
        + "| voom + --block s | block / none (<= 3) | block x scan | voom cpu / none cpu | block cpu / none cpu |%n");
    out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Row1 r : rows) {
      double floor = (r.scan1().seconds() + r.scan2().seconds()) / 2;
      out.printf(Locale.ROOT, "| %,d | %.1f | %.1f | %.2f | %.1f | %.1f | %.2f | %.1f | %.2f | %.2f |%n", r.samples(),
          r.de().seconds(), r.voom().seconds(), r.voom().seconds() / r.de().seconds(), r.voom().seconds() / floor,
          r.block().seconds(), r.block().seconds() / r.de().seconds(), r.block().seconds() / floor,
          r.voom().cpuSeconds() / r.de().cpuSeconds(), r.block().cpuSeconds() / r.de().cpuSeconds());
    }
    if (rows.size() > 1) {
      Row1 first = rows.get(0);
      Row1 last = rows.get(rows.size() - 1);
      out.printf(Locale.ROOT, "scaling: %.0fx the samples took %.1fx the de time (%.1fx its CPU time)%n",
          (double) last.samples() / first.samples(), last.de().seconds() / first.de().seconds(),
          last.de().cpuSeconds() / first.de().cpuSeconds());
    }
    out.printf(Locale.ROOT, "driver max heap %d MB%n", Bench.maxHeapBytes() / (1024 * 1024));
    out.flush();
  }
}
