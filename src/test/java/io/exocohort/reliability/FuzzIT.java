package io.exocohort.reliability;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.Main;
import io.exocohort.common.ExitCodes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input, fuzzed: seeded mutations ({@link Mutator}) of a valid manifest, miR count file and protein file
 * (long or wide, CSV or TSV), {@code fuzz.cases} cases per file kind (default 6, the CI subset; the full run is
 * {@code jobs/fuzz}, 1,000 per kind). Each case is a real {@code ingest} through the command line, in process,
 * into one shared lake (a new cohort per case), with a per-case timeout. Every case must end in success (exit 0)
 * or a clear error (exit 2, one line); never a hang, an unhandled failure (exit 1) or a partial write. After each
 * case: a failed case left every table at its version; a succeeded case's rows in samples, the count tables and
 * quarantine equal what its run record says. Every 25 cases and at the end the whole {@code check} runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FuzzIT {
  static final int CASES = Integer.getInteger("fuzz.cases", 6);
  /** The file kinds to fuzz (comma-separated; default all three): lets the full run use one JVM per kind. */
  static final List<String> KINDS = List.of(System.getProperty("fuzz.kinds", "manifest,mirna,protein").split(","));
  static final long SEED = Long.getLong("fuzz.seed", 20261127L);
  /** The first case to run (the ones before it are skipped, their seeds drawn): a long run may go in chunks. */
  static final int FROM = Integer.getInteger("fuzz.from", 0);
  static final int TIMEOUT_S = Integer.getInteger("fuzz.timeout", 120);
  static final String CONF = CrashIT.CONF;
  static final String[] TYPES = {"healthy", "pancreatic", "breast", "Pancreatic Cancer", "colorectal"};

  @TempDir static Path dir;
  SparkSession spark;
  Lake lake;
  ExecutorService pool;
  final List<String> figures = new ArrayList<>();

  @BeforeAll
  void setUp(SparkSession spark) {
    this.spark = spark;
    // an existing lake folder (opening a lake creates nothing): a refused run is recorded in its job_runs
    try {
      Files.createDirectories(dir.resolve("lake"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    this.lake = io.exocohort.catalog.LakeCatalog.open(spark, dir.resolve("lake").toString(), "fuzz");
    this.pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fuzz-case");
      t.setDaemon(true);
      return t;
    });
  }

  @AfterAll
  void tearDown() throws Exception {
    pool.shutdownNow();
    Files.createDirectories(CrashIT.BASE.resolve("target/reliability"));
    Files.write(CrashIT.BASE.resolve("target/reliability/fuzz-" + CASES + "-" + String.join("-", KINDS) + ".txt"),
        figures);
  }

  static String manifest(char d) {
    StringBuilder sb = new StringBuilder(String.join(String.valueOf(d), "sample_id", "subject_id", "cancer_type",
        "stage", "sex", "age", "batch", "particle_size_nm") + "\n");
    for (int i = 1; i <= 20; i++) {
      String type = TYPES[i % TYPES.length];
      sb.append(String.join(String.valueOf(d), String.format("S%02d", i), String.format("SUBJ-%05d", 1000 + i), type,
          type.equals("healthy") ? "" : new String[] {"I", "IIA", "IV"}[i % 3], i % 2 == 0 ? "F" : "M",
          String.valueOf(30 + i), "b" + (i % 2), String.valueOf(80 + i))).append('\n');
    }
    return sb.toString();
  }

  static String counts(char d, boolean wide, String prefix, int features, boolean fractional) {
    StringBuilder sb = new StringBuilder();
    if (wide) {
      sb.append("feature");
      for (int s = 1; s <= 20; s++) sb.append(d).append(String.format("S%02d", s));
      sb.append('\n');
      for (int f = 0; f < features; f++) {
        sb.append(prefix).append(f);
        for (int s = 1; s <= 20; s++) sb.append(d).append(value(s, f, fractional));
        sb.append('\n');
      }
    } else {
      sb.append("sample_id").append(d).append("feature").append(d).append("value\n");
      for (int s = 1; s <= 20; s++) {
        for (int f = 0; f < features; f++) {
          sb.append(String.format("S%02d", s)).append(d).append(prefix).append(f).append(d)
              .append(value(s, f, fractional)).append('\n');
        }
      }
    }
    return sb.toString();
  }

  static String value(int s, int f, boolean fractional) {
    long v = (s * 7919L + f * 104729L) % 5000 + 1;
    return fractional ? String.format("%.3f", v * 1.5) : String.valueOf(v);
  }

  /** An exit 2: one clear error line, every table but job_runs unchanged, the failed run recorded in job_runs. */
  private void checkRefused(String what, String cohort, String e, Map<String, Long> before) {
    assertTrue(e.lines().count() == 1 && e.startsWith("exocohort ingest: error: "),
        what + ": exit 2 without one clear line:\n" + e);
    // job_runs is the audit log: a failed run is recorded there (and nowhere else)
    Map<String, Long> after = new java.util.HashMap<>(lake.versions(Tables.ALL));
    Map<String, Long> was = new java.util.HashMap<>(before);
    after.remove(Tables.JOB_RUNS.name());
    was.remove(Tables.JOB_RUNS.name());
    assertEquals(was, after, what + ": failed, but tables changed: " + e);
    assertEquals(1, lake.read(Tables.JOB_RUNS).filter(col("run_id").equalTo(cohort)
        .and(col("status").equalTo("failed"))).count(), what + ": the failed run is recorded in job_runs");
    assertTrue(e.length() < 2600, what + ": the error line is " + e.length() + " characters long");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"manifest", "mirna", "protein"})
  void hostileFilesEndInSuccessOrAClearError(String kind) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(KINDS.contains(kind), "fuzz.kinds leaves out " + kind);
    Random cases = new Random(SEED ^ kind.hashCode());
    int ok = 0;
    int bad = 0;
    long t0 = System.nanoTime();
    long slowest = 0;
    for (int i = 0; i < FROM; i++) cases.nextLong();
    for (int i = FROM; i < CASES; i++) {
      long caseSeed = cases.nextLong();
      Random r = new Random(caseSeed);
      char d = r.nextBoolean() ? ',' : '\t';
      String ext = d == ',' ? "csv" : "tsv";
      boolean wide = r.nextBoolean();
      String m = manifest(d);
      String mi = counts(d, wide, "hsa-miR-", 12, false);
      String pr = counts(d, !wide, "PROT", 8, true);
      Mutator mut = new Mutator(caseSeed);
      byte[] mutated = mut.mutate(switch (kind) {
        case "manifest" -> m;
        case "mirna" -> mi;
        default -> pr;
      });
      Path caseDir = dir.resolve("cases").resolve(kind + "-" + i);
      Files.createDirectories(caseDir);
      Path mf = caseDir.resolve("manifest." + ext);
      Path xf = caseDir.resolve("mirna." + ext);
      Path pf = caseDir.resolve("protein." + ext);
      Files.write(mf, kind.equals("manifest") ? mutated : m.getBytes(StandardCharsets.UTF_8));
      Files.write(xf, kind.equals("mirna") ? mutated : mi.getBytes(StandardCharsets.UTF_8));
      Files.write(pf, kind.equals("protein") ? mutated : pr.getBytes(StandardCharsets.UTF_8));
      String cohort = "fz-" + kind + "-" + i;
      String what = kind + " case " + i + " (seed " + caseSeed + ", " + (wide ? "wide" : "long") + " " + ext + ", "
          + mut.describe() + ")";

      Map<String, Long> before = lake.versions(Tables.ALL);
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      String[] cmd = {"ingest", "--conf", CONF, "--lake", lake.root(), "--database", "fuzz", "--cohort", cohort,
          "--manifest", mf.toString(), "--mirna", xf.toString(), "--protein", pf.toString(), "--run-id", cohort};
      long c0 = System.nanoTime();
      Future<Integer> f = pool.submit(() -> Main.execute(new PrintWriter(out), new PrintWriter(err), cmd));
      int code;
      try {
        code = f.get(TIMEOUT_S, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        spark.sparkContext().cancelAllJobs();
        f.cancel(true);
        keep(caseDir, kind);
        fail(what + ": no result after " + TIMEOUT_S + " s (a hang)");
        return;
      }
      slowest = Math.max(slowest, System.nanoTime() - c0);
      if (code == ExitCodes.OK) {
        ok++;
        checkSucceeded(what, cohort);
      } else if (code == ExitCodes.BAD_INPUT) {
        bad++;
        checkRefused(what, cohort, err.toString().strip(), before);
      } else {
        keep(caseDir, kind);
        fail(what + ": exit " + code + " (unhandled):\n" + err);
      }
      if ((i + 1) % 25 == 0 || i == CASES - 1) { // progress: cases FROM..i done
        LakeState.assertInvariants(lake, what);
        progress(String.format("%s: cases %d-%d of %d done, %d ingested, %d refused (exit 2), %.0f s", kind, FROM, i,
            CASES, ok,
            bad, (System.nanoTime() - t0) / 1e9));
      }
    }
    String fig = String.format("%s: cases %d-%d (seed %d): %d ingested (rows checked), %d refused with exit 2 and "
        + "tables unchanged, 0 hangs, 0 unhandled; %.0f s, slowest case %.1f s", kind, FROM, CASES - 1, SEED, ok, bad,
        (System.nanoTime() - t0) / 1e9, slowest / 1e9);
    figures.add(fig);
    System.out.println(fig);
  }

  /** A progress line (a long run's figures survive an interruption): target/reliability/fuzz-N-progress.txt. */
  static void progress(String line) {
    try {
      Path p = CrashIT.BASE.resolve("target/reliability/fuzz-" + CASES + "-" + String.join("-", KINDS)
          + "-progress.txt");
      Files.createDirectories(p.getParent());
      Files.writeString(p, java.time.Instant.now() + " " + line + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    } catch (java.io.IOException e) {
      // figures only
    }
  }

  /** The run's record and the tables agree: rows accepted are there, rows rejected are in quarantine. */
  void checkSucceeded(String what, String cohort) {
    List<Row> run = lake.read(Tables.INGEST_RUNS).filter(col("run_id").equalTo(cohort)).collectAsList();
    assertEquals(1, run.size(), what + ": one ingest_runs row");
    Row r = run.get(0);
    long rejected = 0;
    for (Row file : r.<Row>getList(r.fieldIndex("files"))) {
      String k = file.getString(0);
      TableDef t = k.equals("manifest") ? Tables.SAMPLES : k.equals("mirna") ? Tables.MIRNA_COUNTS
          : Tables.PROTEIN_ABUNDANCE;
      long have = lake.read(t).filter(col("cohort").equalTo(cohort)).count();
      assertEquals(file.getLong(5), have, what + ": " + t.name() + " rows vs rows_accepted");
      assertEquals(file.getLong(4), file.getLong(5) + file.getLong(6), what + ": read = accepted + rejected");
      rejected += file.getLong(6);
    }
    // optional fields set to null have quarantine rows of their own, but their samples are kept (not rejected)
    long q = lake.read(Tables.QUARANTINE).filter(col("run_id").equalTo(cohort)
        .and(org.apache.spark.sql.functions.not(col("reason").endsWith("(" + io.exocohort.ingest.ManifestParser.NULLED
            + ")")))).count();
    assertEquals(rejected, q, what + ": quarantine rows vs rows_rejected");
  }

  static void keep(Path caseDir, String kind) {
    try {
      Path to = CrashIT.BASE.resolve("target/reliability/fuzz-failures/" + caseDir.getFileName());
      Files.createDirectories(to);
      try (var s = Files.list(caseDir)) {
        for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, to.resolve(p.getFileName()),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (java.io.IOException e) {
      // best effort: the failure message has the seed
    }
  }
}
