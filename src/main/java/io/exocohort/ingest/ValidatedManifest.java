package io.exocohort.ingest;

import io.exocohort.common.Stage;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A manifest parsed (in parallel, with line numbers) and resolved on the driver, which holds one row per sample
 * (per-sample data, like the sample list broadcast to the count parsers).
 *
 * @param rows the resolved rows ({@link ManifestParser#SCHEMA}): accepted ones have a null {@code reason}
 * @param resolved the same rows on the driver
 * @param rejected rows rejected (reason set)
 * @param nulledByColumn optional fields of accepted samples set to null, per column
 */
record ValidatedManifest(Dataset<Row> rows, List<Row> resolved, long rejected, Map<String, Long> nulledByColumn) {
  private static final Logger LOG = LoggerFactory.getLogger(ValidatedManifest.class);

  /** Parses and validates the manifest (one stage). */
  static ValidatedManifest validate(SparkSession spark, IngestInputs in) {
    try (Stage s = Stage.start(LOG, spark, IngestJob.JOB, "validate manifest")) {
      ManifestParser mp = in.manifestParser();
      List<Row> resolved = ManifestParser.resolveDuplicates(Records.readNumbered(spark, in.manifestFile())
          .map(mp::parse).collect());
      ValidatedManifest m = of(spark.createDataFrame(resolved, ManifestParser.SCHEMA), resolved);
      s.done("{} samples accepted, {} rows rejected, {} optional fields set to null",
          resolved.size() - m.rejected(), m.rejected(), m.nulled());
      return m;
    }
  }

  /** The figures of resolved rows. */
  static ValidatedManifest of(Dataset<Row> rows, List<Row> resolved) {
    long rejected = resolved.stream().filter(r -> !r.isNullAt(ManifestParser.REASON)).count();
    return new ValidatedManifest(rows, resolved, rejected, Collections.unmodifiableMap(nulledByColumn(resolved)));
  }

  /** Optional fields of accepted samples set to null (the rows' {@code notes}), counted per column, sorted. */
  static Map<String, Long> nulledByColumn(List<Row> resolved) {
    Map<String, Long> m = new TreeMap<>();
    int notes = ManifestParser.SCHEMA.fieldIndex("notes");
    for (Row r : resolved) {
      if (!r.isNullAt(ManifestParser.REASON) || r.isNullAt(notes)) continue;
      for (Row n : r.<Row>getList(notes)) m.merge(n.getString(0), 1L, Long::sum);
    }
    return m;
  }

  /** Optional fields set to null, in all. */
  long nulled() {
    return nulledByColumn.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Samples a count row may name: sample id -&gt; accepted. The cohort's samples already in the lake are
   * accepted; a manifest sample is accepted if any of its rows was (a sample the manifest rejected is known but
   * refused).
   */
  static Map<String, Boolean> sampleStatus(Collection<String> inLake, List<Row> resolved) {
    Map<String, Boolean> m = new HashMap<>();
    for (String s : inLake) m.put(s, true);
    for (Row r : resolved) {
      if (!r.isNullAt(0)) m.merge(r.getString(0), r.isNullAt(ManifestParser.REASON), Boolean::logicalOr);
    }
    return m;
  }
}
