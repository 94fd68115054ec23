package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Option validation: every bad value fails fast with a one-line message naming the option and the value. */
class GenerateArgsTest {
  @TempDir Path tmp;

  static Stream<Arguments> badArgs() {
    return Stream.of(
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withSamples(0), "--samples must be between 1 and 100000, got 0"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withSamples(100_001), "got 100001"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withFeatures(9, 10), "--mirnas must be between 10 and 2600"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withFeatures(2601, 10), "got 2601"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withFeatures(100, -1), "--proteins must be between 0 and "),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withFeatures(100, ProteinPool.max() + 1), "--proteins"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withCancerTypes(0), "--cancer-types must be between 1 and 13"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withCancerTypes(14), "got 14"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withCohort("bad name"), "--cohort must be"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withOutput(a.out(), GenerateArgs.Format.PARQUET,
            GenerateArgs.Layout.LONG, true), "--gzip applies to csv and tsv only"),
        Arguments.of((UnaryOperator<GenerateArgs>) a -> a.withSamples(10_001).withOutput(a.out(),
            GenerateArgs.Format.PARQUET, GenerateArgs.Layout.WIDE, false), "use --layout long"));
  }

  @ParameterizedTest
  @MethodSource("badArgs")
  void badValuesAreRejectedWithOneLine(UnaryOperator<GenerateArgs> change, String expected) {
    GenerateArgs bad = change.apply(GenerateArgs.defaults(tmp.resolve("out")));
    BadInputException e = assertThrows(BadInputException.class, () -> GenerateJob.run(bad));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));
    assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
  }

  @Test
  void formatAndLayoutParse() {
    assertEquals(GenerateArgs.Format.TSV, GenerateArgs.Format.parse("TSV"));
    assertEquals(GenerateArgs.Layout.WIDE, GenerateArgs.Layout.parse("wide"));
    assertThrows(BadInputException.class, () -> GenerateArgs.Format.parse("json"));
    assertThrows(BadInputException.class, () -> GenerateArgs.Layout.parse("tall"));
  }

  @Test
  void outMustNotBeAFile() throws Exception {
    Path f = Files.writeString(tmp.resolve("file"), "x");
    BadInputException e = assertThrows(BadInputException.class,
        () -> GenerateArgs.defaults(f).validate());
    assertTrue(e.getMessage().contains("not a directory"));
  }

  @Test
  void defaultsAreValidAndReproducible() {
    GenerateArgs a = GenerateArgs.defaults(tmp).validate();
    assertEquals("exocohort generate --out DIR --samples 400 --mirnas 2600 --proteins 150 --cancer-types 10 "
        + "--seed 42 --format csv --layout long", a.commandLine());
  }
}
