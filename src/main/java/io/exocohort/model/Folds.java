package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Deterministic, subject-grouped, stratified splits (pure {@code Dataset} transforms). A subject's stratum is the
 * smallest {@code stratum} of its samples (cancer type and stage); within each stratum its subjects are ordered by
 * a keyed hash, SHA-256 of {@code "<purpose>:<seed>:<subject_key>"}, and
 * <ul>
 *   <li>{@link #assign}: dealt to folds 0..k-1 in turn (rank mod k), so every fold gets every stratum in
 *       proportion and no subject is in two folds;</li>
 *   <li>{@link #holdout}: the subject of rank r is held out when floor((r + 1) f) &gt; floor(r f), which holds out
 *       a fraction f of every stratum, spread over its hash order.</li>
 * </ul>
 * Every sample of a subject inherits its subject's fold or hold-out flag. The same seed and subjects give the same
 * split on any cluster (the golden script deals the folds the same way in Python).
 */
public final class Folds {
  private Folds() {}

  /** The per-sample stratum: cancer type and stage ({@code "pancreatic|II"}, {@code "healthy|"}). */
  public static Column stratum() {
    return concat(col("cancer_type"), lit("|"), org.apache.spark.sql.functions.coalesce(col("stage"), lit("")));
  }

  private static Dataset<Row> ranked(Dataset<Row> samples, String purpose, long seed) {
    return samples.groupBy("subject_key").agg(min("stratum").as("subject_stratum"))
        .withColumn("subject_hash", sha2(concat(lit(purpose + ":" + seed + ":"), col("subject_key")), 256))
        .withColumn("subject_rank", row_number().over(Window.partitionBy("subject_stratum")
            .orderBy(col("subject_hash"), col("subject_key"))).minus(1));
  }

  /** Adds {@code fold} (int, 0..k-1) to samples with {@code subject_key} and {@code stratum}. */
  public static Dataset<Row> assign(Dataset<Row> samples, int k, long seed) {
    Dataset<Row> subjects = ranked(samples, "fold", seed)
        .select(col("subject_key"), pmod(col("subject_rank"), lit(k)).cast("int").as("fold"));
    return samples.join(subjects, "subject_key");
  }

  /** Adds {@code holdout} (boolean): a fraction {@code f} of the subjects of every stratum. */
  public static Dataset<Row> holdout(Dataset<Row> samples, double f, long seed) {
    Column r = col("subject_rank");
    Dataset<Row> subjects = ranked(samples, "holdout", seed).select(col("subject_key"),
        floor(r.plus(1).multiply(f)).gt(floor(r.multiply(f))).as("holdout"));
    return samples.join(subjects, "subject_key");
  }
}
