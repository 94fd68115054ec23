package io.exocohort.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * Ingest's stages on in-memory rows, no lake: the rows it writes ({@link IngestRows}), the manifest's figures
 * ({@link ValidatedManifest}), its bookkeeping rules ({@link IngestRuns}), its warnings ({@link IngestWarnings})
 * and its argument checks ({@link IngestInputs}).
 */
class IngestStagesTest {

  /** A parsed manifest row ({@link ManifestParser#SCHEMA}) with the given fields set, the others null. */
  static Row parsed(Map<String, Object> fields) {
    Object[] v = new Object[ManifestParser.SCHEMA.size()];
    fields.forEach((k, x) -> v[ManifestParser.SCHEMA.fieldIndex(k)] = x);
    return RowFactory.create(v);
  }

  static Row note(String column, String value, String reason) {
    return RowFactory.create(column, value, reason);
  }

  /** S1 accepted with two optional fields set to null, S2 accepted, line 4 rejected. */
  static List<Row> manifest() {
    return List.of(
        parsed(Map.of("sample_id", "S1", "subject_key", "k1", "cancer_type", "PDAC", "line", 2L,
            "notes", scala.jdk.javaapi.CollectionConverters.asScala(List.of(
                note("age", "two hundred", "age bad (" + ManifestParser.NULLED + ")"),
                note("sex", "x", "sex bad (" + ManifestParser.NULLED + ")"))).toSeq())),
        parsed(Map.of("sample_id", "S2", "subject_key", "k2", "cancer_type", "healthy", "line", 3L)),
        parsed(Map.of("sample_id", "S3", "line", 4L, "reason", "cancer_type is empty",
            "reason_column", "cancer_type")));
  }

  @Test
  void samplesAreTheAcceptedRowsInTheTablesColumns(SparkSession spark) {
    Dataset<Row> d = IngestRows.samples(spark.createDataFrame(manifest(), ManifestParser.SCHEMA), "c1", "m.tsv",
        "run-1");
    assertArrayEquals(Tables.SAMPLES.columnNames(), d.columns());
    List<Row> rows = new ArrayList<>(d.collectAsList());
    rows.sort(Comparator.comparing(r -> r.<String>getAs("sample_id")));
    assertEquals(List.of("S1", "S2"), rows.stream().map(r -> r.<String>getAs("sample_id")).toList());
    for (Row r : rows) {
      assertEquals("c1", r.getAs("cohort"));
      assertEquals("m.tsv", r.getAs("source_file"));
      assertEquals("run-1", r.getAs("ingest_run_id"));
    }
    assertEquals("k2", rows.get(1).getAs("subject_key"));
  }

  @Test
  void valuesAreTheModalitysTableRows(SparkSession spark) {
    Dataset<Row> valid = spark.createDataFrame(List.of(RowFactory.create("S1", "hsa-miR-21-5p", 12.0)),
        CountFile.VALID);
    Dataset<Row> d = IngestRows.values(valid, "c1", Modality.MIRNA, "run-1");
    assertArrayEquals(Tables.MIRNA_COUNTS.columnNames(), d.columns());
    assertEquals(RowFactory.create("c1", "S1", "hsa-miR-21-5p", 12.0, "run-1"), d.head());
    assertEquals("intensity", IngestRows.values(valid, "c1", Modality.PROTEIN, "r").columns()[3]);
  }

  @Test
  void quarantineHoldsRejectedRowsAndNulledFields(SparkSession spark) {
    Dataset<Row> m = IngestRows.manifestQuarantine(spark.createDataFrame(manifest(), ManifestParser.SCHEMA),
        "m.tsv");
    Dataset<Row> c = IngestRows.countQuarantine(spark.createDataFrame(List.of(
        RowFactory.create(7L, "S9", "S9", "hsa-miR-1", "-3", "negative count")), CountFile.REJECTED),
        "mirna_counts", "x.tsv");
    Dataset<Row> q = IngestRows.quarantine(m.unionByName(c), "run-1", "c1");
    assertArrayEquals(Tables.QUARANTINE.columnNames(), q.columns());
    List<Row> rows = new ArrayList<>(q.collectAsList());
    rows.sort(Comparator.comparing((Row r) -> r.<Long>getAs("line")).thenComparing(r -> r.<String>getAs("column")));
    assertEquals(4, rows.size());
    // line 2: the two fields set to null (S1 kept), line 4: the rejected row, line 7: the count
    assertEquals(List.of("age", "sex", "cancer_type", "S9"), rows.stream().map(r -> r.<String>getAs("column"))
        .toList());
    assertEquals("two hundred", rows.get(0).getAs("value"));
    assertEquals("cancer_type is empty", rows.get(2).getAs("reason"));
    assertEquals("samples", rows.get(2).getAs("target_table"));
    assertNull(rows.get(2).getAs("feature"));
    assertEquals("mirna_counts", rows.get(3).getAs("target_table"));
    assertEquals("x.tsv", rows.get(3).getAs("source_file"));
    for (Row r : rows) {
      assertEquals("run-1", r.getAs("run_id"));
      assertEquals("c1", r.getAs("cohort"));
    }
  }

  @Test
  void theManifestsFiguresAndSampleStatus() {
    ValidatedManifest v = ValidatedManifest.of(null, manifest());
    assertEquals(1, v.rejected());
    assertEquals(Map.of("age", 1L, "sex", 1L), v.nulledByColumn());
    assertEquals(2, v.nulled());
    // a sample in the lake stays accepted; one the manifest rejected is known but refused
    Map<String, Boolean> status = ValidatedManifest.sampleStatus(List.of("S0", "S3"), manifest().subList(0, 3));
    assertEquals(Map.of("S0", true, "S1", true, "S2", true, "S3", true), status);
    assertEquals(Map.of("S1", true, "S2", true, "S3", false), ValidatedManifest.sampleStatus(List.of(), manifest()));
  }

  @Test
  void unfinishedRunsAreThoseNoRecordedRunAccountsFor() {
    assertEquals(Set.of("killed"), IngestRuns.unfinished(List.of("a", "killed", "me"), Set.of("a", "b"), "me"));
    assertTrue(IngestRuns.unfinished(List.of("a"), Set.of("a"), "me").isEmpty());
  }

  @Test
  void theSameFilesReadAnotherWayAreANewIngest() {
    assertTrue(IngestRuns.sameReading(Map.of(), Map.of("count_unit", "reads")), "unrecorded unit: reads");
    assertFalse(IngestRuns.sameReading(Map.of(), Map.of("count_unit", "umi")));
    assertFalse(IngestRuns.sameReading(Map.of("cancer_types_sha256", "aa"), Map.of()));
    assertTrue(IngestRuns.sameReading(Map.of("cancer_types_sha256", "aa", "layout", "wide"),
        Map.of("cancer_types_sha256", "aa", "layout", "long")), "only unit and overlay count");
  }

  @Test
  void theIngestRunsRowHasTheTablesSchema(SparkSession spark) {
    IngestJob.FileResult f = new IngestJob.FileResult("manifest", "m.tsv", "ab", 10, 3, 2, 1);
    Row r = IngestRuns.row("run-1", "c1", Instant.EPOCH, Instant.EPOCH.plusSeconds(5), new IngestRuns.Entry(
        "succeeded", List.of(f), Map.of("samples", 1L), Map.of("samples", 2L), Map.of("layout", "auto"), "key1",
        null));
    Row back = spark.createDataFrame(List.of(r), Tables.INGEST_RUNS.schema()).head();
    assertEquals("c1", back.getAs("cohort"));
    Row file = back.<Row>getList(back.fieldIndex("files")).get(0);
    assertEquals(List.of("manifest", "m.tsv", "ab", 10L, 3L, 2L, 1L), List.of(file.get(0), file.get(1),
        file.get(2), file.get(3), file.get(4), file.get(5), file.get(6)));
    assertEquals(Map.of("samples", 2L), back.getJavaMap(back.fieldIndex("rows_written")));
  }

  @Test
  void warningsNameTheFileTheShareAndTheTopReason() {
    IngestJob.FileResult many = new IngestJob.FileResult("mirna", "x.tsv", "ab", 10, 1000, 900, 100);
    IngestJob.FileResult few = new IngestJob.FileResult("mirna", "x.tsv", "ab", 10, 1000, 950, 50);
    assertTrue(IngestWarnings.tooManyRejected(many));
    assertFalse(IngestWarnings.tooManyRejected(few), "5% is not more than 5%");
    assertFalse(IngestWarnings.tooManyRejected(new IngestJob.FileResult("mirna", "e", "ab", 0, 0, 0, 0)));
    assertEquals("WARNING: 10.0% of x.tsv quarantined (100 of 1,000 values): top reason: bad '...' (60)",
        IngestWarnings.fileLine(many, "bad '...'", 60));
    assertEquals("NOTE: 3 optional manifest field(s) set to null, the samples kept (see quarantine): age 2, sex 1",
        IngestWarnings.nulledNote(new java.util.TreeMap<>(Map.of("age", 2L, "sex", 1L))));
    assertNull(IngestWarnings.nulledNote(Map.of()));
  }

  @Test
  void argumentsAreCheckedBeforeAnyFileIsRead() {
    assertEquals("umi", IngestInputs.countUnit(" UMI "));
    assertEquals("reads", IngestInputs.countUnit(null));
    assertEquals("--count-unit must be reads or umi, not 'cpm'",
        assertThrows(BadInputException.class, () -> IngestInputs.countUnit("cpm")).getMessage());
    IngestInputs.checkCohort("crc_2024.v1-a");
    assertThrows(BadInputException.class, () -> IngestInputs.checkCohort("-x"));
    assertThrows(BadInputException.class, () -> IngestInputs.checkCohort("a b"));
    assertThrows(BadInputException.class, () -> IngestInputs.checkCohort(null));
  }
}
