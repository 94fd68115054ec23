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
}
