package io.exocohort.common;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalyst.LongRows;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Tuple2;

/**
 * The map side of a long-to-wide transpose without a pivot: each partition places the long rows {@code cohort,
 * sample_id, feature, value} into one array per sample by a broadcast feature index, keeping at most
 * {@code maxPartials} arrays at a time (bounded memory: when full it hands them on and starts again), so that the
 * partial arrays of a sample are merged by key after one shuffle of arrays instead of one of every value.
 * Catalyst's own rows are read ({@link LongRows}: no external {@code Row} or Java string per value): a sample's key
 * string is made only when the sample changes, which in a table laid out by sample is once per sample, and a
 * feature's index is looked up once per distinct name.
 *
 * <p>The index may be incomplete (an <em>open</em> index, guessed from the first rows of the table): the values of
 * features it lacks are kept by name beside the sample's array ({@link Partial#extra}), so the caller learns the
 * whole feature set from the same pass and places them afterwards, without reading the table twice.
 *
 * <p>Used by normalize ({@code SampleMatrix}) to read the long count tables; the model jobs read the expression matrix
 * ({@code io.exocohort.matrix.SampleVectors}).
 */
public final class SamplePartials implements Iterator<Tuple2<String, SamplePartials.Partial>> {
  private final LongRows.Cursor<Integer> rows;
  private final int n;
  private final double fill;
  private final int maxPartials;
  private final Map<String, Partial> partial = new HashMap<>();
  private Partial current;
  private Iterator<Map.Entry<String, Partial>> out;

  /**
   * One sample's values over the index ({@code fill} where absent) and, by name, those of features the index lacks
   * (null when there are none; a row without a value is kept there as {@code fill}, so that its feature is known).
   */
  public static final class Partial implements Serializable {
    private static final long serialVersionUID = 1L;
    public final double[] v;
    public HashMap<String, Double> extra;

    public Partial(double[] v, HashMap<String, Double> extra) {
      this.v = v;
      this.extra = extra;
    }

    /**
     * Adds {@code other} (another partition's partial of the same sample) into this one: slot by slot, and extra
     * values by name, summed (counts: a sample's rows are split between partitions, never repeated) or, when
     * {@code takePresent} (intensities, absent = NaN), the value that is present.
     */
    public Partial merge(Partial other, boolean takePresent) {
      for (int i = 0; i < v.length; i++) v[i] = combine(v[i], other.v[i], takePresent);
      if (other.extra != null) {
        if (extra == null) {
          extra = other.extra;
        } else {
          other.extra.forEach((k, x) -> extra.merge(k, x, (a, b) -> combine(a, b, takePresent)));
        }
      }
      return this;
    }

    private static double combine(double a, double b, boolean takePresent) {
      if (takePresent) return Double.isNaN(a) ? b : a;
      return a + b;
    }
  }

  private SamplePartials(LongRows.Cursor<Integer> rows, int n, double fill, int maxPartials) {
    this.rows = rows;
    this.n = n;
    this.fill = fill;
    this.maxPartials = maxPartials;
  }

  /**
   * Partials keyed by {@link #key}: {@code n} slots over {@code index} (absent values {@code fill}), and the values
   * of features missing from {@code index} by name. A partition holds at most {@code partialBytes} of arrays at a
   * time.
   *
   * @param values long rows with columns {@code cohort, sample_id, feature, value} (value numeric, may be null)
   */
  public static JavaPairRDD<String, Partial> of(Dataset<Row> values, Broadcast<Map<String, Integer>> index,
      int n, double fill, long partialBytes) {
    int maxPartials = (int) Math.max(16, partialBytes / (8L * Math.max(n, 1)));
    return LongRows.pairs(
        values.select(col("cohort"), col("sample_id"), col("feature"), col("value").cast("double")),
        name -> index.value().get(name),
        rows -> new SamplePartials(rows, n, fill, maxPartials));
  }

  /** The key of a sample's arrays. */
  public static String key(String cohort, String sample) {
    return cohort + '\u0001' + sample;
  }

  /** {@code cohort, sample_id} of a {@link #key}. */
  public static String[] split(String key) {
    return key.split("\u0001", 2);
  }

  private void fillUp() {
    partial.clear();
    current = null;
    while (rows.hasNext() && partial.size() < maxPartials) {
      rows.next();
      if (current == null || rows.keyChanged()) {
        current = partial.computeIfAbsent(key(rows.cohort(), rows.sample()), k -> {
          double[] x = new double[n];
          Arrays.fill(x, fill);
          return new Partial(x, null);
        });
      }
      Integer at = rows.feature();
      if (at == null) {
        if (current.extra == null) current.extra = new HashMap<>();
        current.extra.put(rows.featureName(), rows.hasValue() ? rows.value() : fill);
      } else if (rows.hasValue()) {
        current.v[at] = rows.value();
      }
    }
    out = new ArrayList<>(partial.entrySet()).iterator();
  }

  @Override
  public boolean hasNext() {
    while (out == null || !out.hasNext()) {
      if (!rows.hasNext()) return false;
      fillUp();
    }
    return true;
  }

  @Override
  public Tuple2<String, Partial> next() {
    Map.Entry<String, Partial> e = out.next();
    return new Tuple2<>(e.getKey(), e.getValue());
  }
}
