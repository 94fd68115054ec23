package io.exocohort.qc;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.when;

import io.exocohort.qc.QcThresholds.Ceiling;
import io.exocohort.qc.QcThresholds.Floor;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The per-sample QC rules as Column expressions over the metrics of {@link SampleQcMetrics} (one row per sample).
 * Each enabled rule is a few {@link Check}s; a check whose condition holds adds a reason such as
 * {@code "library_size 32145 < 100000 (fail)"}. A metric that is null (no miR or no protein data) trips nothing,
 * except a missing particle concentration when {@code warn_if_missing}. The status is {@code fail} if any
 * check failed, else {@code warn} if any warned, else {@code pass}.
 */
public final class SampleQcRules {
  private SampleQcRules() {}

  public static final String PASS = "pass";
  public static final String WARN = "warn";
  public static final String FAIL = "fail";

  /** One condition of a rule with its severity and the text that says why (without the severity suffix). */
  public record Check(String severity, Column when, Column message) {}

  /** A rule: its name ({@code qc.<name>.enabled}) and checks. */
  public record Rule(String name, List<Check> checks) {}

  /** The internal column holding a rule's outcome (null, warn or fail) after {@link #evaluate}. */
  public static String flagColumn(String rule) {
    return "qc_rule_" + rule.replace('.', '_');
  }

  /**
   * Adds {@code status}, {@code reasons} (array of strings, in rule order) and one {@link #flagColumn} per enabled
   * rule (for the per-rule summary; drop them before writing).
   */
  public static Dataset<Row> evaluate(Dataset<Row> metrics, QcThresholds t) {
    List<Rule> rules = rules(t);
    List<Column> reasons = new ArrayList<>();
    Column anyFail = lit(false);
    Column anyWarn = lit(false);
    Dataset<Row> out = metrics;
    for (Rule r : rules) {
      Column fail = lit(false);
      Column warn = lit(false);
      for (Check c : r.checks()) {
        Column hit = c.when().isNotNull().and(c.when());
        reasons.add(when(hit, concat(c.message(), lit(" (" + c.severity() + ")"))));
        if (c.severity().equals(FAIL)) fail = fail.or(hit);
        else warn = warn.or(hit);
      }
      out = out.withColumn(flagColumn(r.name()), when(fail, lit(FAIL)).when(warn, lit(WARN)));
      anyFail = anyFail.or(fail);
      anyWarn = anyWarn.or(warn);
    }
    Column reasonArray = reasons.isEmpty() ? array().cast("array<string>")
        : array_compact(array(reasons.toArray(new Column[0])));
    return out.withColumn("reasons", reasonArray)
        .withColumn("status", when(anyFail, lit(FAIL)).when(anyWarn, lit(WARN)).otherwise(lit(PASS)));
  }

  /** The enabled rules, in {@link QcThresholds#RULES} order. */
  public static List<Rule> rules(QcThresholds t) {
    List<Rule> rules = new ArrayList<>();
    addFloor(rules, t.librarySize(), "library_size", "%.0f");
    addFloor(rules, t.mirsDetected(), "mirs_detected", "%d");
    addCeiling(rules, t.top10Fraction(), "top10_fraction", "%.3f");
    addCeiling(rules, t.hemolysis(), "hemolysis_log2_ratio", "%.2f");
    if (t.outlier().enabled()) {
      String limit = QcThresholds.fmt(t.outlier().zAbove());
      List<Check> checks = new ArrayList<>();
      for (String m : List.of("library_size_robust_z", "mirs_detected_robust_z")) {
        checks.add(new Check(WARN, abs(col(m)).gt(t.outlier().zAbove()),
            format_string(m + " %.2f (|z| > " + limit + ")", col(m))));
      }
      rules.add(new Rule(t.outlier().rule(), checks));
    }
    addFloor(rules, t.proteinsQuantified(), "proteins_quantified", "%d");
    addCeiling(rules, t.proteinMissing(), "protein_missing_fraction", "%.2f");
    if (t.evIdentity().enabled()) {
      Column noTetra = not(col("ev_tetraspanin"));
      Column noCyto = not(col("ev_cytosolic"));
      Column msg = concat(lit("ev_identity: "), concat_ws(" and ",
          when(noTetra, lit("no tetraspanin (" + String.join("/", t.evIdentity().tetraspanins()) + ")")),
          when(noCyto, lit("no cytosolic marker (" + String.join("/", t.evIdentity().cytosolic()) + ")"))),
          lit(" detected"));
      rules.add(new Rule(t.evIdentity().rule(), List.of(new Check(FAIL, noTetra.or(noCyto), msg))));
    }
    if (t.contamination().enabled()) {
      Column msg = concat(lit("contaminants "), array_join(col("contaminants"), ", "),
          lit(" > " + QcThresholds.fmt(t.contamination().log2Above()) + " log2 above the cohort median"));
      rules.add(new Rule(t.contamination().rule(), List.of(new Check(WARN, size(col("contaminants")).gt(0), msg))));
    }
    if (t.particleSize().enabled()) {
      double lo = t.particleSize().min();
      double hi = t.particleSize().max();
      Column x = col("particle_size_nm");
      rules.add(new Rule(t.particleSize().rule(), List.of(new Check(WARN, x.lt(lo).or(x.gt(hi)),
          format_string("particle_size_nm %.1f outside " + QcThresholds.fmt(lo) + "-" + QcThresholds.fmt(hi), x)))));
    }
    if (t.particleConcentration().enabled()) {
      QcThresholds.Concentration c = t.particleConcentration();
      Column x = col("particle_concentration");
      List<Check> checks = new ArrayList<>();
      checks.add(new Check(WARN, x.lt(c.min()).or(x.gt(c.max())), format_string("particle_concentration %.3g outside "
          + QcThresholds.fmt(c.min()) + "-" + QcThresholds.fmt(c.max()) + " per mL", x)));
      if (c.warnIfMissing()) checks.add(new Check(WARN, x.isNull(), lit("particle_concentration missing")));
      rules.add(new Rule(c.rule(), checks));
    }
    return rules;
  }

  /** fail below failBelow; warn from failBelow up to warnBelow (one reason per sample). */
  private static void addFloor(List<Rule> rules, Floor f, String metric, String valueFormat) {
    if (!f.enabled()) return;
    Column x = col(metric);
    List<Check> checks = new ArrayList<>();
    if (f.failBelow() != null) {
      checks.add(new Check(FAIL, x.lt(f.failBelow()),
          format_string(metric + " " + valueFormat + " < " + QcThresholds.fmt(f.failBelow()), x)));
    }
    if (f.warnBelow() != null) {
      Column w = x.lt(f.warnBelow());
      if (f.failBelow() != null) w = w.and(x.geq(f.failBelow()));
      checks.add(new Check(WARN, w,
          format_string(metric + " " + valueFormat + " < " + QcThresholds.fmt(f.warnBelow()), x)));
    }
    rules.add(new Rule(f.rule(), checks));
  }

  /** fail above failAbove; warn above warnAbove up to failAbove. */
  private static void addCeiling(List<Rule> rules, Ceiling c, String metric, String valueFormat) {
    if (!c.enabled()) return;
    Column x = col(metric);
    List<Check> checks = new ArrayList<>();
    if (c.failAbove() != null) {
      checks.add(new Check(FAIL, x.gt(c.failAbove()),
          format_string(metric + " " + valueFormat + " > " + QcThresholds.fmt(c.failAbove()), x)));
    }
    if (c.warnAbove() != null) {
      Column w = x.gt(c.warnAbove());
      if (c.failAbove() != null) w = w.and(x.leq(c.failAbove()));
      checks.add(new Check(WARN, w,
          format_string(metric + " " + valueFormat + " > " + QcThresholds.fmt(c.warnAbove()), x)));
    }
    rules.add(new Rule(c.rule(), checks));
  }
}
