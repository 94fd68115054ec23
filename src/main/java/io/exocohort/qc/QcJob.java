package io.exocohort.qc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import io.exocohort.catalog.JobRuns;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.ExoConf;
import io.exocohort.common.Stage;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code qc}: per-sample quality control of one or more cohorts. Reads {@code samples}, {@code mirna_counts} and
 * {@code protein_abundance} at their current versions, computes the metrics ({@link SampleQcMetrics}),
 * evaluates the rules ({@link SampleQcRules}) and appends one row per sample to {@code sample_qc} in one commit,
 * then records the run in {@code job_runs} (every threshold, the input versions, the output version, the rows).
 * The library size of each cohort is judged in its count unit ({@code reads} or {@code umi}): the one its latest
 * ingest of a miR count file recorded in {@code ingest_runs.options}, unless {@code --count-unit} gives one. Rules
 * that flag nearly every assessed sample of a cohort are logged as likely mis-calibrated ({@link QcSummary}).
 *
 * <p>Bad parameters (an unknown cohort, a missing or bad thresholds file, a run id already used) fail before any
 * table is touched. If recording the run fails after the write, {@code sample_qc} is restored to its previous
 * version. What the driver holds: the thresholds, the cohort names and the summary counts.
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

  public static Result run(SparkSession spark, Args a) {
    return JobRuns.track(spark, a.lake(), a.database(), JOB, a.runId(), a, run -> run(spark, a, run));
  }

  private static Result run(SparkSession spark, Args a, JobRuns.Run run) {
    Instant started = run.started();
    // 1. Parameters, before the lake is opened.
    QcThresholds t = QcThresholds.load(a.thresholds());
    String givenUnit = a.countUnit() == null ? null : QcThresholds.countUnit(a.countUnit(), "--count-unit");
    List<String> cohorts = cohortNames(a.cohorts());
    String runId = run.id();

    Lake lake;
    Map<String, Long> inputs = new LinkedHashMap<>();
    List<String> checked;
    Map<String, String[]> units;
    try (Stage s = Stage.start(LOG, spark, JOB, "open lake")) {
      lake = io.exocohort.catalog.LakeCatalog.open(spark, a.lake(), a.database() == null ? ExoConf.DATABASE : a.database());
      for (TableDef d : List.of(Tables.SAMPLES, Tables.MIRNA_COUNTS, Tables.PROTEIN_ABUNDANCE, Tables.INGEST_RUNS)) {
        inputs.put(d.name(), lake.version(d));
      }
      if (inputs.get(Tables.SAMPLES.name()) < 0) {
        throw new BadInputException("lake " + lake.root() + " has no samples table: ingest a cohort first");
      }
      run.inputs(inputs);
      checked = resolveCohorts(read(lake, Tables.SAMPLES, inputs), cohorts);
      units = countUnits(read(lake, Tables.INGEST_RUNS, inputs), checked, givenUnit);
      s.done("{}; cohorts {}; count units {}; input versions {}", lake.root(), checked, units, inputs);
    }

    Dataset<Row> evaluated = null;
    try {
      long samples;
      List<QcSummary.CohortSummary> summary;
      // One stage: the metrics feed the rules directly (a window per (cohort, batch) gives the robust z-scores),
      // and the evaluated samples are cached once, by the summary, for the write.
      try (Stage s = Stage.start(LOG, spark, JOB, "metrics and rules")) {
        Column inCohorts = col("cohort").isin(checked.toArray());
        Dataset<Row> base = read(lake, Tables.SAMPLES, inputs).filter(inCohorts)
            .select("cohort", "sample_id", "batch", "particle_size_nm", "particle_concentration");
        Dataset<Row> mirna = SampleQcMetrics.mirna(read(lake, Tables.MIRNA_COUNTS, inputs).filter(inCohorts),
            t.detectedMinCount());
        Dataset<Row> protein = SampleQcMetrics.protein(read(lake, Tables.PROTEIN_ABUNDANCE, inputs).filter(inCohorts),
            t);
        Dataset<Row> metrics = base.join(mirna, SampleQcMetrics.cols("cohort", "sample_id"), "left")
            .join(protein, SampleQcMetrics.cols("cohort", "sample_id"), "left");
        metrics = metrics.withColumn("count_unit", when(col("library_size").isNotNull(), unitOf(units)));
        evaluated = SampleQcRules.evaluate(SampleQcMetrics.robustZ(metrics, t.outlier().minGroupSize()), t)
            .persist(StorageLevel.MEMORY_AND_DISK());
        summary = new ArrayList<>();
        for (QcSummary.CohortSummary c : QcSummary.of(evaluated, t)) {
          String[] u = units.get(c.cohort());
          summary.add(c.withUnit(u[0], u[1]));
        }
        samples = summary.stream().mapToLong(QcSummary.CohortSummary::samples).sum();
        s.done("{} samples; {}", samples, summary.stream().map(c -> c.cohort() + ": " + c.pass() + " pass, "
            + c.warn() + " warn, " + c.fail() + " fail").toList());
        for (QcSummary.Miscalibrated m : QcSummary.miscalibrated(summary, t)) LOG.warn("qc {}: {}", runId, m.line(t));
      }

      // 2. Write: sample_qc in one append commit, then the run record; restore sample_qc if the record fails.
      lake.ensure(Tables.SAMPLE_QC);
      long before = lake.version(Tables.SAMPLE_QC);
      long written;
      try (Stage s = Stage.start(LOG, spark, JOB, "write sample_qc")) {
        Timestamp qcAt = Timestamp.from(started);
        List<Column> out = new ArrayList<>();
        for (String c : Tables.SAMPLE_QC.columnNames()) {
          out.add(switch (c) {
            case "run_id" -> lit(runId).as(c);
            case "qc_at" -> lit(qcAt).as(c);
            default -> col(c);
          });
        }
        // mergeSchema: a sample_qc written before count_unit / not_assessed existed gains them (null in old rows)
        evaluated.select(out.toArray(new Column[0])).write().format("delta").mode("append")
            .option("mergeSchema", "true").save(lake.path(Tables.SAMPLE_QC));
        written = lake.version(Tables.SAMPLE_QC);
        s.done("{} rows, version {}", samples, written);
      }
      try {
        Map<String, Long> outputs = Map.of(Tables.SAMPLE_QC.name(), written);
        Map<String, Long> rows = Map.of(Tables.SAMPLE_QC.name(), samples);
        run.succeeded(lake, parameters(lake, checked, a, t, units), inputs, outputs, rows, message(summary, t));
      } catch (Throwable e) { // also SparkException, which Spark throws undeclared (checked in Java)
        LOG.error("qc {}: recording the run failed: restoring sample_qc to version {}", runId, before);
        try {
          lake.rollback(Tables.SAMPLE_QC, before, written);
        } catch (RuntimeException re) {
          e.addSuppressed(re);
          LOG.error("could not restore sample_qc: run RESTORE TABLE {} TO VERSION AS OF {}",
              lake.qualified(Tables.SAMPLE_QC), before);
        }
        throw e;
      }
      LOG.info("qc {} of {} done in {} s", runId, checked,
          String.format("%.1f", (System.currentTimeMillis() - started.toEpochMilli()) / 1000.0));
      return new Result(runId, t, inputs, written, samples, summary);
    } finally {
      if (evaluated != null) evaluated.unpersist();
    }
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

  /** The cohorts to check: all of the lake's, or the given ones, each of which must exist. */
  private static List<String> resolveCohorts(Dataset<Row> samples, List<String> wanted) {
    TreeSet<String> present = new TreeSet<>(); // one name per cohort: small
    for (Row r : samples.select("cohort").distinct().collectAsList()) present.add(r.getString(0));
    if (present.isEmpty()) throw new BadInputException("the samples table is empty: ingest a cohort first");
    if (wanted.isEmpty()) return List.copyOf(present);
    List<String> unknown = wanted.stream().filter(c -> !present.contains(c)).toList();
    if (!unknown.isEmpty()) {
      List<String> have = new ArrayList<>(present);
      String list = String.join(", ", have.subList(0, Math.min(20, have.size()))) + (have.size() > 20 ? ", ..." : "");
      throw new BadInputException("unknown cohort " + String.join(", ", unknown) + " (the lake has: " + list + ")");
    }
    return wanted;
  }

  /** A table at the version recorded as this run's input; an empty frame of its schema if it does not exist. */
  private static Dataset<Row> read(Lake lake, TableDef t, Map<String, Long> versions) {
    long v = versions.get(t.name());
    if (v < 0) return lake.spark().createDataFrame(List.of(), t.schema());
    return lake.readAsOf(t, v);
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

  /** The count unit of each row's cohort, from {@link #countUnits}. */
  private static Column unitOf(Map<String, String[]> units) {
    Column u = lit(QcThresholds.READS);
    for (Map.Entry<String, String[]> e : units.entrySet()) {
      u = when(col("cohort").equalTo(e.getKey()), lit(e.getValue()[0])).otherwise(u);
    }
    return u;
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
