package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.exocohort.TestLakes;
import io.exocohort.generate.GenerateArgs;
import io.exocohort.generate.GenerateJob;
import java.nio.file.Path;

/** Small lakes built through the command line only, as a user builds them (no job's argument record). */
final class CliLakes {
  private CliLakes() {}

  /** Generates a small synthetic cohort (60 samples, 150 miRs, 30 proteins, 2 cancer types) into {@code dir}. */
  static Path cohort(Path dir) {
    GenerateJob.run(GenerateArgs.defaults(dir).withSamples(60).withFeatures(150, 30).withCancerTypes(2).withSeed(7));
    return dir;
  }

  /** The ingest arguments of a generated cohort, as cohort {@code synthetic}. */
  static String[] ingestArgs(Path data) {
    return new String[] {"--cohort", "synthetic", "--manifest", data.resolve("manifest.csv").toString(), "--mirna",
        data.resolve("mirna_counts.csv").toString(), "--protein", data.resolve("protein_intensities.csv").toString()};
  }

  /** Runs a command that must succeed; returns its standard output. */
  static String ok(Path lake, String command, String... args) {
    String[] r = TestLakes.cli(lake, command, args);
    assertEquals("0", r[0], command + " failed:\n" + r[2] + "\n" + r[1]);
    return r[1];
  }
}
