package io.exocohort.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import io.exocohort.common.BadInputException;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The model tasks and their labels, built from the samples (pure functions: plain Java and
 * {@code Dataset -> Dataset}):
 * <ul>
 *   <li>{@code detect}: any cancer (label 1) against healthy (label 0);</li>
 *   <li>{@code origin}: which cancer, among the cancers (label = position of the type in the sorted classes);</li>
 *   <li>{@code <type>_vs_healthy}: one cancer type (1) against healthy (0).</li>
 * </ul>
 * Benign and premalignant groups (by the category each sample was ingested with) are neither cancer nor healthy:
 * they take no part in {@code detect} and {@code origin}.
 */
public final class Tasks {
  static final String DETECT = "detect";
  static final String ORIGIN = "origin";
  static final String VS_HEALTHY = "_vs_healthy";
  static final String HEALTHY = "healthy";

  private Tasks() {}

  /** A task and its classes (label i = {@code classes[i]}). */
  public record Task(String name, String[] classes) {
    public boolean binary() {
      return classes.length == 2;
    }

    /** Whether benign and premalignant groups are left out (detect, origin). */
    boolean dropsNonCancer() {
      return name.equals(DETECT) || name.equals(ORIGIN);
    }
  }

  /** The task name, trimmed and lower-cased; anything but the three forms is bad input. */
  public static String parse(String task) {
    String t = task == null ? "" : task.trim().toLowerCase(Locale.ROOT);
    if (!t.equals(DETECT) && !t.equals(ORIGIN) && !t.matches("[a-z0-9_]+" + VS_HEALTHY)) {
      throw new BadInputException("--task must be detect, origin or <cancer_type>_vs_healthy, not '" + task + "'");
    }
    return t;
  }

  /**
   * The classes of task {@code name} over the usable samples' groups.
   *
   * @param types the distinct cancer types of the usable samples, sorted
   * @param nonCancer benign and premalignant groups (left out of detect and origin)
   * @param cohorts the cohorts, for the message when a {@code <type>_vs_healthy} type has no usable sample
   */
  public static Task of(String name, List<String> types, Collection<String> nonCancer, List<String> cohorts) {
    String[] classes;
    if (name.equals(DETECT)) {
      classes = new String[] {HEALTHY, "cancer"};
    } else if (name.equals(ORIGIN)) {
      classes = types.stream().filter(t -> !t.equals(HEALTHY) && !nonCancer.contains(t)).toArray(String[]::new);
    } else {
      String type = name.substring(0, name.length() - VS_HEALTHY.length());
      if (!types.contains(type)) {
        throw new BadInputException("--task " + name + ": no usable " + type + " samples in " + cohorts
            + " (cancer types: " + String.join(", ", types) + ")");
      }
      classes = new String[] {HEALTHY, type};
    }
    if (classes.length < 2) {
      throw new BadInputException("--task " + name + ": need at least 2 classes, found " + String.join(", ", classes));
    }
    return new Task(name, classes);
  }

  /**
   * The task's samples of {@code meta} (rows with {@code cancer_type}, {@code stage}) with {@code label}
   * (double, position in the classes) and {@code stratum} (cancer type and stage, for the folds).
   */
  public static Dataset<Row> labelled(Dataset<Row> meta, Task task, Collection<String> nonCancer) {
    Dataset<Row> m = meta;
    if (task.dropsNonCancer() && !nonCancer.isEmpty()) m = m.filter(not(col("cancer_type").isin(nonCancer.toArray())));
    String[] classes = task.classes();
    Column label;
    if (task.name().equals(ORIGIN)) {
      m = m.filter(col("cancer_type").notEqual(HEALTHY));
      label = lit(-1.0);
      for (int i = classes.length - 1; i >= 0; i--) {
        label = when(col("cancer_type").equalTo(classes[i]), (double) i).otherwise(label);
      }
    } else {
      if (!task.name().equals(DETECT)) m = m.filter(col("cancer_type").isin(HEALTHY, classes[1]));
      label = when(col("cancer_type").equalTo(HEALTHY), 0.0).otherwise(1.0);
    }
    return m.withColumn("label", label).withColumn("stratum", Folds.stratum());
  }

  /** The class name of column {@code label} (the inverse of the labels). */
  public static Column className(String[] classes) {
    Column name = lit(classes[0]);
    for (int i = 1; i < classes.length; i++) name = when(col("label").equalTo((double) i), classes[i]).otherwise(name);
    return name;
  }
}
