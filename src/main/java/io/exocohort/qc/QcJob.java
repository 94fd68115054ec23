package io.exocohort.qc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import io.exocohort.normalize.CountVectors;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code qc}: per-sample quality control of one or more cohorts. Reads {@code samples}, the miR counts and
 * {@code protein_abundance} at the versions it pins when it starts (the miR counts as the per-sample vectors ingest
 * keeps, {@code mirna_count_vectors}; the long {@code mirna_counts} on a lake written before them: see
 * {@link CountVectors#source}), computes the metrics ({@link SampleQcMetrics}),
 * evaluates the rules ({@link SampleQcRules}) and appends one row per sample to {@code sample_qc} in one commit,
 * then records the run in {@code job_runs} (every threshold, the input versions, the output version, the rows).
 * The library size of each cohort is judged in its count unit ({@code reads} or {@code umi}): the one its latest
 * ingest of a miR count file recorded in {@code ingest_runs.options}, unless {@code --count-unit} gives one. Rules
 * that flag nearly every assessed sample of a cohort are logged as likely mis-calibrated ({@link QcSummary}).
 *
 * <p>The run lives in a {@link RunScope}: bad parameters (an unknown cohort, a missing or bad thresholds file, a
 * run id already recorded as succeeded) fail before any table is touched, and if anything fails after the write,
 * {@code sample_qc} is restored to its previous version and the failure recorded in {@code job_runs}. What the
 * driver holds: the thresholds, the cohort names and the summary counts.
 */
public final class QcJob {
  private static final Logger LOG = LoggerFactory.getLogger(QcJob.class);
  public static final String JOB = "qc";

  /**
   * @param cohorts cohorts to check; null or empty = every cohort in {@code samples}
   * @param thresholds a thresholds properties file laid over the packed defaults; null = the packed defaults
   * @param runId run id; null = generated
   * @param countUnit unit of the miR counts of every cohort checked ({@code reads} or {@code umi}); null = each
   *     cohort's unit as its latest ingest of a miR count file recorded it ({@code ingest_runs.options})
   */
  public record Args(String lake, String database, List<String> cohorts, String thresholds, String runId,
      String countUnit) {
    /** Each cohort's count unit from ingest_runs. */
    public Args(String lake, String database, List<String> cohorts, String thresholds, String runId) {
      this(lake, database, cohorts, thresholds, runId, null);
    }
  }

  public record Result(String runId, QcThresholds thresholds, Map<String, Long> inputVersions,
      long sampleQcVersion, long rowsWritten, List<QcSummary.CohortSummary> cohorts) {
    /** The printed summary. */
    public String summary() {
      return QcSummary.format(runId, cohorts, thresholds);
    }

    /** The rules that look mis-calibrated for a cohort. */
    public List<QcSummary.Miscalibrated> miscalibrated() {
      return QcSummary.miscalibrated(cohorts, thresholds);
    }
  }

  private QcJob() {}

  /** Runs qc in its own run scope (see {@link RunScope}): a failed run leaves every table as it was. */
  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    // 1. Parameters, before the lake is read.
    QcThresholds t = QcThresholds.load(a.thresholds());
    String givenUnit = a.countUnit() == null ? null : QcThresholds.countUnit(a.countUnit(), "--count-unit");
    List<String> requested = cohortNames(a.cohorts());
    List<String> checked;
    Map<String, String[]> units;
    try (Stage st = Stage.start(LOG, s.spark(), JOB, "pin inputs")) {
      s.pin(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE, Tables.INGEST_RUNS,
          Tables.MIRNA_COUNT_VECTORS, Tables.MIRNA_COUNT_FEATURES);
      checked = s.cohorts(requested);
      if (checked.isEmpty()) throw new BadInputException("the samples table is empty: ingest a cohort first");
      units = countUnits(readOrEmpty(s, Tables.INGEST_RUNS), checked, givenUnit);
      st.done("{}; cohorts {}; count units {}; input versions {}", s.lake().root(), checked, units, s.inputs());
    }

    // the count vectors ingest wrote (ADR 2); the long rows only for a lake written before them
    String read = CountVectors.source(s.reader(), checked, JOB);
    Dataset<Row> evaluated = null;
    try {
      // 2. One stage: the metrics feed the rules directly, and the evaluated samples are cached once, by the
      // summary, for the write.
      List<QcSummary.CohortSummary> summary;
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "metrics and rules")) {
        evaluated = (read.equals(CountVectors.READ_VECTORS)
            ? SampleQcEvaluation.evaluateWith(readOrEmpty(s, Tables.SAMPLES), SampleQcMetrics.mirnaFromVectors(
                s.read(Tables.MIRNA_COUNT_VECTORS).filter(col("cohort").isin(checked.toArray())),
                s.read(Tables.MIRNA_COUNT_FEATURES).filter(col("cohort").isin(checked.toArray())),
                t.detectedMinCount()), readOrEmpty(s, Tables.PROTEIN_ABUNDANCE), checked, units, t)
            : SampleQcEvaluation.evaluate(readOrEmpty(s, Tables.SAMPLES), readOrEmpty(s, Tables.MIRNA_COUNTS),
                readOrEmpty(s, Tables.PROTEIN_ABUNDANCE), checked, units, t))
            .persist(StorageLevel.MEMORY_AND_DISK());
        summary = summarise(evaluated, t, units);
        st.done("{} samples; {}", samples(summary), summary.stream().map(c -> c.cohort() + ": " + c.pass()
            + " pass, " + c.warn() + " warn, " + c.fail() + " fail").toList());
        for (QcSummary.Miscalibrated m : QcSummary.miscalibrated(summary, t)) {
          LOG.warn("qc {}: {}", s.id(), m.line(t));
        }
      }

      // 3. Write: sample_qc in one append commit, then the run record (the scope restores sample_qc if that
      // fails). mergeSchema: a sample_qc written before count_unit / not_assessed existed gains them.
      Commit written;
      try (Stage st = Stage.start(LOG, s.spark(), JOB, "write sample_qc")) {
        written = s.appendMergingSchema(Tables.SAMPLE_QC,
            SampleQcEvaluation.rows(evaluated, s.id(), Timestamp.from(s.started())));
        st.done("{} rows, version {}", written.rowsWritten(), written.version());
      }
      Map<String, String> params = parameters(s.lake(), checked, a, t, units);
      params.put("mirna_counts_read", read);
      s.succeeded(params, message(summary, t));
      LOG.info("qc {} of {} done in {} s", s.id(), checked,
          String.format("%.1f", (System.currentTimeMillis() - s.started().toEpochMilli()) / 1000.0));
      return new Result(s.id(), t, s.inputs(), written.version(), written.rowsWritten(), summary);
    } finally {
      if (evaluated != null) evaluated.unpersist();
    }
  }

  /** The per-cohort summary, with each cohort's count unit and where it came from. */
  private static List<QcSummary.CohortSummary> summarise(Dataset<Row> evaluated, QcThresholds t,
      Map<String, String[]> units) {
    List<QcSummary.CohortSummary> summary = new ArrayList<>();
    for (QcSummary.CohortSummary c : QcSummary.of(evaluated, t)) {
      String[] u = units.get(c.cohort());
      summary.add(c.withUnit(u[0], u[1]));
    }
    return summary;
  }

  private static long samples(List<QcSummary.CohortSummary> summary) {
    return summary.stream().mapToLong(QcSummary.CohortSummary::samples).sum();
  }

  /** Cohort names as given (comma lists allowed), checked like ingest's --cohort; empty = all. */
  static List<String> cohortNames(List<String> given) {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    if (given != null) {
      for (String g : given) {
        for (String c : g.split(",")) {
          String n = c.strip();
          if (n.isEmpty()) continue;
          if (!n.matches("[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}")) {
            throw new BadInputException("--cohort '" + n + "' is not a cohort name (1-64 letters, digits, '_', "
                + "'.' or '-')");
          }
          names.add(n);
        }
      }
    }
    return List.copyOf(names);
  }

  /** A table at its pinned version; an empty frame of its schema if it does not exist. */
  private static Dataset<Row> readOrEmpty(RunScope s, TableDef t) {
    return s.has(t) ? s.read(t) : s.spark().createDataFrame(List.of(), t.schema());
  }

  /**
   * cohort -> {count unit, where it came from}: {@code given} for every cohort, else the {@code count_unit} option
   * of the cohort's latest succeeded (or unchanged) ingest run that read a miR count file; reads when that run
   * recorded none (lakes written before the option) or the cohort has no such run. One small aggregation of
   * {@code ingest_runs} (a row per run); the driver holds a row per cohort.
   */
  static Map<String, String[]> countUnits(Dataset<Row> ingestRuns, List<String> cohorts, String given) {
    Map<String, String[]> m = new LinkedHashMap<>();
    if (given != null) {
      for (String c : cohorts) m.put(c, new String[] {given, "--count-unit"});
      return m;
    }
    for (String c : cohorts) {
      m.put(c, new String[] {QcThresholds.READS, "no ingest run of a miR count file recorded a unit: reads"});
    }
    Column options = col("options");
    Column unit = org.apache.spark.sql.functions.element_at(options, lit("count_unit"));
    for (Row r : ingestRuns.filter(col("cohort").isin(cohorts.toArray())
            .and(col("status").isin("succeeded", "unchanged"))
            .and(org.apache.spark.sql.functions.element_at(options, lit("mirna")).isNotNull().or(unit.isNotNull())))
        .groupBy("cohort")
        .agg(org.apache.spark.sql.functions.max_by(unit, col("ended_at")),
            org.apache.spark.sql.functions.max_by(col("run_id"), col("ended_at")))
        .collectAsList()) {
      String recorded = r.getString(1);
      String runId = r.getString(2);
      if (recorded == null) {
        m.put(r.getString(0),
            new String[] {QcThresholds.READS, "ingest run " + runId + " recorded no count_unit: reads"});
      } else {
        m.put(r.getString(0), new String[] {QcThresholds.countUnit(recorded, "ingest_runs.options['count_unit'] of run "
            + runId), "ingest run " + runId});
      }
    }
    return m;
  }

  private static Map<String, String> parameters(Lake lake, List<String> cohorts, Args a, QcThresholds t,
      Map<String, String[]> units) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("lake", lake.root());
    p.put("database", lake.database());
    p.put("cohorts", String.join(",", cohorts));
    p.put("cohorts_given", a.cohorts() == null || a.cohorts().isEmpty() ? "all" : String.join(",", a.cohorts()));
    p.put("thresholds", t.source());
    p.put("count_unit_given", a.countUnit() == null ? "from ingest_runs" : a.countUnit());
    units.forEach((c, u) -> p.put("count_unit." + c, u[0]));
    p.putAll(t.parameters());
    return p;
  }

  private static String message(List<QcSummary.CohortSummary> summary, QcThresholds t) {
    List<String> parts = new ArrayList<>();
    for (QcSummary.CohortSummary c : summary) {
      parts.add(c.cohort() + ": " + c.samples() + " samples, " + c.pass() + " pass, " + c.warn() + " warn, "
          + c.fail() + " fail");
    }
    List<String> mis = QcSummary.miscalibrated(summary, t).stream().map(m -> m.cohort() + " " + m.rule()).toList();
    return String.join("; ", parts) + (mis.isEmpty() ? "" : "; likely mis-calibrated: " + String.join(", ", mis));
  }
}
