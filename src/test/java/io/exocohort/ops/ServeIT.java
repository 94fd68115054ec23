package io.exocohort.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jobs/exocohort serve}: one real server for the class, started as a child process through the launcher
 * (conf/local.properties, as a user starts it), and clients that are the launcher with {@code EXOCOHORT_SERVER}
 * set, run from a folder of their own (relative paths are theirs). A small generated cohort goes through ingest, qc,
 * normalize and de through the server; its tables must equal, to 1e-9, those of the same jobs run in this JVM
 * without a server. Bad input, a second client while a job runs, a conf the session cannot take, and what a request
 * leaves behind are checked against the same server; it is stopped with {@code serve --stop} at the end.
 */
class ServeIT {
  static final Path PROJECT = LoopbackSpark.PROJECT;

  @TempDir static Path dir;
  static Path socket;
  static Process server;
  static Path serverLog;
  static final AtomicInteger CLIENTS = new AtomicInteger();

  record Out(int exit, String stdout, String stderr) {}

  @BeforeAll
  static void startServer() throws Exception {
    socket = dir.resolve("exo.sock");
    serverLog = dir.resolve("server.log");
    ProcessBuilder pb = new ProcessBuilder("bash", "jobs/exocohort", "serve", "--socket", socket.toString())
        .directory(PROJECT.toFile()).redirectErrorStream(true).redirectOutput(serverLog.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().remove("EXOCOHORT_CONF");
    pb.environment().remove("EXOCOHORT_SERVER");
    pb.environment().put("EXOCOHORT_DRIVER_MEMORY", "1g");
    long t0 = System.nanoTime();
    server = pb.start();
    while (!(Files.exists(socket) && log().contains("listening on"))) {
      if (!server.isAlive()) throw new IllegalStateException("the server ended:\n" + log());
      if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(5)) throw new IllegalStateException("no socket:\n" + log());
      Thread.sleep(200);
    }
    System.out.printf("ServeIT: server listening after %.1f s%n", (System.nanoTime() - t0) / 1e9);
    // only this user may connect
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server == null) return;
    try {
      Out stop = client(dir, Map.of(), "serve", "--stop", "--socket", socket.toString());
      assertEquals(0, stop.exit(), stop.stderr());
      assertTrue(stop.stdout().contains("stopped"), stop.stdout());
      assertTrue(server.waitFor(2, TimeUnit.MINUTES), "the server did not end after --stop:\n" + log());
      assertEquals(0, server.exitValue(), log());
      assertFalse(Files.exists(socket), "the socket is left behind");
    } finally {
      if (server.isAlive()) {
        server.descendants().forEach(ProcessHandle::destroyForcibly);
        server.destroyForcibly().waitFor();
      }
    }
  }

  /** Tables compared between the served lake and the in-process lake, with their keys: ClusterIT's. */
  static final Map<String, List<String>> TABLES = ClusterIT.TABLES;

  @Test
  void pipelineThroughTheServerEqualsTheSameJobsInProcess(SparkSession spark) throws Exception {
    Path work = Files.createDirectories(dir.resolve("client"));
    Path data = work.resolve("data");
    // CliLakes' cohort (60 samples, 150 miRs, 30 proteins, 2 cancer types; seed 7): its shared lake is the in-process
    // reference below
    io.exocohort.cli.CliLakes.cohort(data);
    Files.copy(PROJECT.resolve("conf/qc.properties"), work.resolve("qc.properties"));

    // Through the server, every path relative to the client's folder (String and Path options, the lake too).
    Out ingest = client(work, Map.of(), "ingest", "--lake", "served", "--cohort", "synthetic", "--manifest",
        "data/manifest.csv", "--mirna", "data/mirna_counts.csv", "--protein", "data/protein_intensities.csv");
    assertEquals(0, ingest.exit(), ingest.stderr());
    assertTrue(ingest.stdout().startsWith("ingest "), ingest.stdout());
    assertTrue(Files.isDirectory(work.resolve("served/samples/_delta_log")), "the lake is not in the client's folder");
    assertFalse(Files.exists(PROJECT.resolve("served")), "the lake went to the server's folder");

    // Bad input: exit 2 and one line, as in process; nothing written but its failed run record; the server lives on.
    Files.writeString(work.resolve("bad.csv"), "not,a,manifest\n1,2,3\n");
    Map<String, String> before = files(work.resolve("served"));
    Out bad = client(work, Map.of(), "ingest", "--lake", "served", "--cohort", "synthetic", "--manifest", "bad.csv");
    assertEquals(2, bad.exit(), bad.stderr());
    List<String> errors = bad.stderr().lines().filter(l -> l.startsWith("exocohort ingest: error: ")).toList();
    assertEquals(1, errors.size(), bad.stderr());
    assertEquals(before, files(work.resolve("served")), "the bad input changed the lake's tables");
    Path local = dir.resolve("in-process");
    String[] localBad = TestLakes.cli(local, "ingest", "--cohort", "synthetic", "--manifest",
        work.resolve("bad.csv").toString());
    assertEquals("2", localBad[0]);
    assertEquals(errors.get(0), localBad[2].lines().filter(l -> l.startsWith("exocohort ingest: error: "))
        .findFirst().orElseThrow(), "the served error line differs from the in-process one");

    // qc with a relative --thresholds file; the job's own log lines reach the client
    Out qc = client(work, Map.of(), "qc", "--lake", "served", "--cohort", "synthetic", "--thresholds",
        "qc.properties");
    assertEquals(0, qc.exit(), qc.stderr());
    assertTrue(qc.stderr().contains(" INFO QcJob: qc "), "no job log line at the client:\n" + qc.stderr());

    // normalize, and a second client while it runs: it waits, is told so, then runs
    long normalizeRequests = count(log(), "exocohort serve: request ");
    ProcessBuilder first = launcher(work, Map.of(), "normalize", "--lake", "served", "--cohort", "synthetic");
    Path firstOut = work.resolve("normalize.out");
    Process normalize = first.redirectOutput(firstOut.toFile()).redirectErrorStream(true).start();
    while (count(log(), "exocohort serve: request ") == normalizeRequests) {
      assertTrue(normalize.isAlive() || count(log(), "exocohort serve: request ") > normalizeRequests, "normalize "
          + "ended before the server saw it:\n" + Files.readString(firstOut));
      Thread.sleep(100);
    }
    Out second = client(work, Map.of(), "sql", "--lake", "served", "--format", "csv",
        "SELECT count(*) AS n FROM exocohort.samples");
    assertTrue(normalize.waitFor(10, TimeUnit.MINUTES));
    assertEquals(0, normalize.exitValue(), Files.readString(firstOut));
    assertEquals(0, second.exit(), second.stderr());
    assertEquals("n\n60\n", second.stdout());
    assertTrue(second.stderr().contains("the server is running another job (request "), second.stderr());
    String log = log();
    int normalizeEnd = log.indexOf(": exit 0 in", log.indexOf("normalize --lake served"));
    int sqlStart = log.lastIndexOf(": sql --lake served --format csv SELECT count(*) AS n FROM exocohort.samples (");
    assertTrue(log.contains("waits for the running job (request "), log);
    assertTrue(normalizeEnd > 0 && sqlStart > normalizeEnd, "the two jobs were not run one after the other:\n" + log);

    Out de = client(work, Map.of(), "de", "--lake", "served", "--cohort", "synthetic");
    assertEquals(0, de.exit(), de.stderr());

    // Output comes back as the job prints it: sql to a relative --out file and from a relative --file, history
    Files.writeString(work.resolve("q.sql"), "SELECT job, status FROM exocohort.job_runs WHERE status = 'succeeded' "
        + "ORDER BY started_at");
    Out runs = client(work, Map.of(), "sql", "--lake", "served", "--file", "q.sql", "--out", "runs.csv");
    assertEquals(0, runs.exit(), runs.stderr());
    assertEquals("job,status\ningest,succeeded\nqc,succeeded\nnormalize,succeeded\nde,succeeded\n",
        Files.readString(work.resolve("runs.csv")), "one job_runs row per request");
    Out history = client(work, Map.of(), "history", "--lake", "served", "de_results");
    assertEquals(0, history.exit(), history.stderr());
    assertTrue(history.stdout().contains("WRITE") || history.stdout().contains("CREATE"), history.stdout());

    // The same jobs in this JVM, without a server, on the same files: ingest, qc and normalize of this generated
    // cohort (the same arguments, seed and sizes) ran in this JVM through the same command line for CliLakes'
    // shared lake (qc there without --thresholds: the packed defaults are conf/qc.properties, the file given above),
    // copied here; de runs on the copy
    for (String f : List.of("manifest.csv", "mirna_counts.csv", "protein_intensities.csv")) {
      assertEquals(-1L, Files.mismatch(data.resolve(f), io.exocohort.cli.CliLakes.data().resolve(f)), f);
    }
    Path reference = TestLakes.copy(io.exocohort.cli.CliLakes.normalized(), dir.resolve("in-process-reference"));
    String[] deLocal = TestLakes.cli(reference, "de", "--cohort", "synthetic");
    assertEquals("0", deLocal[0], "de in process failed:\n" + deLocal[2]);
    for (Map.Entry<String, List<String>> t : TABLES.entrySet()) {
      long n = LakeDiff.assertSameTable(spark, work.resolve("served").toString(), reference.toString(), t.getKey(),
          t.getValue(), 1e-9);
      assertTrue(n > 0, t.getKey() + " is empty");
      System.out.printf("ServeIT: %s: %d rows equal%n", t.getKey(), n);
    }
  }

  /**
   * A request cannot change the running session's Spark conf (exit 2, one line), may change exocohort.* keys (its
   * own database here, from a --conf relative to the client's folder), and leaves nothing to the next request: SQL
   * conf, temporary and global temporary views, cached tables, the current database. A job that fails ends its own
   * request only.
   */
  @Test
  void confIsCheckedAndNothingLeaksBetweenRequests() throws Exception {
    Path work = Files.createDirectories(dir.resolve("conf-client"));
    Path lake = Files.createDirectories(work.resolve("empty-lake"));
    String localConf = Files.readString(PROJECT.resolve("conf/local.properties"));
    Files.writeString(work.resolve("other-spark.properties"), localConf + "\nspark.sql.shuffle.partitions=3\n");
    Files.writeString(work.resolve("other-db.properties"), localConf + "\nexocohort.database=served_db\n");

    for (Out refused : List.of(
        client(work, Map.of(), "--conf", "other-spark.properties", "sql", "--lake", lake.toString(), "SELECT 1"),
        client(work, Map.of("EXOCOHORT_CONF", work.resolve("other-spark.properties").toString()), "sql", "--lake",
            lake.toString(), "SELECT 1"))) {
      assertEquals(2, refused.exit(), refused.stderr());
      assertEquals(List.of("exocohort sql: error: the conf file's Spark settings differ from the server's "
          + "(spark.sql.shuffle.partitions=3 where the server has 8): a running session cannot change them; run "
          + "without the server (unset EXOCOHORT_SERVER) or restart it with this conf"),
          refused.stderr().lines().filter(l -> l.startsWith("exocohort")).toList());
    }
    Out db = client(work, Map.of(), "--conf", "other-db.properties", "sql", "--lake", "empty-lake", "--format", "csv",
        "SELECT current_database() AS db");
    assertEquals(0, db.exit(), db.stderr());
    assertEquals("db\nserved_db\n", db.stdout());

    for (String statement : List.of("SET spark.sql.shuffle.partitions=3",
        "CREATE TEMPORARY VIEW leak AS SELECT 1 AS x", "CREATE GLOBAL TEMPORARY VIEW gleak AS SELECT 1 AS x",
        "CACHE TABLE cleak AS SELECT 1 AS x")) {
      Out set = client(work, Map.of(), "sql", "--lake", "empty-lake", statement);
      assertEquals(0, set.exit(), statement + ": " + set.stderr());
    }
    Out current = client(work, Map.of(), "sql", "--lake", "empty-lake", "--format", "csv",
        "SELECT current_database() AS db");
    assertEquals(0, current.exit(), current.stderr());
    assertEquals("db\nexocohort\n", current.stdout());
    Out partitions = client(work, Map.of(), "sql", "--lake", "empty-lake", "--format", "csv",
        "SET spark.sql.shuffle.partitions");
    assertEquals("key,value\nspark.sql.shuffle.partitions,8\n", partitions.stdout(), partitions.stderr());
    for (String view : List.of("leak", "global_temp.gleak", "cleak")) {
      Out gone = client(work, Map.of(), "sql", "--lake", "empty-lake", "SELECT * FROM " + view);
      assertEquals(2, gone.exit(), view + " is still there:\n" + gone.stdout() + gone.stderr());
    }

    // a job that fails (an exception in a Spark task, not bad input): exit 1 and its line; the server goes on
    Out failed = client(work, Map.of(), "sql", "--lake", "empty-lake", "SELECT raise_error('served boom')");
    assertEquals(1, failed.exit(), failed.stderr());
    assertTrue(failed.stderr().lines()
        .anyMatch(l -> l.startsWith("exocohort sql: error: ") && l.contains("served boom")), failed.stderr());
    Out after = client(work, Map.of(), "sql", "--lake", "empty-lake", "--format", "csv", "SELECT 1 AS one");
    assertEquals("one\n1\n", after.stdout(), after.stderr());

    // idle after its last request, the server collects the heap (what the requests left), and says so
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("request (\\d+): exit").matcher(log());
    String last = null;
    while (m.find()) last = m.group(1);
    String collected = "request " + last + ": heap collected while idle";
    long t0 = System.nanoTime();
    while (!log().contains(collected) && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(20)) Thread.sleep(200);
    assertTrue(log().contains(collected), "no collection after the last request:\n" + log());
  }

  /**
   * The launcher without a live server: EXOCOHORT_SERVER naming none runs the command here (saying so);
   * {@code --server PATH} naming none exits 2. The client alone starts well under a second.
   */
  @Test
  void withoutALiveServerTheLauncherRunsTheJobItself() throws Exception {
    Path none = dir.resolve("none.sock");
    Out fallback = client(dir, Map.of("EXOCOHORT_SERVER", none.toString()), "--version");
    assertEquals(0, fallback.exit(), fallback.stderr());
    assertEquals("exocohort 0.1.0\n", fallback.stdout());
    assertEquals("exocohort: no server is listening on " + none + " (EXOCOHORT_SERVER); running the job in this "
        + "process\n", fallback.stderr());
    Out explicit = client(dir, Map.of(), "--server", none.toString(), "--version");
    assertEquals(2, explicit.exit(), explicit.stderr());

    List<String> java = List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp",
        PROJECT.resolve("target/classes").toString(), "io.exocohort.serve.Client", socket.toString(), "status");
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(java).redirectErrorStream(true).start();
    String status = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor());
    System.out.printf("ServeIT: client status round trip %.0f ms (load %s)%n", (System.nanoTime() - t0) / 1e6,
        Files.readString(Path.of("/proc/loadavg")).strip());
    assertTrue(status.startsWith("exocohort serve: listening on " + socket), status);
  }

  private static String log() throws IOException {
    return Files.readString(serverLog, StandardCharsets.UTF_8);
  }

  private static long count(String s, String needle) {
    long n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
    return n;
  }

  /** Every file of a lake but job_runs' (a failed run records itself there by design), with its SHA-256. */
  private static Map<String, String> files(Path lake) throws Exception {
    Map<String, String> m = new java.util.TreeMap<>();
    try (Stream<Path> s = Files.walk(lake)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        String rel = lake.relativize(p).toString();
        if (rel.startsWith("job_runs/")) continue;
        m.put(rel, java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
            .digest(Files.readAllBytes(p))));
      }
    }
    return m;
  }

  private static ProcessBuilder launcher(Path cwd, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", PROJECT.resolve("jobs/exocohort").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().remove("EXOCOHORT_CONF");
    pb.environment().put("EXOCOHORT_SERVER", socket.toString());
    pb.environment().put("EXOCOHORT_DRIVER_MEMORY", "1g");
    pb.environment().putAll(env);
    return pb;
  }

  /** The launcher as a client, run from {@code cwd}, with EXOCOHORT_SERVER set to the class's server. */
  static Out client(Path cwd, Map<String, String> env, String... args) throws IOException, InterruptedException {
    int n = CLIENTS.incrementAndGet();
    Path out = dir.resolve("client-" + n + ".out");
    Path err = dir.resolve("client-" + n + ".err");
    Process p = launcher(cwd, env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("timed out: " + List.of(args));
    }
    return new Out(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
