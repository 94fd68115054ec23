package io.exocohort.qc;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log10;
import static org.apache.spark.sql.functions.log2;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.median;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;

import java.util.List;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Tuple2;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per-sample QC metrics as pure {@code Dataset -> Dataset} transforms: one aggregating pass per input table
 * (the long count tables stay distributed; what is kept per sample is bounded by the number of features), and
 * small per-group aggregations joined back for the cohort- and batch-relative figures.
 */
public final class SampleQcMetrics {
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
   * (one shuffle of one small record per sample and partition).
   *
   * <ul>
   *   <li>{@code library_size}: sum of counts;</li>
   *   <li>{@code mirs_detected}: miRs with {@code count >= detectedMinCount};</li>
   *   <li>{@code top10_fraction}: reads of the 10 largest counts over the library size (null for an empty
   *       library); the per-sample buffer is the sample's counts (bounded by the miRs measured, ~2,600 at
   *       most in miRBase);</li>
   *   <li>{@code hemolysis_log2_ratio}: log2((miR-451a + 1) / (miR-23a-3p + 1)), names matched case-insensitively
   *       with or without {@code hsa-} (and the miRBase &lt; 18 names miR-451, miR-23a); a miR absent from the
   *       sample's rows counts 0; null when the sample has neither.</li>
   * </ul>
   */
  public static Dataset<Row> mirna(Dataset<Row> counts, double detectedMinCount) {
    Dataset<Row> in = counts.select(col("cohort"), col("sample_id"), col("feature"), col("count").cast("double"));
    JavaRDD<InternalRow> rows =
        in.queryExecution().toRdd().toJavaRDD();
    int parts = Math.max(1, Math.min(in.sparkSession().sparkContext().defaultParallelism(), rows.getNumPartitions()));
    JavaRDD<Row> sums = rows
        .mapPartitionsToPair((Iterator<InternalRow> it) ->
            MirSums.ofPartition(it, detectedMinCount))
        .reduceByKey((MirSums a, MirSums b) -> MirSums.merge(a, b), parts)
        .map(kv -> kv._2().row(kv._1()._1(), kv._1()._2()));
    Dataset<Row> agg = in.sparkSession().createDataFrame(sums, MirSums.SCHEMA);
    Column n451 = org.apache.spark.sql.functions.coalesce(col("n451"), lit(0.0));
    Column n23 = org.apache.spark.sql.functions.coalesce(col("n23"), lit(0.0));
    return agg.select(col("cohort"), col("sample_id"), col("library_size"), col("mirs_detected"),
        when(col("library_size").gt(0), col("top10_reads").divide(col("library_size"))).as("top10_fraction"),
        when(col("n451").isNotNull().or(col("n23").isNotNull()),
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
    private static final UTF8String D451 = UTF8String.fromString("451");
    private static final UTF8String D23 = UTF8String.fromString("23");

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

    static Iterator<Tuple2<Tuple2<String, String>, MirSums>> ofPartition(
        Iterator<InternalRow> rows, double detectedMinCount) {
      Map<Tuple2<String, String>, MirSums> bySample = new HashMap<>();
      Map<UTF8String, Byte> kinds = new HashMap<>();
      UTF8String lastCohort = null;
      UTF8String lastSample = null;
      MirSums acc = null;
      while (rows.hasNext()) {
        InternalRow r = rows.next();
        UTF8String cohort = r.getUTF8String(0);
        UTF8String sample = r.getUTF8String(1);
        if (acc == null || !sample.equals(lastSample) || !cohort.equals(lastCohort)) {
          lastCohort = cohort.clone();
          lastSample = sample.clone();
          acc = bySample.computeIfAbsent(new Tuple2<>(lastCohort.toString(), lastSample.toString()),
              k -> new MirSums());
        }
        if (r.isNullAt(3)) continue;
        UTF8String feature = r.getUTF8String(2);
        byte kind = OTHER;
        // every name kindOf places contains "451" or "23": the others (most) skip the lookup
        if (feature.contains(D451) || feature.contains(D23)) {
          Byte k = kinds.get(feature);
          if (k == null) {
            k = kindOf(feature.toString());
            kinds.put(feature.clone(), k);
          }
          kind = k;
        }
        acc.add(r.getDouble(3), kind, detectedMinCount);
      }
      List<Tuple2<Tuple2<String, String>, MirSums>> out = new ArrayList<>(bySample.size());
      for (var e : bySample.entrySet()) out.add(new Tuple2<>(e.getKey(), e.getValue()));
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
   * (linear intensities, null = not quantified): one grouped aggregation over the table, plus two small ones
   * (the cohort's number of proteins; the cohort median of each contaminant protein) joined back.
   *
   * <ul>
   *   <li>{@code proteins_quantified}: rows with an intensity;</li>
   *   <li>{@code protein_missing_fraction}: 1 - quantified / distinct proteins of the cohort;</li>
   *   <li>{@code ev_tetraspanin}, {@code ev_cytosolic}: a MISEV2018 category 1 / 2 marker quantified;</li>
   *   <li>{@code contaminants}: the contaminant proteins (upper-case symbols, sorted) whose log2 intensity is
   *       more than {@code log2Above} above the median log2 intensity of that protein over the cohort's
   *       samples that quantify it; empty if none.</li>
   * </ul>
   */
  public static Dataset<Row> protein(Dataset<Row> abundance, QcThresholds t) {
    Column symbol = upper(trim(col("feature")));
    Column quantified = col("intensity").isNotNull().and(col("intensity").gt(0));
    List<String> contaminants = t.contamination().proteins();
    Dataset<Row> rows = abundance.select(col("cohort"), col("sample_id"), symbol.as("symbol"),
        when(quantified, log2(col("intensity"))).as("log2_intensity"));

    Dataset<Row> cohortProteins = rows.groupBy("cohort").agg(countDistinct("symbol").as("cohort_proteins"));
    Dataset<Row> medians = rows
        .filter(col("symbol").isin(contaminants.toArray()).and(col("log2_intensity").isNotNull()))
        .groupBy("cohort", "symbol").agg(median(col("log2_intensity")).as("cohort_median"));

    Column isQuantified = col("log2_intensity").isNotNull();
    Column contaminated = isQuantified.and(col("log2_intensity").minus(col("cohort_median"))
        .gt(t.contamination().log2Above()));
    // One max() flag per contaminant (in sorted order), listed after the aggregation: a collect_set would make
    // the whole aggregation an object aggregation, which sorts its input.
    List<String> sorted = contaminants.stream().sorted().toList();
    List<Column> aggs = new ArrayList<>(List.of(
        max(isQuantified.and(col("symbol").isin(t.evIdentity().tetraspanins().toArray()))).as("ev_tetraspanin"),
        max(isQuantified.and(col("symbol").isin(t.evIdentity().cytosolic().toArray()))).as("ev_cytosolic")));
    Column[] listed = new Column[sorted.size()];
    for (int i = 0; i < sorted.size(); i++) {
      aggs.add(max(contaminated.and(col("symbol").equalTo(sorted.get(i)))).as("qc_contaminant_" + i));
      listed[i] = when(col("qc_contaminant_" + i), lit(sorted.get(i))); // numbered: a symbol need not be a name
    }
    Dataset<Row> agg = rows.join(broadcast(medians), cols("cohort", "symbol"), "left")
        .groupBy("cohort", "sample_id")
        .agg(count(when(isQuantified, lit(1))).cast("int").as("proteins_quantified"), aggs.toArray(new Column[0]))
        .withColumn("contaminants", org.apache.spark.sql.functions.filter(org.apache.spark.sql.functions.array(
            listed), Column::isNotNull));
    return agg.join(broadcast(cohortProteins), cols("cohort"))
        .select(col("cohort"), col("sample_id"), col("proteins_quantified"),
            lit(1.0).minus(col("proteins_quantified").divide(col("cohort_proteins"))).as("protein_missing_fraction"),
            col("ev_tetraspanin"), col("ev_cytosolic"), col("contaminants"));
  }

  /**
   * Adds {@code library_size_robust_z} and {@code mirs_detected_robust_z}: the modified z-score
   * M = 0.6745 (x - median) / MAD (Iglewicz &amp; Hoaglin 1993) of log10(library_size) and of mirs_detected within
   * each (cohort, batch) group; samples without a batch form one group per cohort. Null for samples without
   * miR data (or an empty library, for the library score), in groups with fewer than {@code minGroupSize}
   * values, or where the MAD is 0 (more than half the group shares one value: no scale to measure by).
   *
   * <p>{@code metrics} needs {@code cohort, batch, library_size, mirs_detected}; it is read three times (the
   * two small group aggregations and the join), so callers persist it.
   */
  public static Dataset<Row> robustZ(Dataset<Row> metrics, int minGroupSize) {
    Dataset<Row> x = metrics
        .withColumn("qc_x_lib", when(col("library_size").gt(0), log10(col("library_size"))))
        .withColumn("qc_x_det", col("mirs_detected").cast("double"));
    Dataset<Row> centres = x.groupBy("cohort", "batch").agg(
        count("qc_x_lib").as("qc_n_lib"), median(col("qc_x_lib")).as("qc_med_lib"),
        count("qc_x_det").as("qc_n_det"), median(col("qc_x_det")).as("qc_med_det"));
    Dataset<Row> centred = joinGroup(x, centres);
    Dataset<Row> mads = centred.groupBy("cohort", "batch").agg(
        median(abs(col("qc_x_lib").minus(col("qc_med_lib")))).as("qc_mad_lib"),
        median(abs(col("qc_x_det").minus(col("qc_med_det")))).as("qc_mad_det"));
    return joinGroup(centred, mads)
        .withColumn("library_size_robust_z", modifiedZ("lib", minGroupSize))
        .withColumn("mirs_detected_robust_z", modifiedZ("det", minGroupSize))
        .drop("qc_x_lib", "qc_x_det", "qc_n_lib", "qc_med_lib", "qc_n_det", "qc_med_det", "qc_mad_lib",
            "qc_mad_det");
  }

  /** Joins a small per-(cohort, batch) table back; a null batch matches the null-batch group of its cohort. */
  private static Dataset<Row> joinGroup(Dataset<Row> samples, Dataset<Row> groups) {
    Dataset<Row> g = groups.withColumnRenamed("cohort", "qc_g_cohort").withColumnRenamed("batch", "qc_g_batch");
    return samples.join(broadcast(g), col("cohort").equalTo(col("qc_g_cohort"))
            .and(col("batch").eqNullSafe(col("qc_g_batch"))), "left")
        .drop("qc_g_cohort", "qc_g_batch");
  }

  private static Column modifiedZ(String m, int minGroupSize) {
    Column xv = col("qc_x_" + m);
    Column mad = col("qc_mad_" + m);
    return when(col("qc_n_" + m).geq(minGroupSize).and(mad.gt(0)),
        lit(MAD_CONSTANT).multiply(xv.minus(col("qc_med_" + m))).divide(mad));
  }
}
