package io.exocohort.bench;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.posexplode;
import static org.apache.spark.sql.functions.sum;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/**
 * {@code bench layout}: how the candidate layouts of normalised expression cost to write and to read (issue 16).
 * Synthetic log-CPM-like sample vectors (normal around a per-feature mean, group shifts on a few features) are
 * generated inside Spark and cached, as normalize holds them; then, in one JVM, each layout is written as a Delta
 * table and read three ways:
 *
 * <ul>
 *   <li>(L) long: one row per (cohort, sample_id, feature, value), today's {@code mirna_expression};
 *   <li>(F) feature-major with sample blocks: one row per (cohort, block, feature) with {@code values
 *       array<double>} in the order of a sample index (cohort, block, sample_ids);
 *   <li>(S) sample-major: one row per (cohort, sample_id) with {@code values array<double>} over a feature index
 *       stored once.
 * </ul>
 *
 * <p>Reads: a bare scan; a DE-style read (per feature and group n, sum, sum of squares, and the rank sums of all
 * the feature's values sorted: what the linear models and the rank tests need); a train-style read (every
 * sample's vector over all features). Ratios are to a bare scan of the long table timed at the start and the end
 * of the timed part. A warm-up round at a small size runs every code path first, so the timed phases are warm.
 * The layouts' DE and train results are compared (they must agree) and the table sizes on disk reported.
 */
public final class LayoutBench {
  private LayoutBench() {}

  static final String COHORT = "bench";
  static final int TILE = 1024;

  /**
   * @param blocks sample block sizes of the feature-major layout (one F table per size)
   * @param warmup samples of the untimed warm-up round (0: none)
   */
  public record Args(Path work, int samples, int features, List<Integer> blocks, int groups, long seed,
      int warmup) {}

  /** A sample-major row as a bean (for Spark's encoder: arrays of doubles decode without boxing). */
  public static final class SampleBean implements Serializable {
    private static final long serialVersionUID = 1L;
    private String sampleId;
    private double[] values;

    public SampleBean() {}

    SampleBean(String sampleId, double[] values) {
      this.sampleId = sampleId;
      this.values = values;
    }

    public String getSampleId() {
      return sampleId;
    }

    public void setSampleId(String s) {
      sampleId = s;
    }

    public double[] getValues() {
      return values;
    }

    public void setValues(double[] v) {
      values = v;
    }
  }

  /** A feature-major row as a bean. */
  public static final class MatrixBean implements Serializable {
    private static final long serialVersionUID = 1L;
    private int block;
    private String feature;
    private double[] values;

    public MatrixBean() {}

    MatrixBean(int block, String feature, double[] values) {
      this.block = block;
      this.feature = feature;
      this.values = values;
    }

    public int getBlock() {
      return block;
    }

    public void setBlock(int b) {
      block = b;
    }

    public String getFeature() {
      return feature;
    }

    public void setFeature(String f) {
      feature = f;
    }

    public double[] getValues() {
      return values;
    }

    public void setValues(double[] v) {
      values = v;
    }
  }

  /** The figures of one layout. */
  record Figures(String name, Bench.Measure<?> write, Bench.Measure<?> scan, Bench.Measure<Map<String, double[]>> de,
      Bench.Measure<Double> train, long bytes) {}

  public static void run(SparkSession spark, Args a, PrintWriter out) {
    double load0 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    if (a.warmup() > 0) {
      Args w = new Args(a.work().resolve("warmup"), a.warmup(), a.features(), a.blocks(), a.groups(), a.seed(), 0);
      new Suite(spark, w).run();
      out.printf(Locale.ROOT, "warm-up round done (%,d samples x %,d features, untimed)%n", a.warmup(),
          a.features());
      out.flush();
    }
    Suite s = new Suite(spark, a);
    s.run();
    double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    s.print(out, load0, load1);
  }

  /** One size: the tables under {@code work/<samples>x<features>}, written and read. */
  static final class Suite {
    final SparkSession spark;
    final JavaSparkContext jsc;
    final Args a;
    final Path dir;
    final String[] names;
    final int parts;
    final String runId = "bench-layout";
    Bench.Measure<?> floor1;
    Bench.Measure<?> floor2;
    final List<Figures> figures = new ArrayList<>();

    Suite(SparkSession spark, Args a) {
      this.spark = spark;
      this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      this.a = a;
      this.dir = a.work().resolve(a.samples() + "x" + a.features()).toAbsolutePath();
      names = new String[a.features()];
      for (int j = 0; j < names.length; j++) names[j] = String.format(Locale.ROOT, "hsa-miR-bench-%04d", j);
      long bytes = (long) a.samples() * a.features() * 8;
      parts = (int) Math.max(jsc.defaultParallelism(), Math.min(10_000, bytes / (32L << 20) + 1));
    }

    String path(String table) {
      return dir.resolve(table).toString();
    }

    void run() {
      delete(dir);
      JavaRDD<MatrixChunks.Vec> vectors = generate().persist(StorageLevel.MEMORY_AND_DISK());
      vectors.count();
      writeSamples();
      Map<String, Bench.Measure<?>> writes = new LinkedHashMap<>();
      writes.put("L", Bench.measure("write", () -> writeLong(vectors)));
      for (int b : a.blocks()) {
        writes.put("F" + b, Bench.measure("write", () -> writeFeatureMajor(vectors, b)));
      }
      writes.put("S", Bench.measure("write", () -> writeSampleMajor(vectors)));
      vectors.unpersist(true);
      floor1 = Bench.measure("bare scan (start)", this::scanLong);
      figures.add(new Figures("L", writes.get("L"), Bench.measure("scan", this::scanLong),
          Bench.measure("DE read", this::deLong), Bench.measure("train read", this::trainLong), size("long")));
      for (int b : a.blocks()) {
        figures.add(new Figures("F" + b, writes.get("F" + b), Bench.measure("scan", () -> scanFeatureMajor(b)),
            Bench.measure("DE read", () -> deFeatureMajor(b)), Bench.measure("train read", () -> trainFeatureMajor(b)),
            size("feature_major_" + b) + size("sample_index_" + b)));
      }
      figures.add(new Figures("S", writes.get("S"), Bench.measure("scan", this::scanSampleMajor),
          Bench.measure("DE read", this::deSampleMajor), Bench.measure("train read", this::trainSampleMajor),
          size("sample_major") + size("feature_index")));
      floor2 = Bench.measure("bare scan (end)", this::scanLong);
      check();
    }

    /** Sample i: group i mod groups; value j normal around a per-feature mean, shifted for a few features. */
    JavaRDD<MatrixChunks.Vec> generate() {
      int nf = a.features();
      int groups = a.groups();
      SplittableRandom r = new SplittableRandom(a.seed());
      double[] mean = new double[nf];
      double[] sd = new double[nf];
      double[][] shift = new double[groups][nf];
      for (int j = 0; j < nf; j++) {
        mean[j] = 2 + 10 * r.nextDouble();
        sd[j] = 0.5 + r.nextDouble();
        for (int g = 0; g < groups; g++) shift[g][j] = r.nextDouble() < 0.05 ? (r.nextBoolean() ? 1 : -1) : 0;
      }
      long seed = a.seed();
      return spark.range(0, a.samples(), 1, parts).javaRDD().map(i -> {
        int g = (int) (i % groups);
        SplittableRandom x = new SplittableRandom(seed * 1_000_003L + i);
        double[] v = new double[nf];
        for (int j = 0; j < nf; j++) v[j] = mean[j] + shift[g][j] + sd[j] * x.nextGaussian();
        return new MatrixChunks.Vec(sampleId(i), i.intValue(), g, v);
      });
    }

    static String sampleId(long i) {
      return String.format(Locale.ROOT, "S%08d", i);
    }

    /** The samples table the reads take groups from: cohort, sample_id, grp, batch. */
    void writeSamples() {
      int groups = a.groups();
      spark.range(0, a.samples(), 1, 2).selectExpr("'" + COHORT + "' as cohort",
              "concat('S', lpad(cast(id as string), 8, '0')) as sample_id", "cast(id % " + groups + " as int) as grp",
              "'b1' as batch")
          .write().format("delta").mode("overwrite").save(path("samples"));
    }

    Dataset<Row> wide(JavaRDD<MatrixChunks.Vec> vectors) {
      return spark.createDataset(vectors.map(v -> new SampleBean(v.sampleId(), v.v())).rdd(),
          Encoders.bean(SampleBean.class)).select(lit(COHORT).as("cohort"), col("sampleId").as("sample_id"),
          col("values"));
    }

    /** L: the sample arrays exploded inside Spark's generated code, as normalize writes today. */
    Object writeLong(JavaRDD<MatrixChunks.Vec> vectors) {
      wide(vectors).select(col("cohort"), col("sample_id"), posexplode(col("values")).as(new String[] {"pos",
              "value"}))
          .select(col("cohort"), col("sample_id"), element_at(lit(names), col("pos").plus(1)).as("feature"),
              col("value"), lit("log2_cpm").as("scale"), lit(runId).as("norm_run_id"))
          .write().format("delta").mode("overwrite").partitionBy("cohort").save(path("long"));
      return null;
    }

    /** S: one row per sample, and the feature index once. */
    Object writeSampleMajor(JavaRDD<MatrixChunks.Vec> vectors) {
      wide(vectors).select(col("cohort"), col("sample_id"), col("values"), lit("log2_cpm").as("scale"),
              lit(runId).as("norm_run_id"))
          .write().format("delta").mode("overwrite").partitionBy("cohort").save(path("sample_major"));
      StructType s = new StructType().add("cohort", DataTypes.StringType, false)
          .add("features", DataTypes.createArrayType(DataTypes.StringType, false), false);
      spark.createDataFrame(List.of(RowFactory.create(COHORT, names)), s).write().format("delta").mode("overwrite")
          .save(path("feature_index"));
      return null;
    }

    /** F: chunks of (block, feature) from each partition, one shuffle of chunks, rows assembled, and the index. */
    Object writeFeatureMajor(JavaRDD<MatrixChunks.Vec> vectors, int block) {
      int nf = a.features();
      long n = a.samples();
      String[] fs = names;
      JavaRDD<MatrixBean> rows = vectors.mapPartitionsToPair(it -> MatrixChunks.featureChunks(it, block, nf))
          .groupByKey(parts).map(t -> {
            int b = (int) (t._1() / nf);
            return new MatrixBean(b, fs[(int) (t._1() % nf)], MatrixChunks.assembleRow(t._2(),
                MatrixChunks.blockLength(b, block, n)));
          });
      spark.createDataset(rows.rdd(), Encoders.bean(MatrixBean.class))
          .select(lit(COHORT).as("cohort"), col("block"), col("feature"), col("values"), lit("log2_cpm").as("scale"),
              lit(runId).as("norm_run_id"))
          .write().format("delta").mode("overwrite").partitionBy("cohort").save(path("feature_major_" + block));
      // the sample index: the driver knows the samples (normalize holds one entry per sample)
      List<Row> index = new ArrayList<>();
      for (int b = 0; (long) b * block < n; b++) {
        String[] ids = new String[MatrixChunks.blockLength(b, block, n)];
        for (int k = 0; k < ids.length; k++) ids[k] = sampleId((long) b * block + k);
        index.add(RowFactory.create(COHORT, b, ids));
      }
      StructType s = new StructType().add("cohort", DataTypes.StringType, false)
          .add("block", DataTypes.IntegerType, false)
          .add("sample_ids", DataTypes.createArrayType(DataTypes.StringType, false), false);
      spark.createDataFrame(index, s).write().format("delta").mode("overwrite").save(path("sample_index_" + block));
      return null;
    }

    /** The floor: every column of every long row (count, key lengths, sum of values). */
    Double scanLong() {
      return spark.read().format("delta").load(path("long")).agg(count(col("value")), sum(length(col("sample_id"))),
          sum(length(col("feature"))), sum(col("value"))).head().getDouble(3);
    }

    Double scanFeatureMajor(int block) {
      return matrixRows(block).map(r -> sumOf(r.getValues()) + r.getFeature().length() + r.getBlock())
          .reduce(Double::sum);
    }

    Double scanSampleMajor() {
      return sampleRows().map(r -> sumOf(r.getValues()) + r.getSampleId().length()).reduce(Double::sum);
    }

    static double sumOf(double[] v) {
      double s = 0;
      for (double x : v) s += x;
      return s;
    }

    JavaRDD<MatrixBean> matrixRows(int block) {
      return spark.read().format("delta").load(path("feature_major_" + block)).select("block", "feature", "values")
          .as(Encoders.bean(MatrixBean.class)).javaRDD();
    }

    JavaRDD<SampleBean> sampleRows() {
      return spark.read().format("delta").load(path("sample_major")).select(col("sample_id").as("sampleId"),
          col("values")).as(Encoders.bean(SampleBean.class)).javaRDD();
    }

    /** sample_id to group, from the samples table (one entry per sample on the driver, as de has). */
    Map<String, Integer> groupsById() {
      Map<String, Integer> m = new HashMap<>();
      for (Row r : spark.read().format("delta").load(path("samples")).select("sample_id", "grp").collectAsList()) {
        m.put(r.getString(0), r.getInt(1));
      }
      return m;
    }

    /** The sample index of an F table: block to sample ids. */
    Map<Integer, String[]> sampleIndex(int block) {
      Map<Integer, String[]> m = new HashMap<>();
      for (Row r : spark.read().format("delta").load(path("sample_index_" + block)).select("block", "sample_ids")
          .collectAsList()) {
        m.put(r.getInt(0), r.<String>getList(1).toArray(new String[0]));
      }
      return m;
    }

    /** L: groups joined by broadcast, a shuffle by feature and a sort by value, then one streaming scan. */
    Map<String, double[]> deLong() {
      int groups = a.groups();
      Dataset<Row> grp = spark.read().format("delta").load(path("samples")).select("sample_id", "grp");
      JavaRDD<Tuple2<String, double[]>> stats = spark.read().format("delta").load(path("long"))
          .select("sample_id", "feature", "value").join(broadcast(grp), "sample_id")
          .repartition(parts, col("feature")).sortWithinPartitions("feature", "value")
          .select(col("feature"), col("grp"), col("value"))
          .as(Encoders.tuple(Encoders.STRING(), Encoders.INT(), Encoders.DOUBLE())).javaRDD()
          .mapPartitions(it -> scanSorted(it, groups));
      return collect(stats);
    }

    static Iterator<Tuple2<String, double[]>> scanSorted(Iterator<scala.Tuple3<String, Integer, Double>> it,
        int groups) {
      List<Tuple2<String, double[]>> out = new ArrayList<>();
      String feature = null;
      FeatureStats.Scan s = null;
      while (it.hasNext()) {
        scala.Tuple3<String, Integer, Double> t = it.next();
        if (!t._1().equals(feature)) {
          if (s != null) out.add(new Tuple2<>(feature, s.result()));
          feature = t._1();
          s = new FeatureStats.Scan(groups);
        }
        s.add(t._3(), t._2());
      }
      if (s != null) out.add(new Tuple2<>(feature, s.result()));
      return out.iterator();
    }

    /**
     * F: each row's values split by group (the sample index gives the groups) and sorted; with one block per
     * cohort no shuffle at all, with several the blocks of a feature meet in one shuffle of arrays.
     */
    Map<String, double[]> deFeatureMajor(int block) {
      int groups = a.groups();
      Map<String, Integer> byId = groupsById();
      Map<Integer, int[]> gb = new HashMap<>();
      for (Map.Entry<Integer, String[]> e : sampleIndex(block).entrySet()) {
        int[] g = new int[e.getValue().length];
        for (int k = 0; k < g.length; k++) g[k] = byId.get(e.getValue()[k]);
        gb.put(e.getKey(), g);
      }
      Broadcast<Map<Integer, int[]>> bg = jsc.broadcast(gb);
      JavaRDD<MatrixBean> rows = matrixRows(block);
      if (gb.size() == 1) {
        return collect(rows.map(r -> new Tuple2<>(r.getFeature(), FeatureStats.ofSortedGroups(
            FeatureStats.splitSorted(r.getValues(), bg.value().get(r.getBlock()), groups)))));
      }
      return collect(rows.mapToPair(r -> new Tuple2<>(r.getFeature(), FeatureStats.splitSorted(r.getValues(),
              bg.value().get(r.getBlock()), groups))).groupByKey(parts)
          .map(t -> new Tuple2<>(t._1(), FeatureStats.ofSortedGroups(FeatureStats.concatSorted(t._2(), groups)))));
    }

    /** S: each partition's vectors transposed to per-feature chunks split by group, one shuffle of chunks. */
    Map<String, double[]> deSampleMajor() {
      int groups = a.groups();
      int nf = a.features();
      String[] fs = names;
      Broadcast<Map<String, Integer>> bg = jsc.broadcast(groupsById());
      JavaPairRDD<Integer, double[][]> chunks = sampleRows().mapPartitionsToPair(it -> {
        List<double[]> vs = new ArrayList<>();
        List<Integer> gs = new ArrayList<>();
        while (it.hasNext()) {
          SampleBean b = it.next();
          vs.add(b.getValues());
          gs.add(bg.value().get(b.getSampleId()));
        }
        return MatrixChunks.groupedFeatureChunks(vs, gs.stream().mapToInt(Integer::intValue).toArray(), groups, nf);
      });
      return collect(chunks.groupByKey(parts).map(t -> new Tuple2<>(fs[t._1()], FeatureStats.ofSortedGroups(
          FeatureStats.concatSorted(t._2(), groups)))));
    }

    static Map<String, double[]> collect(JavaRDD<Tuple2<String, double[]>> stats) {
      Map<String, double[]> m = new HashMap<>();
      for (Tuple2<String, double[]> t : stats.collect()) m.put(t._1(), t._2());
      return m;
    }

    /** A checksum of a sample vector: sum of v[j] * (j + 1). */
    static double checksum(double[] v) {
      double s = 0;
      for (int j = 0; j < v.length; j++) s += v[j] * (j + 1);
      return s;
    }

    /** L: today's long-to-wide transpose (normalize's {@code SampleMatrix}, partial arrays merged by sample). */
    Double trainLong() {
      Dataset<Row> values = spark.read().format("delta").load(path("long")).select("cohort", "sample_id", "feature",
          "value");
      Dataset<Row> meta = spark.read().format("delta").load(path("samples")).select(col("cohort"), col("sample_id"),
          col("grp").cast("string"), col("batch"));
      io.exocohort.normalize.SampleMatrix m = io.exocohort.normalize.SampleMatrix.build(spark, values, meta, 0.0);
      double s = m.rows.map(v -> checksum(v.v())).reduce(Double::sum);
      m.unpersist();
      return s;
    }

    /** S: the rows are the vectors. */
    Double trainSampleMajor() {
      return sampleRows().map(r -> {
        if (r.getSampleId() == null) throw new IllegalStateException("a row without its sample id");
        return checksum(r.getValues());
      }).reduce(Double::sum);
    }

    /** F: rows cut into tiles of samples, one shuffle of tiles, vectors assembled with their ids from the index. */
    Double trainFeatureMajor(int block) {
      int nf = a.features();
      long n = a.samples();
      Map<String, Integer> fi = new HashMap<>();
      for (int j = 0; j < names.length; j++) fi.put(names[j], j);
      Broadcast<Map<String, Integer>> bfi = jsc.broadcast(fi);
      Broadcast<Map<Integer, String[]>> ids = jsc.broadcast(sampleIndex(block));
      long tilesPerBlock = (block + TILE - 1) / TILE;
      return matrixRows(block).mapPartitionsToPair(it -> MatrixChunks.sampleTiles(indexed(it, bfi.value()), block,
          TILE)).groupByKey(parts).map(t -> {
        int b = (int) (t._1() / tilesPerBlock);
        int from = (int) (t._1() % tilesPerBlock) * TILE;
        int len = Math.min(TILE, MatrixChunks.blockLength(b, block, n) - from);
        double[][] vs = MatrixChunks.assembleTile(t._2(), len, nf);
        String[] sid = ids.value().get(b);
        double s = 0;
        for (int k = 0; k < len; k++) {
          if (sid[from + k] == null) throw new IllegalStateException("sample index without position " + k);
          s += checksum(vs[k]);
        }
        return s;
      }).reduce(Double::sum);
    }

    /** Matrix beans as rows keyed by feature index. */
    static Iterator<MatrixChunks.Row> indexed(Iterator<MatrixBean> it, Map<String, Integer> index) {
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public MatrixChunks.Row next() {
          MatrixBean r = it.next();
          return new MatrixChunks.Row(r.getBlock(), index.get(r.getFeature()), r.getValues());
        }
      };
    }

    long size(String table) {
      try (Stream<Path> s = Files.walk(dir.resolve(table))) {
        return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The layouts must agree: DE statistics and train checksums against L's. */
    void check() {
      Figures l = figures.get(0);
      for (Figures f : figures) {
        double worst = 0;
        for (Map.Entry<String, double[]> e : l.de().value().entrySet()) {
          double[] x = e.getValue();
          double[] y = f.de().value().get(e.getKey());
          for (int k = 0; k < x.length; k++) {
            worst = Math.max(worst, Math.abs(x[k] - y[k]) / Math.max(1, Math.abs(x[k])));
          }
        }
        double t = Math.abs(f.train().value() - l.train().value()) / Math.abs(l.train().value());
        if (f.de().value().size() != a.features() || worst > 1e-9 || t > 1e-9) {
          throw new IllegalStateException(String.format(Locale.ROOT, "layout %s disagrees with L: %d features, "
              + "largest relative DE difference %.3g, train checksum %.3g", f.name(), f.de().value().size(), worst, t));
        }
      }
    }

    void print(PrintWriter out, double load0, double load1) {
      double floor = (floor1.seconds() + floor2.seconds()) / 2;
      double cpuFloor = (floor1.cpuSeconds() + floor2.cpuSeconds()) / 2;
      out.printf(Locale.ROOT, "%,d samples x %,d features = %,d values, %d groups, %d partitions; load average "
              + "%.2f at the start, %.2f at the end%n", a.samples(), a.features(), (long) a.samples() * a.features(),
          a.groups(), parts, load0, load1);
      out.printf(Locale.ROOT, "baseline: bare scan of L %.2f s at the start, %.2f s at the end: %.2f s (%.1f cpu s)%n",
          floor1.seconds(), floor2.seconds(), floor, cpuFloor);
      out.printf(Locale.ROOT, "| layout | phase | seconds | x scan | cpu s | x scan (cpu) | peak heap MB |%n"
          + "|---|---|---|---|---|---|---|%n");
      row(out, "L long", floor1, floor, cpuFloor);
      for (Figures f : figures) {
        for (Bench.Measure<?> m : List.of(f.write(), f.scan(), f.de(), f.train())) {
          row(out, label(f.name()), m, floor, cpuFloor);
        }
      }
      row(out, "L long", floor2, floor, cpuFloor);
      out.printf(Locale.ROOT, "%n| layout | size on disk MB |%n|---|---|%n");
      for (Figures f : figures) out.printf(Locale.ROOT, "| %s | %.0f |%n", label(f.name()), f.bytes() / 1e6);
      out.printf(Locale.ROOT, "layouts agree (DE statistics and train checksums to 1e-9); driver max heap %d MB%n",
          Bench.maxHeapBytes() / (1024 * 1024));
      out.flush();
    }

    static void row(PrintWriter out, String layout, Bench.Measure<?> m, double floor, double cpuFloor) {
      out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.0f |%n", layout, m.name(),
          m.seconds(), m.seconds() / floor, m.cpuSeconds(), m.cpuSeconds() / cpuFloor,
          m.peakHeapMb());
    }

    static String label(String name) {
      if (name.equals("L")) return "L long";
      if (name.equals("S")) return "S sample-major";
      return "F feature-major, blocks of " + name.substring(1);
    }
  }

  static void delete(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
