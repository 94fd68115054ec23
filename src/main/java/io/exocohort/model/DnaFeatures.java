package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.struct;

import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.matrix.SampleVectors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * The DNA modality's inputs to a model, from {@code dna_variants}: one feature slot per gene ({@code dna:KRAS},
 * holding the sample's highest raw allele fraction in it; the pipeline's {@link DnaHealthyScaler} turns it into the
 * gene's score) and column {@code variants_raw}, the sample's allele fractions over the variant index (a sparse
 * vector; each gene also has a slot {@code GENE *} for variants the index does not name, as a model meets them when
 * scoring). A cohort is sequenced when it has rows in {@code dna_variants}: a sample of it without a call carries
 * no detected variant (fraction 0). Samples of other cohorts are not sequenced: NaN gene slots, null
 * {@code variants_raw}. The driver holds the gene and variant names only.
 */
public final class DnaFeatures {
  private DnaFeatures() {}

  public static final String MODALITY = "dna";
  public static final String VARIANTS_COL = "variants_raw";
  /** The variant-index entry of a gene's variants not otherwise named: {@code KRAS *}. */
  public static final String OTHER = " *";

  public static final StructType SCHEMA = FeatureVectors.SCHEMA.add(VARIANTS_COL, new VectorUDT(), true);

  /** The calls of some cohorts and which of them are sequenced. */
  public record Source(Dataset<Row> calls, Set<String> sequenced) {}

  /** The genes (prefixed slot names, sorted) and the variant index with each variant's gene. */
  public record Index(String[] genes, String[] variants, String[] variantGenes) {}

  /** The calls of {@code cohorts} in {@code dna_variants} at the scope's pinned version. */
  public static Source source(RunScope s, List<String> cohorts) {
    Dataset<Row> calls = s.read(Tables.DNA_VARIANTS).filter(col("cohort").isin(cohorts.toArray()))
        .select("cohort", "sample_id", "gene", "variant", "allele_fraction");
    Set<String> sequenced = new TreeSet<>(calls.select("cohort").distinct().as(Encoders.STRING()).collectAsList());
    return new Source(calls, sequenced);
  }

  /** The genes and variants called in the samples of {@code keys} (sorted; each gene with its {@code *} entry). */
  public static Index index(Source dna, Dataset<Row> keys) {
    TreeMap<String, String> variants = new TreeMap<>();
    for (Row r : dna.calls().join(keys.select("cohort", "sample_id"), TrainJob.seq("cohort", "sample_id"),
        "left_semi").select("variant", "gene").distinct().collectAsList()) {
      variants.put(r.getString(0), r.getString(1));
      variants.put(r.getString(1) + OTHER, r.getString(1));
    }
    TreeSet<String> genes = new TreeSet<>();
    for (String g : variants.values()) genes.add(FeatureVectors.name(MODALITY, g));
    return new Index(genes.toArray(new String[0]), variants.keySet().toArray(new String[0]),
        variants.values().toArray(new String[0]));
  }

  /** Per variant of the index, the slot of its gene in {@code featureIndex}. */
  public static int[] geneSlots(String[] variants, String[] featureIndex) {
    Map<String, Integer> slot = slots(featureIndex);
    int[] out = new int[variants.length];
    for (int v = 0; v < variants.length; v++) {
      out[v] = slot.get(FeatureVectors.name(MODALITY, gene(variants[v])));
    }
    return out;
  }

  /** The gene of a variant-index entry ({@code KRAS p.G12D}, {@code KRAS *}: KRAS). */
  static String gene(String variant) {
    int sp = variant.indexOf(' ');
    return sp < 0 ? variant : variant.substring(0, sp);
  }

  /**
   * Feature vectors of {@code keys} over {@code index}: the matrices' slots (as {@link FeatureVectors#assemble},
   * NaN for a sample without a matrix row) and, with {@code dna}, the gene slots and {@code variants_raw} over
   * {@code variants}. Calls of a gene outside the index are counted as extra features.
   */
  public static Dataset<Row> assemble(SparkSession spark, List<SampleVectors.Source> sources, Source dna,
      Dataset<Row> keys, String[] index, String[] variants) {
    Dataset<Row> base = keys.select("cohort", "sample_id");
    if (!sources.isEmpty()) {
      base = base.join(FeatureVectors.assemble(spark, sources, keys, index), TrainJob.seq("cohort", "sample_id"),
          "left_outer");
    }
    Dataset<Row> calls = dna.calls().groupBy("cohort", "sample_id")
        .agg(collect_list(struct("gene", "variant", "allele_fraction")).as("calls"));
    Dataset<Row> joined = base.join(calls, TrainJob.seq("cohort", "sample_id"), "left_outer");
    Map<String, Integer> slot = slots(index);
    Map<String, Integer> variantSlot = slots(variants);
    Set<String> sequenced = new HashSet<>(dna.sequenced());
    int[] geneSlots = genes(index).stream().mapToInt(slot::get).toArray();
    int n = index.length;
    boolean matrices = !sources.isEmpty();
    return spark.createDataFrame(joined.javaRDD().map(r -> {
      double[] x;
      int extra = 0;
      if (matrices && !r.isNullAt(r.fieldIndex("features_raw"))) {
        x = ((Vector) r.getAs("features_raw")).toArray().clone();
        extra = r.getAs("features_extra");
      } else {
        x = new double[n];
        Arrays.fill(x, Double.NaN);
      }
      Vector v = null;
      if (sequenced.contains(r.<String>getAs("cohort"))) {
        List<Row> cs = r.isNullAt(r.fieldIndex("calls")) ? List.of() : r.getList(r.fieldIndex("calls"));
        extra += fill(x, cs, slot, geneSlots);
        v = sparse(cs, variantSlot);
      }
      int missing = 0;
      for (double d : x) if (Double.isNaN(d)) missing++;
      return RowFactory.create(r.getAs("cohort"), r.getAs("sample_id"), Vectors.dense(x), missing, extra, v);
    }), SCHEMA);
  }

  /** Sets every gene slot of {@code x} to the largest allele fraction of the sample's calls in it (0: none). */
  private static int fill(double[] x, List<Row> calls, Map<String, Integer> slot, int[] geneSlots) {
    for (int g : geneSlots) x[g] = 0;
    int extra = 0;
    for (Row c : calls) {
      Integer g = slot.get(FeatureVectors.name(MODALITY, c.getString(0)));
      if (g == null) {
        extra++;
        continue;
      }
      x[g] = Math.max(x[g], c.getDouble(2));
    }
    return extra;
  }

  /** The sample's allele fractions over the variant index (a gene's unnamed variants: its {@code *} entry, max). */
  private static Vector sparse(List<Row> calls, Map<String, Integer> variantSlot) {
    TreeMap<Integer, Double> af = new TreeMap<>();
    for (Row c : calls) {
      Integer k = variantSlot.get(c.getString(1));
      if (k == null) k = variantSlot.get(c.getString(0) + OTHER);
      if (k == null) continue;
      af.merge(k, c.getDouble(2), Math::max);
    }
    int[] idx = new int[af.size()];
    double[] val = new double[af.size()];
    int i = 0;
    for (Map.Entry<Integer, Double> e : af.entrySet()) {
      idx[i] = e.getKey();
      val[i++] = e.getValue();
    }
    return Vectors.sparse(variantSlot.size(), idx, val);
  }

  private static Map<String, Integer> slots(String[] names) {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < names.length; i++) m.put(names[i], i);
    return m;
  }

  /** The gene slots' names of an index. */
  static List<String> genes(String[] index) {
    List<String> out = new ArrayList<>();
    for (String f : index) if (f.startsWith(MODALITY + ":")) out.add(f);
    return out;
  }
}
