package io.exocohort.deconv;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The tumour-EV fraction of each sample as the other jobs read it ({@code de --covariates tumour_ev_fraction},
 * {@code train}, the report): the sample's {@code role = 'case'} fraction in {@code ev_origin}, from the latest
 * deconvolve run that covered the sample (latest {@code computed_at}, then run id).
 */
public final class EvFractions {
  /** The name under which jobs read the fraction, as a covariate or a feature. */
  public static final String TUMOUR_EV_FRACTION = "tumour_ev_fraction";

  private EvFractions() {}

  /** Whether the lake has any fraction to read. */
  public static boolean available(Lake lake) {
    return lake.exists(Tables.EV_ORIGIN);
  }

  /**
   * (cohort, sample_id, tumour_ev_fraction, run_id) of the samples of {@code cohorts} (all when null or empty) that a
   * deconvolve run with a case component covered: one row per sample, its latest run's case fraction. Empty (with
   * that schema) when the lake has no {@code ev_origin}.
   */
  public static Dataset<Row> latest(Lake lake, List<String> cohorts) {
    if (!available(lake)) {
      return lake.spark().createDataFrame(List.<Row>of(), new StructType().add("cohort", DataTypes.StringType, false)
          .add("sample_id", DataTypes.StringType, false).add(TUMOUR_EV_FRACTION, DataTypes.DoubleType, true)
          .add("run_id", DataTypes.StringType, true));
    }
    Dataset<Row> ev = lake.read(Tables.EV_ORIGIN);
    if (cohorts != null && !cohorts.isEmpty()) ev = ev.filter(col("cohort").isin(cohorts.toArray()));
    return ev.filter(col("role").equalTo("case"))
        .groupBy("cohort", "sample_id")
        .agg(max_by(struct(col("fraction"), col("run_id")), struct(col("computed_at"), col("run_id"))).as("l"))
        .select(col("cohort"), col("sample_id"), col("l.fraction").as(TUMOUR_EV_FRACTION), col("l.run_id").as("run_id"));
  }
}
