package io.exocohort.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * TMM and log-CPM do not depend on how the samples are partitioned, to the last bit: the cohort-wide sums (the
 * factors' geometric mean, the mean effective library size) are exact, so their merge order cannot move them. A
 * run on a laptop, on a cluster or through the server gives the same values, and exact ties between samples (a
 * feature's zero counts) stay ties, which rank statistics depend on.
 */
class MirnaNormalizerTest {

  @Test
  void logCpmAndFactorsAreTheSameBitsWhateverThePartitioning(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Random rnd = new Random(11);
    int features = 40;
    String[] names = new String[features];
    for (int j = 0; j < features; j++) names[j] = "f" + j;
    List<SampleMatrix.Vec> samples = new ArrayList<>();
    for (int i = 0; i < 240; i++) {
      double[] v = new double[features];
      double depth = Math.exp(6 + 3 * rnd.nextDouble());
      for (int j = 0; j < features; j++) {
        v[j] = rnd.nextInt(5) == 0 ? 0 : Math.floor(depth * Math.exp(rnd.nextGaussian()) * (j + 1) / features);
      }
      samples.add(new SampleMatrix.Vec("c", String.format("S%03d", i), i % 3 == 0 ? "healthy" : "breast", "b1", v));
    }
    Map<String, String> first = null;
    for (int parts : new int[] {1, 3, 8}) {
      SampleMatrix counts = SampleMatrix.of(names, jsc.parallelize(samples, parts).cache());
      MirnaNormalizer.Result r = MirnaNormalizer.normalize(spark, counts, MirnaNormalizer.Method.TMM, 2, false);
      Map<String, String> bits = new TreeMap<>();
      for (SampleMatrix.Vec x : r.logCpm().rows.collect()) {
        StringBuilder b = new StringBuilder();
        for (double y : x.v()) {
          assertTrue(Double.isFinite(y), "a log-CPM that is not finite");
          b.append(Long.toHexString(Double.doubleToLongBits(y))).append(' ');
        }
        bits.put(x.sampleId(), b.toString());
      }
      r.perSample().collectAsList().forEach(row -> bits.put(row.getString(1) + "/factor",
          Long.toHexString(Double.doubleToLongBits(row.getDouble(3)))));
      r.release().run();
      assertEquals(240 * 2, bits.size());
      if (first == null) {
        first = bits;
      } else {
        Map<String, String> want = first;
        String moved = bits.keySet().stream().filter(k -> !bits.get(k).equals(want.get(k))).findFirst().orElse(null);
        assertEquals(null, moved, parts + " partitions moved a value of " + moved);
      }
    }
  }

  /**
   * The reference sample chosen in one reduce is the one edgeR's rule picks as a Spark ordering would (the
   * previous implementation: {@code orderBy(abs(uq - mean), cohort, sample_id).head()}, or the largest sum of
   * square roots first), with exact ties on the distance (one sample above the mean, one below) and on the sum,
   * names that differ past ASCII, and whatever order the reduce merges in.
   */
  @Test
  void theReferenceReduceAgreesWithSparksOrdering(SparkSession spark) {
    String[][] names = {{"b", "s1"}, {"a", "z\u00e9"}, {"a", "z\uD83D\uDE00"}, {"a", "z\uFB01"}, {"a", "y"},
        {"c", "s0"}};
    double[] uq = {12, 7, 8, 12, 13, 7};
    double[] sqrt = {5, 8, 9, 9, 2, 9};
    List<MirnaNormalizer.Candidate> cands = new ArrayList<>();
    List<org.apache.spark.sql.Row> rows = new ArrayList<>();
    for (int i = 0; i < uq.length; i++) {
      cands.add(new MirnaNormalizer.Candidate(names[i][0], names[i][1], uq[i], sqrt[i], new double[] {i}));
      rows.add(org.apache.spark.sql.RowFactory.create(names[i][0], names[i][1], uq[i], sqrt[i]));
    }
    org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df = spark.createDataFrame(rows,
        new org.apache.spark.sql.types.StructType().add("cohort", "string").add("sample_id", "string")
            .add("uq", "double").add("sqrtsum", "double"));
    double mean = 10;
    for (boolean bySqrt : new boolean[] {false, true}) {
      org.apache.spark.sql.Row want = bySqrt
          ? df.orderBy(org.apache.spark.sql.functions.col("sqrtsum").desc(), org.apache.spark.sql.functions.col(
              "cohort"), org.apache.spark.sql.functions.col("sample_id")).head()
          : df.orderBy(org.apache.spark.sql.functions.expr("abs(uq - " + mean + ")"), org.apache.spark.sql.functions.col(
              "cohort"), org.apache.spark.sql.functions.col("sample_id")).head();
      MirnaNormalizer.Candidate.Rule rule = new MirnaNormalizer.Candidate.Rule(bySqrt, mean);
      for (int seed = 0; seed < 50; seed++) {
        List<MirnaNormalizer.Candidate> shuffled = new ArrayList<>(cands);
        java.util.Collections.shuffle(shuffled, new Random(seed));
        MirnaNormalizer.Candidate got = shuffled.stream().reduce(rule::better).orElseThrow();
        assertEquals(want.getString(0) + "/" + want.getString(1), got.cohort() + "/" + got.sampleId(),
            (bySqrt ? "sqrt rule" : "uq rule") + ", order " + seed);
      }
    }
  }

  /**
   * The reference's figures from one aggregation: the upper quartiles' mean, and whether their median is below
   * 1e-20, as Spark's avg and percentile at 0.5 give them; medians on either side of the bound, odd and even counts,
   * the two middle values straddling it, whatever the partitioning.
   */
  @Test
  void theUpperQuartilesFiguresAreSparksAvgAndMedian(SparkSession spark) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Random r = new Random(3);
    double[] random = new double[101];
    for (int i = 0; i < random.length; i++) random[i] = r.nextDouble() * 1e-3;
    List<double[]> cases = List.of(new double[] {0, 0, 0, 5e-21, 1, 2}, new double[] {0, 1e-21, 3e-20, 1},
        new double[] {0, 1e-21, 1.5e-20, 1}, new double[] {0, 0, 1}, new double[] {0, 1, 2},
        new double[] {2e-20, 1e-20, 0, 0}, random);
    org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType().add("uq", "double");
    for (double[] uq : cases) {
      List<org.apache.spark.sql.Row> rows = new ArrayList<>();
      List<double[]> us = new ArrayList<>();
      for (double q : uq) {
        rows.add(org.apache.spark.sql.RowFactory.create(q));
        us.add(new double[] {q, 0});
      }
      org.apache.spark.sql.Row want = spark.createDataFrame(rows, schema)
          .selectExpr("avg(uq)", "percentile(uq, 0.5)").head();
      for (int parts : new int[] {1, 3}) {
        MirnaNormalizer.UqStats got = jsc.parallelize(us, parts).treeAggregate(new MirnaNormalizer.UqStats(),
            MirnaNormalizer.UqStats::add, MirnaNormalizer.UqStats::merge);
        String what = java.util.Arrays.toString(uq).substring(0, Math.min(60, java.util.Arrays.toString(uq).length()))
            + " in " + parts + " partitions";
        assertEquals(want.getDouble(1) < 1e-20, got.medianBelowTiny(), what + ": median below 1e-20");
        assertEquals(want.getDouble(0), got.mean(), Math.abs(want.getDouble(0)) * 1e-15, what + ": mean");
      }
    }
  }
}
