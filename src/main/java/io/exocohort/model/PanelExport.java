package io.exocohort.model;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.LakeCatalog;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code model export-panel}: the stable panel a train run stored in {@code model_runs.panel}, as a tab-separated
 * table a lab can use (read only; one small row read to the driver). Columns: feature (without the modality
 * prefix), modality, rank, selection_frequency, direction (up / down in cases), mean_cases, mean_controls (the
 * training set's means of the normalised values; empty for tissue-of-origin models).
 */
public final class PanelExport {
  private PanelExport() {}

  public static final List<String> HEADER = List.of("feature", "modality", "rank", "selection_frequency",
      "direction", "mean_cases", "mean_controls");

  /** The TSV lines (header first) of the panel of {@code modelId}; a missing model or panel is one line, exit 2. */
  public static List<String> lines(SparkSession spark, String lakeDir, String database, String modelId) {
    if (modelId == null || modelId.isBlank()) throw new BadInputException("--model-id is required");
    Lake lake = LakeCatalog.open(spark, lakeDir, database);
    if (!lake.exists(Tables.MODEL_RUNS)) throw new BadInputException("lake " + lakeDir + " has no models: train first");
    org.apache.spark.sql.Dataset<Row> runs = lake.read(Tables.MODEL_RUNS);
    List<Row> found = runs.filter(col("model_id").equalTo(modelId)).collectAsList();
    if (found.isEmpty()) throw new BadInputException("no model " + modelId + " in " + lakeDir);
    Row r = found.get(0);
    if (!Arrays.asList(runs.columns()).contains("panel") || r.isNullAt(r.fieldIndex("panel"))) {
      throw new BadInputException("model " + modelId + " has no stable panel: train it with --stability-threshold");
    }
    List<String> out = new ArrayList<>();
    out.add(String.join("\t", HEADER));
    for (Row p : r.<Row>getList(r.fieldIndex("panel"))) {
      String feature = p.getString(0);
      int colon = feature.indexOf(':');
      out.add(String.join("\t", feature.substring(colon + 1), colon < 0 ? "" : feature.substring(0, colon),
          String.valueOf(p.getInt(1)), num(p, 2), p.isNullAt(5) ? "" : p.getString(5), num(p, 3), num(p, 4)));
    }
    return out;
  }

  private static String num(Row r, int i) {
    return r.isNullAt(i) ? "" : String.format(Locale.ROOT, "%.6g", r.getDouble(i));
  }
}
