package io.exocohort.maintenance;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.matrix.Matrices;
import io.exocohort.normalize.CountVectors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code upgrade}: converts a lake written before the expression matrices. Such a lake has the long Delta tables
 * {@code mirna_expression} / {@code protein_expression} (one row per sample and feature, partitioned by cohort)
 * and no matrix tables. For each long table present, one run ({@link RunScope}, job {@code upgrade}):
 * <ol>
 *   <li>converts its rows into the matrix and its sample index ({@link Matrices#fromLong}), written for the
 *       table's cohorts (the values, {@code scale} and {@code norm_run_id} as they were: the normalize runs that
 *       made them stay the ones {@code job_runs} records);</li>
 *   <li>checks, per cohort, that the matrix read back long holds exactly the old rows: the same count, the same
 *       number of null values, and the same sum of a 64-bit hash of every row (an order-free checksum of the
 *       multiset of rows: a changed, lost or added value changes it); a difference fails the run, which restores
 *       the matrix tables;</li>
 *   <li>moves each old table folder to {@code <lake>/_pre_matrix/<name>} (a rename: a Delta table's log names
 *       its files relative to its folder, so it stays a readable Delta table with its history there), drops a
 *       catalog entry the old name may still have in a persistent metastore (external: no file deleted), and
 *       records the run. If the move or the record fails, the folders are moved back.</li>
 * </ol>
 * The same run builds the per-sample miR count vectors ({@code mirna_count_vectors}, {@code mirna_count_features};
 * docs/design.md, ADR 2) of every cohort that has rows in {@code mirna_counts} but no vectors (a lake written before
 * them), from {@code mirna_counts} as ingest builds them, each cohort checked to hold a value for every row; and it
 * sets what the registry declares and an older table lacks: Parquet writer properties, and CHECK constraints in
 * their declared form (de_results' {@code method_valid} gained {@code treat}; Delta checks the rows). A lake
 * without long tables and without cohorts lacking vectors, but with a matrix, is already upgraded (a no-op: nothing
 * written, nothing recorded); a lake with none of these is refused (exit 2). The old tables are kept, not deleted: deleting them is the user's
 * decision once the upgraded lake has been checked (see docs/operations.md).
 */
public final class LakeUpgrade {
  private static final Logger LOG = LoggerFactory.getLogger(LakeUpgrade.class);
  public static final String JOB = "upgrade";

  private LakeUpgrade() {}

  /** The arguments of {@code upgrade}: the lake, its catalog database, and a run id (null: generated). */
  public record Args(String lake, String database, String runId) {}

  /** One converted table: its rows and cohorts, the matrix rows and blocks written, where the old table went. */
  public record Converted(String table, long rows, int cohorts, long matrixRows, long blocks, String keptAt) {}

  /**
   * What the command did: the run id (null for a no-op), the tables converted, the cohorts whose miR count vectors
   * it built, the tables whose declared writer properties and CHECK constraints it set, a one-line summary.
   */
  public record Result(String runId, List<Converted> converted, List<String> vectorCohorts,
      List<String> propertyTables, List<String> constraintTables, String message) {
    public boolean noOp() {
      return runId == null;
    }
  }

  /** Upgrades the lake at {@code a.lake()} (see the class comment). */
  public static Result run(SparkSession spark, Args a) {
    Lake lake = RunScope.lake(spark, a.lake(), a.database());
    if (!lake.folderExists()) throw new BadInputException("no lake at " + lake.root() + " (no such folder: check --lake)");
    List<Modality> old = Arrays.stream(Modality.values()).filter(lake::hasPreMatrixTable).toList();
    List<String> noVectors = CountVectors.missing(lake, null);
    Map<TableDef, Map<String, String>> props = new LinkedHashMap<>();
    for (TableDef t : Tables.ALL) {
      Map<String, String> p = lake.missingWriterProperties(t);
      if (!p.isEmpty()) props.put(t, p);
    }
    Map<TableDef, java.util.Set<String>> constraints = new LinkedHashMap<>();
    for (TableDef t : Tables.ALL) {
      Map<String, String> c = lake.outdatedConstraints(t);
      if (!c.isEmpty()) constraints.put(t, c.keySet());
    }
    if (old.isEmpty() && noVectors.isEmpty() && props.isEmpty() && constraints.isEmpty()) {
      boolean matrices = Arrays.stream(Modality.values()).anyMatch(m -> lake.exists(m.matrix()));
      if (!matrices) {
        throw new BadInputException("lake " + lake.root() + " has no expression tables to upgrade (neither "
            + "mirna_expression / protein_expression tables nor mirna_matrix / protein_matrix)");
      }
      String msg = "lake " + lake.root() + " is already upgraded: its expression is stored as matrices; nothing to do";
      LOG.info(msg);
      return new Result(null, List.of(), List.of(), List.of(), List.of(), msg);
    }
    for (Modality m : old) {
      Path to = keptAt(lake, m);
      if (exists(lake, to)) {
        throw new BadInputException(to + " already exists: move it away, then run upgrade again (it would be where "
            + "the old " + m.view() + " table is kept)");
      }
    }
    return RunScope.run(lake, JOB, a.runId(), null, a, s -> upgrade(s, old, noVectors, props, constraints));
  }

  private static Result upgrade(RunScope s, List<Modality> old, List<String> noVectors,
      Map<TableDef, Map<String, String>> props, Map<TableDef, java.util.Set<String>> constraints) {
    Map<String, String> params = new LinkedHashMap<>();
    // table properties declared since the table was created (the matrices' row-group bound): metadata only; the
    // files are cut to the bound when next written
    for (Map.Entry<TableDef, Map<String, String>> e : props.entrySet()) {
      TableDef t = e.getKey();
      s.noteBefore(t);
      s.lake().setProperties(t, e.getValue());
      s.wrote(new Commit(t.name(), s.lake().version(t), 0, 0, 0, 0));
      params.put("properties." + t.name(), e.getValue().toString());
      LOG.info("upgrade: {}: set {}", t.name(), e.getValue());
    }
    // CHECK constraints declared since the table was created (de_results' method_valid gained treat)
    for (Map.Entry<TableDef, java.util.Set<String>> e : constraints.entrySet()) {
      TableDef t = e.getKey();
      s.declareConstraints(t, e.getValue());
      params.put("constraints." + t.name(), String.join(",", e.getValue()));
      LOG.info("upgrade: {}: constraint(s) {} put in their declared form", t.name(), e.getValue());
    }
    List<Converted> done = new ArrayList<>();
    for (Modality m : old) done.add(convert(s, m, params));
    if (!noVectors.isEmpty()) countVectors(s, noVectors, params);
    Map<Modality, Boolean> moved = new LinkedHashMap<>();
    try {
      for (Modality m : old) moved.put(m, moveAside(s.lake(), m));
      List<String> parts = new ArrayList<>();
      if (!done.isEmpty()) {
        parts.add("converted " + String.join(", ", done.stream().map(c -> c.table() + " (" + c.rows() + " rows, "
            + c.cohorts() + " cohorts)").toList()) + " to matrices; old tables kept under "
            + s.lake().path(Lake.PRE_MATRIX));
      }
      if (!noVectors.isEmpty()) parts.add("built the miR count vectors of cohort(s) " + String.join(", ", noVectors));
      if (!props.isEmpty()) {
        parts.add("set the declared Parquet writer properties of " + String.join(", ", props.keySet().stream()
            .map(TableDef::name).toList()));
      }
      if (!constraints.isEmpty()) {
        parts.add("put the declared CHECK constraints of " + String.join(", ", constraints.keySet().stream()
            .map(TableDef::name).toList()) + " in place");
      }
      String msg = String.join("; ", parts);
      s.succeeded(params, msg);
      return new Result(s.id(), done, noVectors, props.keySet().stream().map(TableDef::name).toList(),
          constraints.keySet().stream().map(TableDef::name).toList(), msg);
    } catch (RuntimeException e) {
      moved.forEach((m, registered) -> moveBack(s.lake(), m, registered, e));
      throw e;
    }
  }

  /** Converts one long table into the matrix and its index, and checks the result against the old rows. */
  private static Converted convert(RunScope s, Modality m, Map<String, String> params) {
    Lake lake = s.lake();
    String from = lake.preMatrixPath(m);
    long version = io.delta.tables.DeltaTable.forPath(s.spark(), from).history(1).select("version").head().getLong(0);
    Dataset<Row> rows = oldRows(s.spark(), from, version, m);
    List<String> cohorts = rows.select("cohort").distinct().as(Encoders.STRING()).collectAsList().stream().sorted()
        .toList();
    if (cohorts.isEmpty()) throw new BadInputException(from + " has no rows: nothing to convert (move it away)");
    Commit rowsCommit;
    Commit samplesCommit;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, m.view() + " -> " + m.matrix().name())) {
      Matrices.Matrix x = Matrices.fromLong(s.spark(), rows, m, Tables.MATRIX_BLOCK_SAMPLES);
      rowsCommit = s.replaceCohorts(m.matrix(), x.rows(), cohorts);
      samplesCommit = s.replaceCohortsMergingSchema(m.samples(), x.samples(), cohorts);
      st.done("{} cohorts: {} matrix rows, {} blocks", cohorts.size(), rowsCommit.rowsWritten(),
          samplesCommit.rowsWritten());
    }
    Dataset<Row> now = Matrices.longRows(lake.readAsOf(m.matrix(), rowsCommit.version()),
        lake.readAsOf(m.samples(), samplesCommit.version()), m.protein()).filter(col("cohort").isin(cohorts.toArray()));
    Map<String, Row> before = checksums(rows, m);
    Map<String, Row> after = checksums(now, m);
    long total = 0;
    for (Map.Entry<String, Row> e : before.entrySet()) {
      Row b = e.getValue();
      Row a = after.get(e.getKey());
      if (a == null || !a.equals(b)) {
        throw new IllegalStateException("upgrade: the converted " + m.matrix().name() + " of cohort " + e.getKey()
            + " does not hold exactly the rows of " + m.view() + " (rows, null values, row hash sum: old "
            + b + ", new " + a + "); nothing changed");
      }
      total += b.getLong(0);
    }
    if (after.size() != before.size()) {
      throw new IllegalStateException("upgrade: " + m.matrix().name() + " has cohorts " + after.keySet()
          + ", " + m.view() + " has " + before.keySet() + "; nothing changed");
    }
    LOG.info("{}: {} rows of {} cohorts checked against {} (count, nulls, row hashes)", m.view(), total,
        cohorts.size(), m.matrix().name());
    String keptAt = keptAt(lake, m).toString();
    params.put(m.view() + ".version", String.valueOf(version));
    params.put(m.view() + ".rows", String.valueOf(total));
    params.put(m.view() + ".cohorts", String.join(",", cohorts));
    params.put(m.view() + ".kept_at", keptAt);
    return new Converted(m.view(), total, cohorts.size(), rowsCommit.rowsWritten(), samplesCommit.rowsWritten(),
        keptAt);
  }

  /**
   * Builds the miR count vectors of cohorts that have counts but none (a lake written before them) from
   * {@code mirna_counts} at the pinned version, as ingest builds them, and checks each cohort without loss: the
   * vectors hold a value for exactly as many (sample, miR) pairs as the cohort has rows, over as many samples. A
   * difference fails the run, which restores both tables.
   */
  private static void countVectors(RunScope s, List<String> cohorts, Map<String, String> params) {
    long version = s.version(Tables.MIRNA_COUNTS);
    for (String cohort : cohorts) {
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "mirna_counts -> mirna_count_vectors of " + cohort)) {
        Dataset<Row> rows = s.read(Tables.MIRNA_COUNTS).filter(col("cohort").equalTo(cohort));
        Row want = rows.agg(count(lit(1)), org.apache.spark.sql.functions.count_distinct(col("sample_id"))).head();
        CountVectors.Written w = CountVectors.write(s, cohort, version, want.getLong(1));
        Row got = s.lake().readAsOf(Tables.MIRNA_COUNT_VECTORS, w.vectors().version())
            .filter(col("cohort").equalTo(cohort))
            .agg(sum(org.apache.spark.sql.functions.size(col("counts")).minus(
                when(col("absent").isNull(), lit(0)).otherwise(org.apache.spark.sql.functions.size(col("absent")))))
                .cast("long"), count(lit(1)))
            .head();
        long values = got.isNullAt(0) ? 0 : got.getLong(0);
        if (values != want.getLong(0) || got.getLong(1) != want.getLong(1)) {
          throw new IllegalStateException("upgrade: the miR count vectors of cohort " + cohort + " hold " + values
              + " values of " + got.getLong(1) + " samples, mirna_counts " + want.getLong(0) + " rows of "
              + want.getLong(1) + " samples; nothing changed");
        }
        st.done("{} samples x {} miRs, {} values checked", w.samples(), w.features(), values);
      }
    }
    params.put(Tables.MIRNA_COUNT_VECTORS.name() + ".cohorts", String.join(",", cohorts));
    params.put(Tables.MIRNA_COUNTS.name() + ".version", String.valueOf(version));
  }

  /** The old table at {@code version}, its columns as {@link Matrices#longSchema} names them. */
  private static Dataset<Row> oldRows(SparkSession spark, String path, long version, Modality m) {
    Dataset<Row> d = spark.read().format("delta").option("versionAsOf", version).load(path);
    List<String> have = Arrays.asList(d.columns());
    List<Column> cols = new ArrayList<>();
    for (StructField f : Matrices.longSchema(m).fields()) {
      if (!have.contains(f.name())) {
        throw new BadInputException(path + " is not an exocohort " + m.view() + " table: it has no column '"
            + f.name() + "' (columns: " + String.join(", ", have) + ")");
      }
      cols.add(col(f.name()).cast(f.dataType()));
    }
    return d.select(cols.toArray(new Column[0]));
  }

  /**
   * Per cohort: rows, null values, and the sum of {@code xxhash64} over every column of each row (as a decimal:
   * no overflow, exact). Equal for two sets of long rows when they hold the same rows, in any order.
   */
  static Map<String, Row> checksums(Dataset<Row> longRows, Modality m) {
    Column[] all = Arrays.stream(Matrices.longSchema(m).fieldNames()).map(n -> col(n)).toArray(Column[]::new);
    List<Row> rows = longRows.select(all).groupBy("cohort")
        .agg(count(lit(1)).as("rows"), sum(when(col("value").isNull(), 1L).otherwise(0L)).as("nulls"),
            sum(xxhash64(all).cast("decimal(20,0)")).as("hash"))
        .collectAsList();
    Map<String, Row> out = new TreeMap<>();
    for (Row r : rows) {
      out.put(r.getString(0), org.apache.spark.sql.RowFactory.create(r.getLong(1), r.getLong(2), r.getDecimal(3)));
    }
    return out;
  }

  private static Path keptAt(Lake lake, Modality m) {
    return new Path(lake.path(Lake.PRE_MATRIX), m.view());
  }

  private static boolean exists(Lake lake, Path p) {
    try {
      return fs(lake, p).exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + p, e);
    }
  }

  private static FileSystem fs(Lake lake, Path p) throws IOException {
    return p.getFileSystem(lake.spark().sparkContext().hadoopConfiguration());
  }

  /**
   * Moves the old table's folder under {@code _pre_matrix}, after dropping a catalog entry of its name that is a
   * table (a persistent metastore keeps the old registration; it would stand in the way of the view). Returns
   * whether it dropped one.
   */
  private static boolean moveAside(Lake lake, Modality m) {
    boolean registered = lake.dropExternalTableEntry(m.view());
    Path from = new Path(lake.preMatrixPath(m));
    Path to = keptAt(lake, m);
    try {
      FileSystem fs = fs(lake, from);
      fs.mkdirs(to.getParent());
      if (!fs.rename(from, to)) throw new IOException("rename returned false");
    } catch (IOException e) {
      throw new UncheckedIOException("upgrade: cannot move " + from + " to " + to + ": " + e.getMessage(), e);
    }
    LOG.info("{}: old table moved to {}", m.view(), to);
    return registered;
  }

  /**
   * Puts an old table's folder back after a failure, and its catalog entry if it had one (problems doing so are
   * attached to {@code e}).
   */
  private static void moveBack(Lake lake, Modality m, boolean registered, Throwable e) {
    Path from = keptAt(lake, m);
    Path to = new Path(lake.preMatrixPath(m));
    try {
      if (!fs(lake, from).rename(from, to)) throw new IOException("rename returned false");
      if (registered) lake.registerFolder(m.view(), to.toString());
      LOG.warn("{}: moved back from {} after the failure", m.view(), from);
    } catch (IOException | RuntimeException re) {
      LOG.error("could not move {} back to {}: move it by hand", from, to);
      e.addSuppressed(re);
    }
  }
}
