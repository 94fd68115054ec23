package io.exocohort.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a Delta table at a known version from the data files its log lists, with the log replayed on the driver
 * (docs/design.md, ADR 3, "Driver-side log replay").
 *
 * <p>Why: Delta's own reader computes each table version's state with Spark jobs (three per version, "Compute
 * snapshot for version") and lists the version's files for every query with another ("Filtering files for
 * query"). In a warm {@code run normalize de} request those were 40 of 92 Spark jobs and 37-39% of the time, for
 * tables whose logs are a few kilobytes. Here the log's files are read on the driver (the newest classic checkpoint
 * at or before the version, with Parquet's own reader, then the commit files after it, with Jackson), the live
 * files are the adds not removed since, and the table is read as Parquet from that list with the schema its
 * metadata declares, nullability included ({@link io.exocohort.catalyst.ParquetRelation}): the same rows and
 * columns as Delta's reader, no Spark job before the read.
 *
 * <p>Only what the replay reads exactly as Delta does is replayed; anything else returns empty and the caller
 * reads through Delta: a reader feature other than those below, column mapping, a deletion vector on a live file,
 * a multi-part or V2 checkpoint needed to reach the version, a missing commit file, a data file outside the
 * Hive-style folder its partition values name (unpartitioned: outside the table's root), a partition column that
 * is not a string, a path Spark would take for a glob, or any error reading the log or opening the files (Delta
 * then gives its own answer or error).
 * Columns a file lacks (added later with {@code mergeSchema}) read as null, as in Delta. The switch {@value #KEY}
 * ({@code false}: every read through Delta) is a Spark setting (docs/configuration.md).
 */
public final class LogReplay {
  private static final Logger LOG = LoggerFactory.getLogger(LogReplay.class);

  /** Spark setting turning the replay off ({@code false}). */
  public static final String KEY = "spark.exocohort.delta.logReplay.enabled";

  /** Reader features whose tables the replay reads as Delta does (with the checks below). */
  private static final Set<String> READER_FEATURES = Set.of("timestampNtz", "deletionVectors", "v2Checkpoint",
      "vacuumProtocolCheck", "columnMapping");

  private static final String NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A table version as its log describes it: schema, partition columns and live data files (absolute). */
  public record Version(long version, StructType schema, List<String> partitionColumns, List<String> files) {}

  /** Why a version cannot be replayed (the caller then reads through Delta). */
  static final class Unsupported extends Exception {
    Unsupported(String why) {
      super(why, null, false, false);
    }
  }

  private LogReplay() {}

  public static boolean enabled(SparkSession spark) {
    return Boolean.parseBoolean(spark.conf().get(KEY, "true"));
  }

  /** The version argument that asks for the table's newest version (found by the replay's own log listing). */
  public static final long LATEST = Long.MAX_VALUE;

  /**
   * The table at {@code version} ({@link #LATEST}: its newest) read from its live files, or empty if the replay
   * does not apply.
   */
  public static Optional<Dataset<Row>> read(SparkSession spark, String table, long version) {
    Version v;
    try {
      v = replay(spark.sparkContext().hadoopConfiguration(), table, version);
    } catch (Unsupported e) {
      LOG.debug("{} at version {}: read through Delta ({})", table, version, e.getMessage());
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      LOG.debug("{} at version {}: read through Delta (log replay failed: {})", table, version, e.toString());
      return Optional.empty();
    }
    try {
      Dataset<Row> d = dataset(spark, table, v);
      LOG.debug("{} at version {}: {} files from the replayed log", table, version, v.files().size());
      return Optional.of(d);
    } catch (RuntimeException e) {
      // e.g. a listed file is gone (vacuumed): Delta's reader gives its own error
      LOG.debug("{} at version {}: read through Delta (Parquet read failed: {})", table, version, e.toString());
      return Optional.empty();
    }
  }

  /**
   * The rows of a replayed version, columns in the table's order, with the table's schema as its metadata declares
   * it (nullability included, as Delta's reader gives it: {@link io.exocohort.catalyst.ParquetRelation}).
   */
  static Dataset<Row> dataset(SparkSession spark, String table, Version v) {
    if (v.files().isEmpty()) return spark.createDataFrame(List.of(), v.schema());
    return io.exocohort.catalyst.ParquetRelation.read(spark, table, v.schema(), v.partitionColumns(), v.files());
  }

  /** Replays the log of {@code table} up to {@code upTo} ({@link #LATEST}: its newest version). */
  public static Version replay(Configuration conf, String table, long upTo) throws IOException, Unsupported {
    Path root = new Path(table);
    Path log = new Path(root, "_delta_log");
    FileSystem fs = log.getFileSystem(conf);
    TreeMap<Long, Path> commits = new TreeMap<>();
    TreeMap<Long, Path> checkpoints = new TreeMap<>();
    for (FileStatus f : fs.listStatus(log)) {
      String n = f.getPath().getName();
      if (n.length() < 21 || !n.substring(0, 20).chars().allMatch(Character::isDigit)) continue;
      long v = Long.parseLong(n.substring(0, 20));
      if (v > upTo) continue;
      String rest = n.substring(20);
      if (rest.equals(".json")) commits.put(v, f.getPath());
      if (rest.equals(".checkpoint.parquet")) checkpoints.put(v, f.getPath());
    }
    long version = upTo != LATEST ? upTo
        : Math.max(commits.isEmpty() ? -1 : commits.lastKey(), checkpoints.isEmpty() ? -1 : checkpoints.lastKey());
    if (version < 0) throw new Unsupported("no commit");
    Map.Entry<Long, Path> cp = checkpoints.floorEntry(version);
    long from = cp == null ? 0 : cp.getKey() + 1;
    for (long v = from; v <= version; v++) {
      if (!commits.containsKey(v)) throw new Unsupported("no commit file for version " + v);
    }
    State s = new State(root);
    if (cp != null) readCheckpoint(conf, cp.getValue(), s);
    for (long v = from; v <= version; v++) readCommit(fs, commits.get(v), s);
    return s.version(version);
  }

  /** The state a replay builds: the newest protocol and metadata, and the live files by absolute path. */
  private static final class State {
    final Path root;
    JsonNode protocol;
    JsonNode metadata;
    /** The live files' partition values by {@link #key} (a key ending in its separator has no deletion vector). */
    final Map<String, Map<String, String>> live = new LinkedHashMap<>();

    State(Path root) {
      this.root = root;
    }

    String absolute(String path) throws Unsupported {
      try {
        URI u = new URI(path);
        return (u.isAbsolute() ? new Path(u) : new Path(root, new Path(u))).toString();
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new Unsupported("file path " + path + " is not a URI");
      }
    }

    /** Delta's key of a file action: its path and its deletion vector's id (none: ""). */
    String key(String path, String deletionVector) throws Unsupported {
      return absolute(path) + "\u0000" + deletionVector;
    }

    void add(String path, Map<String, String> partitionValues, String deletionVector) throws Unsupported {
      live.put(key(path, deletionVector), partitionValues);
    }

    void remove(String path, String deletionVector) throws Unsupported {
      live.remove(key(path, deletionVector));
    }

    Version version(long version) throws Unsupported {
      if (protocol == null || metadata == null) throw new Unsupported("no protocol or metadata");
      int reader = protocol.path("minReaderVersion").asInt(-1);
      if (reader < 1 || reader > 3) throw new Unsupported("reader version " + reader);
      for (JsonNode f : protocol.path("readerFeatures")) {
        if (!READER_FEATURES.contains(f.asText())) throw new Unsupported("reader feature " + f.asText());
      }
      String mapping = metadata.path("configuration").path("delta.columnMapping.mode").asText("none");
      if (!mapping.equals("none")) throw new Unsupported("column mapping " + mapping);
      if (live.keySet().stream().anyMatch(k -> !k.endsWith("\u0000"))) throw new Unsupported("deletion vectors");
      if (!metadata.path("format").path("provider").asText("parquet").equals("parquet")) {
        throw new Unsupported("data format " + metadata.path("format").path("provider").asText());
      }
      DataType t = DataType.fromJson(metadata.path("schemaString").asText());
      if (!(t instanceof StructType schema)) throw new Unsupported("schema is not a struct");
      List<String> parts = new ArrayList<>();
      for (JsonNode c : metadata.path("partitionColumns")) parts.add(c.asText());
      for (String c : parts) {
        // string partitions only: Spark and Delta parse other types' folder values in their own ways
        if (!java.util.Arrays.asList(schema.fieldNames()).contains(c)
            || !(schema.apply(c).dataType() instanceof org.apache.spark.sql.types.StringType)) {
          throw new Unsupported("partition column " + c + " is not a string column");
        }
      }
      List<String> files = new ArrayList<>();
      for (Map.Entry<String, Map<String, String>> e : live.entrySet()) {
        String file = e.getKey().substring(0, e.getKey().indexOf('\u0000'));
        // Spark's reader would take these characters for a glob pattern
        if (file.matches(".*[{}\\[\\]*?\\\\].*")) throw new Unsupported("file " + file + " has glob characters");
        checkFolder(file, parts, e.getValue());
        files.add(file);
      }
      return new Version(version, schema, List.copyOf(parts), List.copyOf(files));
    }

    /**
     * Each file lies in the Hive-style folders of its partition values under the root (what Spark's partition
     * discovery reads), or in the root itself if the table has no partitions.
     */
    private void checkFolder(String file, List<String> parts, Map<String, String> values) throws Unsupported {
      String rel = file.startsWith(root.toString() + "/") ? file.substring(root.toString().length() + 1) : null;
      String[] seg = rel == null ? new String[0] : rel.split("/");
      if (seg.length != parts.size() + 1) throw new Unsupported("file " + file + " is not in its partition folder");
      for (int i = 0; i < parts.size(); i++) {
        String c = parts.get(i);
        String v = values.get(c);
        String want = c + "=" + (v == null || v.isEmpty() ? NULL_PARTITION : v);
        String got = unescape(seg[i]);
        if (!got.equals(want)) throw new Unsupported("file " + file + " is not in folder " + want);
      }
    }
  }

  /** Hive's folder-name unescaping (%XX), what Spark's partition discovery applies. */
  static String unescape(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length()) {
        int h = Character.digit(s.charAt(i + 1), 16);
        int l = Character.digit(s.charAt(i + 2), 16);
        if (h >= 0 && l >= 0) {
          b.append((char) (h * 16 + l));
          i += 2;
          continue;
        }
      }
      b.append(c);
    }
    return b.toString();
  }

  private static void readCommit(FileSystem fs, Path commit, State s) throws IOException, Unsupported {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(fs.open(commit), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) continue;
        JsonNode a = JSON.readTree(line);
        if (a.has("add")) {
          JsonNode add = a.get("add");
          Map<String, String> pv = new HashMap<>();
          for (Iterator<Map.Entry<String, JsonNode>> it = add.path("partitionValues").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            pv.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText());
          }
          s.add(add.get("path").asText(), pv, dvId(add.path("deletionVector")));
        } else if (a.has("remove")) {
          JsonNode rm = a.get("remove");
          s.remove(rm.get("path").asText(), dvId(rm.path("deletionVector")));
        } else if (a.has("metaData")) {
          s.metadata = a.get("metaData");
        } else if (a.has("protocol")) {
          s.protocol = a.get("protocol");
        } else if (a.has("checkpointMetadata") || a.has("sidecar")) {
          throw new Unsupported("V2 checkpoint actions in a commit");
        }
      }
    }
  }

  /** A classic single-file checkpoint: its adds, metadata and protocol (removes there are tombstones only). */
  private static void readCheckpoint(Configuration conf, Path file, State s) throws IOException, Unsupported {
    try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), file).withConf(conf)
        .build()) {
      Group g;
      while ((g = r.read()) != null) {
        if (present(g, "sidecar") || present(g, "checkpointMetadata")) throw new Unsupported("V2 checkpoint");
        if (present(g, "add")) {
          Group add = g.getGroup("add", 0);
          s.add(add.getString("path", 0), map(add, "partitionValues"), dvId(add));
        } else if (present(g, "metaData")) {
          s.metadata = metadataJson(g.getGroup("metaData", 0));
        } else if (present(g, "protocol")) {
          s.protocol = protocolJson(g.getGroup("protocol", 0));
        }
      }
    }
  }

  /** A deletion vector's unique id as Delta forms it (storage type, path or inline data, offset); none: "". */
  private static String dvId(JsonNode dv) {
    if (dv.isMissingNode() || dv.isNull()) return "";
    return dv.path("storageType").asText() + dv.path("pathOrInlineDv").asText()
        + (dv.hasNonNull("offset") ? "@" + dv.get("offset").asText() : "");
  }

  /** The same id of a checkpoint's add (any deletion vector at all makes the version Delta's to read). */
  private static String dvId(Group add) {
    if (!present(add, "deletionVector")) return "";
    Group dv = add.getGroup("deletionVector", 0);
    return dv.getString("storageType", 0) + dv.getString("pathOrInlineDv", 0)
        + (present(dv, "offset") ? "@" + dv.getInteger("offset", 0) : "");
  }

  private static boolean present(Group g, String field) {
    return g.getType().containsField(field) && g.getFieldRepetitionCount(field) > 0;
  }

  /** A Parquet map of strings (a repeated key_value group) as a Java map. */
  private static Map<String, String> map(Group g, String field) {
    Map<String, String> m = new HashMap<>();
    if (!present(g, field)) return m;
    Group kv = g.getGroup(field, 0);
    for (int i = 0; i < kv.getFieldRepetitionCount(0); i++) {
      Group e = kv.getGroup(0, i);
      m.put(e.getString("key", 0), present(e, "value") ? e.getString("value", 0) : null);
    }
    return m;
  }

  /** A Parquet list of strings (three-level or two-level) as a Java list. */
  private static List<String> list(Group g, String field) {
    List<String> l = new ArrayList<>();
    if (!present(g, field)) return l;
    Group lst = g.getGroup(field, 0);
    for (int i = 0; i < lst.getFieldRepetitionCount(0); i++) {
      if (lst.getType().getType(0).isPrimitive()) {
        l.add(lst.getString(0, i));
      } else {
        Group e = lst.getGroup(0, i);
        if (e.getFieldRepetitionCount(0) > 0) l.add(e.getString(0, 0));
      }
    }
    return l;
  }

  private static JsonNode metadataJson(Group md) {
    var o = JSON.createObjectNode();
    o.put("schemaString", md.getString("schemaString", 0));
    var parts = o.putArray("partitionColumns");
    list(md, "partitionColumns").forEach(parts::add);
    var config = o.putObject("configuration");
    map(md, "configuration").forEach(config::put);
    if (present(md, "format")) {
      o.putObject("format").put("provider", md.getGroup("format", 0).getString("provider", 0));
    }
    return o;
  }

  private static JsonNode protocolJson(Group p) {
    var o = JSON.createObjectNode();
    o.put("minReaderVersion", p.getInteger("minReaderVersion", 0));
    var features = o.putArray("readerFeatures");
    list(p, "readerFeatures").forEach(features::add);
    return o;
  }
}
