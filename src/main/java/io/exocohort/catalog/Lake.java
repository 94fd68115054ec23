package io.exocohort.catalog;

import io.delta.tables.DeltaTable;
import io.delta.tables.DeltaTableBuilder;
import io.exocohort.common.BadInputException;
import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lake: every table is a Delta table at {@code <root>/<name>}, registered in the catalog database (default
 * {@code exocohort}) so analysts write {@code SELECT ... FROM exocohort.samples}.
 *
 * <p>Opening a lake reads: it resolves the root and nothing more (no folder, probe or table is created), so
 * read-only commands ({@code sql}, {@code runs}, {@code history}, {@code check}) leave the lake's files as they
 * were. Writing is an explicit step: {@link #prepareForWrites} (the folder and a write probe) and
 * {@link #ensure} (a table from its declaration), taken by the jobs' {@link RunScope} when they write.
 *
 * <p>Catalog names: the lake folder is the source of truth. {@link LakeCatalog#register} runs {@code CREATE
 * DATABASE IF NOT EXISTS} and {@code CREATE TABLE IF NOT EXISTS ... USING delta LOCATION ...} for every table
 * whose Delta log exists (session catalog entries only: no file of the lake is written), so the names survive
 * between runs with Spark's in-memory catalog (embedded runs) and are harmless no-ops against a persistent
 * metastore (clusters).
 */
public final class Lake {
  private static final Logger LOG = LoggerFactory.getLogger(Lake.class);

  private final SparkSession spark;
  private final String root;
  private final String database;
  /** Tables read at a fixed version ({@link #pinned}); the others at their latest. */
  private final Map<String, Long> pins;

  /** Whether {@link #prepareForWrites} ran (shared by the pinned views of one opening). */
  private final java.util.concurrent.atomic.AtomicBoolean prepared;
  /** Tables being created by {@link #prepareWrites}, by name. */
  private final Map<String, java.util.concurrent.CompletableFuture<Void>> preparing =
      new java.util.concurrent.ConcurrentHashMap<>();

  private Lake(SparkSession spark, String root, String database, Map<String, Long> pins,
      java.util.concurrent.atomic.AtomicBoolean prepared) {
    this.spark = spark;
    this.root = root;
    this.database = database;
    this.pins = pins;
    this.prepared = prepared;
  }

  /**
   * This lake with the given tables pinned at a version (table name -&gt; version, -1 = absent): {@link #read} and
   * {@link #exists} of a pinned table see that snapshot, so helpers that take a lake read a job's inputs at the
   * versions the job records, whatever other writers commit meanwhile.
   */
  public Lake pinned(Map<String, Long> versions) {
    Map<String, Long> p = new LinkedHashMap<>(pins);
    p.putAll(versions);
    return new Lake(spark, root, database, java.util.Collections.unmodifiableMap(p), prepared);
  }

  /** Opens the lake named by the conf (read-only: see the class comment). */
  public static Lake open(SparkSession spark, ExoConf conf) {
    return open(spark, conf.get(Settings.LAKE), conf.get(Settings.DATABASE));
  }

  /**
   * Opens the lake at {@code rootArg} for reading: checks the names, resolves the root to a qualified path and
   * fails if it is a file. A folder that does not exist yet is an empty lake.
   */
  public static Lake open(SparkSession spark, String rootArg, String database) {
    if (rootArg == null || rootArg.isBlank()) throw new BadInputException("no lake given: use --lake DIR");
    if (database == null || !database.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new BadInputException("database name '" + database + "' is not a plain identifier");
    }
    String root;
    try {
      Path p = new Path(rootArg);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path q = fs.makeQualified(p);
      root = q.toString().replaceAll("/+$", "");
      if (fs.exists(q) && !fs.getFileStatus(q).isDirectory()) {
        throw new BadInputException("lake path " + rootArg + " is a file, not a folder");
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException("lake path " + rootArg + " cannot be read: " + firstLine(e.getMessage()));
    }
    DeltaLogCheck.watch(root);
    return new Lake(spark, root, database, Map.of(), new java.util.concurrent.atomic.AtomicBoolean());
  }

  /**
   * The explicit first step of writing: creates the lake folder if needed and checks it is writable with a probe
   * file (created and deleted at once). Taken once per opened lake; {@link #ensure} takes it.
   */
  public void prepareForWrites() {
    if (prepared.get()) return;
    try {
      Path q = new Path(root);
      FileSystem fs = q.getFileSystem(spark.sparkContext().hadoopConfiguration());
      fs.mkdirs(q);
      // one probe per lake opening: jobs opening the lake at the same moment must not delete each other's probe
      Path probe = new Path(q, "_exocohort_write_probe-" + java.util.UUID.randomUUID());
      fs.create(probe, true).close();
      fs.delete(probe, false);
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException("lake path " + root + " is not writable: " + firstLine(e.getMessage()));
    }
    // the tables a write creates are named in the lake's database: a fresh session has none yet
    createDatabase();
    prepared.set(true);
  }

  /** Whether the lake folder exists (a run's failure is recorded only in an existing lake). */
  public boolean folderExists() {
    try {
      Path q = new Path(root);
      return q.getFileSystem(spark.sparkContext().hadoopConfiguration()).isDirectory(q);
    } catch (IOException e) {
      return false;
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "unknown error";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public SparkSession spark() {
    return spark;
  }

  public String root() {
    return root;
  }

  public String database() {
    return database;
  }

  public String path(TableDef t) {
    return root + "/" + t.name();
  }

  public String path(String relative) {
    return root + "/" + relative;
  }

  /** {@code database.table}, for SQL. */
  public String qualified(TableDef t) {
    return "`" + database + "`.`" + t.name() + "`";
  }

  /** Where {@code upgrade} keeps the long expression tables of a lake written before the matrices. */
  public static final String PRE_MATRIX = "_pre_matrix";

  /**
   * The folder of a modality's long expression table as lakes wrote it before the matrices
   * ({@code <root>/mirna_expression}; the name is now the view's), whether or not it is there.
   */
  public String preMatrixPath(Modality m) {
    return root + "/" + m.view();
  }

  /**
   * Whether the lake still has a modality's long expression table written before the matrices (a Delta log at
   * {@link #preMatrixPath}): {@code upgrade} converts it to the matrix and moves it under {@link #PRE_MATRIX}.
   * A listing, no Spark job.
   */
  public boolean hasPreMatrixTable(Modality m) {
    try {
      Path log = new Path(preMatrixPath(m), "_delta_log");
      return log.getFileSystem(spark.sparkContext().hadoopConfiguration()).isDirectory(log);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list " + preMatrixPath(m), e);
    }
  }

  /**
   * Refuses, in one line (exit 2), a lake that still has a long expression table written before the matrices:
   * jobs that read or write the expression matrices must not run on it until {@code upgrade} has converted it.
   */
  public void requireUpgraded(Modality m) {
    if (!hasPreMatrixTable(m)) return;
    throw new BadInputException("lake " + root + " was written before the expression matrices (it has the long "
        + "table " + m.view() + ", not " + m.matrix().name() + "): run jobs/exocohort upgrade --lake "
        + (root.startsWith("file:") ? new Path(root).toUri().getPath() : root) + " first");
  }

  public boolean exists(TableDef t) {
    Long pin = pins.get(t.name());
    if (pin != null) return pin >= 0;
    return DeltaTable.isDeltaTable(spark, path(t));
  }

  /** Registers the name of every table of the lake that exists (session catalog entries; no lake file written). */
  void registerTables() {
    createDatabase();
    int n = 0;
    for (TableDef t : Tables.ALL) {
      if (exists(t)) {
        try {
          registerOne(t);
        } catch (RuntimeException e) {
          throw DeltaLogCheck.explain(spark, t.name(), path(t), qualified(t), e);
        }
        n++;
      }
    }
    LOG.debug("lake {}: {} tables registered in database {}", root, n, database);
  }

  /**
   * The lake's database in the session catalog (a catalog entry; no lake file written). The catalog is asked first:
   * a statement is parsed, analysed and planned, about 20 ms a call in a warm server, where a lookup is not.
   */
  private void createDatabase() {
    if (spark.catalog().databaseExists(database)) return;
    spark.sql("CREATE DATABASE IF NOT EXISTS `" + database + "` COMMENT 'exocohort lake at " + sqlEscape(root)
        + "'");
  }

  /**
   * Registers a table that another job declares (e.g. {@code predictions} of the model jobs) if the lake has it;
   * returns whether it does.
   */
  boolean registerOptional(String name) {
    String location = root + "/" + name;
    if (!DeltaTable.isDeltaTable(spark, location)) return false;
    registerOne(name, location);
    return true;
  }

  /**
   * Registers one table by location. A name registered for another location (another lake opened with the
   * same database name) is re-pointed here, with a warning: use one database per lake.
   */
  private void registerOne(TableDef t) {
    registerOne(t.name(), path(t));
  }

  private void registerOne(String name, String location) {
    String qualified = "`" + database + "`.`" + name + "`";
    if (registered(name)) {
      // the catalog entry's own location: DESCRIBE DETAIL would load the table's whole Delta snapshot (a Spark
      // job per table, seconds for a large table) to print the same string
      String loc = catalogLocation(name);
      if (loc != null && stripSlash(loc).equals(stripSlash(location))) return;
      LOG.warn("{} was registered for {}: re-pointing it to {}", qualified, loc, location);
      spark.sql("DROP TABLE " + qualified);
    }
    spark.sql("CREATE TABLE IF NOT EXISTS " + qualified + " USING delta LOCATION '" + sqlEscape(location) + "'");
  }

  /** Whether the name is in the catalog (without resolving the table, which fails if its folder is gone). */
  private boolean registered(TableDef t) {
    return registered(t.name());
  }

  private boolean registered(String name) {
    // the session catalog's own lookup: no query planned (SHOW TABLES is a query per call)
    return spark.sessionState().catalog().tableExists(identifier(name));
  }

  private org.apache.spark.sql.catalyst.TableIdentifier identifier(String name) {
    return new org.apache.spark.sql.catalyst.TableIdentifier(name, scala.Option.apply(database));
  }

  /**
   * The session catalog's entry for a name of this lake's database (a table or a view), or null if there is none:
   * the catalog's own record, without resolving the table (no query planned, no Delta snapshot loaded).
   */
  org.apache.spark.sql.catalyst.catalog.CatalogTable catalogEntry(String name) {
    try {
      return registered(name) ? spark.sessionState().catalog().getTableMetadata(identifier(name)) : null;
    } catch (Exception e) { // NoSuchTableException / NoSuchNamespaceException: checked in Java's eyes
      if (!(e instanceof org.apache.spark.sql.AnalysisException)) throw new IllegalStateException(e);
      return null;
    }
  }

  /**
   * Drops the catalog entry of {@code name} in this lake's database if it is an external table (a persistent
   * metastore may keep a name a former version registered): the entry only, no file. A view or a managed table
   * is left alone. Returns whether it dropped one.
   */
  public boolean dropExternalTableEntry(String name) {
    org.apache.spark.sql.catalyst.catalog.CatalogTable entry = catalogEntry(name);
    if (entry == null || entry.tableType() != org.apache.spark.sql.catalyst.catalog.CatalogTableType.EXTERNAL()) {
      return false;
    }
    spark.sql("DROP TABLE IF EXISTS `" + database + "`.`" + name + "`");
    LOG.info("dropped the catalog entry {}.{} (an external table: its files are kept)", database, name);
    return true;
  }

  /**
   * Drops the catalog entry of a name this lake is about to create (a table another lake of the same database
   * registered in this session). If the entry's folder holds no Delta table any more (a lake deleted since),
   * DROP TABLE would fail to resolve it and log that as a warning with a stack trace before dropping the entry
   * anyway: the catalog's own drop then, which is all that is left to do.
   */
  private void dropEntry(String name) {
    String loc = catalogLocation(name);
    boolean hasLog = false;
    if (loc != null) {
      try {
        Path log = new Path(loc, "_delta_log");
        hasLog = log.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(log);
      } catch (IOException | RuntimeException e) {
        hasLog = true; // cannot tell: the SQL path, which copes with either
      }
    }
    if (hasLog) spark.sql("DROP TABLE `" + database + "`.`" + name + "`");
    else dropCatalogEntry(name);
  }

  /**
   * Drops the catalog entry (a table or a view) of {@code name} in this lake's database, if there is one, without
   * resolving it: DROP TABLE and DROP VIEW analyse what they drop first (to uncache it), and a view over a table
   * this lake lacks, or a table whose folder is gone, fails that with a warning and a stack trace in the log before
   * being dropped anyway. Nothing here caches tables or views by name.
   */
  private void dropCatalogEntry(String name) {
    spark.sessionState().catalog().dropTable(identifier(name), true, false);
  }

  /** DROP VIEW IF EXISTS for a view of this lake's database, without analysing it ({@link #dropCatalogEntry}). */
  void dropView(String name) {
    org.apache.spark.sql.catalyst.catalog.CatalogTable entry = catalogEntry(name);
    if (entry != null && org.apache.spark.sql.catalyst.catalog.CatalogTableType.VIEW().equals(entry.tableType())) {
      dropCatalogEntry(name);
    }
  }

  /** Registers a Delta table folder of this lake that the registry does not declare, under {@code name}. */
  public void registerFolder(String name, String location) {
    registerOne(name, location);
  }

  /** The location the catalog holds for a registered name (null if none). */
  private String catalogLocation(String name) {
    org.apache.spark.sql.catalyst.catalog.CatalogTable entry = catalogEntry(name);
    scala.Option<java.net.URI> uri = entry == null ? scala.Option.empty() : entry.storage().locationUri();
    return uri.isDefined() ? uri.get().toString() : null;
  }

  private static String stripSlash(String s) {
    return s.replaceAll("/+$", "").replaceFirst("^file:/+", "file:///");
  }

  public static String sqlEscape(String s) {
    return s.replace("\\", "\\\\").replace("'", "\\'");
  }

  /**
   * Starts, in a driver thread per table, what a job's first write to each of {@code defs} would otherwise do on its
   * own thread just before writing: creating the table from its declaration if the lake lacks it (a creation is a
   * few small commits and Spark jobs; a first normalize and de create six tables). The job goes on reading and
   * computing meanwhile; {@link #ensure} (every write's first step) waits for the table's preparation.
   */
  public void prepareWrites(java.util.List<TableDef> defs) {
    for (TableDef t : defs) {
      preparing.computeIfAbsent(t.name(), n -> java.util.concurrent.CompletableFuture.runAsync(
          () -> io.exocohort.common.DeltaRetry.run(t.name(), () -> ensureOnce(t))));
    }
  }

  /** Waits for the preparations {@link #prepareWrites} started (their errors are left to the writes' own ensure). */
  public void awaitPrepared() {
    for (String n : java.util.List.copyOf(preparing.keySet())) awaitPrepared(n);
  }

  private void awaitPrepared(String name) {
    java.util.concurrent.CompletableFuture<Void> f = preparing.remove(name);
    if (f == null) return;
    try {
      f.join();
    } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
      LOG.debug("preparing {} failed; its write creates it: {}", name, e.toString());
    }
  }

  /** Creates the table if it does not exist yet (schema, comments, partitioning, constraints, properties). */
  public void ensure(TableDef t) {
    awaitPrepared(t.name());
    // Two jobs creating one table at once: the loser's commit or catalog entry conflicts; once again it finds it.
    io.exocohort.common.DeltaRetry.run(t.name(), () -> ensureOnce(t));
  }

  private void ensureOnce(TableDef t) {
    prepareForWrites();
    if (exists(t)) {
      registerOne(t);
      return;
    }
    if (registered(t)) dropEntry(t.name());
    DeltaTableBuilder b = DeltaTable.createIfNotExists(spark)
        .tableName(database + "." + t.name())
        .location(path(t))
        .comment(t.comment())
        .addColumns(t.schema());
    if (!t.partitionBy().isEmpty()) b = b.partitionedBy(t.partitionBy().toArray(new String[0]));
    for (Map.Entry<String, String> p : t.properties().entrySet()) b = b.property(p.getKey(), p.getValue());
    // CHECK constraints as table properties: created and enforced in the table's first commit (the same
    // entries ALTER TABLE ... ADD CONSTRAINT writes, without one commit and table scan per constraint).
    for (Map.Entry<String, String> c : t.constraints().entrySet()) {
      b = b.property("delta.constraints." + c.getKey(), c.getValue());
    }
    b.execute();
    LOG.info("created table {} at {}", qualified(t), path(t));
  }

  /**
   * Creates the missing ones of several tables at once (each creation is a few small commits; they run in
   * parallel threads of the driver, one Spark job each).
   */
  public void ensureAll(java.util.List<TableDef> defs) {
    java.util.List<java.util.concurrent.CompletableFuture<Void>> fs = new java.util.ArrayList<>();
    for (TableDef t : defs) fs.add(java.util.concurrent.CompletableFuture.runAsync(() -> ensure(t)));
    try {
      java.util.concurrent.CompletableFuture.allOf(fs.toArray(new java.util.concurrent.CompletableFuture[0])).join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      throw e;
    }
  }

  /** The table's current Delta version, or -1 if it does not exist. */
  public long version(TableDef t) {
    // The newest commit file in _delta_log names the version (what Delta's own snapshot listing finds); a
    // listing is milliseconds where a history() query is a Spark job.
    try {
      Path log = new Path(path(t), "_delta_log");
      FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(log)) return -1;
      long v = -1;
      for (org.apache.hadoop.fs.FileStatus f : fs.listStatus(log)) {
        String n = f.getPath().getName();
        if (n.length() == 25 && n.endsWith(".json") && n.substring(0, 20).chars().allMatch(Character::isDigit)) {
          v = Math.max(v, Long.parseLong(n.substring(0, 20)));
        }
      }
      return v;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot list the Delta log of " + path(t), e);
    }
  }

  /** Current versions of the given tables. */
  public Map<String, Long> versions(Iterable<TableDef> tables) {
    Map<String, Long> m = new LinkedHashMap<>();
    for (TableDef t : tables) m.put(t.name(), version(t));
    return m;
  }

  /**
   * The Parquet writer properties the registry declares for {@code t} ({@code parquet.*}, such as a row-group
   * bound) that the existing table lacks or has with another value: a table created before they were declared.
   * Empty if the table does not exist.
   */
  public Map<String, String> missingWriterProperties(TableDef t) {
    Map<String, String> out = new java.util.TreeMap<>();
    if (!exists(t)) return out;
    Map<String, String> have = tableProperties(t);
    for (Map.Entry<String, String> p : t.properties().entrySet()) {
      if (p.getKey().startsWith("parquet.") && !p.getValue().equals(have.get(p.getKey()))) {
        out.put(p.getKey(), p.getValue());
      }
    }
    return out;
  }

  /**
   * The CHECK constraints the registry declares for {@code t} that the existing table lacks or holds with another
   * expression (whitespace and case aside): a table created by an earlier version, such as a {@code de_results}
   * from before a method was added. Name -&gt; the table's expression (null: missing). Empty if the table does not
   * exist.
   */
  public Map<String, String> outdatedConstraints(TableDef t) {
    Map<String, String> out = new java.util.TreeMap<>();
    if (t.constraints().isEmpty() || !exists(t)) return out;
    Map<String, String> have = tableProperties(t);
    for (Map.Entry<String, String> c : t.constraints().entrySet()) {
      String v = have.get("delta.constraints." + c.getKey().toLowerCase(java.util.Locale.ROOT));
      if (v == null) v = have.get("delta.constraints." + c.getKey());
      if (v == null || !squash(v).equals(squash(c.getValue()))) out.put(c.getKey(), v);
    }
    return out;
  }

  /** The table's properties as Delta holds them (its CHECK constraints are {@code delta.constraints.*} entries). */
  private Map<String, String> tableProperties(TableDef t) {
    Map<String, String> have = new java.util.HashMap<>();
    for (Row r : spark.sql("SHOW TBLPROPERTIES delta.`" + path(t) + "`").collectAsList()) {
      have.put(r.getString(0), r.getString(1));
    }
    return have;
  }

  private static String squash(String s) {
    return s.replaceAll("\\s+", "").toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Puts the declared expression of each named constraint in place: DROP CONSTRAINT IF EXISTS, then ADD
   * CONSTRAINT, which Delta checks against the table's rows (two metadata commits; no data file rewritten).
   */
  public void declareConstraints(TableDef t, java.util.Collection<String> names) {
    for (String n : names) {
      String expr = t.constraints().get(n);
      if (expr == null) throw new IllegalArgumentException(t.name() + " declares no constraint " + n);
      spark.sql("ALTER TABLE delta.`" + path(t) + "` DROP CONSTRAINT IF EXISTS " + n);
      spark.sql("ALTER TABLE delta.`" + path(t) + "` ADD CONSTRAINT " + n + " CHECK (" + expr + ")");
    }
  }

  /** Sets table properties (one metadata commit; no data file is rewritten). */
  public void setProperties(TableDef t, Map<String, String> props) {
    String kv = String.join(", ", props.entrySet().stream().map(e -> "'" + sqlEscape(e.getKey()) + "' = '"
        + sqlEscape(e.getValue()) + "'").toList());
    spark.sql("ALTER TABLE delta.`" + path(t) + "` SET TBLPROPERTIES (" + kv + ")");
  }

  /** The table's pinned version if this lake is {@link #pinned} to one, else its current version (-1: absent). */
  public long pinnedVersion(TableDef t) {
    Long pin = pins.get(t.name());
    return pin != null ? pin : version(t);
  }

  /**
   * For each cohort of {@code since} (cohort -&gt; a version of {@code t}, a table partitioned by cohort), whether a
   * commit after that version, up to {@code upTo}, changed the cohort's data: added or removed a file of its
   * partition with {@code dataChange} (an OPTIMIZE, which rewrites files without changing rows, does not count). A
   * RESTORE to version r (what a failed run's rollback commits) leaves a cohort as it was at r: unchanged if r is at
   * or after the cohort's version and nothing changed it up to r. Reads the commit files of the Delta log (small
   * JSON files, on the driver; no Spark job). A commit file that is gone (log cleanup) counts as a change of every
   * cohort whose version is older, and so does a RESTORE to before it: the answer errs on "changed".
   */
  public java.util.Set<String> cohortsChanged(TableDef t, Map<String, Long> since, long upTo) {
    java.util.Set<String> changed = new java.util.TreeSet<>();
    if (since.isEmpty()) return changed;
    long from = java.util.Collections.min(since.values()) + 1;
    // the cohorts changed as of each version read (for RESTOREs to it)
    Map<Long, java.util.Set<String>> asOf = new java.util.HashMap<>();
    asOf.put(from - 1, java.util.Set.of());
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    try {
      Path log = new Path(path(t), "_delta_log");
      FileSystem fs = log.getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (long v = from; v <= upTo; v++) {
        Path f = new Path(log, String.format("%020d.json", v));
        if (!fs.exists(f)) {
          for (Map.Entry<String, Long> e : since.entrySet()) if (e.getValue() < v) changed.add(e.getKey());
          asOf.put(v, new java.util.TreeSet<>(changed));
          continue;
        }
        java.util.Set<String> touched = new java.util.TreeSet<>();
        Long restoredTo = null;
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(fs.open(f),
            java.nio.charset.StandardCharsets.UTF_8))) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            if (line.startsWith("{\"commitInfo\"")) {
              com.fasterxml.jackson.databind.JsonNode ci = json.readTree(line).get("commitInfo");
              if ("RESTORE".equals(ci.path("operation").asText())) {
                String to = ci.path("operationParameters").path("version").asText("");
                restoredTo = to.matches("\\d+") ? Long.parseLong(to) : -1L;
              }
              continue;
            }
            if (!line.startsWith("{\"add\"") && !line.startsWith("{\"remove\"")) continue;
            com.fasterxml.jackson.databind.JsonNode a = json.readTree(line);
            a = a.has("add") ? a.get("add") : a.get("remove");
            if (!a.path("dataChange").asBoolean(true)) continue;
            String c = a.path("partitionValues").path("cohort").asText(null);
            if (c != null && since.containsKey(c)) touched.add(c);
          }
        }
        if (restoredTo != null) {
          // the table is as it was at restoredTo: a cohort is changed iff it was changed as of then
          java.util.Set<String> then = asOf.get(restoredTo);
          for (Map.Entry<String, Long> e : since.entrySet()) {
            String c = e.getKey();
            if (e.getValue() >= v) continue;
            boolean was = then != null && restoredTo >= e.getValue() ? then.contains(c) : touched.contains(c)
                || changed.contains(c) || restoredTo < e.getValue();
            if (was) {
              changed.add(c);
            } else {
              changed.remove(c);
            }
          }
        } else {
          for (String c : touched) if (since.get(c) < v) changed.add(c);
        }
        asOf.put(v, new java.util.TreeSet<>(changed));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the Delta log of " + path(t), e);
    }
    return changed;
  }

  /**
   * The table at its latest version, or at its pinned version if this lake is {@link #pinned}. Both read the
   * version's files from its log replayed on the driver where {@link LogReplay} applies, else through Delta.
   */
  public Dataset<Row> read(TableDef t) {
    Long pin = pins.get(t.name());
    if (pin != null) return readAsOf(t, pin);
    if (LogReplay.enabled(spark)) {
      java.util.Optional<Dataset<Row>> d = LogReplay.read(spark, path(t), LogReplay.LATEST);
      if (d.isPresent()) return d.get();
    }
    return spark.read().format("delta").load(path(t));
  }

  public Dataset<Row> readAsOf(TableDef t, long version) {
    if (LogReplay.enabled(spark)) {
      java.util.Optional<Dataset<Row>> d = LogReplay.read(spark, path(t), version);
      if (d.isPresent()) return d.get();
    }
    return spark.read().format("delta").option("versionAsOf", version).load(path(t));
  }

  public DeltaTable delta(TableDef t) {
    return DeltaTable.forPath(spark, path(t));
  }

  /**
   * Puts a table back to {@code version} after a failed job, but only if nobody else committed since the job's
   * own write ({@code writtenVersion}); otherwise leaves it and says so (the job's rows are then still there and
   * a re-run's MERGE is idempotent).
   */
  public void rollback(TableDef t, long version, long writtenVersion) {
    long now = version(t);
    if (now == version) return;
    if (now != writtenVersion) {
      LOG.warn("not rolling back {}: version {} is newer than this job's write {}", t.name(), now, writtenVersion);
      return;
    }
    delta(t).restoreToVersion(version);
    LOG.warn("rolled back {} to version {}", t.name(), version);
  }
}
