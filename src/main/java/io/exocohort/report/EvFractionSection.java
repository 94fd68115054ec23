package io.exocohort.report;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import io.exocohort.deconv.EvFractions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The report's tumour-EV fraction section (issue 19): the distribution of each sample's tumour-EV fraction (its
 * latest deconvolve run, {@link EvFractions}) by cancer type and by stage, as box plots (whiskers at the 5th and
 * 95th percentiles) and a table of n, median and quartiles per group. Quantiles are computed on the cluster
 * ({@code percentile_approx}); the driver holds one summary per group.
 */
final class EvFractionSection {
  /** percentile_approx accuracy: exact ranks up to about this many samples per group. */
  static final int ACCURACY = 10_000;

  private EvFractionSection() {}

  static String section(Lake lake, Html html) {
    html.h2("ev_origin", "Tumour-EV fraction by cancer type and stage");
    if (!EvFractions.available(lake) || !lake.exists(Tables.SAMPLES)) {
      html.none("no tumour-EV fractions: the lake has no ev_origin table (run deconvolve)");
      return "no ev_origin";
    }
    Dataset<Row> f = EvFractions.latest(lake, List.of()).join(lake.read(Tables.SAMPLES)
        .select("cohort", "sample_id", "cancer_type", "stage"), scala.jdk.javaapi.CollectionConverters.asScala(List.of("cohort", "sample_id")).toList());
    List<Charts.Box> byType = boxes(f, col("cancer_type"));
    if (byType.isEmpty()) {
      html.none("no sample of the lake has a tumour-EV fraction in ev_origin");
      return "no fractions";
    }
    // cancer samples by stage (unknown: no stage recorded); healthy samples as one group beside them
    List<Charts.Box> byStage = boxes(f, expr("CASE WHEN cancer_type = 'healthy' THEN 'healthy' "
        + "ELSE coalesce(stage, 'unknown') END"));
    long n = byType.stream().mapToLong(Charts.Box::n).sum();
    html.p("Each sample's tumour-EV fraction: its case-component share in the latest deconvolve run that covered it "
        + "(ev_origin), " + n + " samples. Boxes: quartiles, whiskers: 5th and 95th percentiles (percentile_approx "
        + "on the cluster).");
    html.open("grid");
    html.png("tumour-EV fraction by cancer type", Charts.boxes("Tumour-EV fraction by cancer type",
        "cancer type (samples)", "tumour-EV fraction", byType), null);
    html.png("tumour-EV fraction by stage", Charts.boxes("Tumour-EV fraction by stage", "stage (samples)",
        "tumour-EV fraction", byStage), null);
    html.close();
    List<List<String>> rows = new ArrayList<>();
    for (Charts.Box b : byType) rows.add(row("cancer type", b));
    for (Charts.Box b : byStage) rows.add(row("stage", b));
    html.table(List.of("by", "group", "n", "median", "first quartile", "third quartile"), rows);
    return n + " samples, " + byType.size() + " cancer types, " + byStage.size() + " stage groups";
  }

  private static List<String> row(String by, Charts.Box b) {
    return List.of(by, b.group(), String.valueOf(b.n()), fmt(b.median()), fmt(b.q1()), fmt(b.q3()));
  }

  static String fmt(double x) {
    return String.format(Locale.ROOT, "%.3f", x);
  }

  /** One box per value of {@code group} (sorted): 5th, 25th, 50th, 75th, 95th percentiles, mean and n. */
  static List<Charts.Box> boxes(Dataset<Row> fractions, Column group) {
    List<Charts.Box> out = new ArrayList<>();
    for (Row r : fractions.groupBy(group.as("grp"))
        .agg(expr("percentile_approx(" + EvFractions.TUMOUR_EV_FRACTION + ", array(0.05, 0.25, 0.5, 0.75, 0.95), "
            + ACCURACY + ")").as("q"), expr("avg(" + EvFractions.TUMOUR_EV_FRACTION + ")").as("mean"),
            expr("count(*)").as("n"))
        .filter(col("grp").isNotNull()).orderBy("grp").collectAsList()) {
      List<Double> q = r.getList(1);
      out.add(new Charts.Box(r.getString(0), q.get(0), q.get(1), q.get(2), q.get(3), q.get(4), r.getDouble(2),
          r.getLong(3)));
    }
    return out;
  }
}
