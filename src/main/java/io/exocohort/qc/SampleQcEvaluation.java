package io.exocohort.qc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.Tables;
import java.sql.Timestamp;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The qc stage as Dataset to Dataset functions: the per-sample metrics of some cohorts joined to their samples,
 * judged by the rules, then stamped as {@code sample_qc} rows of a run. No table is read here.
 */
final class SampleQcEvaluation {
  private SampleQcEvaluation() {}

  /**
   * The cohorts' samples with their metrics ({@link SampleQcMetrics}), each cohort's miR count unit, the robust
   * z-scores per (cohort, batch) and the rules' verdicts ({@link SampleQcRules#evaluate}): one row per sample.
   *
   * @param samples rows of {@code samples}; {@code mirna} and {@code protein}: of {@code mirna_counts} and
   *     {@code protein_abundance} (any cohorts: only {@code cohorts} are kept)
   * @param units cohort -&gt; {count unit, where it came from}
   */
  static Dataset<Row> evaluate(Dataset<Row> samples, Dataset<Row> mirna, Dataset<Row> protein,
      List<String> cohorts, Map<String, String[]> units, QcThresholds t) {
    Column inCohorts = col("cohort").isin(cohorts.toArray());
    return evaluateWith(samples, SampleQcMetrics.mirna(mirna.filter(inCohorts), t.detectedMinCount()), protein,
        cohorts, units, t);
  }

  /**
   * As {@link #evaluate}, with the miR metrics already computed (from the count vectors:
   * {@link SampleQcMetrics#mirnaFromVectors}) for the cohorts' samples.
   */
  static Dataset<Row> evaluateWith(Dataset<Row> samples, Dataset<Row> mirnaMetrics, Dataset<Row> protein,
      List<String> cohorts, Map<String, String[]> units, QcThresholds t) {
    Column inCohorts = col("cohort").isin(cohorts.toArray());
    Dataset<Row> base = samples.filter(inCohorts)
        .select("cohort", "sample_id", "batch", "particle_size_nm", "particle_concentration");
    Dataset<Row> metrics = base
        .join(mirnaMetrics, SampleQcMetrics.cols("cohort", "sample_id"), "left")
        .join(SampleQcMetrics.protein(protein.filter(inCohorts), t), SampleQcMetrics.cols("cohort", "sample_id"),
            "left");
    metrics = metrics.withColumn("count_unit", when(col("library_size").isNotNull(), unitOf(units)));
    return SampleQcRules.evaluate(SampleQcMetrics.robustZ(metrics, t.outlier().minGroupSize()), t);
  }

  /** The count unit of each row's cohort (reads for a cohort not in {@code units}). */
  static Column unitOf(Map<String, String[]> units) {
    Column u = lit(QcThresholds.READS);
    for (Map.Entry<String, String[]> e : units.entrySet()) {
      u = when(col("cohort").equalTo(e.getKey()), lit(e.getValue()[0])).otherwise(u);
    }
    return u;
  }

  /** Evaluated samples as {@code sample_qc} rows of run {@code runId}, in the table's column order. */
  static Dataset<Row> rows(Dataset<Row> evaluated, String runId, Timestamp qcAt) {
    String[] names = Tables.SAMPLE_QC.columnNames();
    Column[] out = new Column[names.length];
    for (int i = 0; i < names.length; i++) {
      String c = names[i];
      out[i] = switch (c) {
        case "run_id" -> lit(runId).as(c);
        case "qc_at" -> lit(qcAt).as(c);
        default -> col(c);
      };
    }
    return evaluated.select(out);
  }
}
