package io.exocohort.qc;

import io.exocohort.common.ColumnarScan;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.util.CollationFactory;
import org.apache.spark.sql.catalyst.util.CollationSupport;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Tuple2;

/**
 * One sample's protein QC sufficient statistics, added up over the Parquet reader's batches of
 * {@code protein_abundance} ({@link ColumnarScan}) and merged across partitions; the batch form of the SQL
 * aggregation in {@link SampleQcMetrics#protein}, which computes the same from rows.
 *
 * <p>Per sample: the proteins quantified, whether a tetraspanin and a cytosolic EV marker were quantified, and the
 * log2 intensities of each contaminant protein (usually one each), from which the cohort medians and the flags are
 * worked out afterwards on the small per-sample table. Per cohort (a record whose sample is null): the distinct
 * protein symbols. A feature's symbol ({@code upper(trim(feature))}, with Spark's own string functions) and its
 * class are worked out once per row group where the column is dictionary-encoded.
 */
final class ProteinSums implements Serializable {
  /** A sample of a cohort, or the cohort itself when {@code sample} is null. */
  record Key(String cohort, String sample) implements Serializable {}

  /**
   * The marker and contaminant symbols to look for (canonical, {@link ProteinMarkers}), how feature names map to
   * them, and Spark's case mapping.
   */
  record Classes(List<String> tetraspanins, List<String> cytosolic, List<String> contaminants,
      ProteinMarkers markers, boolean icu) implements Serializable {
    /** Bit 0: tetraspanin, bit 1: cytosolic marker; of a feature whose canonical members are {@code members}. */
    int kind(List<String> members) {
      int k = 0;
      for (String m : members) k |= (tetraspanins.contains(m) ? 1 : 0) | (cytosolic.contains(m) ? 2 : 0);
      return k;
    }

    /** The indices (into {@link #contaminants}) of the contaminants among the members, ascending; null if none. */
    int[] contaminantsOf(List<String> members) {
      int[] out = new int[contaminants.size()];
      int n = 0;
      for (int c = 0; c < contaminants.size(); c++) if (members.contains(contaminants.get(c))) out[n++] = c;
      return n == 0 ? null : Arrays.copyOf(out, n);
    }

    /** {@code upper(trim(feature))} exactly as Spark evaluates it (binary collation). */
    UTF8String symbol(UTF8String feature) {
      return CollationSupport.Upper.exec(CollationSupport.StringTrim.exec(feature),
          CollationFactory.UTF8_BINARY_COLLATION_ID, icu);
    }
  }

  static StructType schema(int contaminants) {
    StructType s = new StructType()
        .add("cohort", DataTypes.StringType, false)
        .add("sample_id", DataTypes.StringType, true)
        .add("proteins_quantified", DataTypes.IntegerType, false)
        .add("ev_tetraspanin", DataTypes.BooleanType, false)
        .add("ev_cytosolic", DataTypes.BooleanType, false)
        .add("cohort_proteins", DataTypes.IntegerType, true);
    for (int i = 0; i < contaminants; i++) {
      s = s.add("qc_contaminant_values_" + i, DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    }
    return s;
  }

  private static final double LN2 = StrictMath.log(2);

  int quantified;
  boolean tetraspanin;
  boolean cytosolic;
  /** Per contaminant, its log2 intensities in this sample (null until one is seen). */
  double[][] values;
  int[] nValues;
  /** A cohort record's distinct symbols. */
  TreeSet<String> symbols;

  private ProteinSums(int contaminants) {
    values = new double[contaminants][];
    nValues = new int[contaminants];
  }

  /** Info of one distinct feature: its symbol, marker bits ({@link Classes#kind}) and contaminants (or null). */
  private record Feature(String symbol, int kind, int[] contaminants) {}

  /** at: the batch positions of cohort, sample_id, feature and intensity (a double). */
  static Iterator<Tuple2<Key, ProteinSums>> ofBatches(Iterator<ColumnarBatch> batches, int[] at, Classes classes) {
    int k = classes.contaminants().size();
    Map<Key, ProteinSums> out = new HashMap<>();
    Map<UTF8String, Feature> byName = new HashMap<>();
    ColumnarScan.KeyRuns keys = new ColumnarScan.KeyRuns(at[0], at[1]);
    // per row group: a name's first sight there also adds its symbol to the cohort's set
    ColumnarScan.PerDictionaryId<Feature> byId = new ColumnarScan.PerDictionaryId<>();
    ProteinSums acc = null;
    ProteinSums cohortAcc = null;
    while (batches.hasNext()) {
      ColumnarBatch b = batches.next();
      int n = b.numRows();
      if (n == 0) continue;
      keys.batch(b);
      ColumnVector features = b.column(at[2]);
      ColumnVector intensities = b.column(at[3]);
      ColumnVector featureIds =
          keys.oneCohort() ? byId.batch(features, b.column(at[0]).getUTF8String(0).toString()) : null;
      for (int i = 0; i < n; i++) {
        if (keys.changed(i)) {
          if (keys.cohortChanged()) {
            cohortAcc = out.computeIfAbsent(new Key(keys.cohort(), null), c -> cohortRecord(k));
          }
          acc = out.computeIfAbsent(new Key(keys.cohort(), keys.sample()), s -> new ProteinSums(k));
        }
        Feature f;
        if (featureIds != null) {
          int id = featureIds.getInt(i);
          f = byId.get(id);
          if (f == null) {
            f = feature(features.getUTF8String(i), byName, classes);
            byId.put(id, f);
            cohortAcc.symbols.add(f.symbol());
          }
        } else {
          f = feature(features.getUTF8String(i), byName, classes);
          cohortAcc.symbols.add(f.symbol());
        }
        if (intensities.isNullAt(i)) continue;
        double x = intensities.getDouble(i);
        if (!(x > 0) && !Double.isNaN(x)) continue; // SQL's intensity > 0 (NaN is above every number there)
        acc.add(f, StrictMath.log(x) / LN2); // Spark's log2
      }
    }
    List<Tuple2<Key, ProteinSums>> list = new ArrayList<>(out.size());
    for (var e : out.entrySet()) list.add(new Tuple2<>(e.getKey(), e.getValue()));
    return list.iterator();
  }

  private static ProteinSums cohortRecord(int k) {
    ProteinSums p = new ProteinSums(k);
    p.symbols = new TreeSet<>();
    return p;
  }

  private static Feature feature(UTF8String name, Map<UTF8String, Feature> byName, Classes classes) {
    Feature f = byName.get(name);
    if (f == null) {
      String symbol = classes.symbol(name).toString();
      List<String> members = classes.markers().members(symbol);
      f = new Feature(symbol, classes.kind(members), classes.contaminantsOf(members));
      byName.put(name.clone(), f);
    }
    return f;
  }

  /** A quantified row of this sample: its feature and log2 intensity. */
  private void add(Feature f, double log2) {
    quantified++;
    if ((f.kind() & 1) != 0) tetraspanin = true;
    if ((f.kind() & 2) != 0) cytosolic = true;
    if (f.contaminants() != null) for (int c : f.contaminants()) append(c, log2);
  }

  /** Adds a log2 intensity of contaminant {@code c}. */
  private void append(int c, double log2) {
    if (values[c] == null) values[c] = new double[2];
    if (nValues[c] == values[c].length) values[c] = Arrays.copyOf(values[c], 2 * nValues[c]);
    values[c][nValues[c]++] = log2;
  }

  static ProteinSums merge(ProteinSums a, ProteinSums b) {
    a.quantified += b.quantified;
    a.tetraspanin |= b.tetraspanin;
    a.cytosolic |= b.cytosolic;
    for (int c = 0; c < a.values.length; c++) {
      for (int j = 0; j < b.nValues[c]; j++) a.append(c, b.values[c][j]);
    }
    if (b.symbols != null) a.symbols.addAll(b.symbols);
    return a;
  }

  Row row(Key key) {
    Object[] r = new Object[6 + values.length];
    r[0] = key.cohort();
    r[1] = key.sample();
    r[2] = quantified;
    r[3] = tetraspanin;
    r[4] = cytosolic;
    r[5] = symbols == null ? null : symbols.size();
    for (int c = 0; c < values.length; c++) {
      r[6 + c] = values[c] == null ? new double[0] : Arrays.copyOf(values[c], nValues[c]);
    }
    return RowFactory.create(r);
  }
}
