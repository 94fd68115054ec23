package io.exocohort.qc;

import io.exocohort.catalyst.LongRows;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * One sample's protein QC sufficient statistics, added up over the rows of {@code protein_abundance}
 * ({@link LongRows}) and merged across partitions, for {@link SampleQcMetrics#protein}.
 *
 * <p>Per sample: the proteins quantified, whether a tetraspanin and a cytosolic EV marker were quantified, and the
 * log2 intensities of each contaminant protein (usually one each), from which the cohort medians and the flags are
 * worked out afterwards on the small per-sample table. Per cohort (a record whose sample is null): the distinct
 * protein symbols. The pass reads each row's symbol ({@code upper(trim(feature))}, computed by Spark) and works
 * out a symbol's class once per distinct symbol and partition.
 */
final class ProteinSums implements Serializable {
  /** A sample of a cohort, or the cohort itself when {@code sample} is null. */
  record Key(String cohort, String sample) implements Serializable {}

  /**
   * The marker and contaminant symbols to look for (canonical, {@link ProteinMarkers}) and how symbols map to
   * them.
   */
  record Classes(List<String> tetraspanins, List<String> cytosolic, List<String> contaminants,
      ProteinMarkers markers) implements Serializable {
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

    /** A symbol's marker bits and contaminants. */
    Feature feature(String symbol) {
      List<String> members = markers.members(symbol);
      return new Feature(symbol, kind(members), contaminantsOf(members));
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
  record Feature(String symbol, int kind, int[] contaminants) {}

  /**
   * The sums of one partition's rows {@code (cohort, sample_id, symbol, intensity)}, by sample and by cohort;
   * {@code k} contaminants.
   */
  static Iterator<Tuple2<Key, ProteinSums>> ofRows(LongRows.Cursor<Feature> rows, int k) {
    Map<Key, ProteinSums> out = new HashMap<>();
    // the features already added to the current cohort's symbols (by identity: one object per distinct symbol)
    Set<Feature> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ProteinSums acc = null;
    ProteinSums cohortAcc = null;
    while (rows.hasNext()) {
      rows.next();
      if (rows.keyChanged()) {
        if (rows.cohortChanged()) {
          cohortAcc = out.computeIfAbsent(new Key(rows.cohort(), null), c -> cohortRecord(k));
          seen.clear();
        }
        acc = out.computeIfAbsent(new Key(rows.cohort(), rows.sample()), s -> new ProteinSums(k));
      }
      Feature f = rows.feature();
      if (seen.add(f)) cohortAcc.symbols.add(f.symbol());
      if (!rows.hasValue()) continue;
      double x = rows.value();
      if (!(x > 0) && !Double.isNaN(x)) continue; // SQL's intensity > 0 (NaN is above every number there)
      acc.add(f, StrictMath.log(x) / LN2); // Spark's log2
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
