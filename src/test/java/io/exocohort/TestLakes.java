package io.exocohort;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Modality;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.ingest.IngestJob;
import io.exocohort.ingest.Pseudonymizer;
import io.exocohort.matrix.Matrices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Helpers for integration tests: files from strings, ingest arguments, table versions. */
public final class TestLakes {
  private TestLakes() {}

  public static final Pseudonymizer TEST_KEY = new Pseudonymizer("test-key-0123456789abcdef");

  public static Path write(Path dir, String name, String content) {
    try {
      Path p = dir.resolve(name);
      Files.createDirectories(p.getParent());
      Files.writeString(p, content, StandardCharsets.UTF_8);
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static IngestJob.Args args(Path lake, String cohort, Path manifest, Path mirna, Path protein) {
    return new IngestJob.Args(lake.toString(), "exocohort", cohort, manifest == null ? null : manifest.toString(),
        mirna == null ? null : mirna.toString(), protein == null ? null : protein.toString(), "auto", "linear",
        null, null, TEST_KEY, IngestJob.DEFAULT_IDENTIFIER_COLUMNS);
  }

  /**
   * Versions of the lake's data tables. {@code job_runs} is left out: every run, failed ones included, appends
   * to it (RunsIT checks what a failure records there).
   */
  /**
   * Runs the command line on a lake with the test configuration ({@code COMMAND --conf test.properties --lake
   * LAKE ARGS...}): {exit code, standard output, standard error}.
   */
  public static String[] cli(Path lake, String command, String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    String[] all = new String[args.length + 5];
    all[0] = command;
    all[1] = "--conf";
    all[2] = "src/test/resources/test.properties";
    all[3] = "--lake";
    all[4] = lake.toString();
    System.arraycopy(args, 0, all, 5, args.length);
    int code = io.exocohort.cli.Main.execute(new java.io.PrintWriter(out), new java.io.PrintWriter(err), all);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  /** Samples per matrix block in test fixtures: small, so that every fixture cohort spans several blocks. */
  public static final int TEST_BLOCK = 4;

  /**
   * Writes a modality's expression fixture, given as long rows ({@link Matrices#longSchema}), as its matrix and
   * sample index, in blocks of {@link #TEST_BLOCK} samples (appended: call once per table).
   */
  public static void writeExpression(SparkSession spark, Lake l, Modality m, java.util.List<Row> rows) {
    Matrices.Matrix x = Matrices.fromLong(spark, spark.createDataFrame(rows, Matrices.longSchema(m)), m, TEST_BLOCK);
    l.ensure(m.matrix());
    l.ensure(m.samples());
    x.rows().write().format("delta").mode("append").save(l.path(m.matrix()));
    x.samples().write().format("delta").mode("append").save(l.path(m.samples()));
  }

  /**
   * Puts voom's figures into the miR sample index of the given cohorts, as normalize writes them: each block's
   * {@code scale}, its samples' effective library sizes (library size x norm factor of the {@code sample_normalization}
   * rows given, columns as that table's) and the mean over every sample of the block's normalize run. The other
   * cohorts' blocks keep nulls, as blocks written before the index held them (de then reads the tables instead).
   */
  public static void indexVoomFigures(SparkSession spark, Lake l, java.util.List<Row> normalization, String scale,
      java.util.Set<String> cohorts) {
    Map<String, Double> eff = new java.util.HashMap<>();
    Map<String, double[]> runs = new java.util.HashMap<>();
    for (Row r : normalization) {
      double e = r.getDouble(4) * r.getDouble(5);
      eff.put(r.getString(2) + "\u0000" + r.getString(3), e);
      double[] a = runs.computeIfAbsent(r.getString(0), k -> new double[2]);
      a[0] += e;
      a[1]++;
    }
    java.util.List<Row> index = new java.util.ArrayList<>();
    for (Row r : l.read(Tables.MIRNA_MATRIX_SAMPLES).collectAsList()) {
      if (!cohorts.contains(r.getString(0))) {
        index.add(r);
        continue;
      }
      java.util.List<String> ids = r.getList(2);
      Double[] sizes = new Double[ids.size()];
      for (int i = 0; i < sizes.length; i++) sizes[i] = eff.get(r.getString(0) + "\u0000" + ids.get(i));
      double[] run = runs.get(r.getString(3));
      index.add(org.apache.spark.sql.RowFactory.create(r.get(0), r.get(1), ids.toArray(new String[0]), r.get(3),
          scale, sizes, run[0] / run[1]));
    }
    spark.createDataFrame(index, Tables.MIRNA_MATRIX_SAMPLES.schema()).write().format("delta").mode("overwrite")
        .save(l.path(Tables.MIRNA_MATRIX_SAMPLES));
  }

  /**
   * Appends {@code ev_origin} rows as a deconvolve run writes them (issue 19), standing in for such a run until the
   * deconvolve job lands: per sample two components, {@code healthy_cell} (role {@code control}) and
   * {@code cancer_cell} (role {@code case}), whose fractions sum to 1, the case one given; residual 0.1 and 48
   * features, run {@code runId}, signature {@code sig-fixture}, computed at {@code computedAt}.
   *
   * @param fractions cohort and sample id ({@code cohort/sample_id}) to the tumour-EV (case) fraction
   */
  public static void writeEvOrigin(SparkSession spark, Lake l, String runId, Map<String, Double> fractions,
      java.sql.Timestamp computedAt) {
    java.util.List<Row> rows = new java.util.ArrayList<>();
    for (Map.Entry<String, Double> e : fractions.entrySet()) {
      int at = e.getKey().indexOf('/');
      String cohort = e.getKey().substring(0, at);
      String sample = e.getKey().substring(at + 1);
      rows.add(org.apache.spark.sql.RowFactory.create(runId, "sig-fixture", cohort, sample, "healthy_cell", "control",
          1 - e.getValue(), 0.1, 48, computedAt));
      rows.add(org.apache.spark.sql.RowFactory.create(runId, "sig-fixture", cohort, sample, "cancer_cell", "case",
          e.getValue(), 0.1, 48, computedAt));
    }
    io.exocohort.catalog.TableWrites.append(l, Tables.EV_ORIGIN, spark.createDataFrame(rows, Tables.EV_ORIGIN.schema()));
  }

  /**
   * A recursive copy of a lake folder at {@code to} (Delta tables are relative to their folder: the copy is a lake
   * of its own, with the same tables, versions and history); returns {@code to}. For tests that start from a lake
   * another test or class already built: they change the copy, never the lake they copied.
   */
  public static Path copy(Path lake, Path to) {
    try (java.util.stream.Stream<Path> s = Files.walk(lake)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path q = to.resolve(lake.relativize(p).toString());
        if (Files.isDirectory(p)) Files.createDirectories(q);
        else Files.copy(p, q);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }

  /**
   * A new temporary folder for lakes the test JVM shares between classes (AnalystLake, CliLakes), deleted when the
   * JVM exits (a folder a deletion fails on is left behind).
   */
  public static Path jvmTempDir(String prefix) throws IOException {
    Path dir = Files.createTempDirectory(prefix);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException | UncheckedIOException e) {
        // a temp folder left behind
      }
    }));
    return dir;
  }

  public static Map<String, Long> versions(SparkSession spark, Path lake) {
    Lake l = io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort");
    Map<String, Long> v = new LinkedHashMap<>();
    for (TableDef t : Tables.ALL) if (t != Tables.JOB_RUNS) v.put(t.name(), l.version(t));
    return v;
  }
}
