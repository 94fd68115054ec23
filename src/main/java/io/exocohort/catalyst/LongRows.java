package io.exocohort.catalyst;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Tuple2;

/**
 * One pass per partition over a long table {@code (cohort, sample_id, feature, value)}, reading Catalyst's rows in
 * place ({@code queryExecution().toRdd()}; see the package comment for why). A pass sees the rows through a
 * {@link Cursor}: the key as Java strings made only where the (cohort, sample) key changes, the value as a
 * primitive, and the feature as something worked out once per distinct feature name and partition.
 */
public final class LongRows {
  private LongRows() {}

  /** A pass over one partition's rows: its output pairs (keyed, e.g., by sample, to be merged after a shuffle). */
  @FunctionalInterface
  public interface Pass<F, K, V> extends Serializable {
    Iterator<Tuple2<K, V>> run(Cursor<F> rows) throws Exception;
  }

  /**
   * Runs {@code pass} over every partition of {@code rows}, whose first four columns must be {@code cohort}
   * (string), {@code sample_id} (string), a feature name (string) and a value (double, may be null); more columns
   * are ignored. {@code perFeature} maps a feature name to what the pass needs of it (an index, a class; null is
   * allowed) and is called once per distinct name in each partition.
   */
  public static <F, K, V> JavaPairRDD<K, V> pairs(Dataset<Row> rows, Function<String, F> perFeature,
      Pass<F, K, V> pass) {
    StructType s = rows.schema();
    DataType[] want = {DataTypes.StringType, DataTypes.StringType, DataTypes.StringType, DataTypes.DoubleType};
    if (s.size() < 4) throw new IllegalArgumentException("a long table needs 4 columns, got " + s.simpleString());
    for (int i = 0; i < 4; i++) {
      if (!s.fields()[i].dataType().equals(want[i])) {
        throw new IllegalArgumentException("column " + i + " of " + s.simpleString() + " must be " + want[i]);
      }
    }
    return rows.queryExecution().toRdd().toJavaRDD()
        .mapPartitionsToPair(it -> pass.run(new Cursor<>(it, perFeature)));
  }

  /**
   * A forward cursor over one partition's rows. Call {@link #next} before reading a row. The long tables hold a
   * sample's rows together (as ingest writes them), so the key strings are made about once per sample; nothing
   * depends on that order (a scattered table only makes more strings).
   */
  public static final class Cursor<F> {
    private static final Object NONE = new Object();
    private final Iterator<InternalRow> rows;
    private final Function<String, F> perFeature;
    private final Map<UTF8String, Object> features = new HashMap<>();
    private InternalRow row;
    private UTF8String cohortBytes;
    private UTF8String sampleBytes;
    private String cohort;
    private String sample;
    private boolean keyChanged;
    private boolean cohortChanged;

    Cursor(Iterator<InternalRow> rows, Function<String, F> perFeature) {
      this.rows = rows;
      this.perFeature = perFeature;
    }

    public boolean hasNext() {
      return rows.hasNext();
    }

    /** Moves to the next row. */
    public void next() {
      row = rows.next();
      UTF8String c = row.getUTF8String(0);
      UTF8String s = row.getUTF8String(1);
      cohortChanged = cohortBytes == null || !c.equals(cohortBytes);
      keyChanged = cohortChanged || !s.equals(sampleBytes);
      if (cohortChanged) {
        cohortBytes = c.clone();
        cohort = cohortBytes.toString();
      }
      if (keyChanged) {
        sampleBytes = s.clone();
        sample = sampleBytes.toString();
      }
    }

    /** Whether this row's (cohort, sample) differs from the previous row's (the first row's always does). */
    public boolean keyChanged() {
      return keyChanged;
    }

    /** Whether this row's cohort differs from the previous row's (the first row's always does). */
    public boolean cohortChanged() {
      return cohortChanged;
    }

    public String cohort() {
      return cohort;
    }

    public String sample() {
      return sample;
    }

    /** The feature name as a Java string (made anew: for messages, not for every row). */
    public String featureName() {
      return row.getUTF8String(2).toString();
    }

    /** What {@code perFeature} gives for this row's feature name (worked out once per name). */
    @SuppressWarnings("unchecked")
    public F feature() {
      UTF8String name = row.getUTF8String(2);
      if (name == null) throw new IllegalStateException("a null feature name (cohort " + cohort + ", sample " + sample + ")");
      Object f = features.get(name);
      if (f == null) {
        F made;
        try {
          made = perFeature.call(name.toString());
        } catch (RuntimeException e) {
          throw e;
        } catch (Exception e) {
          throw new IllegalStateException("feature " + name, e);
        }
        f = made == null ? NONE : made;
        features.put(name.clone(), f);
      }
      return f == NONE ? null : (F) f;
    }

    /** Whether the value is not null. */
    public boolean hasValue() {
      return !row.isNullAt(3);
    }

    public double value() {
      return row.getDouble(3);
    }
  }
}
