package io.exocohort.reliability;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.check.LakeCheck;
import io.exocohort.common.Parallel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What a lake holds, table by table: Delta version, row count and an order-independent checksum of every row
 * (the sum of a 64-bit hash of each row, as a decimal). Equal states mean equal contents.
 */
record LakeState(Map<String, Table> tables) {
  record Table(long version, long rows, String checksum) {}

  /** Columns that differ between two runs of the same job by nature: wall-clock times and version maps. */
  static final Set<String> RUN_NOISE = Set.of("quarantined_at", "started_at", "ended_at", "qc_at", "table_versions",
      "input_versions", "output_versions");

  static Lake open(SparkSession spark, Path lake, String database) {
    return io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), database);
  }

  /** Every table at its latest version, all columns. */
  static LakeState of(Lake lake) {
    Map<String, Supplier<Table>> m = new LinkedHashMap<>();
    for (TableDef t : Tables.ALL) {
      long v = lake.version(t);
      if (v < 0) continue;
      m.put(t.name(), () -> summary(lake.readAsOf(t, v), v, Set.of(), false));
    }
    return new LakeState(concurrently(m));
  }

  /** Computes the summaries four at a time (each a small Spark job on its own table), in the given order. */
  static Map<String, Table> concurrently(Map<String, Supplier<Table>> summaries) {
    List<String> names = new ArrayList<>();
    List<Callable<Table>> tasks = new ArrayList<>();
    summaries.forEach((k, v) -> {
      names.add(k);
      tasks.add(v == null ? () -> null : v::get);
    });
    List<Parallel.Outcome<Table>> got = Parallel.all(tasks, 4, "lake-state");
    Map<String, Table> out = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      Throwable err = got.get(i).error();
      if (err instanceof RuntimeException re) throw re;
      if (err instanceof Error er) throw er;
      if (err != null) throw new IllegalStateException(err);
      out.put(names.get(i), got.get(i).value());
    }
    return out;
  }

  /** Asserts every table of {@code before} still reads, at its old version, exactly as it did. */
  void assertPreservedIn(Lake lake, String when) {
    Map<String, Supplier<Table>> then = new LinkedHashMap<>();
    for (Map.Entry<String, Table> e : tables.entrySet()) {
      TableDef t = Tables.byName(e.getKey());
      Table was = e.getValue();
      long v = lake.version(t);
      assertTrue(v >= was.version(), when + ": " + t.name() + " went back from " + was.version() + " to " + v);
      then.put(t.name(), () -> {
        Table at = summary(lake.readAsOf(t, was.version()), was.version(), Set.of(), false);
        // and the latest version is readable (an interrupted commit never leaves a half-written version)
        lake.readAsOf(t, v).count();
        return at;
      });
    }
    Map<String, Table> read = concurrently(then);
    for (Map.Entry<String, Table> e : tables.entrySet()) {
      assertEquals(e.getValue(), read.get(e.getKey()), when + ": " + e.getKey() + " at version "
          + e.getValue().version() + " changed");
    }
  }

  /**
   * Contents of the given tables with the per-run noise left out, doubles as floats, and only rows of recorded
   * runs where {@code recordedOnly} (derived tables: a killed run's rows are invisible to readers).
   */
  static Map<String, Table> contents(Lake lake, List<TableDef> tables, Map<String, String> runFilter) {
    return contents(lake, tables, runFilter, Map.of());
  }

  /** As {@link #contents(Lake, List, Map)}, each table's rows first passed through its {@code adjust} if any. */
  static Map<String, Table> contents(Lake lake, List<TableDef> tables, Map<String, String> runFilter,
      Map<String, java.util.function.UnaryOperator<Dataset<Row>>> adjust) {
    Map<String, Supplier<Table>> m = new LinkedHashMap<>();
    for (TableDef t : tables) {
      long v = lake.version(t);
      if (v < 0) {
        m.put(t.name(), null);
        continue;
      }
      String filter = runFilter.get(t.name());
      m.put(t.name(), () -> {
        Dataset<Row> d = lake.readAsOf(t, v);
        d = adjust.getOrDefault(t.name(), x -> x).apply(d);
        return summary(filter == null ? d : d.filter(expr(filter)), -1, RUN_NOISE, true);
      });
    }
    return concurrently(m);
  }

  static Table summary(Dataset<Row> d, long version, Set<String> skip, boolean loose) {
    List<Column> cols = new ArrayList<>();
    StructType s = d.schema();
    for (StructField f : s.fields()) {
      if (skip.contains(f.name())) continue;
      Column c = col("`" + f.name() + "`");
      if (f.dataType() instanceof MapType || f.dataType() instanceof ArrayType || f.dataType() instanceof StructType) {
        // A map's entries sorted by key: a map means the same whatever order its entries were put in (job_runs'
        // rows_written gets its entries in the order the run's commits land, and normalize commits a matrix and
        // its sample index from two driver threads at once).
        c = org.apache.spark.sql.functions.to_json(f.dataType() instanceof MapType
            ? org.apache.spark.sql.functions.array_sort(org.apache.spark.sql.functions.map_entries(c)) : c);
        c = org.apache.spark.sql.functions.coalesce(c, org.apache.spark.sql.functions.lit("<null>"));
      } else if (loose && f.dataType() instanceof DoubleType) {
        c = c.cast("float");
      }
      cols.add(c);
    }
    Row r = d.select(org.apache.spark.sql.functions.xxhash64(cols.toArray(new Column[0])).cast("decimal(38,0)")
        .as("h")).agg(org.apache.spark.sql.functions.count("*"), org.apache.spark.sql.functions.sum("h")).head();
    return new Table(version, r.getLong(0), r.isNullAt(1) ? "0" : r.getDecimal(1).toPlainString());
  }

  /** The lake's invariants hold ({@code check} finds no violation). */
  static void assertInvariants(Lake lake, String when) {
    LakeCheck.Result r = LakeCheck.run(lake, null);
    assertTrue(r.ok(), when + ": invariants violated: " + r.violations());
  }
}
