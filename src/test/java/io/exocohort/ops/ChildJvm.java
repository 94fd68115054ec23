package io.exocohort.ops;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Child processes of the ops tests: a command with its environment, output to a log file, a time limit. */
final class ChildJvm {
  private ChildJvm() {}

  /** Exit code and everything the process printed (stdout and stderr, interleaved). */
  record Result(int exit, String output, Path log) {}

  /** The Java 17 module options this test JVM runs with (from the pom's spark.jvm.opens). */
  static List<String> moduleOptions() {
    List<String> opts = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.equals("-XX:+IgnoreUnrecognizedVMOptions")
          || a.startsWith("-Djdk.reflect.") || a.startsWith("-Dio.netty.")) {
        opts.add(a);
      }
    }
    return opts;
  }

  /** Runs {@code cmd} in the project folder with {@code env} added, waiting at most {@code minutes}. */
  static Result run(List<String> cmd, Map<String, String> env, Path log, int minutes)
      throws IOException, InterruptedException {
    Files.createDirectories(log.getParent());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(LoopbackSpark.PROJECT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    try {
      if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
        throw new IllegalStateException("timed out after " + minutes + " min: " + cmd + "\n" + LoopbackSpark.read(log));
      }
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
      }
    }
    return new Result(p.exitValue(), Files.readString(log), log);
  }
}
