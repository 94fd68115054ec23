package io.exocohort.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lake on {@code s3a://} against a real S3 API server on 127.0.0.1 (S3Proxy over a local folder, started
 * here in its own JVM with a random access key and secret), following the README's S3 section: a copy of
 * {@code conf/s3.properties} with the endpoint lines uncommented, credentials and the pseudonym key only in the
 * environment, {@code jobs/exocohort --conf FILE ...}. Ingest, normalize and de (one {@code run} launch) and sql
 * (a second launch) round trip; a wrong bucket fails with one line; the secret appears in no output, log or object
 * of the lake.
 */
class S3IT {
  static final Path GBM = Path.of("sample-data/gbm_exosomal_mirna").toAbsolutePath();
  static final String BUCKET = "exocohort-lake";

  /** The README's S3 section: conf/s3.properties with the S3-compatible server's lines uncommented. */
  private static Path s3Conf(Path dir, int port) throws java.io.IOException {
    Path conf = dir.resolve("s3.properties");
    Files.writeString(conf, Files.readString(Path.of("conf/s3.properties"))
        .replace("# spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:9000",
            "spark.hadoop.fs.s3a.endpoint=http://127.0.0.1:" + port)
        .replace("# spark.hadoop.fs.s3a.path.style.access=true", "spark.hadoop.fs.s3a.path.style.access=true")
        .replace("# spark.hadoop.fs.s3a.connection.ssl.enabled=false",
            "spark.hadoop.fs.s3a.connection.ssl.enabled=false")
        .replace("exocohort.lake=s3a://exocohort-lake/lake", "exocohort.lake=s3a://" + BUCKET + "/lake")
        // a 2-core test machine
        + "\nspark.master=local[2]\nspark.sql.shuffle.partitions=4\n"
        + "spark.databricks.delta.snapshotPartitions=2\n");
    assertEquals(3, Files.readAllLines(conf).stream().filter(l -> l.startsWith("spark.hadoop.fs.s3a.endpoint=")
        || l.startsWith("spark.hadoop.fs.s3a.path.style") || l.startsWith("spark.hadoop.fs.s3a.connection.ssl"))
        .count(), "conf/s3.properties no longer has the endpoint lines the README describes");
    return conf;
  }

  @Test
  void lakeOnS3Proxy(@TempDir Path dir) throws Exception {
    String identity = "AKID" + hex(8).toUpperCase();
    String secret = "s3secret" + hex(20);
    String pseudonymKey = "pk" + hex(16);
    int port = LoopbackSpark.freePort();
    Path store = Files.createDirectories(dir.resolve("s3-store"));
    Files.createDirectories(store.resolve(BUCKET));
    Path proxyProps = dir.resolve("s3proxy.properties");
    Files.writeString(proxyProps, String.join("\n",
        "s3proxy.endpoint=http://127.0.0.1:" + port,
        "s3proxy.authorization=aws-v2-or-v4",
        "s3proxy.identity=" + identity,
        "s3proxy.credential=" + secret,
        "jclouds.provider=filesystem",
        "jclouds.filesystem.basedir=" + store,
        ""));
    Path logs = Files.createDirectories(dir.resolve("logs"));
    Path proxyJar = LoopbackSpark.BUILD.resolve("s3proxy/s3proxy.jar");
    assertTrue(Files.isRegularFile(proxyJar), proxyJar + " is missing (the pom copies it before the ITs)");

    List<String> proxyCmd = new ArrayList<>(List.of(LoopbackSpark.javaBin(), "-Xmx256m"));
    proxyCmd.addAll(io.exocohort.ChildJvmFlags.daemon());
    proxyCmd.addAll(List.of("-jar", proxyJar.toString(), "--properties", proxyProps.toString()));
    Process proxy = new ProcessBuilder(proxyCmd).redirectErrorStream(true)
        .redirectOutput(logs.resolve("s3proxy.log").toFile()).start();
    List<ChildJvm.Result> runs = new ArrayList<>();
    long started = System.nanoTime();
    try {
      awaitPort(port, proxy, logs.resolve("s3proxy.log"));

      Path conf = s3Conf(dir, port);
      Map<String, String> env = Map.of(
          "AWS_ACCESS_KEY_ID", identity,
          "AWS_SECRET_ACCESS_KEY", secret,
          "EXOCOHORT_PSEUDONYM_KEY", pseudonymKey,
          "EXOCOHORT_DRIVER_MEMORY", "2g",
          "JAVA_OPTS", io.exocohort.ChildJvmFlags.jobString()); // the test children's JIT flags

      // ingest, normalize and de in one launch (the multi-stage run: one JVM, one session, each stage its own run)
      ChildJvm.Result run = job(runs, logs, env, "run", "ingest", "normalize", "de", "--conf", conf.toString(),
          "--cohort", "gbm", "--manifest", GBM.resolve("manifest.tsv").toString(), "--mirna",
          GBM.resolve("Normalized_microRNA_counts.tsv").toString(), "--modality", "mirna");
      assertTrue(run.output().contains("== run 3/3: de"), run.output());
      assertTrue(Pattern.compile("ingest ingest-gbm-\\S+: succeeded").matcher(run.output()).find(), run.output());
      Matcher m = Pattern.compile("mirna +(\\d+) results").matcher(run.output());
      assertTrue(m.find(), run.output());
      long deRows = Long.parseLong(m.group(1));
      // a new JVM reads what the run wrote (one de run: all de_results rows are its own)
      ChildJvm.Result sql = job(runs, logs, env, "sql", "--conf", conf.toString(), "--format", "csv",
          "SELECT (SELECT count(*) FROM exocohort.de_results) AS de_rows, "
              + "(SELECT count(DISTINCT run_id) FROM exocohort.de_results) AS de_runs, "
              + "(SELECT count(*) FROM exocohort.samples) AS samples, "
              + "(SELECT count(DISTINCT sample_id) FROM exocohort.mirna_expression) AS normalized");
      assertTrue(sql.output().contains("de_rows,de_runs,samples,normalized\n" + deRows + ",1,38,"), sql.output());

      // The tables are objects of the bucket (S3Proxy's folder), not files beside the test.
      assertTrue(Files.isRegularFile(store.resolve(BUCKET + "/lake/de_results/_delta_log/00000000000000000000.json")),
          "no de_results log under " + store);
      assertFalse(Files.exists(LoopbackSpark.PROJECT.resolve("s3a:")), "a local folder named s3a: was written");

      // A wrong bucket: one error line, exit 2, naming the path and not the secret.
      ChildJvm.Result wrong = ChildJvm.run(List.of("jobs/exocohort", "de", "--conf", conf.toString(), "--lake",
          "s3a://no-such-bucket-" + hex(4) + "/lake", "--verbose"), env, logs.resolve("wrong-bucket.log"), 10);
      runs.add(wrong);
      assertEquals(2, wrong.exit(), wrong.output());
      String errorLine = wrong.output().lines().filter(l -> l.startsWith("exocohort de: error:")).findFirst()
          .orElseThrow(() -> new AssertionError("no error line:\n" + wrong.output()));
      assertTrue(errorLine.contains("no-such-bucket"), errorLine);
      System.out.println("S3IT: wrong bucket: " + errorLine);
    } finally {
      proxy.destroy();
      if (!proxy.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) proxy.destroyForcibly().waitFor();
    }
    System.out.printf("S3IT: %d jobs against S3Proxy in %.0f s%n", runs.size(), (System.nanoTime() - started) / 1e9);

    // The secret (and the pseudonym key) appear nowhere: job outputs and logs, the objects of the lake.
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Stream.concat(Files.walk(logs), Files.walk(store))) {
      s.filter(Files::isRegularFile).forEach(files::add);
    }
    files.remove(logs.resolve("s3proxy.log")); // the server's own log: it holds the secret by design, if anything
    byte[] s1 = secret.getBytes(StandardCharsets.UTF_8);
    byte[] s2 = pseudonymKey.getBytes(StandardCharsets.UTF_8);
    assertTrue(files.size() > 20, "too few files to check: " + files);
    for (Path f : files) {
      byte[] b = Files.readAllBytes(f);
      assertFalse(contains(b, s1), "the S3 secret appears in " + f);
      assertFalse(contains(b, s2), "the pseudonym key appears in " + f);
    }
  }

  private static ChildJvm.Result job(List<ChildJvm.Result> runs, Path logs, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("jobs/exocohort"));
    cmd.addAll(List.of(args));
    ChildJvm.Result r = ChildJvm.run(cmd, env, logs.resolve(runs.size() + 1 + "-" + args[0] + ".log"), 10);
    runs.add(r);
    assertEquals(0, r.exit(), args[0] + " on s3a:// failed:\n" + r.output());
    return r;
  }

  private static void awaitPort(int port, Process p, Path log) throws InterruptedException {
    Instant end = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(end)) {
      if (!p.isAlive()) throw new IllegalStateException("S3Proxy exited:\n" + LoopbackSpark.read(log));
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(250);
      }
    }
    throw new IllegalStateException("S3Proxy did not listen on " + port + ":\n" + LoopbackSpark.read(log));
  }

  static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) continue outer;
      }
      return true;
    }
    return false;
  }

  static String hex(int bytes) {
    return HexFormat.of().formatHex(random(bytes));
  }

  static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
