package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.TestLakes;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import java.io.IOException;
import java.nio.file.Path;

/** Small lakes built through the command line only, as a user builds them (no job's argument record). */
public final class CliLakes {
  private CliLakes() {}

  /** Generates a small synthetic cohort (60 samples, 150 miRs, 30 proteins, 2 cancer types) into {@code dir}. */
  public static Path cohort(Path dir) {
    GenerateJob.run(GenerateArgs.defaults(dir).withSamples(60).withFeatures(150, 30).withCancerTypes(2).withSeed(7));
    return dir;
  }

  /** The ingest arguments of a generated cohort, as cohort {@code synthetic}. */
  static String[] ingestArgs(Path data) {
    return new String[] {"--cohort", "synthetic", "--manifest", data.resolve("manifest.csv").toString(), "--mirna",
        data.resolve("mirna_counts.csv").toString(), "--protein", data.resolve("protein_intensities.csv").toString()};
  }

  private static Path root;
  private static Path ingested;
  private static Path normalized;
  private static Path analysed;

  /** The test JVM's folder for the shared lakes below, deleted when the JVM exits. */
  private static synchronized Path root() throws IOException {
    if (root == null) root = TestLakes.jvmTempDir("exocohort-cli-");
    return root;
  }

  /**
   * One lake per test JVM into which {@link #cohort} was ingested through the command line ({@code ingest
   * INGEST_ARGS}, nothing else). Not to be written: copy it ({@link TestLakes#copy}) to run stages on it
   * (UpgradeIT builds its old-layout lake on a copy).
   */
  public static synchronized Path ingested() throws IOException {
    if (ingested == null) {
      Path lake = root().resolve("ingested");
      ok(lake, "ingest", ingestArgs(cohort(root().resolve("data"))));
      ingested = lake;
    }
    return ingested;
  }

  /**
   * One lake per test JVM: a copy of {@link #ingested} on which two separate commands ran, {@code qc --cohort
   * synthetic} and {@code normalize --cohort synthetic}. {@link #analysed} adds de to a copy of it; ServeIT copies it
   * for its in-process reference (the served cohort is the same generated files, ingested, checked and normalised by
   * the same commands) and runs its own de. Not to be written: copy it to change it.
   */
  public static synchronized Path normalized() throws IOException {
    if (normalized == null) {
      Path lake = TestLakes.copy(ingested(), root().resolve("normalized"));
      ok(lake, "qc", "--cohort", "synthetic");
      ok(lake, "normalize", "--cohort", "synthetic");
      normalized = lake;
    }
    return normalized;
  }

  /**
   * One lake per test JVM: a copy of {@link #ingested} on which three separate commands ran, {@code qc --cohort
   * synthetic}, {@code normalize --cohort synthetic} (those two are {@link #normalized}, copied), {@code de --cohort
   * synthetic --covariates age,sex}. RunIT compares {@code run qc normalize de} with it; ReadOnlyIT copies it (a
   * lake built by ingest, qc, normalize and de as a user builds it) instead of building its own, and so do
   * ConcurrencyIT's tests that need a lake with a qc'd and normalised cohort before their races. Not to be written:
   * copy it to change it.
   */
  public static synchronized Path analysed() throws IOException {
    if (analysed == null) {
      Path lake = TestLakes.copy(normalized(), root().resolve("analysed"));
      ok(lake, "de", "--cohort", "synthetic", "--covariates", "age,sex");
      analysed = lake;
    }
    return analysed;
  }

  /** The generated files ({@link #cohort}) that {@link #ingested} ingested. */
  public static synchronized Path data() throws IOException {
    ingested();
    return root().resolve("data");
  }

  /** Runs a command that must succeed; returns its standard output. */
  static String ok(Path lake, String command, String... args) {
    String[] r = TestLakes.cli(lake, command, args);
    assertEquals("0", r[0], command + " failed:\n" + r[2] + "\n" + r[1]);
    return r[1];
  }
}
