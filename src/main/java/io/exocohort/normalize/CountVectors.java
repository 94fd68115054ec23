package io.exocohort.normalize;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import io.exocohort.common.Parallel;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The per-sample miR count matrix beside {@code mirna_counts} (docs/design.md, ADR 2): "transpose once, analyse
 * many times". {@code ingest} (and {@code upgrade}, for lakes written before it) writes each cohort's counts as one
 * array per sample ({@code mirna_count_vectors}) over the cohort's sorted feature index
 * ({@code mirna_count_features}), with {@link SampleMatrix}'s own transpose; {@code normalize} reads them back as a
 * {@link SampleMatrix} ({@link #matrix}) and {@code qc} computes its miR metrics from them, instead of turning
 * 26 M long rows into vectors on every run. {@code mirna_counts} keeps its rows and meaning for analysts.
 *
 * <p>A (sample, miR) without a row in {@code mirna_counts} is 0 in {@code counts}, as the long path treats it,
 * and its position is listed in {@code absent}: so a reader can tell a missing row from a delivered 0 where the long
 * path does (normalize's feature index holds the miRs some selected sample has a row of; qc counts rows).
 */
public final class CountVectors {
  private static final Logger LOG = LoggerFactory.getLogger(CountVectors.class);

  /** What {@code job_runs.parameters['mirna_counts_read']} says when the vectors were read. */
  public static final String READ_VECTORS = "vectors";
  /** What it says when the long table was read (a cohort without vectors: a lake written before them). */
  public static final String READ_LONG = "long";

  private CountVectors() {}

  /** A cohort's write: the commits of the vectors and of the feature index, and their sizes. */
  public record Written(Commit vectors, Commit index, long samples, int features) {}

  /**
   * (Re)writes the vectors and feature index of {@code cohort} from its rows in {@code mirna_counts} at
   * {@code countsVersion} (the version the run has just written, or pinned), through the run's scope: if the run
   * fails, both tables are restored with the others it wrote. Replaces the cohort's partitions of both tables.
   *
   * @param samplesHint about how many samples the cohort has (sizes the transpose's shuffle only)
   */
  public static Written write(RunScope s, String cohort, long countsVersion, long samplesHint) {
    SparkSession spark = s.spark();
    Dataset<Row> values = s.lake().readAsOf(Tables.MIRNA_COUNTS, countsVersion)
        .filter(col("cohort").equalTo(cohort))
        .select(col("cohort"), col("sample_id"), col("feature"), col("count").as("value"));
    // NaN marks a (sample, miR) without a row (partials take the value present); row() turns it into 0 + absent
    SampleMatrix m = SampleMatrix.buildAll(spark, values, Double.NaN, samplesHint);
    try {
      String runId = s.id();
      // sorted within each (hash-assigned) partition: the files, and so the order readers meet the samples in, are
      // the same whatever layout the long partition had (factor sums over the vectors then add in the same order)
      Dataset<Row> vectors = spark.createDataFrame(m.rows.map(v -> row(v, runId)),
          Tables.MIRNA_COUNT_VECTORS.schema()).sortWithinPartitions("sample_id");
      Dataset<Row> index = spark.createDataFrame(List.of(RowFactory.create(cohort, m.features, countsVersion,
          runId)), Tables.MIRNA_COUNT_FEATURES.schema());
      // the index (one row: mostly commit latency) is written beside the vectors, in a second driver thread
      Commit[] f = new Commit[1];
      // (each write retried by the scope if another writer conflicts)
      Commit v = Parallel.beside(() -> f[0] = s.replaceCohorts(Tables.MIRNA_COUNT_FEATURES, index, List.of(cohort)),
          () -> s.replaceCohorts(Tables.MIRNA_COUNT_VECTORS, vectors, List.of(cohort)));
      return new Written(v, f[0], v.rowsWritten(), m.features.length);
    } finally {
      m.unpersist();
    }
  }

  /** A {@code mirna_count_vectors} row: NaN (no row in mirna_counts) becomes 0, its position listed in absent. */
  static Row row(SampleMatrix.Vec v, String runId) {
    double[] x = v.v();
    double[] counts = new double[x.length]; // a copy: the cached vector keeps its NaN if the rows are read again
    int missing = 0;
    for (int k = 0; k < x.length; k++) {
      if (Double.isNaN(x[k])) {
        missing++;
      } else {
        counts[k] = x[k];
      }
    }
    int[] absent = null;
    if (missing > 0) {
      absent = new int[missing];
      int j = 0;
      for (int k = 0; k < x.length; k++) if (Double.isNaN(x[k])) absent[j++] = k;
    }
    return RowFactory.create(v.cohort(), v.sampleId(), counts, absent, runId);
  }

  /**
   * The vectors' feature index at a lake's (pinned) versions, read once: per cohort, the {@code mirna_counts} version
   * its vectors were built from and its sorted miRs. Empty when the lake has no vectors.
   */
  public record Index(Map<String, Long> builtAt, Map<String, String[]> features) {
    /** The index rows of {@code lake} (one small row per cohort). */
    public static Index of(Lake lake) {
      Map<String, Long> builtAt = new HashMap<>();
      Map<String, String[]> features = new HashMap<>();
      if (lake.exists(Tables.MIRNA_COUNT_FEATURES) && lake.exists(Tables.MIRNA_COUNT_VECTORS)) {
        for (Row r : lake.read(Tables.MIRNA_COUNT_FEATURES).select("cohort", "counts_version", "features")
            .collectAsList()) {
          builtAt.put(r.getString(0), r.getLong(1));
          features.put(r.getString(0), r.<String>getList(2).toArray(new String[0]));
        }
      }
      return new Index(builtAt, features);
    }
  }

  /**
   * The cohorts (of {@code cohorts}; null: every cohort of {@code mirna_counts}) that have miR rows but no count
   * vectors in {@code lake} (pinned, for a job): a lake written before the vectors; or whose vectors are stale:
   * built from a version of {@code mirna_counts} older than a later commit that changed the cohort's rows
   * ({@link Lake#cohortsChanged}). Empty when the vectors cover them, or there are no miR counts. Reads the feature
   * index (a row per cohort), the counts' commit files since, and, only for cohorts without vectors, the partition
   * column of their counts.
   */
  public static List<String> missing(Lake lake, List<String> cohorts) {
    return missing(lake, cohorts, Index.of(lake));
  }

  /** {@link #missing(Lake, List)} with the feature index already read from {@code lake}. */
  static List<String> missing(Lake lake, List<String> cohorts, Index index) {
    if (!lake.exists(Tables.MIRNA_COUNTS)) return List.of();
    Set<String> have = new HashSet<>();
    if (!index.builtAt().isEmpty()) {
      Map<String, Long> builtAt = new HashMap<>(index.builtAt());
      // vectors built from an older mirna_counts than the one that last changed their cohort (an ingest killed
      // between its counts and vectors commits, or a write to mirna_counts by SQL) are stale: not used
      Set<String> stale = lake.cohortsChanged(Tables.MIRNA_COUNTS, builtAt,
          lake.pinnedVersion(Tables.MIRNA_COUNTS));
      if (!stale.isEmpty()) {
        LOG.info("mirna_count_vectors of cohort(s) {} were built from mirna_counts before a later change of their "
            + "rows: not used", stale);
      }
      builtAt.keySet().removeAll(stale);
      have.addAll(builtAt.keySet());
    }
    Dataset<Row> counts = lake.read(Tables.MIRNA_COUNTS);
    if (cohorts != null) {
      List<String> lacking = cohorts.stream().filter(c -> !have.contains(c)).toList();
      if (lacking.isEmpty()) return List.of();
      counts = counts.filter(col("cohort").isin(lacking.toArray()));
    }
    return counts.select("cohort").distinct().as(Encoders.STRING()).collectAsList().stream()
        .filter(c -> !have.contains(c)).sorted().toList();
  }

  /**
   * How a job reads the miR counts of {@code cohorts} at its pinned versions: {@link #READ_VECTORS} when the
   * vectors cover every cohort with miR rows, else {@link #READ_LONG}, saying so in one line (the whole run then
   * reads the long table, as before the vectors existed). Pin the two vector tables first.
   */
  public static String source(Lake pinned, List<String> cohorts, String job) {
    return source(pinned, cohorts, job, Index.of(pinned));
  }

  /** {@link #source(Lake, List, String)} with the feature index already read from {@code pinned}. */
  public static String source(Lake pinned, List<String> cohorts, String job, Index index) {
    if (!pinned.exists(Tables.MIRNA_COUNTS)) return READ_LONG; // no miR counts at all: nothing to read either way
    List<String> lacking = missing(pinned, cohorts, index);
    if (lacking.isEmpty()) {
      return pinned.exists(Tables.MIRNA_COUNT_VECTORS) ? READ_VECTORS : READ_LONG;
    }
    LOG.info("{}: cohort(s) {} have miR counts but no mirna_count_vectors (a lake written before them): reading "
        + "the long mirna_counts; jobs/exocohort upgrade --lake {} builds the vectors", job, lacking, pinned.root());
    return READ_LONG;
  }

  /**
   * A {@code mirna_count_vectors} row as the readers read it (a bean: Spark fills the arrays without boxing), with
   * the selected sample's group and batch for normalize ({@link #columns} selects them).
   */
  public static final class Stored implements Serializable {
    private static final long serialVersionUID = 1L;
    private String cohort;
    private String sampleId;
    private String grp;
    private String batch;
    private double[] counts;
    private int[] absent;

    public String getCohort() {
      return cohort;
    }

    public void setCohort(String c) {
      cohort = c;
    }

    public String getSampleId() {
      return sampleId;
    }

    public void setSampleId(String s) {
      sampleId = s;
    }

    public String getGrp() {
      return grp;
    }

    public void setGrp(String g) {
      grp = g;
    }

    public String getBatch() {
      return batch;
    }

    public void setBatch(String b) {
      batch = b;
    }

    public double[] getCounts() {
      return counts;
    }

    public void setCounts(double[] c) {
      counts = c;
    }

    public int[] getAbsent() {
      return absent;
    }

    public void setAbsent(int[] a) {
      absent = a;
    }
  }

  /**
   * Vectors rows as {@link Stored} beans; {@code grp} and {@code batch} are taken from the rows if they have them
   * (joined with the selected samples), else null.
   */
  public static Dataset<Stored> columns(Dataset<Row> vectors) {
    List<String> have = Arrays.asList(vectors.columns());
    org.apache.spark.sql.Column none = org.apache.spark.sql.functions.lit(null).cast("string");
    return vectors.select(col("cohort"), col("sample_id").as("sampleId"),
            have.contains("grp") ? col("grp") : none.as("grp"),
            have.contains("batch") ? col("batch") : none.as("batch"),
            col("counts"), col("absent"))
        .as(Encoders.bean(Stored.class));
  }

  /**
   * The count vectors of the selected samples as a {@link SampleMatrix} over the run's feature index, equal to
   * {@link SampleMatrix#build} on the long rows of the same samples: a broadcast join of the vectors with the
   * selected samples (no shuffle of arrays), each cohort's index remapped into the union index. The union index is
   * the sorted miRs that some selected sample has a row of (a miR every selected sample of its cohort lacks is
   * left out, as the long path never sees it); absent values are 0.
   *
   * <p>The vectors are cached as read (each cohort's own index), and the pass that caches them also counts, per
   * cohort, its samples and how many lack each position: the union index comes from that pass, with no query of
   * its own. When it equals a cohort's own index (one cohort, no miR every sample lacks) the rows are the cached
   * arrays themselves; otherwise each pass lays them out over the union index as it reads them. Vectors too large
   * to cache are read at every pass, and their absent positions counted by a query first.
   *
   * @param vectors {@code mirna_count_vectors} at the run's pinned version
   * @param index the feature index at the run's pinned version ({@link Index#features})
   * @param meta the selected samples: {@code cohort, sample_id, grp, batch} (one row per sample)
   * @param selected how many samples {@code meta} holds (sizes the cache decision)
   */
  public static SampleMatrix matrix(SparkSession spark, Dataset<Row> vectors, Map<String, String[]> index,
      Dataset<Row> meta, List<String> cohorts, long selected) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Map<String, String[]> own = new HashMap<>();
    TreeSet<String> every = new TreeSet<>(); // the union before leaving out the miRs no selected sample has
    for (String c : cohorts) {
      String[] f = index.get(c);
      if (f == null) continue;
      own.put(c, f);
      every.addAll(Arrays.asList(f));
    }
    Dataset<Row> joined = vectors.filter(col("cohort").isin(cohorts.toArray()))
        .join(broadcast(meta.select("cohort", "sample_id", "grp", "batch")),
            CollectionConverters.asScala(List.of("cohort", "sample_id")).toList());
    JavaRDD<Stored> stored = columns(joined).javaRDD();
    if (!SampleMatrix.cacheable(jsc, selected, every.size())) {
      Map<String, long[]> lacking = lackingByQuery(joined, own);
      Layout l = Layout.of(own, lacking);
      LOG.info("miR count vectors of {} selected samples over {} miRs ({} cohorts): about {} MB, more than half the "
          + "{} MB of storage memory: read from {} at each pass, not cached", selected, l.names().length, own.size(),
          SampleMatrix.bytes(selected, l.names().length) >> 20, SampleMatrix.storageMemory(jsc) >> 20,
          Tables.MIRNA_COUNT_VECTORS.name());
      return SampleMatrix.over(l.names(), l.rows(jsc, stored), null);
    }
    stored.persist(SampleMatrix.CACHE);
    // per cohort: how many of its samples lack each position of its index, and (last) its samples
    Map<String, long[]> lacking = stored.treeAggregate(new HashMap<String, long[]>(), (acc, r) -> {
      long[] n = acc.computeIfAbsent(r.getCohort(), k -> new long[r.getCounts().length + 1]);
      n[n.length - 1]++;
      if (r.getAbsent() != null) for (int p : r.getAbsent()) n[p]++;
      return acc;
    }, (x, y) -> {
      y.forEach((k, n) -> x.merge(k, n, (u, v) -> {
        for (int i = 0; i < u.length; i++) u[i] += v[i];
        return u;
      }));
      return x;
    });
    Layout l = Layout.of(own, lacking);
    long samples = lacking.values().stream().mapToLong(n -> n[n.length - 1]).sum();
    LOG.info("miR count vectors of {} samples read over {} miRs ({} cohorts), cached", samples, l.names().length,
        own.size());
    return SampleMatrix.over(l.names(), l.rows(jsc, stored), stored);
  }

  /**
   * Per cohort, how many selected samples lack each position of its index and (last) how many selected samples have
   * vectors, by two queries (the vectors too large to cache: no pass of their own counts them).
   */
  private static Map<String, long[]> lackingByQuery(Dataset<Row> joined, Map<String, String[]> own) {
    Map<String, long[]> lacking = new HashMap<>();
    for (Row r : joined.groupBy("cohort").count().collectAsList()) {
      String[] f = own.get(r.getString(0));
      if (f == null) continue;
      long[] n = new long[f.length + 1];
      n[f.length] = r.getLong(1);
      lacking.put(r.getString(0), n);
    }
    for (Row r : joined.filter(col("absent").isNotNull())
        .select(col("cohort"), explode(col("absent")).as("pos")).groupBy("cohort", "pos").count()
        .collectAsList()) {
      long[] n = lacking.get(r.getString(0));
      if (n != null) n[r.getInt(1)] = r.getLong(2);
    }
    return lacking;
  }

  /**
   * The union index of the selected samples' cohorts and where each cohort's positions go in it (-1: a miR every
   * selected sample of the cohort lacks, left out); {@code identity} when every cohort with samples has the union
   * index as its own.
   */
  private record Layout(String[] names, Map<String, int[]> slots, boolean identity) {
    static Layout of(Map<String, String[]> own, Map<String, long[]> lacking) {
      TreeSet<String> all = new TreeSet<>();
      Map<String, boolean[]> unused = new HashMap<>();
      for (Map.Entry<String, String[]> e : own.entrySet()) {
        long[] n = lacking.get(e.getKey());
        if (n == null || n[n.length - 1] == 0) continue; // no selected sample of the cohort
        String[] f = e.getValue();
        boolean[] skip = new boolean[f.length];
        for (int k = 0; k < f.length; k++) {
          skip[k] = n[k] == n[n.length - 1];
          if (!skip[k]) all.add(f[k]);
        }
        unused.put(e.getKey(), skip);
      }
      String[] names = all.toArray(new String[0]);
      Map<String, int[]> slots = new HashMap<>();
      boolean identity = true;
      for (Map.Entry<String, boolean[]> e : unused.entrySet()) {
        String[] f = own.get(e.getKey());
        int[] at = new int[f.length];
        for (int k = 0; k < f.length; k++) at[k] = e.getValue()[k] ? -1 : Arrays.binarySearch(names, f[k]);
        identity &= f.length == names.length && java.util.stream.IntStream.range(0, at.length).allMatch(k -> at[k] == k);
        slots.put(e.getKey(), at);
      }
      return new Layout(names, slots, identity);
    }

    /** The stored rows as sample vectors over {@link #names}. */
    JavaRDD<SampleMatrix.Vec> rows(JavaSparkContext jsc, JavaRDD<Stored> stored) {
      if (identity) {
        return stored.map(r -> new SampleMatrix.Vec(r.getCohort(), r.getSampleId(), r.getGrp(), r.getBatch(),
            r.getCounts()));
      }
      Broadcast<Map<String, int[]>> b = jsc.broadcast(slots);
      int n = names.length;
      return stored.map(r -> {
        int[] at = b.value().get(r.getCohort());
        double[] c = r.getCounts();
        double[] v = new double[n];
        for (int k = 0; k < c.length; k++) if (at[k] >= 0) v[at[k]] = c[k];
        return new SampleMatrix.Vec(r.getCohort(), r.getSampleId(), r.getGrp(), r.getBatch(), v);
      });
    }
  }
}
