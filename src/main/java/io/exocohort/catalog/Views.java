package io.exocohort.catalog;

import io.exocohort.common.DeltaRetry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analysts' views, registered in the catalog database beside the tables by {@link LakeCatalog#register}
 * (as the tables are: the lake folder is the source of truth, so they exist in every session of the in-memory
 * catalog). A view is (re)created only when its definition changed (a hash in its properties), and only when the
 * tables it reads exist; optional sources (the {@code predictions} and {@code model_runs} tables of the model
 * jobs) are joined when present.
 *
 * <ul>
 *   <li>{@code mirna_expression}, {@code protein_expression}: the expression matrices, long (one row per sample
 *       and feature), as the tables were before the matrices.</li>
 *   <li>{@code de_significant}: the latest de run of each (modality, contrast, method), padj &lt; 0.05,
 *       with the literature annotation of the feature for the contrast's cancer type.</li>
 *   <li>{@code sample_summary}: one row per sample: labels, the latest QC status and metrics, the model
 *       predictions (when the lake has them).</li>
 *   <li>{@code model_metrics_latest}: the metrics of each model's latest run (when the lake has model_runs).</li>
 * </ul>
 */
public final class Views {
  private static final Logger LOG = LoggerFactory.getLogger(Views.class);
  static final String HASH_PROPERTY = "exocohort.view_sha256";
  /** The packed copy of conf/marker_annotations.tsv. */
  public static final String MARKERS_RESOURCE = "/exocohort/marker_annotations.tsv";
  /** Tables written by the model jobs, joined when present. */
  public static final String PREDICTIONS = "predictions";
  public static final String MODEL_RUNS = "model_runs";

  public static final List<String> NAMES = List.of("mirna_expression", "protein_expression", "de_significant",
      "sample_summary", "model_metrics_latest");

  private Views() {}

  /** Creates or refreshes every view whose sources exist; drops those whose sources this lake lacks. */
  static void refresh(Lake lake) {
    boolean de = lake.exists(Tables.DE_RESULTS) && lake.exists(Tables.DE_RUNS);
    boolean predictions = lake.registerOptional(PREDICTIONS);
    boolean modelRuns = lake.registerOptional(MODEL_RUNS);
    String db = "`" + lake.database() + "`";
    for (Modality m : Modality.values()) {
      define(lake, m.view(), lake.exists(m.matrix()) && lake.exists(m.samples()) ? expression(db, m) : null, null);
    }
    define(lake, "de_significant", de && lake.exists(Tables.MARKER_ANNOTATIONS) ? deSignificant(db) : null, null);
    define(lake, "sample_summary", lake.exists(Tables.SAMPLES)
        ? sampleSummary(db, lake.exists(Tables.SAMPLE_QC), predictions) : null,
        predictions ? sampleSummary(db, lake.exists(Tables.SAMPLE_QC), false) : null);
    define(lake, "model_metrics_latest", modelRuns ? modelMetricsLatest(db) : null, null);
  }

  /** CREATE OR REPLACE VIEW when the definition changed; the fallback if the first fails to analyse. */
  private static void define(Lake lake, String name, String select, String fallback) {
    SparkSession spark = lake.spark();
    String qualified = "`" + lake.database() + "`.`" + name + "`";
    if (select == null) {
      lake.dropView(name); // its source is gone: DROP VIEW would analyse it first and log the failure
      return;
    }
    String hash = sha256(select);
    if (hash.equals(currentHash(lake, name))) return;
    try {
      try {
        create(spark, qualified, name, select, hash);
      } catch (Exception e) { // AnalysisException is checked in Java's eyes but thrown undeclared by spark.sql
        if (!(e instanceof AnalysisException) || fallback == null) throw e;
        LOG.warn("view {}: the optional source does not have the expected columns ({}); created without it",
            name, firstLine(e.getMessage()));
        create(spark, qualified, name, fallback, hash);
      }
    } catch (Exception e) {
      // a view that does not analyse (a table of another version of exocohort) must not stop the jobs
      if (!(e instanceof AnalysisException)) throw e;
      LOG.warn("view {} not created: {}", qualified, firstLine(e.getMessage()));
    }
  }

  private static void create(SparkSession spark, String qualified, String name, String select, String hash) {
    spark.sql("CREATE OR REPLACE VIEW " + qualified + " COMMENT '" + Lake.sqlEscape(comment(name))
        + "' TBLPROPERTIES ('" + HASH_PROPERTY + "' = '" + hash + "') AS " + select);
    LOG.info("view {} (re)created", qualified);
  }

  /** The definition hash the view was created with (null if none): the catalog's own entry, no query planned. */
  private static String currentHash(Lake lake, String name) {
    org.apache.spark.sql.catalyst.catalog.CatalogTable entry = lake.catalogEntry(name);
    scala.Option<String> h = entry == null ? scala.Option.empty() : entry.properties().get(HASH_PROPERTY);
    return h.isDefined() ? h.get() : null;
  }

  static String comment(String name) {
    return switch (name) {
      case "mirna_expression" -> "Normalised miR expression, long: one row per (sample, miR) of mirna_matrix "
          + "(log2 CPM, see scale)";
      case "protein_expression" -> "Normalised EV protein expression, long: one row per (sample, protein) of "
          + "protein_matrix (null value = missing)";
      case "de_significant" -> "Significant results (padj < 0.05) of the latest de run of each modality, "
          + "contrast and method, with the literature annotation of the feature (marker_annotations)";
      case "sample_summary" -> "One row per sample: labels, the latest QC status and metrics, model predictions";
      case "model_metrics_latest" -> "Metrics of the latest run of each model (model_runs), one row per metric";
      default -> name;
    };
  }

  /**
   * The long rows of a modality's matrix: each row joined to its block's sample index and exploded; entry k
   * belongs to sample_ids[k] (what {@code io.exocohort.matrix.Matrices#longRows} computes as a Dataset).
   */
  static String expression(String db, Modality m) {
    return "SELECT m.cohort, s.sample_ids[e.pos] AS sample_id, m.feature, e.value"
        + (m.protein() ? ", m.imputed[e.pos] AS imputed" : "") + ", m.scale, m.norm_run_id "
        + "FROM " + db + ".`" + m.matrix().name() + "` m JOIN " + db + ".`" + m.samples().name() + "` s "
        + "ON s.cohort = m.cohort AND s.block = m.block AND s.norm_run_id = m.norm_run_id "
        + "LATERAL VIEW posexplode(m.entries) e AS pos, value";
  }

  static String deSignificant(String db) {
    // per method: a run of some methods (--methods) leaves the latest rows of the others in view
    return "WITH latest AS (SELECT r.modality, r.contrast, r.method, max_by(r.run_id, d.ended_at) AS run_id "
        + "FROM (SELECT DISTINCT run_id, modality, contrast, method FROM " + db + ".`de_results`) r "
        + "JOIN " + db + ".`de_runs` d ON d.run_id = r.run_id GROUP BY r.modality, r.contrast, r.method), "
        + "marker_types AS (SELECT modality, feature, array_sort(collect_set(cancer_type)) AS cancer_types "
        + "FROM " + db + ".`marker_annotations` GROUP BY modality, feature) "
        + "SELECT r.run_id, r.modality, r.contrast, split_part(r.contrast, '_vs_', 1) AS case_group, r.method, "
        + "r.feature, CASE WHEN r.log2fc > 0 THEN 'up' WHEN r.log2fc < 0 THEN 'down' END AS direction, "
        + "r.log2fc, r.ave_expr, r.statistic, r.pvalue, r.padj, r.auc, r.n_case, r.n_control, "
        + "a.feature IS NOT NULL AS known_marker, a.direction AS marker_direction, a.specimen AS marker_specimen, "
        + "a.source AS marker_source, t.cancer_types AS marker_of "
        + "FROM " + db + ".`de_results` r "
        + "JOIN latest l ON r.run_id = l.run_id AND r.modality = l.modality AND r.contrast = l.contrast "
        + "AND r.method = l.method "
        + "LEFT JOIN " + db + ".`marker_annotations` a ON a.modality = r.modality AND a.feature = r.feature "
        + "AND a.cancer_type = split_part(r.contrast, '_vs_', 1) "
        + "LEFT JOIN marker_types t ON t.modality = r.modality AND t.feature = r.feature "
        + "WHERE r.padj < 0.05";
  }

  static String sampleSummary(String db, boolean qc, boolean predictions) {
    StringBuilder sb = new StringBuilder("SELECT s.cohort, s.sample_id, s.cancer_type, s.stage, s.sex, s.age, "
        + "s.biofluid, s.batch, s.site, s.collection_date, ");
    if (qc) {
      sb.append("q.latest.run_id AS qc_run_id, q.latest.status AS qc_status, q.latest.reasons AS qc_reasons, "
          + "q.latest.library_size AS library_size, q.latest.mirs_detected AS mirs_detected, "
          + "q.latest.hemolysis_log2_ratio AS hemolysis_log2_ratio, "
          + "q.latest.proteins_quantified AS proteins_quantified, ");
    } else {
      sb.append("CAST(NULL AS STRING) AS qc_run_id, CAST(NULL AS STRING) AS qc_status, "
          + "CAST(NULL AS ARRAY<STRING>) AS qc_reasons, CAST(NULL AS DOUBLE) AS library_size, "
          + "CAST(NULL AS INT) AS mirs_detected, CAST(NULL AS DOUBLE) AS hemolysis_log2_ratio, "
          + "CAST(NULL AS INT) AS proteins_quantified, ");
    }
    sb.append(predictions ? "p.predictions AS predictions " : "CAST(NULL AS ARRAY<STRUCT<model_id: STRING, "
        + "probability: DOUBLE, `call`: STRING, threshold: DOUBLE, top2: ARRAY<STRING>>>) AS predictions ");
    sb.append("FROM ").append(db).append(".`samples` s ");
    if (qc) {
      sb.append("LEFT JOIN (SELECT cohort, sample_id, max_by(struct(run_id, status, reasons, library_size, "
          + "mirs_detected, hemolysis_log2_ratio, proteins_quantified), qc_at) AS latest FROM ").append(db)
          .append(".`sample_qc` GROUP BY cohort, sample_id) q ON q.cohort = s.cohort AND q.sample_id = s.sample_id ");
    }
    if (predictions) {
      sb.append("LEFT JOIN (SELECT cohort, sample_id, collect_list(named_struct('model_id', model_id, "
          + "'probability', CAST(probability AS DOUBLE), 'call', CAST(`call` AS STRING), 'threshold', "
          + "CAST(threshold AS DOUBLE), 'top2', filter(array(top1, top2), x -> x IS NOT NULL))) AS predictions FROM ").append(db)
          .append(".`predictions` GROUP BY cohort, sample_id) p ON p.cohort = s.cohort AND p.sample_id = s.sample_id");
    }
    return sb.toString().strip();
  }

  static String modelMetricsLatest(String db) {
    return "SELECT l.model_id, l.latest.task AS task, l.latest.ended_at AS ended_at, m.metric, m.value "
        + "FROM (SELECT model_id, max_by(struct(task, ended_at, metrics), ended_at) AS latest FROM " + db
        + ".`model_runs` GROUP BY model_id) l "
        + "LATERAL VIEW explode(l.latest.metrics) m AS metric, value";
  }

  /**
   * Loads the packed marker annotations into {@code marker_annotations} when the table is missing or was loaded
   * from another version of the file (the file's SHA-256 is the commit's user metadata): a write, taken by the
   * {@code de} job, whose results the annotations describe. Returns the commit, or null if the table was current.
   */
  public static Commit loadMarkerAnnotations(Lake lake) {
    byte[] bytes;
    try (InputStream in = Views.class.getResourceAsStream(MARKERS_RESOURCE)) {
      if (in == null) {
        LOG.warn("{} is not on the classpath: no marker annotations", MARKERS_RESOURCE);
        return null;
      }
      bytes = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String tag = "marker_annotations.tsv sha256=" + sha256(new String(bytes, StandardCharsets.UTF_8));
    TableDef t = Tables.MARKER_ANNOTATIONS;
    List<Row> rows = parseMarkers(bytes);
    // the check and the overwrite retried together: two first de runs at once both find the table empty; the one
    // whose write lands second either has its first-write append redone as the overwrite (TableWrites), or loses the
    // overwrite's race and finds, on its retry, the file the other loaded (and commits nothing)
    return DeltaRetry.run(t.name(), () -> {
      if (lake.exists(t) && tag.equals(TableWrites.latestUserMetadata(lake, t))) return null;
      Commit c = TableWrites.overwrite(lake, t, lake.spark().createDataFrame(rows, t.schema()).coalesce(1), tag);
      LOG.info("marker_annotations: {} rows loaded ({})", rows.size(), tag);
      return c;
    });
  }

  /** The rows of the TSV: '#' comments, a header, then modality, feature, cancer_type, direction, specimen, source. */
  public static List<Row> parseMarkers(byte[] tsv) {
    List<Row> rows = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(new java.io.ByteArrayInputStream(tsv),
        StandardCharsets.UTF_8))) {
      boolean header = true;
      int line = 0;
      for (String s; (s = r.readLine()) != null; ) {
        line++;
        if (s.isBlank() || s.startsWith("#")) continue;
        if (header) {
          header = false;
          continue;
        }
        String[] f = s.split("\t", -1);
        if (f.length != 6) {
          throw new IllegalStateException(MARKERS_RESOURCE + ":" + line + ": " + f.length + " fields, expected 6");
        }
        rows.add(RowFactory.create(f[0], f[1], f[2], f[3], f[4].isEmpty() ? null : f[4], f[5]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return rows;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
