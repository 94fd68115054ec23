package io.exocohort.qc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a qc run found, per cohort: samples by status and, per enabled rule, how many samples it flagged (warn /
 * fail) and how many it could not assess; the rules that look mis-calibrated for a cohort. Computed by one
 * aggregation over the evaluated samples; the driver holds cohorts x rules counts.
 */
public final class QcSummary {
  private QcSummary() {}

  /** Samples a rule flagged, and samples it could not assess (its input absent). */
  public record RuleCount(long warn, long fail, long notAssessed) {
    public long flagged() {
      return warn + fail;
    }
  }

  /**
   * One cohort's counts; {@code rules} in evaluation order (enabled rules only); {@code nothingAssessed}: samples
   * no rule could assess (warn); {@code countUnit}: the unit the library size was judged in (null: no miR data),
   * {@code unitSource} where it came from.
   */
  public record CohortSummary(String cohort, long samples, long pass, long warn, long fail,
      Map<String, RuleCount> rules, long nothingAssessed, String countUnit, String unitSource) {
    /** With the count unit the run used for this cohort. */
    public CohortSummary withUnit(String unit, String source) {
      return new CohortSummary(cohort, samples, pass, warn, fail, rules, nothingAssessed, unit, source);
    }
  }

  /** A rule that flagged nearly every sample it assessed in a cohort (see {@link QcThresholds.Miscalibration}). */
  public record Miscalibrated(String cohort, String rule, long flagged, long assessed, String thresholds,
      String basis) {
    /** The summary line: rule, share flagged, thresholds, what they rest on and the file they come from. */
    public String line(QcThresholds t) {
      return String.format(Locale.ROOT, "rule %s flagged %d of %d assessed samples of cohort %s (%.0f%% > %s%%): "
          + "likely mis-calibrated for this cohort; thresholds %s (basis: %s) from %s", rule, flagged, assessed,
          cohort, 100.0 * flagged / assessed, QcThresholds.fmt(100 * t.miscalibration().flaggedAbove()), thresholds,
          basis, t.source());
    }
  }

  /** What each rule's default thresholds rest on, in short (the comments of conf/qc.properties say it in full). */
  static final Map<String, String> BASIS = Map.ofEntries(
      Map.entry(QcThresholds.LIBRARY_SIZE, "reads: exRNA Atlas minimum of 100,000 reads (Rozowsky et al. 2019), "
          + "warn level a local choice; umi: a convention, the read minimum at 4 reads per UMI"),
      Map.entry(QcThresholds.MIRS_DETECTED, "a local choice for serum / plasma EV small-RNA sequencing"),
      Map.entry(QcThresholds.TOP10_FRACTION, "a local choice for serum / plasma EV small-RNA sequencing"),
      Map.entry(QcThresholds.HEMOLYSIS, "the qPCR delta-Cq cut-off of Blondal et al. 2013 applied to sequencing "
          + "counts; ligation bias shifts the ratio between library kits"),
      Map.entry(QcThresholds.OUTLIER, "modified z-score |M| > 3.5 (Iglewicz & Hoaglin 1993)"),
      Map.entry(QcThresholds.PROTEINS_QUANTIFIED, "a local choice (MISEV2018 marker counts)"),
      Map.entry(QcThresholds.PROTEIN_MISSING, "per-sample use of the 50-70% valid-value filters of Perseus "
          + "(Tyanova et al. 2016)"),
      Map.entry(QcThresholds.EV_IDENTITY, "MISEV2018 categories 1 and 2 (Thery et al. 2018): check that the "
          + "markers are in the panel and named as symbols or UniProt identifiers"),
      Map.entry(QcThresholds.CONTAMINATION, "MISEV2018 categories 3 and 4; four-fold above the cohort median is a "
          + "local choice"),
      Map.entry(QcThresholds.PARTICLE_SIZE, "small-EV size range (MISEV2018; Kalluri & LeBleu 2020)"),
      Map.entry(QcThresholds.PARTICLE_CONCENTRATION, "NTA range of plasma / serum EV preparations (Johnsen et al. "
          + "2019)"));

  /** Summaries of the output of {@link SampleQcRules#evaluate}, sorted by cohort. */
  public static List<CohortSummary> of(Dataset<Row> evaluated, QcThresholds t) {
    List<String> rules = new ArrayList<>();
    for (SampleQcRules.Rule r : SampleQcRules.rules(t)) rules.add(r.name());
    List<Column> aggs = new ArrayList<>();
    for (String s : List.of(SampleQcRules.PASS, SampleQcRules.WARN, SampleQcRules.FAIL)) {
      aggs.add(count(when(col("status").equalTo(s), lit(1))));
    }
    aggs.add(count(when(org.apache.spark.sql.functions.array_contains(col("reasons"), SampleQcRules.NOTHING_ASSESSED),
        lit(1))));
    for (String r : rules) {
      Column flag = col(SampleQcRules.flagColumn(r));
      aggs.add(count(when(flag.equalTo(SampleQcRules.WARN), lit(1))));
      aggs.add(count(when(flag.equalTo(SampleQcRules.FAIL), lit(1))));
      aggs.add(count(when(flag.equalTo(SampleQcRules.NOT_ASSESSED), lit(1))));
    }
    List<CohortSummary> out = new ArrayList<>();
    for (Row row : evaluated.groupBy("cohort").agg(count(lit(1)), aggs.toArray(new Column[0]))
        .orderBy("cohort").collectAsList()) {
      Map<String, RuleCount> m = new LinkedHashMap<>();
      for (int i = 0; i < rules.size(); i++) {
        m.put(rules.get(i), new RuleCount(row.getLong(6 + 3 * i), row.getLong(7 + 3 * i), row.getLong(8 + 3 * i)));
      }
      out.add(new CohortSummary(row.getString(0), row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), m,
          row.getLong(5), null, null));
    }
    return out;
  }

  /** The rules that flagged more than {@code qc.miscalibration.flagged_above} of the samples they assessed. */
  public static List<Miscalibrated> miscalibrated(List<CohortSummary> cohorts, QcThresholds t) {
    List<Miscalibrated> out = new ArrayList<>();
    for (CohortSummary c : cohorts) {
      c.rules().forEach((rule, n) -> {
        long assessed = c.samples() - n.notAssessed();
        if (t.miscalibration().applies(n.flagged(), assessed)) {
          out.add(new Miscalibrated(c.cohort(), rule, n.flagged(), assessed, thresholds(t, rule, c.countUnit()),
              BASIS.getOrDefault(rule, "see the thresholds file")));
        }
      });
    }
    return out;
  }

  /** A rule's threshold keys with their values (for the library size: those of the cohort's count unit). */
  static String thresholds(QcThresholds t, String rule, String unit) {
    String prefix = "qc." + rule + ".";
    if (rule.equals(QcThresholds.LIBRARY_SIZE)) {
      prefix += QcThresholds.UMI.equals(unit) ? QcThresholds.UMI + "." : "";
    }
    List<String> kv = new ArrayList<>();
    for (Map.Entry<String, String> e : t.parameters().entrySet()) {
      String k = e.getKey();
      if (!k.startsWith(prefix) || k.endsWith(".enabled") || e.getValue().isEmpty()) continue;
      if (rule.equals(QcThresholds.LIBRARY_SIZE) && k.substring(prefix.length()).contains(".")) continue;
      kv.add(k + "=" + e.getValue());
    }
    String text = String.join(", ", kv);
    if (rule.equals(QcThresholds.LIBRARY_SIZE)) text += " (" + (unit == null ? QcThresholds.READS : unit) + " counts)";
    return text;
  }

  /** The printed summary: one block per cohort, one line per enabled rule, then the mis-calibrated rules. */
  public static String format(String runId, List<CohortSummary> cohorts, QcThresholds t) {
    StringBuilder sb = new StringBuilder();
    long total = cohorts.stream().mapToLong(CohortSummary::samples).sum();
    sb.append(String.format("qc %s: %d samples in %d cohort(s); thresholds: %s%n", runId, total, cohorts.size(),
        t.source()));
    for (CohortSummary c : cohorts) {
      sb.append(String.format("  cohort %s: %d samples: %d pass, %d warn, %d fail%n", c.cohort(), c.samples(),
          c.pass(), c.warn(), c.fail()));
      if (c.countUnit() != null) {
        sb.append(String.format("    count unit: %s (%s)%n", c.countUnit(), c.unitSource()));
      }
      sb.append(String.format("    %-34s %8s %8s %13s%n", "rule", "warn", "fail", "not assessed"));
      c.rules().forEach((rule, n) -> sb.append(String.format("    %-34s %8d %8d %13d%n", rule, n.warn(), n.fail(),
          n.notAssessed())));
      if (c.nothingAssessed() > 0) {
        sb.append(String.format("    %d sample(s) with no rule assessed (warn)%n", c.nothingAssessed()));
      }
    }
    List<String> off = new ArrayList<>();
    for (String r : QcThresholds.RULES) if (!t.enabled(r)) off.add(r);
    if (!off.isEmpty()) sb.append("  rules switched off: ").append(String.join(", ", off)).append('\n');
    for (Miscalibrated m : miscalibrated(cohorts, t)) sb.append("  ").append(m.line(t)).append('\n');
    return sb.toString();
  }
}
