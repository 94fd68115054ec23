package io.exocohort.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The alias table: categories, the overlay, file errors; and the age bands of the manifest parser. */
class CancerTypesTest {
  static CancerTypes parse(String text) throws IOException {
    return CancerTypes.parse(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), "t.tsv");
  }

  @Test
  void shippedTableKnowsTheRealCohortGroups() {
    CancerTypes t = CancerTypes.shipped();
    assertEquals("brain_metastasis", t.canonical("Brain Metastases"));
    assertEquals("sarcoma", t.canonical("SARC"));
    assertEquals("glioma", t.canonical("low-grade glioma"));
    assertEquals("barretts_esophagus", t.canonical("Barrett's oesophagus"));
    assertEquals("benign_disease", t.canonical("Benign disease controls"));
    assertEquals("premalignant", t.category("colorectal_adenoma"));
    assertEquals("premalignant", t.category(t.canonical("DCIS")));
    assertEquals("benign", t.category(t.canonical("chronic pancreatitis")));
    assertEquals("cancer", t.category("brain_metastasis"));
    assertEquals("healthy", t.category("healthy"));
    assertNull(t.category("no_such_group"));
  }

  @Test
  void onlyCancersCountAsCancerGroups() {
    assertTrue(CancerTypes.isCancerGroup("pancreatic"));
    assertTrue(CancerTypes.isCancerGroup("brain_metastasis"));
    assertTrue(CancerTypes.isCancerGroup("a_site_only_name"), "unknown names stay cancers, as before");
    assertFalse(CancerTypes.isCancerGroup("healthy"));
    assertFalse(CancerTypes.isCancerGroup("chronic_pancreatitis"));
    assertFalse(CancerTypes.isCancerGroup("mgus"));
    assertTrue(CancerTypes.nonCancerGroups().contains("benign_disease"));
    assertFalse(CancerTypes.nonCancerGroups().contains("healthy"));
  }

  @Test
  void twoColumnTablesStillLoadAndTheOverlayWins() throws IOException {
    CancerTypes base = parse("# old shape\nPDAC\tpancreatic\nControl\thealthy\npancreatitis\tchronic_pancreatitis\tbenign\n");
    assertEquals("cancer", base.category("pancreatic"));
    assertEquals("healthy", base.category("healthy"));
    CancerTypes over = parse("PDAC\tpdac_local\tcancer\nCP\tchronic_pancreatitis\nIPMN\tipmn\tpremalignant\n");
    CancerTypes t = base.overlay(over);
    assertEquals("pdac_local", t.canonical("pdac"));
    assertEquals("healthy", t.canonical("control"));
    assertEquals("chronic_pancreatitis", t.canonical("cp"));
    assertEquals("benign", t.category("chronic_pancreatitis"), "a row without a category keeps the base one");
    assertEquals("premalignant", t.category("ipmn"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "x\t|t.tsv:1: alias table rows are 'alias<TAB>canonical[<TAB>category]'",
      "a\tb\tc\td|t.tsv:1: alias table rows are 'alias<TAB>canonical[<TAB>category]'",
      "a\tPancreatic Cancer|t.tsv:1: column 'canonical': canonical name 'Pancreatic Cancer' is not lower_snake_case",
      "a\tpancreatitis\tinflammatory|t.tsv:1: column 'category': category 'inflammatory' is not one of healthy, cancer,",
      "a\tnormal\thealthy|t.tsv:1: column 'category': only the canonical name 'healthy' has category healthy",
      "a\tx\tbenign~b\tx\tcancer|t.tsv:2: column 'category': x has category benign on line 1 and cancer here"})
  void badTablesNameFileLineAndColumn(String text, String expected) {
    BadInputException e = assertThrows(BadInputException.class, () -> parse(text.replace('~', '\n')));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "null", value = {
      "40-49|40-49", "40 - 49|40-49", "40\u201349|40-49", "40 to 49 years|40-49", "60s|60-69", ">80|>80",
      "> 80|>80", ">=80|80+", "\u226580|80+", "80+|80+", "80 and over|80+", "<40|<40", "<=18|<=18",
      "50-40|null", "120-140|null", "abc|null", "52.75|null", "|null", ">200|null"})
  void ageBands(String raw, String band) {
    assertEquals(band, ManifestParser.ageBand(raw == null ? "" : raw));
  }
}
