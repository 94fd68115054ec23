package io.exocohort.common;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.datasources.parquet.ParquetDictionary;
import org.apache.spark.sql.execution.vectorized.ConstantColumnVector;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.types.UTF8String;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The Parquet reader's own column batches of a dataset that is a bare file scan (a Delta or Parquet table with
 * at most partition pruning and a choice of columns: no row filter, no computed column), for the few passes over
 * the long count tables where turning every value into a Catalyst row costs more than the pass itself.
 *
 * <p>Reading the batches keeps Parquet's dictionary encoding: a string column of a row group arrives as integer
 * ids into the row group's dictionary ({@link #dictionaryIds}), so a pass can work out a property of each
 * distinct name once per row group ({@link #dictionary}) instead of decoding the name on every row.
 *
 * <p>Anything else (an in-memory frame, a filter on a data column, Delta deletion vectors, the vectorised
 * reader switched off) gives {@code null}, and callers take their row path, which computes the same.
 */
public final class ColumnarScan {
  private ColumnarScan() {}

  /** The batches, and the position in each batch of every column of the dataset, by name. */
  public record Batches(RDD<ColumnarBatch> rdd, List<String> columns) {
    public int index(String column) {
      int i = columns.indexOf(column);
      if (i < 0) throw new IllegalArgumentException("no column " + column + " in " + columns);
      return i;
    }
  }

  /** The dataset's batches when its physical plan is a bare columnar file scan, else null. */
  public static Batches of(Dataset<Row> ds) {
    SparkPlan p = ds.queryExecution().executedPlan();
    while (true) {
      if (p instanceof WholeStageCodegenExec w) {
        p = w.child();
      } else if (p instanceof InputAdapter a) {
        p = a.child();
      } else if (p instanceof ProjectExec pr && onlyAttributes(pr)) {
        p = pr.child();
      } else if (p instanceof ColumnarToRowExec c && scanUnder(c.child()) instanceof FileSourceScanExec f
          && f.supportsColumnar()) {
        List<String> names = new ArrayList<>();
        for (Attribute a : CollectionConverters.asJava(f.output())) names.add(a.name());
        for (String n : ds.columns()) if (!names.contains(n)) return null;
        return new Batches(f.executeColumnar(), List.copyOf(names));
      } else {
        return null;
      }
    }
  }

  private static SparkPlan scanUnder(SparkPlan p) {
    return p instanceof InputAdapter a ? a.child() : p;
  }

  private static boolean onlyAttributes(ProjectExec p) {
    for (NamedExpression e : CollectionConverters.asJava(p.projectList())) {
      if (!(e instanceof Attribute)) return false;
    }
    return true;
  }

  /** The vector's dictionary, and the Parquet dictionary inside Spark's per-batch wrapper of it. */
  private static final Field DICTIONARY = field(WritableColumnVector.class, "dictionary");
  private static final Field PARQUET_DICTIONARY = field(ParquetDictionary.class, "dictionary");

  private static Field field(Class<?> c, String name) {
    try {
      Field f = c.getDeclaredField(name);
      f.setAccessible(true);
      return f;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another Spark: callers decode every value
    }
  }

  /**
   * The dictionary behind a dictionary-encoded batch column: the same object for every batch of one row group
   * (the reader wraps it anew for each batch: this unwraps it), a new one at the next. Null when the column is
   * not dictionary-encoded in this batch.
   */
  public static Object dictionary(ColumnVector v) {
    if (DICTIONARY == null || PARQUET_DICTIONARY == null || !(v instanceof WritableColumnVector w)
        || !w.hasDictionary()) {
      return null;
    }
    try {
      Object d = DICTIONARY.get(w);
      return d instanceof ParquetDictionary p ? PARQUET_DICTIONARY.get(p) : null;
    } catch (IllegalAccessException e) {
      return null;
    }
  }

  /** The dictionary ids of a column for which {@link #dictionary} is not null. */
  public static ColumnVector dictionaryIds(ColumnVector v) {
    return ((WritableColumnVector) v).getDictionaryIds();
  }

  /**
   * Tells, row by row through the batches of a scan, where the (cohort, sample) key differs from the previous
   * row's. The long tables hold a sample's rows together (as ingest writes them), so callers look a key up only
   * where it changes; nothing depends on that order, a scattered table only costs more lookups. Where the sample
   * column arrives dictionary-encoded and the cohort is a partition column (one value per batch), an unchanged
   * dictionary id means an unchanged key and nothing is decoded; otherwise (and at the first row of every batch:
   * ids are per row group) the names are decoded and compared.
   */
  public static final class KeyRuns {
    private final int cohortAt;
    private final int sampleAt;
    private ColumnVector cohorts;
    private ColumnVector samples;
    private ColumnVector sampleIds;
    private boolean oneCohort;
    private int lastId = -1;
    private UTF8String cohort;
    private UTF8String sample;
    private boolean cohortChanged;

    public KeyRuns(int cohortAt, int sampleAt) {
      this.cohortAt = cohortAt;
      this.sampleAt = sampleAt;
    }

    /** Moves on to the next batch. */
    public void batch(ColumnarBatch b) {
      cohorts = b.column(cohortAt);
      samples = b.column(sampleAt);
      oneCohort = cohorts instanceof ConstantColumnVector;
      sampleIds = dictionary(samples) == null ? null : dictionaryIds(samples);
      lastId = -1;
    }

    /** Whether row {@code i} of the batch starts a new key (the first row seen always does). */
    public boolean changed(int i) {
      int id = sampleIds == null ? -1 : sampleIds.getInt(i);
      if (sample != null && id >= 0 && id == lastId && oneCohort) return false;
      lastId = id;
      UTF8String c = cohorts.getUTF8String(i);
      UTF8String s = samples.getUTF8String(i);
      boolean newCohort = cohort == null || !c.equals(cohort);
      if (!newCohort && s.equals(sample)) return false;
      if (newCohort) cohort = c.clone();
      sample = s.clone();
      cohortChanged = newCohort;
      return true;
    }

    /** After {@link #changed} said true: whether the cohort changed too. */
    public boolean cohortChanged() {
      return cohortChanged;
    }

    public String cohort() {
      return cohort.toString();
    }

    public String sample() {
      return sample.toString();
    }

    /** The current batch's cohort vector is one value for the whole batch. */
    public boolean oneCohort() {
      return oneCohort;
    }
  }

  /**
   * Something worked out once per distinct value of a dictionary-encoded string column and row group, looked
   * up by dictionary id; forgets everything when the row group (its dictionary) changes.
   */
  public static final class PerDictionaryId<T> {
    private Object dictionary;
    private Object owner;
    private Object[] memo = new Object[0];

    /**
     * The column's dictionary ids in this batch, or null when it is not dictionary-encoded here (then decode
     * every value). {@code owner} is anything else the memo depends on (e.g. the batch's cohort): a change
     * forgets it too.
     */
    public ColumnVector batch(ColumnVector column, Object owner) {
      Object d = dictionary(column);
      if (d == null) return null;
      if (d != dictionary || !Objects.equals(owner, this.owner)) {
        dictionary = d;
        this.owner = owner;
        Arrays.fill(memo, null);
      }
      return dictionaryIds(column);
    }

    @SuppressWarnings("unchecked")
    public T get(int id) {
      return id < memo.length ? (T) memo[id] : null;
    }

    public void put(int id, T value) {
      if (id >= memo.length) memo = Arrays.copyOf(memo, Math.max(id + 1, 2 * memo.length));
      memo[id] = value;
    }
  }
}
