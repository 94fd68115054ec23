package io.exocohort.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.cli.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety end to end: {@code ingest}, {@code normalize} and {@code de} run in a child JVM that is killed
 * with SIGKILL at points driven by the job's own progress (its data files and Delta commits appearing in the
 * lake): right after the first of ingest's counts / samples commits (before the other, the quarantine and the run
 * record); during normalize's write of {@code mirna_matrix}; right after de's {@code de_results} commit (before
 * {@code de_runs}); with {@code -Dcrash.points=all} also mid data-file write of {@code mirna_counts} and during
 * de's write of {@code de_results}.
 *
 * <p>After each kill every table reads, at its version before the job, exactly as before (row count and an
 * order-independent checksum of all rows), and its latest version is readable. Re-running the job (same run
 * id as the uninterrupted reference run) then gives the same tables as the uninterrupted run on a copy of the
 * lake, and the lake's invariants ({@code check}) hold.
 */
class CrashIT {
  static final Path BASE = Path.of(System.getProperty("user.dir"));
  /** The test conf, from the build folder this run uses (-Dexo.buildDir may move it from target/). */
  static final String CONF = Path.of(System.getProperty("exocohort.build.dir", BASE.resolve("target").toString()))
      .resolve("test-classes/test.properties").toString();
  static final List<TableDef> INGEST_TABLES = List.of(Tables.SAMPLES, Tables.MIRNA_COUNTS,
      Tables.PROTEIN_ABUNDANCE, Tables.QUARANTINE, Tables.INGEST_RUNS);

  /**
   * Which kill points run: {@code ci} (the default, what {@code mvn verify} runs) the three where a job dies between
   * commits or in its only data write (ingest after the first of its counts / samples commits, normalize mid matrix
   * write, de after its results commit, before {@code de_runs}); {@code all} adds the two mid-data-file kills of
   * ingest and de (uncommitted files, the property normalize's point already shows), as every run did until the
   * eighteenth session: {@code -Dcrash.points=all}.
   */
  static final boolean ALL_POINTS = "all".equals(System.getProperty("crash.points", "ci"));

  @TempDir Path dir;
  final List<String> figures = new ArrayList<>();

  @Test
  void killedJobsLoseNothingAndReRunsMatchUninterruptedRuns(SparkSession spark) throws Exception {
    Path a = generate("A", 40, 150, 30, 1);
    Path b = generate("B", 160, 600, 60, 2);
    Path ref = dir.resolve("ref");
    Path work = dir.resolve("work");
    cli("ingest", ref, "crash_ref", "--cohort", "A", "--manifest", a + "/manifest.csv", "--mirna",
        a + "/mirna_counts.csv", "--protein", a + "/protein_intensities.csv", "--run-id", "ingest-A");
    copy(ref, work);

    // the uninterrupted reference runs
    cli("ingest", ref, "crash_ref", ingestB(b, "ingest-B"));
    Lake refLake = io.exocohort.catalog.LakeCatalog.open(spark, ref.toString(), "crash_ref");
    Map<String, LakeState.Table> refIngest = LakeState.contents(refLake, INGEST_TABLES, Map.of());
    cli("qc", ref, "crash_ref", "--run-id", "qc-1");
    cli("normalize", ref, "crash_ref", "--run-id", "norm-1");
    Map<String, LakeState.Table> refNorm = normContents(refLake);
    cli("de", ref, "crash_ref", "--modality", "mirna", "--run-id", "de-1");
    Map<String, LakeState.Table> refDe = deContents(refLake);

    Lake w = io.exocohort.catalog.LakeCatalog.open(spark, work.toString(), "crash_w");
    // ingest: mid data-file write of the count table
    if (ALL_POINTS) {
      Set<Path> had = parquet(work.resolve("mirna_counts"));
      killAt(w, "ingest mid mirna_counts data file",
          () -> !parquetSince(work.resolve("mirna_counts"), had).isEmpty(), "ingest", work, ingestB(b, "killed-1"));
    }
    // ingest: right after the first of the counts and samples commits
    long vc = w.version(Tables.MIRNA_COUNTS);
    long vs = w.version(Tables.SAMPLES);
    killAt(w, "ingest after first of counts/samples commits",
        () -> logVersion(work, "mirna_counts") > vc || logVersion(work, "samples") > vs,
        "ingest", work, ingestB(b, "killed-2"));
    cli("ingest", work, "crash_w", ingestB(b, "ingest-B"));
    assertEquals(refIngest, LakeState.contents(w, INGEST_TABLES, Map.of()), "ingest re-run differs");
    LakeState.assertInvariants(w, "after the ingest re-run");

    cli("qc", work, "crash_w", "--run-id", "qc-1");
    Set<Path> hadExpr = parquet(work.resolve("mirna_matrix"));
    killAt(w, "normalize mid mirna_matrix write",
        () -> !parquetSince(work.resolve("mirna_matrix"), hadExpr).isEmpty(), "normalize", work,
        new String[] {"--run-id", "killed-n"});
    cli("normalize", work, "crash_w", "--run-id", "norm-1");
    assertEquals(refNorm, normContents(w), "normalize re-run differs");
    LakeState.assertInvariants(w, "after the normalize re-run");

    if (ALL_POINTS) {
      Set<Path> hadDe = parquet(work.resolve("de_results"));
      killAt(w, "de mid de_results write", () -> !parquetSince(work.resolve("de_results"), hadDe).isEmpty(), "de",
          work, new String[] {"--modality", "mirna", "--run-id", "killed-d1"});
    }
    // the results' commit: after version 0, which a de run creating the table commits empty first
    long vd = Math.max(w.version(Tables.DE_RESULTS), 0);
    killAt(w, "de after de_results commit", () -> logVersion(work, "de_results") > vd, "de", work,
        new String[] {"--modality", "mirna", "--run-id", "killed-d2"});
    cli("de", work, "crash_w", "--modality", "mirna", "--run-id", "de-1");
    assertEquals(refDe, deContents(w), "de re-run differs");
    LakeState.assertInvariants(w, "after the de re-run");

    Files.createDirectories(BASE.resolve("target/reliability"));
    Files.write(BASE.resolve("target/reliability/crash.txt"), figures);
    System.out.println(String.join("\n", figures));
  }

  static String[] ingestB(Path b, String runId) {
    return new String[] {"--cohort", "B", "--manifest", b + "/manifest.csv", "--mirna", b + "/mirna_counts.csv",
        "--protein", b + "/protein_intensities.csv", "--run-id", runId};
  }

  static Map<String, LakeState.Table> normContents(Lake l) {
    return LakeState.contents(l, List.of(Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, Tables.PROTEIN_MATRIX,
        Tables.PROTEIN_MATRIX_SAMPLES,         Tables.SAMPLE_NORMALIZATION, Tables.JOB_RUNS), Map.of("sample_normalization", "norm_run_id = 'norm-1'",
        "job_runs", "run_id = 'norm-1'"));
  }

  /**
   * de's tables and its run record. The shipped marker annotations are loaded by the de run that finds them missing
   * or changed, beside its results: a killed run may have committed them (the file's content, a valid commit), and
   * the re-run then has nothing to write there, so the record's rows per table leave marker_annotations out.
   */
  static Map<String, LakeState.Table> deContents(Lake l) {
    return LakeState.contents(l, List.of(Tables.DE_RESULTS, Tables.DE_RUNS, Tables.JOB_RUNS), Map.of(
        "de_results", "run_id = 'de-1'", "de_runs", "run_id = 'de-1'", "job_runs", "run_id = 'de-1'"),
        Map.of("job_runs", d -> d.withColumn("rows_written",
            org.apache.spark.sql.functions.expr("map_filter(rows_written, (k, v) -> k <> 'marker_annotations')"))));
  }

  /**
   * Starts the job in a child JVM, SIGKILLs it as soon as {@code when} holds, and checks that every table
   * still reads at its previous version exactly as before.
   */
  void killAt(Lake lake, String point, BooleanSupplier when, String job, Path lakeDir, String[] args)
      throws Exception {
    LakeState before = LakeState.of(lake);
    List<String> cmd = new ArrayList<>(List.of(job, "--lake", lakeDir.toString(), "--database", "crash_child"));
    cmd.addAll(List.of(args));
    long t0 = System.nanoTime();
    try (ChildJob child = ChildJob.start(cmd.toArray(new String[0]))) {
      boolean reached = child.awaitCondition(when, 240);
      assertTrue(reached && child.alive(), point + ": the kill point was not reached while the job ran:\n"
          + child.output());
      child.kill();
    }
    before.assertPreservedIn(lake, point);
    List<String> advanced = new ArrayList<>();
    for (TableDef t : Tables.ALL) { // tables the killed job created count too (de_results on a first de run)
      long now = lake.version(t);
      LakeState.Table was = before.tables().get(t.name());
      if (now > (was == null ? -1 : was.version())) {
        advanced.add(t.name() + " " + (was == null ? "absent" : String.valueOf(was.version())) + "->" + now);
      }
    }
    figures.add(String.format("kill '%s' after %.1f s: previous versions intact; committed before the kill: %s",
        point, (System.nanoTime() - t0) / 1e9, advanced.isEmpty() ? "nothing" : String.join(", ", advanced)));
  }

  static int cli(String job, Path lake, String database, String... args) {
    List<String> cmd = new ArrayList<>(List.of(job, "--conf", CONF, "--lake", lake.toString(), "--database",
        database));
    cmd.addAll(List.of(args));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(out), new PrintWriter(err), cmd.toArray(new String[0]));
    assertEquals(0, code, String.join(" ", cmd) + ":\n" + out + err);
    return code;
  }

  Path generate(String cohort, int samples, int mirnas, int proteins, int seed) {
    Path out = dir.resolve("gen-" + cohort);
    int code = Main.execute("generate", "--out", out.toString(), "--samples", String.valueOf(samples), "--mirnas",
        String.valueOf(mirnas), "--proteins", String.valueOf(proteins), "--cancer-types", "3", "--seed",
        String.valueOf(seed), "--cohort", cohort);
    assertEquals(0, code);
    return out;
  }

  /** The newest commit version in a table's _delta_log (-1 if none), by listing only. */
  static long logVersion(Path lake, String table) {
    Path log = lake.resolve(table).resolve("_delta_log");
    if (!Files.isDirectory(log)) return -1;
    try (Stream<Path> s = Files.list(log)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d{20}\\.json"))
          .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElse(-1);
    } catch (IOException | UncheckedIOException e) {
      return -1; // listing raced a rename: try again on the next poll
    }
  }

  static Set<Path> parquet(Path table) {
    if (!Files.isDirectory(table)) return Set.of();
    try (Stream<Path> s = Files.walk(table)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".parquet") && !p.toString().contains("_delta_log"))
          .collect(Collectors.toSet());
    } catch (IOException | UncheckedIOException e) {
      return Set.of();
    }
  }

  static Set<Path> parquetSince(Path table, Set<Path> had) {
    Set<Path> now = new java.util.HashSet<>(parquet(table));
    now.removeAll(had);
    return now;
  }

  static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(q);
        else Files.copy(p, q);
      }
    }
  }
}
