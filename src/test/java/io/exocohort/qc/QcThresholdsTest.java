package io.exocohort.qc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Loading and validating the QC thresholds (plain Java, no Spark). */
class QcThresholdsTest {
  @Test
  void packedDefaultsAreTheConfFileAsBuilt() throws IOException {
    // one file, one place: conf/qc.properties, packed by the build (pom.xml resources) as exocohort/qc.properties
    assertFalse(Files.exists(Path.of("src/main/resources/" + QcThresholds.RESOURCE)), "no second copy in the sources");
    byte[] packed;
    try (java.io.InputStream in = QcThresholds.class.getClassLoader().getResourceAsStream(QcThresholds.RESOURCE)) {
      assertNotNull(in, QcThresholds.RESOURCE + " on the classpath");
      packed = in.readAllBytes();
    }
    assertArrayEquals(Files.readAllBytes(Path.of("conf/qc.properties")), packed,
        "the jar's defaults are conf/qc.properties as it is now");
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    QcThresholds t = QcThresholds.defaults();
    assertEquals(QcThresholds.BUILT_IN, t.source());
    assertEquals(1.0, t.detectedMinCount());
    assertEquals(new QcThresholds.Floor("mirna.library_size", true, 250000.0, 100000.0), t.librarySize());
    assertEquals(new QcThresholds.Floor("mirna.library_size", true, null, 25000.0), t.librarySizeUmi());
    assertEquals(t.librarySize(), t.librarySize("reads"));
    assertEquals(t.librarySizeUmi(), t.librarySize("umi"));
    assertEquals(new QcThresholds.Miscalibration(0.9, 10), t.miscalibration());
    assertEquals(new QcThresholds.Floor("mirna.detected", true, 100.0, null), t.mirsDetected());
    assertEquals(new QcThresholds.Ceiling("mirna.top10_fraction", true, 0.9, null), t.top10Fraction());
    assertEquals(new QcThresholds.Ceiling("mirna.hemolysis", true, 6.0, 7.0), t.hemolysis());
    assertEquals(new QcThresholds.Outlier("mirna.outlier", true, 3.5, 10), t.outlier());
    assertEquals(new QcThresholds.Floor("protein.quantified", true, 10.0, null), t.proteinsQuantified());
    assertEquals(new QcThresholds.Ceiling("protein.missing", true, 0.5, 0.8), t.proteinMissing());
    assertEquals(List.of("CD9", "CD63", "CD81"), t.evIdentity().tetraspanins());
    assertEquals(List.of("TSG101", "PDCD6IP", "SDCBP"), t.evIdentity().cytosolic());
    assertEquals(new QcThresholds.Contamination("protein.contamination", true, 2.0,
        List.of("ALB", "APOA1", "APOB", "CANX")), t.contamination());
    assertEquals(new QcThresholds.Range("vesicles.particle_size", true, 40, 150), t.particleSize());
    assertEquals(new QcThresholds.Concentration("vesicles.particle_concentration", true, 1e7, 1e13, false),
        t.particleConcentration(), "a concentration not measured is not assessed, not a warning");
    for (String r : QcThresholds.RULES) {
      assertTrue(t.enabled(r), r);
      assertEquals("true", t.parameters().get("qc." + r + ".enabled"), r);
    }
    assertEquals("100000", t.parameters().get("qc.mirna.library_size.fail_below"));
    assertEquals("", t.parameters().get("qc.mirna.detected.fail_below"));
    assertEquals("25000", t.parameters().get("qc.mirna.library_size.umi.fail_below"));
    assertEquals("0.9", t.parameters().get("qc.miscalibration.flagged_above"));
  }

  @Test
  void switchingTheLibraryRuleOffSwitchesItOffForBothUnits(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("t.properties"), "qc.mirna.library_size.enabled=false\n");
    QcThresholds t = QcThresholds.load(f.toString());
    assertFalse(t.librarySize("reads").enabled());
    assertFalse(t.librarySize("umi").enabled());
  }

  @ParameterizedTest
  @CsvSource({"reads,reads", "UMI,umi", "' umi ',umi"})
  void countUnitsAreReadsOrUmi(String given, String unit) {
    assertEquals(unit, QcThresholds.countUnit(given, "--count-unit"));
  }

  @Test
  void anUnknownCountUnitIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class, () -> QcThresholds.countUnit("cpm", "--count-unit"));
    assertEquals("--count-unit 'cpm' is not a count unit (reads or umi)", e.getMessage());
  }

  static List<String> rules() {
    return QcThresholds.RULES;
  }

  @ParameterizedTest
  @MethodSource("rules")
  void everyRuleCanBeSwitchedOff(String rule, @TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("t.properties"), "qc." + rule + ".enabled = false\n");
    QcThresholds t = QcThresholds.load(f.toString());
    assertEquals(f.toString(), t.source());
    for (String r : QcThresholds.RULES) assertEquals(!r.equals(rule), t.enabled(r), r);
    assertEquals("false", t.parameters().get("qc." + rule + ".enabled"));
  }

  @Test
  void aFileIsLaidOverTheDefaults(@TempDir Path dir) throws IOException {
    Path f = Files.writeString(dir.resolve("t.properties"),
        "# only what changes\nqc.mirna.hemolysis.fail_above=8\nqc.protein.contamination.proteins = alb, Apob\n");
    QcThresholds t = QcThresholds.load(f.toString());
    assertEquals(new QcThresholds.Ceiling("mirna.hemolysis", true, 6.0, 8.0), t.hemolysis());
    assertEquals(List.of("ALB", "APOB"), t.contamination().proteins());
    assertEquals(QcThresholds.defaults().librarySize(), t.librarySize());
  }

  @Test
  void noFileMeansTheDefaults() {
    assertEquals(QcThresholds.defaults(), QcThresholds.load(null));
    assertEquals(QcThresholds.defaults(), QcThresholds.load(" "));
  }

  @ParameterizedTest(name = "{0} = ''{1}''")
  @CsvSource(delimiter = '|', value = {
      "qc.mirna.library_size.fail_below|abc|not a number",
      "qc.mirna.library_size.fail_below|1e999|not a finite",
      "qc.mirna.library_size.fail_below|100000d|not a finite",
      "qc.mirna.library_size.warn_below|50000|the warn level must not be below qc.mirna.library_size.fail_below",
      "qc.mirna.library_size.umi.warn_below|10000|the warn level must not be below qc.mirna.library_size.umi.fail",
      "qc.mirna.library_size.umi.fail_below|-1|must be >= 0",
      "qc.miscalibration.flagged_above|1|must be within 0..1",
      "qc.miscalibration.min_assessed|0|must be a whole number >= 1",
      "qc.mirna.hemolysis.warn_above|9|the warn level must not be above qc.mirna.hemolysis.fail_above",
      "qc.mirna.top10_fraction.warn_above|1.5|must be within 0..1",
      "qc.mirna.outlier.z_above||a number is required",
      "qc.mirna.outlier.min_group_size|2.5|must be a whole number >= 3",
      "qc.mirna.detected.enabled|yes|must be true or false",
      "qc.vesicles.particle_size.max_nm|30|must be above qc.vesicles.particle_size.min_nm",
      "qc.protein.ev_identity.tetraspanins|' , '|needs at least one protein",
      "qc.mirna.librarysize.enabled|false|unknown key qc.mirna.librarysize.enabled"})
  void badValuesAreRefusedNamingKeyAndValue(String key, String value, String what, @TempDir Path dir)
      throws IOException {
    Path f = Files.writeString(dir.resolve("bad.properties"), key + "=" + (value == null ? "" : value) + "\n");
    BadInputException e = assertThrows(BadInputException.class, () -> QcThresholds.load(f.toString()));
    assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(key), e.getMessage());
    assertTrue(e.getMessage().contains(what), e.getMessage());
    if (value != null && !value.isBlank() && !what.startsWith("unknown")) {
      assertTrue(e.getMessage().contains("'" + value.strip() + "'"), e.getMessage());
    }
    assertFalse(e.getMessage().contains("\n"));
  }

  @Test
  void aMissingFileIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class, () -> QcThresholds.load("no/such/qc.properties"));
    assertEquals("no/such/qc.properties: thresholds file not found", e.getMessage());
  }

  @Test
  void anEmptyFailLevelMeansNone() {
    Properties p = QcThresholds.defaultProperties();
    p.setProperty("qc.mirna.hemolysis.fail_above", " ");
    QcThresholds t = QcThresholds.parse(p, "x");
    assertNull(t.hemolysis().failAbove());
    assertEquals(6.0, t.hemolysis().warnAbove());
  }

  @Test
  void thresholdsPrintAsWritten() {
    assertEquals("100000", QcThresholds.fmt(100000));
    assertEquals("0.9", QcThresholds.fmt(0.9));
    assertEquals("3.5", QcThresholds.fmt(3.5));
    assertEquals("1e7", QcThresholds.fmt(1e7));
    assertEquals("1.5e10", QcThresholds.fmt(1.5e10));
    assertEquals("1e13", QcThresholds.fmt(1e13));
  }
}
