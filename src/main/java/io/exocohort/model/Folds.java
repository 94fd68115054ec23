package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;

import io.exocohort.common.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;

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

  /** The fold value of the hold-out's samples in model_folds. */
  public static final String HOLDOUT = "holdout";

  /**
   * Where every sample of a run went, the rows of {@code model_folds}: {@code model_id, cohort, sample_id,
   * subject_key, fold} (the fold number, or {@link #HOLDOUT}) {@code , label} (the class name).
   */
  public static Dataset<Row> assignment(Dataset<Row> train, Dataset<Row> holdout, String modelId, String[] classes) {
    Column className = Tasks.className(classes);
    return train.select(lit(modelId).as("model_id"), col("cohort"), col("sample_id"), col("subject_key"),
            col("fold").cast("string").as("fold"), className.as("label"))
        .union(holdout.select(lit(modelId).as("model_id"), col("cohort"), col("sample_id"), col("subject_key"),
            lit(HOLDOUT).as("fold"), className.as("label")));
  }

  /**
   * Subjects per class in every fold and in the hold-out ({@code assignment}: subject_key, fold, label by class
   * name), before anything is fitted. Folds are dealt per subject within each cancer type and stage, so a class
   * can have enough samples and still leave a fold without any of its subjects (few subjects giving many samples,
   * or subjects spread over many strata); then a fold model is fitted without that class or scored on a fold
   * without it. One line names the class, its samples and subjects, and the folds that have none.
   */
  static void checkSubjects(String task, String[] classes, int folds, boolean holdout, Dataset<Row> assignment) {
    Map<String, Map<String, Long>> subjects = new LinkedHashMap<>(); // class -> fold -> subjects
    Map<String, long[]> totals = new LinkedHashMap<>(); // class -> {samples, subjects}
    for (Row r : assignment.groupBy("label", "fold").agg(functions.countDistinct("subject_key")).collectAsList()) {
      subjects.computeIfAbsent(r.getString(0), k -> new LinkedHashMap<>()).put(r.getString(1), r.getLong(2));
    }
    for (Row r : assignment.groupBy("label").agg(functions.count(lit(1)), functions.countDistinct("subject_key"))
        .collectAsList()) {
      totals.put(r.getString(0), new long[] {r.getLong(1), r.getLong(2)});
    }
    List<String> problems = new ArrayList<>();
    for (String c : classes) {
      Map<String, Long> per = subjects.getOrDefault(c, Map.of());
      List<String> empty = new ArrayList<>();
      for (int f = 0; f < folds; f++) if (per.getOrDefault(String.valueOf(f), 0L) == 0) empty.add(String.valueOf(f));
      boolean noHoldout = holdout && per.getOrDefault(HOLDOUT, 0L) == 0;
      if (empty.isEmpty() && !noHoldout) continue;
      long[] t = totals.getOrDefault(c, new long[2]);
      String where = (empty.isEmpty() ? "" : (empty.size() == 1 ? "fold " : "folds ") + String.join(", ", empty))
          + (noHoldout ? (empty.isEmpty() ? "" : " and ") + "the hold-out" : "");
      problems.add("class " + c + " has " + t[0] + " samples from " + t[1] + " subjects (" + where + " "
          + (empty.size() + (noHoldout ? 1 : 0) == 1 ? "has" : "have") + " none)");
    }
    if (!problems.isEmpty()) {
      throw new BadInputException(task + ": " + String.join("; ", problems) + "; " + folds + " folds"
          + (holdout ? " and the hold-out" : "") + " need at least " + (folds + (holdout ? 1 : 0))
          + " subjects per class, dealt per cancer type and stage (fewer --folds, exocohort.model.holdout.fraction=0"
          + " or more subjects)");
    }
  }
}
