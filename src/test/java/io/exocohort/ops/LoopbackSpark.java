package io.exocohort.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on 127.0.0.1 for tests: a Spark home laid out from the build's own jars
 * ({@code target/classpath.txt} less what the application jar shades in and Spark does not ship: Delta, picocli), with
 * {@code bin/spark-submit} and {@code bin/spark-class} (what Spark's scripts do), one master and one worker in
 * their own JVMs on free ports. Executors are launched by the worker in their own JVMs. {@link #close()} stops
 * the worker (and with it its executors) and the master; a shutdown hook does the same if the test JVM is
 * stopped first.
 */
final class LoopbackSpark implements AutoCloseable {
  static final Path PROJECT = Path.of("").toAbsolutePath();
  /** The build folder (failsafe passes it; target/ by default). */
  static final Path BUILD = PROJECT.resolve(System.getProperty("exocohort.build.dir", "target"));

  private final Path home;
  private final Path logs;
  private final int masterPort;
  private final int masterUiPort;
  private final List<Process> daemons = new ArrayList<>();
  private final Thread hook = new Thread(this::stopDaemons, "loopback-spark-stop");

  private LoopbackSpark(Path dir) throws IOException {
    this.home = dir.resolve("spark-home");
    this.logs = Files.createDirectories(dir.resolve("logs"));
    this.masterPort = freePort();
    this.masterUiPort = freePort();
  }

  /** Lays out the Spark home under {@code dir}, starts a master and a worker ({@code cores}, {@code memory}). */
  static LoopbackSpark start(Path dir, int cores, String memory) throws IOException, InterruptedException {
    LoopbackSpark s = new LoopbackSpark(dir);
    s.layOut();
    Runtime.getRuntime().addShutdownHook(s.hook);
    try {
      s.daemons.add(s.daemon("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
          String.valueOf(s.masterPort), "--webui-port", String.valueOf(s.masterUiPort)));
      s.daemons.add(s.daemon("worker", "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
          "--webui-port", String.valueOf(freePort()), "--cores", String.valueOf(cores), "--memory", memory,
          "--work-dir", Files.createDirectories(dir.resolve("work")).toString(), s.masterUrl()));
      s.awaitWorker(Duration.ofSeconds(120));
    } catch (IOException | InterruptedException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  String masterUrl() {
    return "spark://127.0.0.1:" + masterPort;
  }

  Path home() {
    return home;
  }

  Path logs() {
    return logs;
  }

  /** The environment a child process needs to submit here: SPARK_HOME, its bin/ first on the PATH, loopback. */
  Map<String, String> env() {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("SPARK_HOME", home.toString());
    // Without it the worker's launcher looks for a source build ("Cannot find any build directories").
    env.put("SPARK_SCALA_VERSION", "2.13");
    env.put("SPARK_LOCAL_IP", "127.0.0.1");
    env.put("PATH", home.resolve("bin") + ":" + System.getenv("PATH"));
    // bin/spark-class's own short JVM (it only prints the command line): the daemons' flags.
    env.put("EXOCOHORT_TEST_LAUNCHER_OPTS", String.join(" ", io.exocohort.ChildJvmFlags.daemon()));
    return env;
  }

  /** The master's JSON status page ({@code /json}: workers, active and completed applications). */
  String status() throws IOException {
    HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + masterUiPort + "/json/").toURL()
        .openConnection();
    c.setConnectTimeout(2000);
    c.setReadTimeout(5000);
    try (InputStream in = c.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } finally {
      c.disconnect();
    }
  }

  /** A count field of the master's status, e.g. {@code aliveworkers}. */
  int statusCount(String field) throws IOException {
    Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*(\\d+)").matcher(status());
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  private void layOut() throws IOException {
    Path jars = Files.createDirectories(home.resolve("jars"));
    String cp = Files.readString(BUILD.resolve("classpath.txt")).strip();
    for (String entry : cp.split(":")) {
      Path jar = Path.of(entry);
      String p = jar.toString();
      // What the application jar carries itself is not part of a Spark distribution. commons-math3 is: Spark's
      // own MLlib (UnivariateFeatureSelector's F test) loads it from Spark's class loader, not the app jar's.
      if (p.contains("/io/delta/") || p.contains("/info/picocli/")) continue;
      Path link = jars.resolve(jar.getFileName());
      if (!Files.exists(link)) Files.createSymbolicLink(link, jar);
    }
    Path bin = Files.createDirectories(home.resolve("bin"));
    for (String script : List.of("spark-class", "spark-submit")) {
      Path to = bin.resolve(script);
      Files.copy(PROJECT.resolve("src/test/resources/ops/" + script), to);
      if (!to.toFile().setExecutable(true)) throw new IOException("cannot make " + to + " executable");
    }
    // The cluster's logging: Spark at WARN, exocohort's stages at INFO (what conf/log4j2.properties sets).
    Path conf = Files.createDirectories(home.resolve("conf"));
    Files.copy(PROJECT.resolve("conf/log4j2.properties"), conf.resolve("log4j2.properties"));
  }

  private Process daemon(String name, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx512m"));
    cmd.addAll(io.exocohort.ChildJvmFlags.daemon());
    cmd.addAll(ChildJvm.moduleOptions());
    cmd.addAll(List.of("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"), "-cp",
        home.resolve("jars") + "/*", mainClass));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(logs.resolve(name + ".log").toFile());
    pb.environment().putAll(env());
    return pb.start();
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private void awaitWorker(Duration timeout) throws IOException, InterruptedException {
    Instant end = Instant.now().plus(timeout);
    while (Instant.now().isBefore(end)) {
      for (Process p : daemons) {
        if (!p.isAlive()) throw new IllegalStateException("a Spark daemon exited: see " + logs);
      }
      try {
        if (statusCount("aliveworkers") >= 1) return;
      } catch (IOException notYet) {
        // the master's UI is not up yet
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("no worker registered with " + masterUrl() + " within " + timeout + ": see "
        + logs);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void stopDaemons() {
    // Worker first (it kills its executors), then the master; children left over are ended too.
    for (int i = daemons.size() - 1; i >= 0; i--) {
      Process p = daemons.get(i);
      List<ProcessHandle> children = p.descendants().toList();
      p.destroy();
      try {
        if (!p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      children.forEach(h -> {
        if (h.isAlive()) h.destroyForcibly();
      });
    }
  }

  @Override
  public void close() {
    stopDaemons();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run
    }
  }

  /** Reads a file, or says it is missing (for assertion messages). */
  static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "(no " + p + ")";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
