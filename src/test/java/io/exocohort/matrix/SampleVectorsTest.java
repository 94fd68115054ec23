package io.exocohort.matrix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.catalog.Tables;
import io.exocohort.model.FeatureVectors;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/**
 * Sample vectors read back from in-memory matrices in blocks of two samples (no lake): a miR matrix of cohort c
 * (block 0: S1, S2; block 1: S3) and cohort d (S1), a protein matrix of cohort c with other blocks (S1, S4; S2)
 * and a null (missing) entry. Expected vectors are read off the fixture by hand.
 */
class SampleVectorsTest {
  private static final double NA = Double.NaN;
  private static final String[] INDEX = {"mirna:f1", "mirna:f3", "mirna:zz", "protein:p1"};

  /** A sample index row without voom's figures (as a protein block's, or a block written before them). */
  private static Row index(String cohort, int block, String[] ids, String run) {
    return RowFactory.create(cohort, block, ids, run, null, null, null);
  }

  private static List<SampleVectors.Source> sources(SparkSession spark) {
    Dataset<Row> mirna = spark.createDataFrame(List.of(
        RowFactory.create("c", 0, "f1", new double[] {1.5, 0.0}, "s", "n1"),
        RowFactory.create("c", 0, "f2", new double[] {NA, 4.0}, "s", "n1"),
        RowFactory.create("c", 0, "f3", new double[] {-2.0, 8.0}, "s", "n1"),
        RowFactory.create("c", 1, "f1", new double[] {7.0}, "s", "n1"),
        RowFactory.create("c", 1, "f2", new double[] {7.5}, "s", "n1"),
        RowFactory.create("c", 1, "f3", new double[] {8.0}, "s", "n1"),
        RowFactory.create("d", 0, "f1", new double[] {100.0}, "s", "n3")), Tables.MIRNA_MATRIX.schema());
    Dataset<Row> mirnaSamples = spark.createDataFrame(List.of(
        index("c", 0, new String[] {"S1", "S2"}, "n1"), index("c", 1, new String[] {"S3"}, "n1"),
        index("d", 0, new String[] {"S1"}, "n3")), Tables.MIRNA_MATRIX_SAMPLES.schema());
    Dataset<Row> protein = spark.createDataFrame(List.of(
        RowFactory.create("c", 0, "p1", new Double[] {null, 3.0}, new boolean[] {false, false}, "s", "n2"),
        RowFactory.create("c", 0, "p2", new Double[] {1.0, 2.0}, new boolean[] {false, true}, "s", "n2"),
        RowFactory.create("c", 1, "p1", new Double[] {5.0}, new boolean[] {false}, "s", "n2"),
        RowFactory.create("c", 1, "p2", new Double[] {null}, new boolean[] {false}, "s", "n2")),
        Tables.PROTEIN_MATRIX.schema());
    Dataset<Row> proteinSamples = spark.createDataFrame(List.of(
        index("c", 0, new String[] {"S1", "S4"}, "n2"), index("c", 1, new String[] {"S2"}, "n2")),
        Tables.PROTEIN_MATRIX_SAMPLES.schema());
    return List.of(new SampleVectors.Source(mirna, mirnaSamples, "mirna:"),
        new SampleVectors.Source(protein, proteinSamples, "protein:"));
  }

  /** The wanted samples: S3 of c is not (as a sample failing QC). */
  private static Dataset<Row> keys(SparkSession spark, String... cohortSample) {
    List<Row> rows = new ArrayList<>();
    for (String k : cohortSample) rows.add(RowFactory.create(k.split("/")[0], k.split("/")[1]));
    return spark.createDataFrame(rows, new StructType().add("cohort", DataTypes.StringType)
        .add("sample_id", DataTypes.StringType));
  }

  private static Map<String, SampleVectors.Vec> vectors(SparkSession spark, int range) {
    Map<String, SampleVectors.Vec> out = new TreeMap<>();
    for (SampleVectors.Vec v : SampleVectors.of(spark, sources(spark), keys(spark, "c/S1", "c/S2", "c/S4", "d/S1"),
        INDEX, range).collect()) {
      out.put(v.cohort() + "/" + v.sampleId(), v);
    }
    return out;
  }

  @Test
  void vectorsOverTheIndexFromBothModalitiesInAnyRangeSize(SparkSession spark) {
    for (int range : new int[] {1, 2, 1000}) {
      Map<String, SampleVectors.Vec> v = vectors(spark, range);
      assertEquals(Set.of("c/S1", "c/S2", "c/S4", "d/S1"), v.keySet(), "range " + range);
      // S1 of c: miR block 0 position 0, protein block 0 position 0 (null: NaN); f2 and p2 are extra
      assertArrayEquals(new double[] {1.5, -2.0, NA, NA}, v.get("c/S1").values());
      assertEquals(2, v.get("c/S1").extra());
      // S2: miR block 0 position 1, protein block 1 position 0
      assertArrayEquals(new double[] {0.0, 8.0, NA, 5.0}, v.get("c/S2").values());
      assertEquals(2, v.get("c/S2").extra());
      // S4 has only protein values; d's S1 only its cohort's one miR (no extra row there)
      assertArrayEquals(new double[] {NA, NA, NA, 3.0}, v.get("c/S4").values());
      assertEquals(1, v.get("c/S4").extra());
      assertArrayEquals(new double[] {100.0, NA, NA, NA}, v.get("d/S1").values());
      assertEquals(0, v.get("d/S1").extra());
    }
  }

  @Test
  void featureVectorsCountMissingAndExtraAndListTheFeaturesOfTheKeys(SparkSession spark) {
    Map<String, Row> rows = new TreeMap<>();
    for (Row r : FeatureVectors.assemble(spark, sources(spark), keys(spark, "c/S1", "c/S4", "d/S1"), INDEX)
        .collectAsList()) {
      rows.put(r.getString(0) + "/" + r.getString(1), r);
    }
    assertEquals(Set.of("c/S1", "c/S4", "d/S1"), rows.keySet());
    assertArrayEquals(new double[] {1.5, -2.0, NA, NA}, rows.get("c/S1").<Vector>getAs("features_raw").toArray());
    assertEquals(List.of(2, 3, 3), List.of(rows.get("c/S1").<Integer>getAs("features_missing"),
        rows.get("c/S4").<Integer>getAs("features_missing"), rows.get("d/S1").<Integer>getAs("features_missing")));
    assertEquals(List.of(2, 1, 0), List.of(rows.get("c/S1").<Integer>getAs("features_extra"),
        rows.get("c/S4").<Integer>getAs("features_extra"), rows.get("d/S1").<Integer>getAs("features_extra")));
    assertEquals(new TreeSet<>(List.of("mirna:f1", "mirna:f2", "mirna:f3", "protein:p1", "protein:p2")),
        new TreeSet<>(FeatureVectors.features(sources(spark), keys(spark, "c/S3", "c/S4")).collectAsList()));
    // S4 of c is in no miR block: the miRs come from d's block only
    assertEquals(new TreeSet<>(List.of("mirna:f1", "protein:p1", "protein:p2")),
        new TreeSet<>(FeatureVectors.features(sources(spark), keys(spark, "c/S4", "d/S1")).collectAsList()));
    // only d's block holds a wanted sample: only its feature
    assertEquals(List.of("mirna:f1"), FeatureVectors.features(sources(spark), keys(spark, "d/S1")).collectAsList());
  }

  private static SampleVectors.Gathered gathered(int slot, double... values) {
    SampleVectors.Gathered g = new SampleVectors.Gathered();
    g.setCohort("c");
    g.setBlock(0);
    g.setSlot(slot);
    g.setValues(values);
    return g;
  }

  @Test
  void aPartitionPacksOneChunkPerRangeOrSendsEarlyWhenFull() {
    List<SampleVectors.Gathered> rows = List.of(gathered(1, 1, 2, 3), gathered(0, 4, 5, 6));
    for (long maxBytes : new long[] {1L << 20, 1L}) {
      List<Tuple2<SampleVectors.Key, SampleVectors.Chunk>> chunks = new ArrayList<>();
      Iterator<Tuple2<SampleVectors.Key, SampleVectors.Chunk>> it = new SampleVectors.Packer(rows.iterator(), 2,
          maxBytes);
      it.forEachRemaining(chunks::add);
      // ranges of two samples: (0, 1) and (2); held together: one chunk per range, else one per row and range
      assertEquals(maxBytes > 1 ? 2 : 4, chunks.size());
      List<SampleVectors.Chunk> first = new ArrayList<>();
      first.add(new SampleVectors.Chunk(null, null, new String[] {"A", "B"}, 7));
      List<SampleVectors.Chunk> second = new ArrayList<>();
      second.add(new SampleVectors.Chunk(null, null, new String[] {"C"}, 7));
      for (var c : chunks) (c._1().range() == 0 ? first : second).add(c._2());
      List<SampleVectors.Vec> a = SampleVectors.assemble(new SampleVectors.Key("c", 0, 0), first, 3);
      assertArrayEquals(new double[] {4, 1, NA}, a.get(0).values());
      assertArrayEquals(new double[] {5, 2, NA}, a.get(1).values());
      assertEquals("B", a.get(1).sampleId());
      assertEquals(7, a.get(1).extra());
      List<SampleVectors.Vec> b = SampleVectors.assemble(new SampleVectors.Key("c", 0, 1), second, 3);
      assertArrayEquals(new double[] {6, 3, NA}, b.get(0).values());
    }
  }
}
