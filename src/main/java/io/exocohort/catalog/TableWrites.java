package io.exocohort.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.delta.tables.DeltaTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.MapType;

/**
 * The lake's write operations, each one Delta commit described by a {@link Commit}: append, overwrite,
 * replace the partitions of some cohorts, and merge one cohort. Each creates the table from its declaration if
 * needed ({@link Lake#ensure}) and finds its own commit in the Delta log (not simply the latest: another job
 * may have committed since), from which it takes the version and row counts.
 *
 * <p>Jobs call these through their {@link RunScope}, which remembers every commit for the run's record and
 * for rollback.
 */
public final class TableWrites {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TableWrites() {}

  /** Appends {@code rows} (columns in the table's order, as its schema). */
  public static Commit append(Lake lake, TableDef t, Dataset<Row> rows) {
    return save(lake, t, rows, "append", null, null);
  }

  /**
   * Appends {@code rows}, adding to the table's schema the columns of {@code rows} it lacks (Delta
   * {@code mergeSchema}): a table written by an earlier version gains the columns declared since (null in its old
   * rows).
   */
  public static Commit appendMergingSchema(Lake lake, TableDef t, Dataset<Row> rows) {
    return save(lake, t, rows, rows.write().option("mergeSchema", "true"), "append", null, null);
  }

  /** Replaces the whole table with {@code rows}; {@code userMetadata} (may be null) is stored with the commit. */
  public static Commit overwrite(Lake lake, TableDef t, Dataset<Row> rows, String userMetadata) {
    return save(lake, t, rows, "overwrite", null, userMetadata);
  }

  /**
   * Replaces the rows of the given cohorts ({@code replaceWhere} on the {@code cohort} partition column) with
   * {@code rows}, which must hold only those cohorts; the other cohorts' files are untouched.
   */
  public static Commit replaceCohorts(Lake lake, TableDef t, Dataset<Row> rows, Collection<String> cohorts) {
    return replaceCohorts(lake, t, rows, rows.write(), cohorts);
  }

  /**
   * As {@link #replaceCohorts}, adding to the table's schema the columns of {@code rows} it lacks (Delta
   * {@code mergeSchema}): a table written by an earlier version gains the columns declared since (null in the
   * other cohorts' old rows).
   */
  public static Commit replaceCohortsMergingSchema(Lake lake, TableDef t, Dataset<Row> rows,
      Collection<String> cohorts) {
    return replaceCohorts(lake, t, rows, rows.write().option("mergeSchema", "true"), cohorts);
  }

  private static Commit replaceCohorts(Lake lake, TableDef t, Dataset<Row> rows, DataFrameWriter<Row> writer,
      Collection<String> cohorts) {
    if (cohorts.isEmpty()) throw new IllegalArgumentException("replaceCohorts of " + t.name() + ": no cohort");
    return save(lake, t, rows, writer, "overwrite", cohortPredicate(cohorts), null);
  }

  /**
   * Replaces the rows matching {@code predicate} (Delta {@code replaceWhere}, any SQL predicate on the table's
   * columns) with {@code rows}, which must all match it; the other rows are untouched.
   */
  public static Commit replaceWhere(Lake lake, TableDef t, Dataset<Row> rows, String predicate) {
    return save(lake, t, rows, "overwrite", predicate, null);
  }

  /** {@code cohort IN ('a', 'b')}, quoted for SQL. */
  public static String cohortPredicate(Collection<String> cohorts) {
    return "cohort IN (" + cohorts.stream().sorted().map(c -> "'" + Lake.sqlEscape(c) + "'")
        .collect(Collectors.joining(", ")) + ")";
  }

  private static Commit save(Lake lake, TableDef t, Dataset<Row> rows, String mode, String replaceWhere,
      String userMetadata) {
    return save(lake, t, rows, rows.write(), mode, replaceWhere, userMetadata);
  }

  private static Commit save(Lake lake, TableDef t, Dataset<Row> rows, DataFrameWriter<Row> writer, String mode,
      String replaceWhere, String userMetadata) {
    lake.ensure(t);
    long before = lake.version(t);
    String tag = userMetadata != null ? userMetadata : "exocohort-write-" + UUID.randomUUID();
    if (mode.equals("overwrite") && before == 0 && onlyCreated(lake, t)) {
      Commit c = firstWrite(lake, t, writer, tag);
      if (c != null) return c;
      before = lake.version(t);
    }
    var w = writer.format("delta").mode(mode).option("userMetadata", tag);
    if (replaceWhere != null) w = w.option("replaceWhere", replaceWhere);
    w.save(lake.path(t));
    JsonNode ci = ownCommit(lake, t, before, c -> tag.equals(c.path("userMetadata").asText(null)));
    if (ci == null) {
      // Delta records no commit for a write that adds and removes nothing (skipRecordingEmptyCommits): an empty
      // source into an empty partition, for one
      if (lake.version(t) == before || rows.isEmpty()) return Commit.none(t.name(), before);
      throw new IllegalStateException(t.name() + ": the commit of this write is not in its Delta log");
    }
    long n = metric(ci, "numOutputRows");
    return Commit.written(t.name(), ci.path("version").asLong(), n);
  }

  /**
   * An overwrite (of the whole table or of some cohorts) into a table that holds only its creation commit, written as
   * an append: it replaces nothing, and Delta's overwrite would first reconstruct the empty version's state with
   * Spark jobs (its delete counts the table's files), about 0.1-0.2 s a table in a warm request whose normalize and
   * de create their tables (docs/design.md, ADR 3, fortieth session). The append must land right after the creation
   * (version 1): then no other commit came between, and the table holds what the overwrite would have left. If another
   * commit came between, returns null and the caller writes again as the overwrite it stands for, which replaces the
   * appended rows too. Rows outside an overwrite's cohorts are not refused here, as Delta's replaceWhere check does;
   * the callers build their rows from those cohorts.
   */
  private static Commit firstWrite(Lake lake, TableDef t, DataFrameWriter<Row> writer, String tag) {
    Runnable hook = beforeFirstWrite;
    if (hook != null) hook.run();
    writer.format("delta").mode("append").option("userMetadata", tag).save(lake.path(t));
    JsonNode ci = ownCommit(lake, t, 0, c -> tag.equals(c.path("userMetadata").asText(null)));
    if (ci == null) {
      // no commit: an empty source (skipRecordingEmptyCommits); right if nothing else was committed since
      return lake.version(t) == 0 ? Commit.none(t.name(), 0) : null;
    }
    return ci.path("version").asLong() == 1 ? Commit.written(t.name(), 1, metric(ci, "numOutputRows")) : null;
  }

  private static volatile Runnable beforeFirstWrite;

  /** Test hook: runs just before a first write's append (null: none), as another writer's commit coming between. */
  static void beforeFirstWriteForTests(Runnable r) {
    beforeFirstWrite = r;
  }

  /** Whether the table's log holds its creation commit alone, with no data file: no file is live at version 0. */
  static boolean onlyCreated(Lake lake, TableDef t) {
    try {
      return LogReplay.replay(lake.spark().sparkContext().hadoopConfiguration(), lake.path(t), 0).files().isEmpty();
    } catch (IOException | LogReplay.Unsupported e) {
      return false; // not replayable here (a checkpointed or cleaned log, a feature it does not read): Delta's overwrite
    }
  }

  /**
   * MERGE of {@code src} into the partition of {@code cohort} on (cohort, {@code keys}): new keys are inserted;
   * a matched row is rewritten only when a value column (not a key, not one of {@code bookkeeping}) differs, or
   * when it was written by one of the runs {@code rewriteRuns} (matched on {@code ingest_run_id}). A MERGE that
   * changed nothing makes no commit: {@link Commit#none}.
   */
  public static Commit mergeCohort(Lake lake, TableDef t, Dataset<Row> src, String cohort, List<String> keys,
      List<String> bookkeeping, Set<String> rewriteRuns) {
    lake.ensure(t);
    StringBuilder on = new StringBuilder("t.cohort = '" + Lake.sqlEscape(cohort) + "' AND t.cohort = s.cohort");
    for (String k : keys) on.append(" AND t.`").append(k).append("` = s.`").append(k).append('`');
    List<String> same = new ArrayList<>();
    for (String c : t.columnNames()) {
      if (c.equals("cohort") || keys.contains(c) || bookkeeping.contains(c)) continue;
      boolean isMap = t.schema().apply(c).dataType() instanceof MapType;
      same.add(isMap ? "to_json(t.`" + c + "`) <=> to_json(s.`" + c + "`)" : "t.`" + c + "` <=> s.`" + c + "`");
    }
    String changed = "NOT (" + String.join(" AND ", same) + ")";
    if (!rewriteRuns.isEmpty()) {
      changed = changed + " OR t.ingest_run_id IN (" + rewriteRuns.stream().sorted()
          .map(r -> "'" + Lake.sqlEscape(r) + "'").collect(Collectors.joining(", ")) + ")";
    }
    long before = lake.version(t);
    DeltaTable dt = lake.delta(t);
    dt.as("t").merge(src.as("s"), on.toString())
        .whenMatched(changed).updateAll()
        .whenNotMatched().insertAll()
        .execute();
    // a MERGE's commit records its resolved condition, "(cohort#12 = c1) AND ..."
    Pattern merged = Pattern.compile("\\bcohort#\\d+ = " + Pattern.quote(cohort) + "\\)");
    JsonNode ci = ownCommit(lake, t, before,
        c -> merged.matcher(c.path("operationParameters").path("predicate").asText("")).find());
    if (ci == null) return Commit.none(t.name(), before);
    long ins = metric(ci, "numTargetRowsInserted");
    long upd = metric(ci, "numTargetRowsUpdated");
    return new Commit(t.name(), ci.path("version").asLong(), ins, upd, ins + upd, metric(ci, "numSourceRows"));
  }

  /**
   * DELETE of the rows of {@code cohort} whose {@code runColumn} is one of {@code runIds} (rows left by runs that
   * never finished). A DELETE that matched nothing makes no commit: {@link Commit#none}. The commit writes no
   * row: its {@code rowsUpdated} holds the rows deleted.
   */
  public static Commit deleteCohortRuns(Lake lake, TableDef t, String cohort, String runColumn,
      Collection<String> runIds) {
    long before = lake.version(t);
    lake.delta(t).delete("cohort = '" + Lake.sqlEscape(cohort) + "' AND `" + runColumn + "` IN ("
        + runIds.stream().sorted().map(r -> "'" + Lake.sqlEscape(r) + "'").collect(Collectors.joining(", ")) + ")");
    Pattern mine = Pattern.compile("\\bcohort#\\d+ = " + Pattern.quote(cohort) + "\\)");
    JsonNode ci = ownCommit(lake, t, before, c -> "DELETE".equals(c.path("operation").asText())
        && mine.matcher(c.path("operationParameters").path("predicate").asText("")).find());
    if (ci == null) return Commit.none(t.name(), before);
    return new Commit(t.name(), ci.path("version").asLong(), 0, metric(ci, "numDeletedRows"), 0, 0);
  }

  private static long metric(JsonNode commitInfo, String name) {
    return Long.parseLong(commitInfo.path("operationMetrics").path(name).asText("0"));
  }

  /**
   * The user metadata of the table's newest commit, null if it has none: what {@code history(1)} shows, read from the
   * newest commit file (a history query is a Spark job).
   */
  static String latestUserMetadata(Lake lake, TableDef t) {
    JsonNode ci = ownCommit(lake, t, lake.version(t) - 1, c -> true);
    return ci == null ? null : ci.path("userMetadata").asText(null);
  }

  /**
   * The commit info of the newest commit after {@code beforeVersion} that {@code mine} recognises, with its
   * version added as {@code version}; null if there is none. Read from the commit files themselves (small
   * JSON), so that no cached snapshot of the table can hide a commit another thread of this session made.
   */
  static JsonNode ownCommit(Lake lake, TableDef t, long beforeVersion, Predicate<JsonNode> mine) {
    long now = lake.version(t);
    try {
      Path log = new Path(lake.path(t), "_delta_log");
      FileSystem fs = log.getFileSystem(lake.spark().sparkContext().hadoopConfiguration());
      for (long v = now; v > beforeVersion; v--) {
        Path f = new Path(log, String.format("%020d.json", v));
        try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(f), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            if (!line.startsWith("{\"commitInfo\"")) continue;
            JsonNode ci = JSON.readTree(line).get("commitInfo");
            if (!mine.test(ci)) break;
            ((com.fasterxml.jackson.databind.node.ObjectNode) ci).put("version", v);
            return ci;
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Delta log of " + lake.path(t), e);
    }
    return null;
  }
}
