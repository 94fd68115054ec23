package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.Caller;
import io.exocohort.common.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Under {@code exocohort serve} a relative path is the client's ({@link Caller}): every option that names a file or
 * folder resolves it against the request's directory, whatever its Java type; URIs and absolute paths are kept, and
 * a launch without a server keeps every value as given. No Spark: it parses command lines and reads conf files.
 */
class CallerPathsTest {
  static final Path CLIENT = Path.of("/client/dir");

  @TempDir Path dir;

  @AfterEach
  void end() {
    Caller.end();
  }

  /** Options whose value is a path though neither their type nor their label says so. */
  static final Set<String> PATH_NAMES = Set.of("--lake", "--out-dir", "--work", "--socket");

  @Test
  void everyPathOptionResolvesAgainstTheCaller() {
    List<String> missing = new ArrayList<>();
    List<String> found = new ArrayList<>();
    walk(Main.commandLine(), missing, found);
    assertEquals(List.of(), missing, "path options without a CallerPaths converter");
    // the scan saw the options it must see (a rename would otherwise pass unnoticed)
    for (String o : List.of("sql --file", "sql --out", "sql --out-dir", "ingest --manifest", "ingest --cancer-types",
        "qc --thresholds", "report --thresholds", "check --manifest", "generate --out", "demo --sample-data",
        "de --conf", "de --lake", "bench de --work", "serve --socket")) {
      assertTrue(found.contains(o), o + " not found among " + found);
    }
  }

  private static void walk(CommandLine cl, List<String> missing, List<String> found) {
    for (OptionSpec o : cl.getCommandSpec().options()) {
      String label = o.paramLabel().replaceAll("[<>]", "");
      boolean path = o.type() == Path.class || o.type() == java.io.File.class
          || Set.of("FILE", "DIR", "PATH").contains(label) || PATH_NAMES.contains(o.longestName());
      if (!path) continue;
      String name = cl.getCommandSpec().qualifiedName().replaceFirst("^exocohort ", "") + " " + o.longestName();
      found.add(name);
      CommandLine.ITypeConverter<?>[] conv = o.converters();
      if (conv == null || conv.length != 1 || !(conv[0] instanceof CallerPaths.LocalPath
          || conv[0] instanceof CallerPaths.Location)) {
        missing.add(name);
      }
    }
    for (CommandLine sub : cl.getSubcommands().values()) walk(sub, missing, found);
  }

  @Test
  void relativePathsAreTheClientsUnderAServerAndKeptOtherwise() {
    String[] args = {"--cohort", "c", "--manifest", "m.csv", "--mirna", "/abs/x.csv", "--protein", "s3a://b/p.csv",
        "--cancer-types", "../aliases.tsv", "--lake", "lake"};
    IngestCommand plain = new IngestCommand();
    new CommandLine(plain).parseArgs(args);
    assertEquals(List.of("m.csv", "/abs/x.csv", "s3a://b/p.csv", "../aliases.tsv", "lake"),
        List.of(plain.manifest, plain.mirna, plain.protein, plain.cancerTypes, plain.common.lake));

    Caller.begin(new Caller.Request(CLIENT, null, Map.of()));
    IngestCommand served = new IngestCommand();
    new CommandLine(served).parseArgs(args);
    assertEquals(List.of("/client/dir/m.csv", "/abs/x.csv", "s3a://b/p.csv", "/client/aliases.tsv",
        "/client/dir/lake"), List.of(served.manifest, served.mirna, served.protein, served.cancerTypes,
        served.common.lake));
    SqlCommand sql = new SqlCommand();
    new CommandLine(sql).parseArgs("--file", "q.sql", "--out", "o.csv", "--out-dir", "file:/x", "--conf", "c.props");
    assertEquals(List.of(CLIENT.resolve("q.sql"), CLIENT.resolve("o.csv"), CLIENT.resolve("c.props")),
        List.of(sql.file, sql.out, sql.common.confFile));
    assertEquals("file:/x", sql.outDir);
    // defaults go through the converter too
    BenchCommand.De bench = new BenchCommand.De();
    new CommandLine(bench).parseArgs();
    assertEquals(CLIENT.resolve("target/bench-de"), bench.work);
  }

  /** run hands the stages the resolved values: each stage, parsed again, gets the client's paths. */
  @Test
  void runHandsTheStagesTheClientsPaths() {
    Caller.begin(new Caller.Request(CLIENT, null, Map.of()));
    CommandLine cl = Main.commandLine();
    cl.parseArgs("run", "ingest", "qc", "--lake", "l", "--cohort", "c", "--manifest", "m.csv", "--thresholds",
        "t.properties");
    RunCommand run = cl.getSubcommands().get("run").getCommand();
    List<RunCommand.Stage> plan = run.plan();
    IngestCommand ingest = new IngestCommand();
    new CommandLine(ingest).parseArgs(plan.get(0).args().toArray(new String[0]));
    assertEquals("/client/dir/m.csv", ingest.manifest);
    assertEquals("/client/dir/l", ingest.common.lake);
    QcCommand qc = new QcCommand();
    new CommandLine(qc).parseArgs(plan.get(1).args().toArray(new String[0]));
    assertEquals("/client/dir/t.properties", qc.thresholds);
  }

  /**
   * The conf file: the client's $EXOCOHORT_CONF, relative to its folder; its lake and path keys the client's too;
   * a request's spark.* keys must be the server's.
   */
  @Test
  void theConfFileAndItsPathsAreTheClients() throws Exception {
    Files.writeString(dir.resolve("my.properties"), "spark.master=local[1]\nexocohort.lake=lakes/a\n"
        + "exocohort.qc.thresholds=qc.properties\nexocohort.database=mine\n");
    Caller.begin(new Caller.Request(dir, "my.properties", Map.of("spark.master", "local[1]")));
    QcCommand qc = new QcCommand();
    new CommandLine(qc).parseArgs();
    var conf = qc.common.conf();
    assertEquals(dir.resolve("lakes/a").toString(), conf.get(Settings.LAKE));
    assertEquals("mine", conf.get(Settings.DATABASE));
    assertEquals(dir.resolve("qc.properties").toString(), conf.get(Settings.QC_THRESHOLDS));

    assertEquals("the conf file's Spark settings differ from the server's (spark.master=local[1] where the server "
        + "has local[2], and 1 more): a running session cannot change them; run without the server (unset "
        + "EXOCOHORT_SERVER) or restart it with this conf", CommonOptions.sparkConfDiffers(
            Map.of("spark.master", "local[1]"), Map.of("spark.master", "local[2]", "spark.ui.enabled", "false")));
  }
}
