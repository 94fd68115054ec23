package io.exocohort.qc;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_compact;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.coalesce;
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
 * Each enabled rule is a few {@link Check}s and a condition saying whether the rule can be assessed for the sample
 * (its input is there); a check whose condition holds adds a reason such as
 * {@code "library_size 32145 < 100000 (fail)"}. A rule whose input is absent (a null metric: no miR data, no
 * protein data, no particle measurement, the haemolysis pair not in the panel) trips nothing and is listed in
 * {@code not_assessed}. The status is {@code fail} if any check failed, else {@code warn} if any warned, else
 * {@code pass}; a sample for which no enabled rule could be assessed is {@code warn} with the reason
 * {@link #NOTHING_ASSESSED}.
 *
 * <p>The library-size thresholds depend on the sample's {@code count_unit} ({@code reads}, the default when the
 * column is null, or {@code umi}).
 */
public final class SampleQcRules {
  private SampleQcRules() {}

  public static final String PASS = "pass";
  public static final String WARN = "warn";
  public static final String FAIL = "fail";
  /** The per-rule outcome of a rule that could not be assessed for a sample (never a status). */
  public static final String NOT_ASSESSED = "not_assessed";
  /** The reason of a sample no enabled rule could assess. */
  public static final String NOTHING_ASSESSED = "no qc rule assessed (no miR, protein or particle data) (warn)";

  /** One condition of a rule with its severity and the text that says why (without the severity suffix). */
  public record Check(String severity, Column when, Column message) {}

  /** A rule: its name ({@code qc.<name>.enabled}), checks, and when it can be assessed for a sample. */
  public record Rule(String name, List<Check> checks, Column assessed) {}

  /** The internal column holding a rule's outcome (null, warn, fail or not_assessed) after {@link #evaluate}. */
  public static String flagColumn(String rule) {
    return "qc_rule_" + rule.replace('.', '_');
  }

  /**
   * Adds {@code status}, {@code reasons} (array of strings, in rule order), {@code not_assessed} (the enabled rules
   * that could not be assessed, in rule order) and one {@link #flagColumn} per enabled rule (for the per-rule
   * summary; drop them before writing). {@code metrics} may lack {@code count_unit} (then: reads).
   */
  public static Dataset<Row> evaluate(Dataset<Row> metrics, QcThresholds t) {
    Dataset<Row> out = java.util.Arrays.asList(metrics.columns()).contains("count_unit") ? metrics
        : metrics.withColumn("count_unit", lit(null).cast("string"));
    List<Rule> rules = rules(t);
    List<Column> reasons = new ArrayList<>();
    List<Column> notAssessed = new ArrayList<>();
    Column anyFail = lit(false);
    Column anyWarn = lit(false);
    Column anyAssessed = lit(false);
    for (Rule r : rules) {
      Column assessed = coalesce(r.assessed(), lit(false));
      Column fail = lit(false);
      Column warn = lit(false);
      for (Check c : r.checks()) {
        Column hit = assessed.and(c.when().isNotNull().and(c.when()));
        reasons.add(when(hit, concat(c.message(), lit(" (" + c.severity() + ")"))));
        if (c.severity().equals(FAIL)) fail = fail.or(hit);
        else warn = warn.or(hit);
      }
      out = out.withColumn(flagColumn(r.name()),
          when(not(assessed), lit(NOT_ASSESSED)).when(fail, lit(FAIL)).when(warn, lit(WARN)));
      notAssessed.add(when(not(assessed), lit(r.name())));
      anyFail = anyFail.or(fail);
      anyWarn = anyWarn.or(warn);
      anyAssessed = anyAssessed.or(assessed);
    }
    Column nothing = rules.isEmpty() ? lit(false) : not(anyAssessed);
    reasons.add(when(nothing, lit(NOTHING_ASSESSED)));
    return out.withColumn("reasons", array_compact(array(reasons.toArray(new Column[0]))))
        .withColumn("not_assessed", notAssessed.isEmpty() ? array().cast("array<string>")
            : array_compact(array(notAssessed.toArray(new Column[0]))))
        .withColumn("status", when(anyFail, lit(FAIL)).when(anyWarn.or(nothing), lit(WARN)).otherwise(lit(PASS)));
  }

  /** The enabled rules, in {@link QcThresholds#RULES} order. */
  public static List<Rule> rules(QcThresholds t) {
    List<Rule> rules = new ArrayList<>();
    if (t.librarySize().enabled()) {
      // one rule, its checks per count unit
      Column umi = coalesce(col("count_unit"), lit(QcThresholds.READS)).equalTo(QcThresholds.UMI);
      List<Check> checks = new ArrayList<>();
      checks.addAll(floorChecks(t.librarySize(), "library_size", "%.0f", "", not(umi)));
      checks.addAll(floorChecks(t.librarySizeUmi(), "library_size", "%.0f", " UMIs", umi));
      rules.add(new Rule(t.librarySize().rule(), checks, col("library_size").isNotNull()));
    }
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
      rules.add(new Rule(t.outlier().rule(), checks,
          col("library_size_robust_z").isNotNull().or(col("mirs_detected_robust_z").isNotNull())));
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
      rules.add(new Rule(t.evIdentity().rule(), List.of(new Check(FAIL, noTetra.or(noCyto), msg)),
          col("ev_tetraspanin").isNotNull().and(col("ev_cytosolic").isNotNull())));
    }
    if (t.contamination().enabled()) {
      Column msg = concat(lit("contaminants "), array_join(col("contaminants"), ", "),
          lit(" > " + QcThresholds.fmt(t.contamination().log2Above()) + " log2 above the cohort median"));
      rules.add(new Rule(t.contamination().rule(), List.of(new Check(WARN, size(col("contaminants")).gt(0), msg)),
          col("contaminants").isNotNull()));
    }
    if (t.particleSize().enabled()) {
      double lo = t.particleSize().min();
      double hi = t.particleSize().max();
      Column x = col("particle_size_nm");
      rules.add(new Rule(t.particleSize().rule(), List.of(new Check(WARN, x.lt(lo).or(x.gt(hi)),
          format_string("particle_size_nm %.1f outside " + QcThresholds.fmt(lo) + "-" + QcThresholds.fmt(hi), x))),
          x.isNotNull()));
    }
    if (t.particleConcentration().enabled()) {
      QcThresholds.Concentration c = t.particleConcentration();
      Column x = col("particle_concentration");
      List<Check> checks = new ArrayList<>();
      checks.add(new Check(WARN, x.lt(c.min()).or(x.gt(c.max())), format_string("particle_concentration %.3g outside "
          + QcThresholds.fmt(c.min()) + "-" + QcThresholds.fmt(c.max()) + " per mL", x)));
      if (c.warnIfMissing()) checks.add(new Check(WARN, x.isNull(), lit("particle_concentration missing")));
      rules.add(new Rule(c.rule(), checks, c.warnIfMissing() ? lit(true) : x.isNotNull()));
    }
    return rules;
  }

  /** fail below failBelow; warn from failBelow up to warnBelow (one reason per sample). */
  private static void addFloor(List<Rule> rules, Floor f, String metric, String valueFormat) {
    if (!f.enabled()) return;
    rules.add(new Rule(f.rule(), floorChecks(f, metric, valueFormat, "", lit(true)), col(metric).isNotNull()));
  }

  /** The checks of a floor, each only where {@code applies}; {@code unit} follows the value in the message. */
  private static List<Check> floorChecks(Floor f, String metric, String valueFormat, String unit, Column applies) {
    Column x = col(metric);
    List<Check> checks = new ArrayList<>();
    if (f.failBelow() != null) {
      checks.add(new Check(FAIL, applies.and(x.lt(f.failBelow())),
          format_string(metric + " " + valueFormat + unit + " < " + QcThresholds.fmt(f.failBelow()), x)));
    }
    if (f.warnBelow() != null) {
      Column w = applies.and(x.lt(f.warnBelow()));
      if (f.failBelow() != null) w = w.and(x.geq(f.failBelow()));
      checks.add(new Check(WARN, w,
          format_string(metric + " " + valueFormat + unit + " < " + QcThresholds.fmt(f.warnBelow()), x)));
    }
    return checks;
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
    rules.add(new Rule(c.rule(), checks, x.isNotNull()));
  }
}
