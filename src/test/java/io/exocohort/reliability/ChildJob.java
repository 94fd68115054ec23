package io.exocohort.reliability;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A job in its own JVM, started as {@code jobs/exocohort} does (the build's classpath, the same add-opens flags,
 * {@code conf/local.properties}), whose log lines the test can watch and which it can kill with SIGKILL
 * ({@link Process#destroyForcibly()} on Linux): nothing in the job gets to clean up. It runs with the C1 compiler
 * only ({@link io.exocohort.ChildJvmFlags}): it is killed some 20-30 s after it starts on a quiet machine.
 */
final class ChildJob implements AutoCloseable {
  private final Process process;
  private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
  private final Thread reader;

  private ChildJob(Process process) {
    this.process = process;
    this.reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) lines.add(line);
      } catch (IOException e) {
        // the process was killed
      }
    }, "child-job-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code exocohort <args>} in a child JVM with a 1 GB heap, from the project folder. */
  static ChildJob start(String... args) {
    Path base = Path.of(System.getProperty("user.dir"));
    String classpath;
    try {
      Path build = Path.of(System.getProperty("exocohort.build.dir", base.resolve("target").toString()));
      classpath = build.resolve("classes") + ":" + Files.readString(build.resolve("classpath.txt")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("target/classpath.txt is made at generate-resources: build first", e);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx1g");
    cmd.addAll(io.exocohort.ChildJvmFlags.job());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("-XX:+IgnoreUnrecognizedVMOptions")
          || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")) {
        cmd.add(a);
      }
    }
    cmd.add("-Dlog4j2.configurationFile=" + base.resolve("conf/log4j2.properties"));
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add("io.exocohort.cli.Main");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true);
    pb.environment().put("EXOCOHORT_CONF", base.resolve("conf/local.properties").toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().remove("EXOCOHORT_PSEUDONYM_KEY"); // the demo key, as the in-process runs use
    pb.environment().put("SPARK_LOCAL_DIRS", System.getProperty("java.io.tmpdir"));
    try {
      return new ChildJob(pb.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether a log line containing {@code text} has appeared. */
  boolean logged(String text) {
    synchronized (lines) {
      for (String l : lines) if (l.contains(text)) return true;
    }
    return false;
  }

  /**
   * Polls {@code condition} every few milliseconds until it holds (true) or the job ends or the time runs out
   * (false).
   */
  boolean awaitCondition(BooleanSupplier condition, long timeoutSeconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) return true;
      if (!process.isAlive()) return condition.getAsBoolean();
      Thread.sleep(5);
    }
    return false;
  }

  /** SIGKILL, and waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  boolean alive() {
    return process.isAlive();
  }

  int waitFor(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      kill();
      throw new AssertionError("child job did not finish in " + seconds + " s:\n" + output());
    }
    reader.join(5_000);
    return process.exitValue();
  }

  String output() {
    synchronized (lines) {
      return String.join("\n", lines);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) kill();
  }
}
