package io.exocohort.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The conf file read through the {@link Settings} registry: typed values, defaults, precedence, refusals. */
class ExoConfTest {
  @TempDir Path dir;

  Path conf(String text) throws IOException {
    Path f = dir.resolve("test.properties");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void withoutAFileEverySettingHasTheRegistryDefault() {
    ExoConf c = ExoConf.load(null);
    assertEquals("lake", c.get(Settings.LAKE));
    assertEquals("exocohort", c.get(Settings.DATABASE));
    assertEquals(2, c.get(Settings.MIN_SAMPLES_PER_GROUP));
    assertEquals(0.2, c.get(Settings.MODEL_HOLDOUT_FRACTION));
    assertEquals(1000, c.get(Settings.MODEL_BOOTSTRAP_REPLICATES));
    assertEquals(false, c.get(Settings.PSEUDONYM_DEMO));
    assertEquals(List.of(), c.get(Settings.INGEST_IDENTIFIER_COLUMNS));
    assertNull(c.get(Settings.QC_THRESHOLDS));
    // the untyped getters see the same defaults
    assertEquals("lake", c.get(ExoConf.LAKE));
    assertEquals("0.2", c.get("exocohort.model.holdout.fraction", "9"));
  }

  @Test
  void fileValuesAreTypedAndBlankMeansTheDefault() throws IOException {
    ExoConf c = ExoConf.load(conf("""
        spark.sql.shuffle.partitions=3
        exocohort.lake = /data/lake
        exocohort.min.samples.per.group=0
        exocohort.model.holdout.fraction=0.25
        exocohort.pseudonym.demo=TRUE
        exocohort.ingest.identifier.columns= nhs_number , ,chart_id
        exocohort.model.min.per.class=
        other.tool.key=kept
        """));
    assertEquals("/data/lake", c.get(Settings.LAKE));
    assertEquals(0, c.get(Settings.MIN_SAMPLES_PER_GROUP));
    assertEquals(0.25, c.get(Settings.MODEL_HOLDOUT_FRACTION));
    assertEquals(true, c.get(Settings.PSEUDONYM_DEMO));
    assertEquals(List.of("nhs_number", "chart_id"), c.get(Settings.INGEST_IDENTIFIER_COLUMNS));
    assertEquals(10, c.get(Settings.MODEL_MIN_PER_CLASS));
    assertEquals(Map.of("spark.sql.shuffle.partitions", "3"), c.sparkDefaults());
    assertEquals("kept", c.get("other.tool.key"));
  }

  @Test
  void optionsOverrideTheFile() throws IOException {
    ExoConf c = ExoConf.load(conf("exocohort.lake=from-file\nexocohort.database=filedb\n"))
        .with(Settings.LAKE, "from-option").with(Settings.DATABASE, null);
    assertEquals("from-option", c.get(Settings.LAKE));
    assertEquals("filedb", c.get(Settings.DATABASE));
  }

  @Test
  void anUnknownKeyIsRefusedNamingFileLineAndTheClosestKey() throws IOException {
    Path f = conf("# models\nexocohort.lake=lake\nexocohort.model.holdout.fracton=0.3\n");
    BadInputException e = assertThrows(BadInputException.class, () -> ExoConf.load(f));
    assertEquals(f + ":3: unknown setting exocohort.model.holdout.fracton (did you mean "
        + "exocohort.model.holdout.fraction?)", e.getMessage());
    Path g = conf("exocohort.colour=blue\n");
    e = assertThrows(BadInputException.class, () -> ExoConf.load(g));
    assertEquals(g + ":1: unknown setting exocohort.colour (the exocohort.* keys are listed in "
        + "conf/local.properties)", e.getMessage());
  }

  @Test
  void aValueNotOfTheKeysTypeIsRefused() throws IOException {
    Path f = conf("exocohort.lake=lake\n\nexocohort.model.bootstrap.replicates: 1e3\n");
    BadInputException e = assertThrows(BadInputException.class, () -> ExoConf.load(f));
    assertEquals(f + ":3: conf exocohort.model.bootstrap.replicates=1e3 is not a whole number", e.getMessage());
    Path g = conf("exocohort.pseudonym.demo=yes\n");
    e = assertThrows(BadInputException.class, () -> ExoConf.load(g));
    assertEquals(g + ":1: conf exocohort.pseudonym.demo=yes is not true or false", e.getMessage());
    Path h = conf("exocohort.model.threshold.specificity=high\n");
    e = assertThrows(BadInputException.class, () -> ExoConf.load(h));
    assertEquals(h + ":1: conf exocohort.model.threshold.specificity=high is not a number", e.getMessage());
  }

  @Test
  void aPathSettingKeepsAnExistingOrAbsoluteFile() throws IOException {
    Path t = Files.writeString(dir.resolve("qc.properties"), "");
    ExoConf c = ExoConf.load(conf("exocohort.qc.thresholds=" + t + "\n"));
    assertEquals(t.toString(), c.get(Settings.QC_THRESHOLDS));
    assertEquals(t.toString(), c.file(Settings.QC_THRESHOLDS.key()));
  }

  @Test
  void aMissingFileIsRefused() {
    Path f = dir.resolve("absent.properties");
    BadInputException e = assertThrows(BadInputException.class, () -> ExoConf.load(f));
    assertEquals(f + ": conf file not found", e.getMessage());
  }
}
