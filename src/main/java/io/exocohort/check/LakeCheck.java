package io.exocohort.check;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_keys;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.ingest.IngestJob;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The lake's invariants, checked from its tables (read-only):
 * <ol>
 *   <li>every count or variant row ({@code mirna_counts}, {@code protein_abundance}, {@code dna_variants}) belongs
 *       to a sample in {@code samples};</li>
 *   <li>no duplicate keys: (cohort, sample_id) in samples, (cohort, sample_id, feature) in the count tables,
 *       (cohort, sample_id, variant) in {@code dna_variants};</li>
 *   <li>no raw subject identifiers: no identifier-named column in any table or in {@code samples.extra}, and,
 *       given the manifest, none of its raw subject ids in the bytes of any file under the lake root;</li>
 *   <li>the CHECK constraints of {@link Tables} are in place ({@code delta.constraints.*} properties);</li>
 *   <li>{@code ingest_runs} accounts for the tables: every samples / count / variant / quarantine row comes from a
 *       recorded run, each run's quarantine rows equal its recorded rejects, and each cohort's rows are at least
 *       what its largest run accepted and at most what its runs wrote.</li>
 * </ol>
 * Rows of derived tables ({@code mirna_expression}, {@code sample_normalization}, {@code de_results}) whose run is
 * not recorded (a killed normalize or de) are invisible to readers that go through {@code job_runs} /
 * {@code de_runs}; they are reported as notes, not violations. Cost: one aggregation per check over the
 * tables (and, with a manifest, one read of every file of the lake).
 */
public final class LakeCheck {
  private LakeCheck() {}

  /** Violations (the invariants that do not hold), notes, and the number of checks run. */
  public record Result(List<String> violations, List<String> notes, int checks) {
    public boolean ok() {
      return violations.isEmpty();
    }
  }

  /** Runs every check; {@code manifest} (may be null) is a manifest file whose raw subject ids must not appear. */
  public static Result run(Lake lake, String manifest) {
    List<String> v = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    int checks = 0;
    boolean samples = lake.exists(Tables.SAMPLES);

    // 1 + 2: membership and duplicate keys
    if (samples) {
      checks++;
      long dup = duplicates(lake.read(Tables.SAMPLES), "cohort", "sample_id");
      if (dup > 0) v.add("samples: " + dup + " (cohort, sample_id) key(s) appear more than once");
    }
    for (TableDef t : List.of(Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE, Tables.DNA_VARIANTS)) {
      if (!lake.exists(t)) continue;
      checks += 2;
      String key = t == Tables.DNA_VARIANTS ? "variant" : "feature";
      long dup = duplicates(lake.read(t), "cohort", "sample_id", key);
      if (dup > 0) v.add(t.name() + ": " + dup + " (cohort, sample_id, " + key + ") key(s) appear more than once");
      Dataset<Row> keys = lake.read(t).select("cohort", "sample_id").distinct();
      Dataset<Row> orphans = samples
          ? keys.join(lake.read(Tables.SAMPLES).select("cohort", "sample_id"), seq("cohort", "sample_id"), "left_anti")
          : keys;
      List<Row> some = orphans.limit(3).collectAsList();
      if (!some.isEmpty()) {
        long n = orphans.count();
        v.add(t.name() + ": values of " + n + " sample(s) not in samples, e.g. " + some.stream()
            .map(r -> r.getString(0) + "/" + r.getString(1)).toList());
      }
    }

    // 3: identifiers
    checks++;
    for (TableDef t : Tables.ALL) {
      if (!lake.exists(t)) continue;
      for (StructField f : lake.read(t).schema().fields()) {
        if (isIdentifier(f.name())) v.add(t.name() + ": has identifier column " + f.name());
      }
    }
    if (samples) {
      checks++;
      List<String> extra = lake.read(Tables.SAMPLES).select(explode(map_keys(col("extra"))).as("k")).distinct()
          .as(Encoders.STRING()).collectAsList();
      for (String k : extra) {
        if (isIdentifier(k)) v.add("samples: extra holds identifier column " + k);
      }
    }
    if (manifest != null) {
      checks++;
      v.addAll(rawIdsInFiles(lake, rawSubjectIds(Path.of(manifest)), notes));
    }

    // 4: constraints
    for (TableDef t : Tables.ALL) {
      if (t.constraints().isEmpty() || !lake.exists(t)) continue;
      checks++;
      for (Map.Entry<String, String> c : lake.outdatedConstraints(t).entrySet()) {
        String declared = t.constraints().get(c.getKey());
        v.add(t.name() + ": constraint " + c.getKey() + (c.getValue() == null ? " is missing"
            : " is '" + c.getValue() + "', not '" + declared + "'") + " (jobs/exocohort upgrade puts it in place)");
      }
    }

    // 5: ingest_runs accounts for the tables
    if (lake.exists(Tables.INGEST_RUNS)) checks += runTotals(lake, v);

    // derived tables: rows of unrecorded runs
    Set<String> jobRuns = lake.exists(Tables.JOB_RUNS)
        ? new HashSet<>(lake.read(Tables.JOB_RUNS).select("run_id").as(Encoders.STRING()).collectAsList())
        : Set.of();
    Set<String> deRuns = lake.exists(Tables.DE_RUNS)
        ? new HashSet<>(lake.read(Tables.DE_RUNS).select("run_id").as(Encoders.STRING()).collectAsList())
        : Set.of();
    for (TableDef t : List.of(Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX,
        Tables.PROTEIN_MATRIX_SAMPLES)) {
      unrecorded(lake, t, "norm_run_id", jobRuns, notes);
    }
    unrecorded(lake, Tables.SAMPLE_NORMALIZATION, "norm_run_id", jobRuns, notes);
    unrecorded(lake, Tables.DE_RESULTS, "run_id", deRuns, notes);
    return new Result(v, notes, checks);
  }

  private static scala.collection.immutable.Seq<String> seq(String... names) {
    return CollectionConverters.asScala(List.of(names)).toList();
  }

  private static long duplicates(Dataset<Row> d, String... keys) {
    Dataset<Row> g = d.groupBy(keys[0], java.util.Arrays.copyOfRange(keys, 1, keys.length)).agg(count(lit(1)).as("n"))
        .filter(col("n").gt(1));
    return g.count();
  }

  private static boolean isIdentifier(String column) {
    String c = column.toLowerCase(Locale.ROOT);
    return IngestJob.DEFAULT_IDENTIFIER_COLUMNS.contains(c);
  }

  private static int runTotals(Lake lake, List<String> v) {
    int checks = 0;
    Dataset<Row> runs = lake.read(Tables.INGEST_RUNS);
    Map<String, String> runCohort = new HashMap<>();
    Map<String, Map<String, Long>> written = new HashMap<>();
    Map<String, Long> rejected = new HashMap<>();
    // cohort -> kind -> largest rows_accepted of one run
    Map<String, Map<String, Long>> accepted = new HashMap<>();
    for (Row r : runs.select("run_id", "cohort", "status", "rows_written", "files").collectAsList()) {
      String id = r.getString(0);
      runCohort.put(id, r.getString(1));
      written.put(id, r.getJavaMap(3));
      long rej = 0;
      for (Row f : r.<Row>getList(4)) {
        if (!r.getString(2).equals("succeeded")) continue;
        rej += f.isNullAt(6) ? 0 : f.getLong(6);
        accepted.computeIfAbsent(r.getString(1), k -> new HashMap<>())
            .merge(f.getString(0), f.isNullAt(5) ? 0 : f.getLong(5), Math::max);
      }
      if (r.getString(2).equals("succeeded")) rejected.put(id, rej);
    }
    if (lake.exists(Tables.QUARANTINE)) {
      checks++;
      quarantineTotals(lake, runCohort, rejected, v);
    }
    Map<TableDef, String> kinds = new LinkedHashMap<>();
    kinds.put(Tables.SAMPLES, "manifest");
    kinds.put(Tables.MIRNA_COUNTS, "mirna");
    kinds.put(Tables.PROTEIN_ABUNDANCE, "protein");
    kinds.put(Tables.DNA_VARIANTS, "variants");
    for (Map.Entry<TableDef, String> k : kinds.entrySet()) {
      TableDef t = k.getKey();
      if (!lake.exists(t)) continue;
      checks++;
      Map<String, Long> perCohort = new HashMap<>();
      Map<String, Long> writtenPerCohort = new HashMap<>();
      for (Row r : lake.read(t).groupBy("cohort", "ingest_run_id").count().collectAsList()) {
        String cohort = r.getString(0);
        String run = r.getString(1);
        long n = r.getLong(2);
        perCohort.merge(cohort, n, Long::sum);
        if (!runCohort.containsKey(run)) {
          v.add(t.name() + ": " + n + " row(s) of cohort " + cohort + " from ingest run " + run
              + ", which is not in ingest_runs (killed or failed half-way: re-run that ingest)");
          continue;
        }
        Long w = written.get(run).get(t.name());
        if (w == null || n > w) {
          v.add(t.name() + ": " + n + " row(s) of cohort " + cohort + " carry run " + run + ", which recorded "
              + (w == null ? "no rows" : w + " row(s)") + " written to it");
        }
      }
      for (Map.Entry<String, Map<String, Long>> w : written.entrySet()) {
        Long n = w.getValue().get(t.name());
        if (n != null) writtenPerCohort.merge(runCohort.get(w.getKey()), n, Long::sum);
      }
      for (Map.Entry<String, Map<String, Long>> c : accepted.entrySet()) {
        long have = perCohort.getOrDefault(c.getKey(), 0L);
        long least = c.getValue().getOrDefault(k.getValue(), 0L);
        long most = writtenPerCohort.getOrDefault(c.getKey(), 0L);
        if (have < least) {
          v.add(t.name() + ": cohort " + c.getKey() + " has " + have + " row(s), fewer than the " + least
              + " one ingest run accepted");
        }
        if (have > most) {
          v.add(t.name() + ": cohort " + c.getKey() + " has " + have + " row(s), more than its ingest runs wrote ("
              + most + ")");
        }
      }
      for (String c : perCohort.keySet()) {
        if (!accepted.containsKey(c)) v.add(t.name() + ": cohort " + c + " has rows but no succeeded ingest run");
      }
    }
    return checks;
  }

  /**
   * Quarantine: every row from a recorded ingest run ({@code runCohort}: run id -&gt; cohort), and as many as the
   * run recorded ({@code rejected}: succeeded run id -&gt; rejected rows).
   */
  private static void quarantineTotals(Lake lake, Map<String, String> runCohort, Map<String, Long> rejected,
      List<String> v) {
    Map<String, Long> q = new HashMap<>();
    for (Row r : lake.read(Tables.QUARANTINE).groupBy("run_id").count().collectAsList()) {
      q.put(r.getString(0), r.getLong(1));
    }
    for (Map.Entry<String, Long> e : q.entrySet()) {
      if (!runCohort.containsKey(e.getKey())) {
        v.add("quarantine: " + e.getValue() + " row(s) of ingest run " + e.getKey()
            + ", which is not in ingest_runs (killed or failed half-way: re-run that ingest)");
      }
    }
    for (Map.Entry<String, Long> e : rejected.entrySet()) {
      long have = q.getOrDefault(e.getKey(), 0L);
      if (have != e.getValue()) {
        v.add("quarantine: run " + e.getKey() + " recorded " + e.getValue() + " rejected row(s), the table has "
            + have);
      }
    }
  }

  private static void unrecorded(Lake lake, TableDef t, String column, Set<String> runs, List<String> notes) {
    if (!lake.exists(t)) return;
    for (Row r : lake.read(t).groupBy(column).count().collectAsList()) {
      if (!runs.contains(r.getString(0))) {
        notes.add(t.name() + ": " + r.getLong(1) + " row(s) of run " + r.getString(0) + ", which is not recorded"
            + " (a run killed before its record; readers going through job_runs / de_runs do not see them)");
      }
    }
  }

  /**
   * The raw subject ids of a manifest (CSV or TSV, optionally gzipped; the {@code subject_id} column). Ids
   * shorter than 4 characters are left out: they would match random bytes.
   */
  public static Set<String> rawSubjectIds(Path manifest) {
    Set<String> ids = new TreeSet<>();
    try (InputStream raw = Files.newInputStream(manifest);
        InputStream in = manifest.toString().endsWith(".gz") ? new java.util.zip.GZIPInputStream(raw) : raw;
        BufferedReader r = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
      String header = r.readLine();
      if (header == null) throw new BadInputException(manifest.toString(), 1, null, "manifest is empty");
      header = header.replace("\uFEFF", "");
      String delim = header.contains("\t") ? "\t" : ",";
      String[] h = header.split(delim, -1);
      int col = -1;
      for (int i = 0; i < h.length; i++) {
        if (h[i].strip().replace("\"", "").equalsIgnoreCase("subject_id")) col = i;
      }
      if (col < 0) throw new BadInputException(manifest.toString(), 1, null, "no subject_id column");
      String line;
      while ((line = r.readLine()) != null) {
        String[] f = line.split(delim, -1);
        if (f.length <= col) continue;
        String id = f[col].strip().replace("\"", "");
        if (id.length() >= 4) ids.add(id);
      }
    } catch (IOException e) {
      throw new BadInputException(manifest.toString(), -1, null, "cannot read manifest: " + e.getMessage());
    }
    return ids;
  }

  /** Violations for raw ids found in the bytes of the lake's files (data, logs, checkpoints, everything). */
  static List<String> rawIdsInFiles(Lake lake, Set<String> ids, List<String> notes) {
    List<String> v = new ArrayList<>();
    if (ids.isEmpty()) {
      notes.add("manifest: no subject ids of 4 or more characters to look for");
      return v;
    }
    Set<Integer> lengths = new TreeSet<>();
    for (String id : ids) lengths.add(id.getBytes(StandardCharsets.UTF_8).length);
    Set<String> idsLatin = new HashSet<>();
    for (String id : ids) idsLatin.add(new String(id.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1));
    try {
      org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(lake.root());
      FileSystem fs = root.getFileSystem(lake.spark().sparkContext().hadoopConfiguration());
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      int files = 0;
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        files++;
        byte[] bytes;
        try (InputStream in = fs.open(f.getPath())) {
          bytes = in.readAllBytes();
        }
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        String hit = null;
        for (int len : lengths) {
          for (int i = 0; i + len <= s.length() && hit == null; i++) {
            String sub = s.substring(i, i + len);
            if (idsLatin.contains(sub)) hit = sub;
          }
          if (hit != null) break;
        }
        if (hit != null) {
          v.add("raw subject id found in " + f.getPath() + " (id of length " + hit.length() + ")");
        }
      }
      notes.add("looked for " + ids.size() + " raw subject id(s) in " + files + " file(s)");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the lake's files", e);
    }
    return v;
  }
}
