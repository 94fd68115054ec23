package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import io.exocohort.model.kernel.DnaScores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DnaHealthyScaler} against numpy (make_golden.py {@code dna_golden}): 60 samples (30 healthy, 30 cancer; 4
 * not sequenced), 7 variant slots in 3 genes. The fitted healthy mean and population SD of every variant, and every
 * sample's gene scores, equal numpy's to 1e-12; miR slots pass through; a saved and loaded model gives the same
 * output; without a reference label every variant keeps mean 0 and the minimum SD.
 */
class DnaHealthyScalerTest {
  static final StructType SCHEMA = new StructType().add("sample_id", DataTypes.StringType)
      .add("label", DataTypes.DoubleType).add("features_raw", new VectorUDT())
      .add(DnaFeatures.VARIANTS_COL, new VectorUDT(), true);
  static final String[] VARIANTS = ModelGolden.read("dna_moments.csv").strings("variant");
  static final int[] GENE_SLOTS = ModelGolden.read("dna_moments.csv").ints("gene_slot");

  static Dataset<Row> data(SparkSession spark) {
    ModelGolden samples = ModelGolden.read("dna_samples.csv");
    ModelGolden calls = ModelGolden.read("dna_calls.csv");
    Map<String, TreeMap<Integer, Double>> bySample = new HashMap<>();
    for (String[] c : calls.rows) {
      bySample.computeIfAbsent(c[0], k -> new TreeMap<>()).put(Integer.parseInt(c[1]), Double.parseDouble(c[2]));
    }
    List<Row> rows = new ArrayList<>();
    for (String[] s : samples.rows) {
      boolean sequenced = s[2].equals("1");
      TreeMap<Integer, Double> af = bySample.getOrDefault(s[0], new TreeMap<>());
      double[] x = {Double.NaN, Double.NaN, Double.NaN, Double.parseDouble(s[3]), Double.parseDouble(s[4])};
      Vector v = sequenced ? Vectors.sparse(VARIANTS.length, af.keySet().stream().mapToInt(Integer::intValue)
          .toArray(), af.values().stream().mapToDouble(Double::doubleValue).toArray()) : null;
      rows.add(RowFactory.create(s[0], Double.parseDouble(s[1]), Vectors.dense(x), v));
    }
    return spark.createDataFrame(rows, SCHEMA).repartition(3);
  }

  static DnaHealthyScaler scaler(double reference) {
    return new DnaHealthyScaler().configure("features_raw", DnaFeatures.VARIANTS_COL, "features_dna",
        new ModelTraining.Dna(VARIANTS, GENE_SLOTS, reference));
  }

  @Test
  void healthyMomentsAndGeneScoresEqualNumpy(SparkSession spark, @TempDir Path dir) throws Exception {
    Dataset<Row> d = data(spark);
    DnaHealthyScalerModel m = scaler(0.0).fit(d);
    ModelGolden moments = ModelGolden.read("dna_moments.csv");
    assertArrayEquals(moments.doubles("mean"), m.getMean(), 1e-12);
    assertArrayEquals(moments.doubles("sd"), m.getSd(), 1e-12);
    assertEquals(28, m.getReferences(), "30 healthy, 2 not sequenced");
    assertArrayEquals(VARIANTS, m.getVariants());
    assertScores(m.transform(d));
    m.write().overwrite().save(dir.resolve("m").toString());
    assertScores(DnaHealthyScalerModel.load(dir.resolve("m").toString()).transform(d));
  }

  private static void assertScores(Dataset<Row> out) {
    Map<String, double[]> got = new HashMap<>();
    Map<String, double[]> raw = new HashMap<>();
    for (Row r : out.select("sample_id", "features_dna", "features_raw").collectAsList()) {
      got.put(r.getString(0), ((Vector) r.get(1)).toArray());
      raw.put(r.getString(0), ((Vector) r.get(2)).toArray());
    }
    ModelGolden scores = ModelGolden.read("dna_scores.csv");
    assertEquals(180, scores.rows.size());
    for (String[] s : scores.rows) {
      double want = Double.parseDouble(s[2]);
      double have = got.get(s[0])[Integer.parseInt(s[1])];
      if (Double.isNaN(want)) {
        assertTrue(Double.isNaN(have), s[0] + " not sequenced: NaN, not " + have);
      } else {
        assertEquals(want, have, 1e-12, s[0] + " gene slot " + s[1]);
      }
    }
    for (Map.Entry<String, double[]> e : got.entrySet()) {
      assertEquals(raw.get(e.getKey())[3], e.getValue()[3], 0);
      assertEquals(raw.get(e.getKey())[4], e.getValue()[4], 0);
    }
  }

  @Test
  void withoutReferenceRowsEveryVariantKeepsTheMinimumSd(SparkSession spark) {
    Dataset<Row> d = data(spark);
    DnaHealthyScalerModel m = scaler(Double.NaN).fit(d);
    assertArrayEquals(new double[VARIANTS.length], m.getMean(), 0);
    assertArrayEquals(new double[VARIANTS.length], m.getSd(), 0);
    Row r = m.transform(d.filter("sample_id = 'S53'")).select(DnaFeatures.VARIANTS_COL, "features_dna").head();
    org.apache.spark.ml.linalg.SparseVector v = ((Vector) r.get(0)).toSparse();
    double[] out = ((Vector) r.get(1)).toArray();
    double[] want = new double[3];
    for (int j = 0; j < v.indices().length; j++) {
      int g = GENE_SLOTS[v.indices()[j]];
      want[g] = Math.max(want[g], v.values()[j] / DnaScores.MIN_SD);
    }
    assertTrue(v.indices().length > 0, "S53 carries a variant");
    for (int g = 0; g < 3; g++) assertEquals(want[g], out[g], 1e-12);
  }

  @Test
  void modalityNamesAndGeneSlots() {
    assertEquals("mirna,protein,dna", TrainJob.modality("dna, protein,mirna"));
    assertEquals("mirna,protein", TrainJob.modality("both"));
    assertEquals("dna", TrainJob.modality("DNA"));
    assertEquals(List.of("mirna", "protein"), TrainJob.modalities("both"));
    assertEquals(List.of("mirna", "dna"), TrainJob.modalities("mirna,dna"));
    assertEquals(List.of("mirna"), TrainJob.matrixModalities(List.of("mirna", "dna")));
    assertThrows(BadInputException.class, () -> TrainJob.modality("rna"));
    assertThrows(BadInputException.class, () -> TrainJob.modality("mirna,"));
    assertEquals("KRAS", DnaFeatures.gene("KRAS p.G12D"));
    assertEquals("TET2", DnaFeatures.gene("TET2 4:105243583 C>T"));
    assertArrayEquals(new int[] {0, 0, 2, 2}, DnaFeatures.geneSlots(
        new String[] {"KRAS *", "KRAS p.G12D", "TP53 *", "TP53 p.R273H"},
        new String[] {"dna:KRAS", "dna:NRAS", "dna:TP53", "mirna:a"}));
  }
}
