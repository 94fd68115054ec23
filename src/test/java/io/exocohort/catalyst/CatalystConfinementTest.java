package io.exocohort.catalyst;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: no reflection into Spark's private fields anywhere in the main code, and Catalyst's row-level
 * internals only in package {@code io.exocohort.catalyst} (see its package comment), so that a Spark upgrade
 * touches one package. Scans the sources under {@code src/main/java} (the test runs with the project directory as
 * its working directory).
 */
class CatalystConfinementTest {
  private static final Path MAIN = Path.of("src", "main", "java");
  private static final Path CATALYST = MAIN.resolve(Path.of("io", "exocohort", "catalyst"));

  /** What may appear only in the catalyst package. */
  private static final List<String> INTERNALS = List.of("InternalRow", "toRdd(", "org.apache.spark.unsafe.",
      "org.apache.spark.sql.execution.", "org.apache.spark.sql.catalyst.util.",
      "org.apache.spark.sql.catalyst.expressions.");

  /** Files allowed to use internals outside the package: none (de reads the matrix since issue 16). */
  private static final Set<Path> TEMPORARY = Set.of();

  private static List<Path> sources() throws IOException {
    try (Stream<Path> s = Files.walk(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }

  @Test
  void noReflectionIntoPrivateFields() throws IOException {
    List<String> found = new ArrayList<>();
    for (Path p : sources()) {
      String text = Files.readString(p);
      for (String s : List.of("setAccessible", "getDeclaredField", "getDeclaredMethod")) {
        if (text.contains(s)) found.add(p + ": " + s);
      }
    }
    assertEquals(List.of(), found, "reflection into private fields");
  }

  @Test
  void catalystInternalsOnlyInTheirPackage() throws IOException {
    List<Path> sources = sources();
    assertTrue(sources.size() > 50, "the scan found the main sources (" + sources.size() + " files)");
    List<String> found = new ArrayList<>();
    int inPackage = 0;
    for (Path p : sources) {
      String text = Files.readString(p);
      boolean uses = INTERNALS.stream().anyMatch(text::contains);
      if (p.startsWith(CATALYST)) {
        if (uses) inPackage++;
      } else if (uses && !TEMPORARY.contains(p)) {
        for (String s : INTERNALS) if (text.contains(s)) found.add(p + ": " + s);
      }
    }
    assertEquals(List.of(), found, "Catalyst internals outside io.exocohort.catalyst");
    assertTrue(inPackage > 0, "the scan recognises the catalyst package's own use of them");
  }
}
