package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The miR pool as data: the TSV resource holds exactly the pool that {@code generate/MirnaPool.java} held as Java
 * text blocks (the hashes below were taken from that class before it became a loader), so generated cohorts are
 * unchanged byte for byte.
 */
class MirnaPoolTest {
  /** SHA-256 of the pool's rows ({@code name TAB log10 share}) joined by newlines, from the former Java pool. */
  static final String POOL_SHA256 = "0b3cee081295c4fff72544b64b6040b1d37c2fbbe6dcddd849097ec93b301ca2";
  /** SHA-256 of the files of a fixed-seed cohort over the whole pool, generated with the former Java pool. */
  static final String COHORT_SHA256 = "22e1b3c3363c6da83fb8435112f4afe5b640103b7be6956cdd5e9e03472c853d";

  @Test
  void loadedPoolEqualsTheFormerJavaPool() {
    List<String> rows = MirnaPool.rows();
    assertEquals(2600, rows.size());
    assertEquals(76, MirnaPool.KEY_COUNT);
    assertEquals("hsa-miR-451a\t-1.675", rows.get(0));
    assertEquals(POOL_SHA256, sha256(String.join("\n", rows).getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void fixedSeedCohortOverTheWholePoolIsUnchanged(@TempDir Path dir) throws IOException {
    GenerateJob.run(GenerateArgs.defaults(dir).withSamples(12).withFeatures(2600, 40).withSeed(20261127)
        .withOutput(dir, GenerateArgs.Format.CSV, GenerateArgs.Layout.LONG, false));
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.sorted().toList()) {
        all.append(p.getFileName()).append(' ').append(sha256(Files.readAllBytes(p))).append('\n');
      }
    }
    assertEquals(COHORT_SHA256, sha256(all.toString().getBytes(StandardCharsets.UTF_8)), all.toString());
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
