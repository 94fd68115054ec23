package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher {@code jobs/exocohort} run through bash, as the user of the issue ran it: common options before the
 * subcommand ({@code jobs/exocohort --conf FILE sql ...}), embedded and (what it hands to spark-submit) submitted.
 */
class LauncherIT {
  static final Path PROJECT = Path.of("").toAbsolutePath();

  @TempDir Path dir;

  record Result(int exit, String stdout, String stderr) {}

  /**
   * Embedded: a leading {@code --conf} is read (its database is the session's current one) and the statement
   * runs against an empty lake; {@code --verbose} before the subcommand is accepted too.
   */
  @Test
  void leadingConfRunsEmbedded() throws Exception {
    Path conf = conf("leading_conf_db");
    Path lake = Files.createDirectories(dir.resolve("empty-lake"));
    Result r = launcher(Map.of(), "--conf", conf.toString(), "-v", "sql", "--lake", lake.toString(), "--format", "csv",
        "SELECT current_database() AS db, 1 AS one");
    assertEquals(0, r.exit(), r.stderr());
    assertEquals("db,one\nleading_conf_db,1\n", r.stdout(), r.stderr());

    // The same option before and after the subcommand: refused by the launcher, exit 2, one line.
    Result twice = launcher(Map.of(), "--conf", conf.toString(), "sql", "--conf", conf.toString(), "SELECT 1");
    assertEquals(2, twice.exit(), twice.stderr());
    assertEquals("exocohort: --conf is given twice ('" + conf + "' and '" + conf + "'); give it once\n",
        twice.stderr());
    // --lake twice: the Java entry point refuses it, exit 2.
    Result lakeTwice = launcher(Map.of(), "--conf", conf.toString(), "--lake", lake.toString(), "sql", "--lake",
        lake.toString(), "SELECT 1");
    assertEquals(2, lakeTwice.exit(), lakeTwice.stderr());
    assertTrue(lakeTwice.stderr().startsWith("exocohort: --lake is given both before and after 'sql'; give it once"),
        lakeTwice.stderr());
  }

  /**
   * Submitted: a leading {@code --conf FILE} becomes spark-submit's {@code --properties-file FILE} (so its spark.*
   * keys reach the cluster) and EXOCOHORT_CONF, the application's name is the subcommand's, and the arguments reach
   * the entry point unchanged. spark-submit here is a script that records what it was given (ClusterIT submits to
   * a real standalone cluster); it needs the application jar of this build ({@code mvn verify} packages it first).
   */
  @Test
  void leadingConfBecomesThePropertiesFileWhenSubmitting() throws Exception {
    Path conf = conf("submitted_db");
    Path sparkHome = Files.createDirectories(dir.resolve("spark/bin"));
    Path record = dir.resolve("spark-submit.args");
    Path submit = sparkHome.resolve("spark-submit");
    Files.writeString(submit, "#!/usr/bin/env bash\n"
        + "{ printf '%s\\n' \"$@\"; echo \"EXOCOHORT_CONF=$EXOCOHORT_CONF\"; } > '" + record + "'\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    Result r = launcher(Map.of("SPARK_HOME", dir.resolve("spark").toString()), "--conf", conf.toString(),
        "--master", "spark://127.0.0.1:7077", "sql", "--lake", "s3a://bucket/lake", "SELECT 1");
    assertEquals(0, r.exit(), r.stderr());
    List<String> got = Files.readAllLines(record);
    int props = got.indexOf("--properties-file");
    assertTrue(props >= 0, got.toString());
    assertEquals(conf.toString(), got.get(props + 1));
    assertEquals("exocohort sql", got.get(got.indexOf("--name") + 1));
    assertEquals("spark://127.0.0.1:7077", got.get(got.indexOf("--master") + 1));
    int main = got.indexOf("io.exocohort.cli.Main");
    // After the class: the jar, then the arguments as given, less --master.
    assertEquals(List.of("--conf", conf.toString(), "sql", "--lake", "s3a://bucket/lake", "SELECT 1",
        "EXOCOHORT_CONF=" + conf), got.subList(main + 2, got.size()));
  }

  /**
   * The embedded JVM's JIT: qc, de and run of those stages start with the C1 compiler only, every other command
   * (here normalize, train, ingest, a run with normalize, the server, benchmarks) with the full tiered JIT; EXOCOHORT_JIT
   * chooses for all, and a value it does not know is refused in one line (exit 2). The server alone gets the parallel
   * collector, unless JAVA_OPTS chooses one. The {@code java} on the PATH here is a script that records its arguments,
   * so no JVM starts.
   */
  @Test
  void quickJitForTheMeasuredCommandsOnly() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path record = dir.resolve("java.args");
    Path java = bin.resolve("java");
    Files.writeString(java, "#!/usr/bin/env bash\nprintf '%s\n' \"$@\" > '" + record + "'\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = new java.util.HashMap<>(Map.of("PATH", bin + ":" + System.getenv("PATH"),
        "JAVA_OPTS", ""));
    Map<List<String>, Boolean> quick = new java.util.LinkedHashMap<>();
    quick.put(List.of("de", "--lake", "x"), true);
    quick.put(List.of("--lake", "x", "qc", "--cohort", "de"), true);
    quick.put(List.of("run", "qc", "de", "--lake", "x"), true);
    quick.put(List.of("--lake", "x", "normalize", "--modality", "mirna"), false);
    quick.put(List.of("run", "qc", "normalize", "de", "--lake", "x"), false);
    quick.put(List.of("run", "normalize", "train", "--lake", "x"), false);
    quick.put(List.of("train", "--lake", "x"), false);
    quick.put(List.of("ingest", "--lake", "x"), false);
    quick.put(List.of("serve", "--socket", "s"), false);
    quick.put(List.of("bench", "stages"), false);
    quick.put(List.of("sql", "--lake", "de", "SELECT 1"), false);
    for (Map.Entry<List<String>, Boolean> c : quick.entrySet()) {
      Files.deleteIfExists(record);
      Result r = launcher(env, c.getKey().toArray(String[]::new));
      assertEquals(0, r.exit(), c.getKey() + ": " + r.stderr());
      List<String> got = Files.readAllLines(record);
      assertEquals(c.getValue(), got.contains("-XX:TieredStopAtLevel=1"), c.getKey() + ": " + got);
      // C1 alone keeps the full JIT's code cache, not the client VM's 48 MB
      assertEquals(c.getValue(), got.contains("-XX:ReservedCodeCacheSize=240m"), c.getKey() + ": " + got);
      assertEquals("io.exocohort.cli.Main", got.get(got.indexOf("-cp") + 2), got.toString());
      // the server (and so the daemon) runs with the parallel collector, launches with the JVM's default
      assertEquals(c.getKey().get(0).equals("serve"), got.contains("-XX:+UseParallelGC"), c.getKey() + ": " + got);
    }
    // a collector chosen in JAVA_OPTS wins: two would stop the JVM at start
    Files.deleteIfExists(record);
    Map<String, String> g1 = new java.util.HashMap<>(env);
    g1.put("JAVA_OPTS", "-XX:+UseG1GC");
    launcher(g1, "serve", "--socket", "s");
    List<String> served = Files.readAllLines(record);
    assertTrue(served.contains("-XX:+UseG1GC") && !served.contains("-XX:+UseParallelGC"), served.toString());
    env.put("EXOCOHORT_JIT", "full");
    launcher(env, "de", "--lake", "x");
    assertTrue(!Files.readAllLines(record).contains("-XX:TieredStopAtLevel=1"));
    env.put("EXOCOHORT_JIT", "quick");
    launcher(env, "train", "--lake", "x");
    assertTrue(Files.readAllLines(record).contains("-XX:TieredStopAtLevel=1"));
    env.put("EXOCOHORT_JIT", "fast");
    Result bad = launcher(env, "de", "--lake", "x");
    assertEquals(2, bad.exit(), bad.stderr());
    assertEquals("exocohort: EXOCOHORT_JIT must be auto, quick or full, not 'fast'\n", bad.stderr());
  }

  /** conf/local.properties with another database, in a temporary file. */
  private Path conf(String database) throws IOException {
    Path conf = dir.resolve(database + ".properties");
    Files.writeString(conf, Files.readString(PROJECT.resolve("conf/local.properties"))
        + "\nexocohort.database=" + database + "\n");
    return conf;
  }

  private Result launcher(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("bash", "jobs/exocohort"));
    cmd.addAll(List.of(args));
    Path out = dir.resolve("stdout");
    Path err = dir.resolve("stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(PROJECT.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().remove("EXOCOHORT_CONF");
    pb.environment().put("EXOCOHORT_DRIVER_MEMORY", "1g");
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new IllegalStateException("timed out: " + cmd);
    }
    return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
