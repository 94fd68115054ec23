package io.exocohort.qc;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log10;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.median;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalyst.LongRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per-sample QC metrics as pure {@code Dataset -> Dataset} transforms: one aggregating pass per input table
 * (the long count tables stay distributed; what is kept per sample is bounded by the number of features), and
 * per-group window aggregates for the cohort- and batch-relative figures.
 */
public final class SampleQcMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(SampleQcMetrics.class);

  private SampleQcMetrics() {}

  /** Mature miR names the haemolysis index reads (after dropping a {@code hsa-} prefix, lower case). */
  static final List<String> MIR_451A = List.of("mir-451a", "mir-451");
  static final List<String> MIR_23A = List.of("mir-23a-3p", "mir-23a");

  /** 1 / Phi^-1(3/4): makes the MAD a consistent estimator of the normal SD (Iglewicz &amp; Hoaglin 1993). */
  public static final double MAD_CONSTANT = 0.6745;

  static Seq<String> cols(String... names) {
    return CollectionConverters.asScala(List.of(names)).toList();
  }

  /**
   * miR metrics of each sample that has miR rows, from the long count table {@code (cohort, sample_id, feature,
   * count)}: one pass that adds up each sample's {@link MirSums} within each partition, then merges them by sample
   * (one shuffle of one small record per sample and partition). The pass reads Catalyst's rows in place
   * ({@link LongRows}).
   *
   * <ul>
   *   <li>{@code library_size}: sum of counts;</li>
   *   <li>{@code mirs_detected}: miRs with {@code count >= detectedMinCount};</li>
   *   <li>{@code top10_fraction}: reads of the 10 largest counts over the library size (null for an empty
   *       library); the per-sample buffer is the sample's counts (bounded by the miRs measured, ~2,600 at
   *       most in miRBase);</li>
   *   <li>{@code hemolysis_log2_ratio}: log2((miR-451a + 1) / (miR-23a-3p + 1)), names matched case-insensitively
   *       with or without {@code hsa-} (and the miRBase &lt; 18 names miR-451, miR-23a); a miR absent from the
   *       sample's rows counts 0; null (not assessed) for every sample of a cohort whose panel lacks either miR
   *       (no sample of the cohort has a row of it).</li>
   * </ul>
   */
  public static Dataset<Row> mirna(Dataset<Row> counts, double detectedMinCount) {
    SparkSession spark = counts.sparkSession();
    LOG.info("miR metrics: one pass over the counts");
    JavaPairRDD<Tuple2<String, String>, MirSums> partial = LongRows.pairs(
        counts.select(col("cohort"), col("sample_id"), col("feature"), col("count").cast("double")),
        MirSums::kindOf, rows -> MirSums.ofRows(rows, detectedMinCount));
    int parts = Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), partial.getNumPartitions()));
    JavaRDD<Row> sums = partial
        .reduceByKey((MirSums a, MirSums b) -> MirSums.merge(a, b), parts)
        .map(kv -> kv._2().row(kv._1()._1(), kv._1()._2()));
    return mirnaMetrics(spark.createDataFrame(sums, MirSums.SCHEMA));
  }

  /**
   * The miR metrics of {@link #mirna}, computed from the per-sample count vectors ({@code mirna_count_vectors} and
   * its feature index {@code mirna_count_features}) instead of the long rows: one map over the vectors, no
   * shuffle. Only the positions with a row in {@code mirna_counts} are added (a position in {@code absent} is
   * skipped), so every metric is that of the long rows: a (sample, miR) without a row is neither detected, nor a
   * top-10 count, nor evidence that the cohort's panel has a haemolysis miR. The driver holds the feature index.
   */
  public static Dataset<Row> mirnaFromVectors(Dataset<Row> vectors, Dataset<Row> features, double detectedMinCount) {
    SparkSession spark = vectors.sparkSession();
    LOG.info("miR metrics: one pass over the count vectors");
    Map<String, byte[]> kinds = new HashMap<>();
    for (Row r : features.select("cohort", "features").collectAsList()) {
      List<String> f = r.getList(1);
      byte[] k = new byte[f.size()];
      for (int i = 0; i < k.length; i++) k[i] = MirSums.kindOf(f.get(i));
      kinds.put(r.getString(0), k);
    }
    org.apache.spark.broadcast.Broadcast<Map<String, byte[]>> b =
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(kinds);
    JavaRDD<Row> sums = io.exocohort.normalize.CountVectors.columns(vectors).javaRDD()
        .map(v -> {
          byte[] kind = b.value().get(v.getCohort());
          double[] c = v.getCounts();
          boolean[] skip = new boolean[c.length];
          if (v.getAbsent() != null) for (int k : v.getAbsent()) skip[k] = true;
          MirSums acc = new MirSums();
          for (int k = 0; k < c.length; k++) if (!skip[k]) acc.add(c[k], kind[k], detectedMinCount);
          return acc.row(v.getCohort(), v.getSampleId());
        });
    return mirnaMetrics(spark.createDataFrame(sums, MirSums.SCHEMA));
  }

  /** The metrics from the per-sample sums ({@link MirSums#SCHEMA}), with the cohort's haemolysis panel check. */
  private static Dataset<Row> mirnaMetrics(Dataset<Row> agg) {
    Column n451 = org.apache.spark.sql.functions.coalesce(col("n451"), lit(0.0));
    Column n23 = org.apache.spark.sql.functions.coalesce(col("n23"), lit(0.0));
    // the haemolysis pair must be in the cohort's panel: some sample of the cohort has a row of each
    WindowSpec byCohort = Window.partitionBy("cohort");
    return agg.select(col("cohort"), col("sample_id"), col("library_size"), col("mirs_detected"),
        when(col("library_size").gt(0), col("top10_reads").divide(col("library_size"))).as("top10_fraction"),
        when(max(col("n451").isNotNull()).over(byCohort).and(max(col("n23").isNotNull()).over(byCohort)),
            log2(n451.plus(1.0)).minus(log2(n23.plus(1.0)))).as("hemolysis_log2_ratio"));
  }

  /**
   * One sample's miR sufficient statistics, added up row by row within a partition (no per-row objects: the
   * Catalyst rows are read in place, a feature's haemolysis class is looked up once per distinct name) and merged
   * across partitions: the library size, the miRs detected, the 10 largest counts, and the miR-451a and
   * miR-23a-3p counts. Equal to the SQL aggregation it replaces ({@code sum, count(when),
   * slice(sort_array(collect_list)), sum(when)}), without that one's per-sample sort of every count.
   */
  static final class MirSums implements java.io.Serializable {
    static final StructType SCHEMA = new StructType()
        .add("cohort", DataTypes.StringType, false)
        .add("sample_id", DataTypes.StringType, false)
        .add("library_size", DataTypes.DoubleType, true)
        .add("mirs_detected", DataTypes.IntegerType, false)
        .add("top10_reads", DataTypes.DoubleType, false)
        .add("n451", DataTypes.DoubleType, true)
        .add("n23", DataTypes.DoubleType, true);
    static final byte OTHER = 0;
    static final byte M451 = 1;
    static final byte M23 = 2;

    double library;
    boolean hasCount;
    int detected;
    /** The largest counts seen, at most 10, as a min-heap (top[0] the smallest of them). */
    double[] top = new double[10];
    int nTop;
    double n451;
    boolean has451;
    double n23;
    boolean has23;

    /**
     * The sums of one partition's rows, by sample; {@code rows} gives each feature's haemolysis class
     * ({@link #kindOf}, worked out once per distinct name).
     */
    static Iterator<Tuple2<Tuple2<String, String>, MirSums>> ofRows(LongRows.Cursor<Byte> rows,
        double detectedMinCount) {
      Map<Tuple2<String, String>, MirSums> bySample = new HashMap<>();
      MirSums acc = null;
      while (rows.hasNext()) {
        rows.next();
        if (rows.keyChanged()) {
          acc = bySample.computeIfAbsent(new Tuple2<>(rows.cohort(), rows.sample()), k -> new MirSums());
        }
        if (!rows.hasValue()) continue;
        acc.add(rows.value(), rows.feature(), detectedMinCount);
      }
      return entries(bySample);
    }

    private static Iterator<Tuple2<Tuple2<String, String>, MirSums>> entries(Map<Tuple2<String, String>, MirSums> m) {
      List<Tuple2<Tuple2<String, String>, MirSums>> out = new ArrayList<>(m.size());
      for (var e : m.entrySet()) out.add(new Tuple2<>(e.getKey(), e.getValue()));
      return out.iterator();
    }

    /** The feature name trimmed of spaces, in lower case, without a leading {@code hsa-}: its haemolysis class. */
    static byte kindOf(String feature) {
      int b = 0;
      int e = feature.length();
      while (b < e && feature.charAt(b) == ' ') b++;
      while (e > b && feature.charAt(e - 1) == ' ') e--;
      String k = feature.substring(b, e).toLowerCase(java.util.Locale.ROOT);
      if (k.startsWith("hsa-")) k = k.substring(4);
      return MIR_451A.contains(k) ? M451 : MIR_23A.contains(k) ? M23 : OTHER;
    }

    void add(double c, byte kind, double detectedMinCount) {
      library += c;
      hasCount = true;
      if (c >= detectedMinCount) detected++;
      offer(c);
      if (kind == M451) {
        n451 += c;
        has451 = true;
      } else if (kind == M23) {
        n23 += c;
        has23 = true;
      }
    }

    void offer(double c) {
      if (nTop < 10) {
        top[nTop] = c;
        int i = nTop++;
        while (i > 0 && top[(i - 1) / 2] > top[i]) {
          swap((i - 1) / 2, i);
          i = (i - 1) / 2;
        }
      } else if (c > top[0]) {
        top[0] = c;
        int i = 0;
        while (true) {
          int l = 2 * i + 1;
          int m = l < 10 && top[l] < top[i] ? l : i;
          if (l + 1 < 10 && top[l + 1] < top[m]) m = l + 1;
          if (m == i) break;
          swap(i, m);
          i = m;
        }
      }
    }

    private void swap(int i, int j) {
      double t = top[i];
      top[i] = top[j];
      top[j] = t;
    }

    static MirSums merge(MirSums a, MirSums b) {
      a.library += b.library;
      a.hasCount |= b.hasCount;
      a.detected += b.detected;
      for (int i = 0; i < b.nTop; i++) a.offer(b.top[i]);
      a.n451 += b.n451;
      a.has451 |= b.has451;
      a.n23 += b.n23;
      a.has23 |= b.has23;
      return a;
    }

    Row row(String cohort, String sample) {
      double[] t = Arrays.copyOf(top, nTop);
      Arrays.sort(t);
      double top10 = 0.0;
      for (int i = t.length - 1; i >= 0; i--) top10 += t[i]; // largest first, as the SQL form added them
      return RowFactory.create(cohort, sample, hasCount ? library : null, detected, top10,
          has451 ? n451 : null, has23 ? n23 : null);
    }
  }

  /**
   * Protein metrics of each sample that has protein rows, from {@code (cohort, sample_id, feature, intensity)}
   * (linear intensities, null = not quantified): one pass over the table adds up {@link ProteinSums} per sample
   * (and the distinct symbols per cohort), reading Catalyst's rows in place ({@link LongRows}); the cohort medians
   * of the contaminant proteins and the flags are then worked out on that per-sample table. The table is read
   * once: its three uses share the one shuffle of the per-sample records. Markers and
   * contaminants are recognised by symbol, UniProt accession, FASTA-style id or entry name, alone or in a protein
   * group ({@link ProteinMarkers}).
   *
   * <ul>
   *   <li>{@code proteins_quantified}: rows with an intensity;</li>
   *   <li>{@code protein_missing_fraction}: 1 - quantified / distinct proteins of the cohort;</li>
   *   <li>{@code ev_tetraspanin}, {@code ev_cytosolic}: a MISEV2018 category 1 / 2 marker quantified;</li>
   *   <li>{@code contaminants}: the contaminant proteins (canonical upper-case symbols, sorted) whose log2
   *       intensity is more than {@code log2Above} above the median log2 intensity of that protein over the
   *       cohort's samples that quantify it; empty if none; null (not assessed) when no sample of the cohort
   *       quantifies any contaminant protein.</li>
   * </ul>
   */
  public static Dataset<Row> protein(Dataset<Row> abundance, QcThresholds t) {
    SparkSession spark = abundance.sparkSession();
    ProteinMarkers markers = ProteinMarkers.shipped();
    List<String> sorted = markers.canonicalAll(t.contamination().proteins()).stream().sorted().toList();
    ProteinSums.Classes classes = new ProteinSums.Classes(markers.canonicalAll(t.evIdentity().tetraspanins()),
        markers.canonicalAll(t.evIdentity().cytosolic()), sorted, markers);
    int k = sorted.size();
    LOG.info("protein metrics: one pass over the abundances");
    // the symbol is upper(trim(feature)) as Spark evaluates it; the pass classifies each distinct symbol once
    JavaPairRDD<ProteinSums.Key, ProteinSums> partial = LongRows.pairs(
        abundance.select(col("cohort"), col("sample_id"), upper(trim(col("feature"))).as("symbol"),
            col("intensity").cast("double")),
        classes::feature, rows -> ProteinSums.ofRows(rows, k));
    int parts = Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), partial.getNumPartitions()));
    JavaRDD<Row> merged = partial.reduceByKey((a, b) -> ProteinSums.merge(a, b), parts)
        .map(kv -> kv._2().row(kv._1()));
    Dataset<Row> all = spark.createDataFrame(merged, ProteinSums.schema(sorted.size()));
    Dataset<Row> perSample = all.filter(col("sample_id").isNotNull()).drop("cohort_proteins");
    Dataset<Row> cohortProteins = all.filter(col("sample_id").isNull()).select("cohort", "cohort_proteins");

    // The cohort median of each contaminant's log2 intensities, over the samples that quantify it; one row per
    // cohort, a column per contaminant.
    List<Dataset<Row>> values = new ArrayList<>();
    for (int i = 0; i < sorted.size(); i++) {
      values.add(perSample.select(col("cohort"), lit(i).as("qc_c"),
          org.apache.spark.sql.functions.explode(col("qc_contaminant_values_" + i)).as("qc_v")));
    }
    Dataset<Row> medianRows = values.stream().reduce(Dataset::unionAll).orElse(null);
    Dataset<Row> withMedians = perSample;
    if (medianRows != null) {
      Object[] indices = new Object[sorted.size()];
      for (int i = 0; i < indices.length; i++) indices[i] = i;
      Dataset<Row> medians = medianRows.groupBy("cohort").pivot("qc_c", java.util.Arrays.asList(indices))
          .agg(median(col("qc_v")));
      for (int i = 0; i < sorted.size(); i++) medians = medians.withColumnRenamed(String.valueOf(i), "qc_median_" + i);
      withMedians = perSample.join(broadcast(medians), cols("cohort"), "left");
    }
    Column[] listed = new Column[sorted.size()];
    Column assessed = lit(false);
    double above = t.contamination().log2Above();
    for (int i = 0; i < sorted.size(); i++) {
      Column med = col("qc_median_" + i);
      Column flagged = org.apache.spark.sql.functions.exists(col("qc_contaminant_values_" + i),
          v -> v.minus(med).gt(above));
      listed[i] = when(flagged, lit(sorted.get(i)));
      assessed = assessed.or(med.isNotNull());
    }
    return withMedians.join(broadcast(cohortProteins), cols("cohort"))
        .select(col("cohort"), col("sample_id"), col("proteins_quantified"),
            lit(1.0).minus(col("proteins_quantified").divide(col("cohort_proteins"))).as("protein_missing_fraction"),
            col("ev_tetraspanin"), col("ev_cytosolic"),
            when(assessed, org.apache.spark.sql.functions.filter(org.apache.spark.sql.functions.array(listed),
                Column::isNotNull)).as("contaminants"));
  }

  /**
   * Adds {@code library_size_robust_z} and {@code mirs_detected_robust_z}: the modified z-score
   * M = 0.6745 (x - median) / MAD (Iglewicz &amp; Hoaglin 1993) of log10(library_size) and of mirs_detected within
   * each (cohort, batch) group; samples without a batch form one group per cohort. Null for samples without
   * miR data (or an empty library, for the library score), in groups with fewer than {@code minGroupSize}
   * values, or where the MAD is 0 (more than half the group shares one value: no scale to measure by).
   *
   * <p>{@code metrics} needs {@code cohort, batch, library_size, mirs_detected}. One shuffle: the samples are
   * partitioned by (cohort, batch) and each group's medians, then its medians of absolute deviations, are window
   * aggregates over that one partitioning (a null batch is a group of its own, as in a GROUP BY).
   */
  public static Dataset<Row> robustZ(Dataset<Row> metrics, int minGroupSize) {
    WindowSpec group = Window.partitionBy("cohort", "batch");
    Dataset<Row> x = metrics
        .withColumn("qc_x_lib", when(col("library_size").gt(0), log10(col("library_size"))))
        .withColumn("qc_x_det", col("mirs_detected").cast("double"));
    Dataset<Row> centred = x
        .withColumn("qc_n_lib", count("qc_x_lib").over(group))
        .withColumn("qc_med_lib", median(col("qc_x_lib")).over(group))
        .withColumn("qc_n_det", count("qc_x_det").over(group))
        .withColumn("qc_med_det", median(col("qc_x_det")).over(group));
    return centred
        .withColumn("qc_mad_lib", median(abs(col("qc_x_lib").minus(col("qc_med_lib")))).over(group))
        .withColumn("qc_mad_det", median(abs(col("qc_x_det").minus(col("qc_med_det")))).over(group))
        .withColumn("library_size_robust_z", modifiedZ("lib", minGroupSize))
        .withColumn("mirs_detected_robust_z", modifiedZ("det", minGroupSize))
        .drop("qc_x_lib", "qc_x_det", "qc_n_lib", "qc_med_lib", "qc_n_det", "qc_med_det", "qc_mad_lib",
            "qc_mad_det");
  }

  private static Column modifiedZ(String m, int minGroupSize) {
    Column xv = col("qc_x_" + m);
    Column mad = col("qc_mad_" + m);
    return when(col("qc_n_" + m).geq(minGroupSize).and(mad.gt(0)),
        lit(MAD_CONSTANT).multiply(xv.minus(col("qc_med_" + m))).divide(mad));
  }
}
