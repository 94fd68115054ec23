package io.exocohort.common;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalyst.LongRows;
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
 * <p>Used by normalize ({@code SampleMatrix}) to read the long count tables; the model jobs read the expression matrix
 * ({@code io.exocohort.matrix.SampleVectors}).
 */
public final class SamplePartials implements Iterator<Tuple2<String, double[]>> {
  private final LongRows.Cursor<Integer> rows;
  private final int n;
  private final double fill;
  private final boolean countUnknown;
  private final int maxPartials;
  private final Map<String, double[]> partial = new HashMap<>();
  private double[] current;
  private Iterator<Map.Entry<String, double[]>> out;

  private SamplePartials(LongRows.Cursor<Integer> rows, int n, double fill, boolean countUnknown,
      int maxPartials) {
    this.rows = rows;
    this.n = n;
    this.fill = fill;
    this.countUnknown = countUnknown;
    this.maxPartials = maxPartials;
  }

  /**
   * Partial arrays keyed by {@link #key}: {@code n} slots (absent values {@code fill}), plus one more slot that
   * counts the rows whose feature is not in the index when {@code countUnknown} (otherwise every feature must be
   * in it). A partition holds at most {@code partialBytes} of arrays at a time.
   *
   * @param values long rows with columns {@code cohort, sample_id, feature, value} (value numeric, may be null)
   */
  public static JavaPairRDD<String, double[]> of(Dataset<Row> values, Broadcast<Map<String, Integer>> index,
      int n, double fill, boolean countUnknown, long partialBytes) {
    int width = countUnknown ? n + 1 : n;
    int maxPartials = (int) Math.max(16, partialBytes / (8L * Math.max(width, 1)));
    return LongRows.pairs(
        values.select(col("cohort"), col("sample_id"), col("feature"), col("value").cast("double")),
        name -> index.value().get(name),
        rows -> new SamplePartials(rows, n, fill, countUnknown, maxPartials));
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
          double[] x = new double[countUnknown ? n + 1 : n];
          Arrays.fill(x, 0, n, fill);
          return x;
        });
      }
      Integer at = rows.feature();
      if (at == null) {
        if (!countUnknown) throw new IllegalStateException("feature " + rows.featureName() + " is not in the index");
        current[n] += 1;
      } else if (rows.hasValue()) {
        current[at] = rows.value();
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
  public Tuple2<String, double[]> next() {
    Map.Entry<String, double[]> e = out.next();
    return new Tuple2<>(e.getKey(), e.getValue());
  }
}
