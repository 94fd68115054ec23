package io.exocohort.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's daemon (docs/operations.md, "The daemon"): real launches through bash with {@code EXOCOHORT_DAEMON}
 * at its default (auto; the build sets it off for every other test), each test with a daemon folder of its own. The
 * first launch starts a daemon and later launches in the same environment reuse it, from any folder (relative
 * paths, Spark's own included, are the launch's); another environment gets another daemon; a launch killed in the
 * middle of its command ends its daemon, as the killed launch would have ended; launches that find no daemon at once
 * start one between them; an idle daemon stops by itself; and
 * {@code jobs/exocohort daemon --status / --stop} see and stop them. Whether a job's tables through a server equal
 * the same job's in process is ServeIT's.
 */
class DaemonIT {
  static final Path PROJECT = LoopbackSpark.PROJECT;
  static final Pattern PID = Pattern.compile("listening on \\S+ \\(pid (\\d+),");

  @TempDir Path dir;
  Path daemons;

  record Out(int exit, String stdout, String stderr) {}

  @AfterEach
  void stopDaemons() throws Exception {
    if (daemons == null || !Files.isDirectory(daemons)) return;
    for (long pid : pids()) {
      ProcessHandle.of(pid).ifPresent(p -> {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      });
    }
  }

  @Test
  void laterLaunchesReuseTheDaemonOfTheirEnvironment() throws Exception {
    daemons = dir.resolve("d");
    Path lake = Files.createDirectories(dir.resolve("lake"));
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    Files.writeString(b.resolve("x.csv"), "a,b\n1,2\n3,4\n");

    Out first = launch(a, Map.of(), "sql", "--lake", lake.toString(), "--format", "csv", "SELECT 1 AS one");
    assertEquals(0, first.exit(), first.stderr());
    assertEquals("one\n1\n", first.stdout(), first.stderr());
    assertTrue(first.stderr().contains("exocohort: starting a daemon for this command and later ones"),
        first.stderr());
    assertEquals(1, sockets().size());

    // From another folder: the same daemon, and a path inside the statement is this launch's folder's.
    Out second = launch(b, Map.of(), "sql", "--lake", lake.toString(), "--format", "csv",
        "SELECT count(*) AS n FROM csv.`x.csv`");
    assertEquals(0, second.exit(), second.stderr());
    assertEquals("n\n3\n", second.stdout(), second.stderr());
    assertFalse(second.stderr().contains("starting a daemon"), second.stderr());
    assertEquals(1, sockets().size());
    String log = log(sockets().get(0));
    assertTrue(log.contains("request 2: sql --lake " + lake + " --format csv SELECT count(*) AS n FROM csv.`x.csv` "
        + "(from " + b + ")"), log);

    // Bad input: its exit code and one error line, as a launch's.
    Out bad = launch(a, Map.of(), "sql", "--lake", dir.resolve("no-lake").toString(), "SELECT 1");
    assertEquals(2, bad.exit(), bad.stderr());
    assertEquals(1, bad.stderr().lines().filter(l -> l.startsWith("exocohort sql: error: no lake at ")).count(),
        bad.stderr());

    // Another environment (another pseudonym key): another daemon, so a job never runs under a key not its own.
    Out other = launch(a, Map.of("EXOCOHORT_PSEUDONYM_KEY", "another-key-0123456789"), "sql", "--lake",
        lake.toString(), "--format", "csv", "SELECT 2 AS two");
    assertEquals(0, other.exit(), other.stderr());
    assertEquals("two\n2\n", other.stdout());
    assertTrue(other.stderr().contains("starting a daemon"), other.stderr());
    assertEquals(2, sockets().size());
    List<Long> pids = pids();
    assertEquals(2, pids.size());

    Out status = launch(a, Map.of(), "daemon", "--status");
    assertEquals(0, status.exit(), status.stderr());
    assertEquals(2, status.stdout().lines().filter(l -> l.startsWith("exocohort serve: listening on ")).count(),
        status.stdout());
    Out stop = launch(a, Map.of(), "daemon", "--stop");
    assertEquals(0, stop.exit(), stop.stderr());
    assertEquals(2, stop.stdout().lines().filter(l -> l.startsWith("exocohort serve: stopped")).count(),
        stop.stdout());
    for (long pid : pids) waitGone(pid, "the daemon did not end after daemon --stop");
    assertEquals(List.of(), sockets());
    Out none = launch(a, Map.of(), "daemon", "--status");
    assertTrue(none.stdout().startsWith("exocohort: no daemon is running"), none.stdout());
  }

  @Test
  void aKilledLaunchEndsItsDaemonAndAnIdleDaemonStops() throws Exception {
    daemons = dir.resolve("d");
    Path lake = Files.createDirectories(dir.resolve("lake"));
    // A command that runs until it is stopped: its launch is killed (SIGTERM) once the daemon runs it.
    Process p = launcher(dir, Map.of(), "sql", "--lake", lake.toString(),
        "SELECT count(*) FROM range(0, 1000000000000)").redirectOutput(dir.resolve("long.out").toFile()).redirectError(dir.resolve("long.err").toFile()).start();
    long t0 = System.nanoTime();
    while (sockets().isEmpty() || !log(sockets().get(0)).contains("request 1: sql")) {
      String err = read(dir.resolve("long.err"));
      assertTrue(p.isAlive(), () -> "the launch ended: " + err);
      assertTrue(System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(5), "the daemon did not take the command");
      Thread.sleep(200);
    }
    Path socket = sockets().get(0);
    long pid = pids().get(0);
    p.destroy(); // SIGTERM to the launcher, as Airflow's timeout or a kill sends it
    assertTrue(p.waitFor(1, TimeUnit.MINUTES), "the launch did not end on SIGTERM");
    assertEquals(143, p.exitValue(), read(dir.resolve("long.err")));
    waitGone(pid, "the daemon did not end with its killed launch");
    assertTrue(log(socket).contains("request 1: its client went away during the job; ending"), log(socket));
    assertFalse(Files.exists(socket), "the socket is left behind");

    // Two launches that find no daemon at once start one between them; it stops by itself when idle
    // (EXOCOHORT_DAEMON_IDLE).
    Map<String, String> idleEnv = Map.of("EXOCOHORT_DAEMON_IDLE", "3s");
    Process one = launcher(dir, idleEnv, "sql", "--lake", lake.toString(), "--format", "csv", "SELECT 3 AS three")
        .redirectOutput(dir.resolve("one.out").toFile()).redirectError(dir.resolve("one.err").toFile()).start();
    Process two = launcher(dir, idleEnv, "sql", "--lake", lake.toString(), "--format", "csv", "SELECT 4 AS four")
        .redirectOutput(dir.resolve("two.out").toFile()).redirectError(dir.resolve("two.err").toFile()).start();
    assertTrue(one.waitFor(10, TimeUnit.MINUTES) && two.waitFor(1, TimeUnit.MINUTES), "the launches did not end");
    assertEquals(0, one.exitValue(), read(dir.resolve("one.err")));
    assertEquals(0, two.exitValue(), read(dir.resolve("two.err")));
    assertEquals("three\n3\n", read(dir.resolve("one.out")));
    assertEquals("four\n4\n", read(dir.resolve("two.out")));
    String errs = read(dir.resolve("one.err")) + read(dir.resolve("two.err"));
    assertEquals(1, count(errs, "starting a daemon"), errs);
    assertEquals(1, count(log(socket), "listening on"), log(socket));
    long idle = pids().get(0);
    waitGone(idle, "the idle daemon did not stop");
    assertTrue(log(socket).contains("no request for 3 s: stopping"), log(socket));
    assertEquals(List.of(), sockets());
  }

  private List<Path> sockets() throws IOException {
    if (!Files.isDirectory(daemons)) return List.of();
    try (Stream<Path> s = Files.list(daemons)) {
      return s.filter(f -> !f.getFileName().toString().endsWith(".log") && !Files.isRegularFile(f)).sorted()
          .toList();
    }
  }

  /** The pids of the daemons that wrote a log in the folder and still run. */
  private List<Long> pids() throws IOException {
    List<Long> out = new ArrayList<>();
    if (daemons == null || !Files.isDirectory(daemons)) return out;
    try (Stream<Path> s = Files.list(daemons)) {
      for (Path f : s.filter(f -> f.getFileName().toString().endsWith(".log")).sorted().toList()) {
        Matcher m = PID.matcher(read(f));
        while (m.find()) {
          long pid = Long.parseLong(m.group(1));
          if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) out.add(pid);
        }
      }
    }
    return out;
  }

  private static long count(String s, String needle) {
    long n = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) n++;
    return n;
  }

  private static void waitGone(long pid, String message) throws InterruptedException {
    long t0 = System.nanoTime();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      assertTrue(System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(2), message + " (pid " + pid + ")");
      Thread.sleep(200);
    }
  }

  private static String log(Path socket) throws IOException {
    return read(Path.of(socket + ".log"));
  }

  private static String read(Path f) throws IOException {
    return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  private ProcessBuilder launcher(Path cwd, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", PROJECT.resolve("jobs/exocohort").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Map<String, String> e = pb.environment();
    e.remove("EXOCOHORT_CONF");
    e.remove("EXOCOHORT_SERVER");
    e.remove("EXOCOHORT_DAEMON_IDLE");
    e.put("EXOCOHORT_DAEMON", "auto");
    e.put("EXOCOHORT_DAEMON_DIR", daemons.toString());
    e.put("EXOCOHORT_DRIVER_MEMORY", "1g");
    e.putAll(new HashMap<>(env));
    return pb;
  }

  private Out launch(Path cwd, Map<String, String> env, String... args) throws Exception {
    Path out = Files.createTempFile(dir, "launch", ".out");
    Path err = Files.createTempFile(dir, "launch", ".err");
    Process p = launcher(cwd, env, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("timed out: " + List.of(args));
    }
    return new Out(p.exitValue(), read(out), read(err));
  }
}
