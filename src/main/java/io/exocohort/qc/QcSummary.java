package io.exocohort.qc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a qc run found, per cohort: samples by status and, per enabled rule, how many samples it flagged (warn /
 * fail). Computed by one aggregation over the evaluated samples; the driver holds cohorts x rules counts.
 */
public final class QcSummary {
  private QcSummary() {}

  /** Samples a rule flagged. */
  public record RuleCount(long warn, long fail) {
    public long flagged() {
      return warn + fail;
    }
  }

  /** One cohort's counts; {@code rules} in evaluation order (enabled rules only). */
  public record CohortSummary(String cohort, long samples, long pass, long warn, long fail,
      Map<String, RuleCount> rules) {}

  /** Summaries of the output of {@link SampleQcRules#evaluate}, sorted by cohort. */
  public static List<CohortSummary> of(Dataset<Row> evaluated, QcThresholds t) {
    List<String> rules = new ArrayList<>();
    for (SampleQcRules.Rule r : SampleQcRules.rules(t)) rules.add(r.name());
    List<Column> aggs = new ArrayList<>();
    for (String s : List.of(SampleQcRules.PASS, SampleQcRules.WARN, SampleQcRules.FAIL)) {
      aggs.add(count(when(col("status").equalTo(s), lit(1))));
    }
    for (String r : rules) {
      Column flag = col(SampleQcRules.flagColumn(r));
      aggs.add(count(when(flag.equalTo(SampleQcRules.WARN), lit(1))));
      aggs.add(count(when(flag.equalTo(SampleQcRules.FAIL), lit(1))));
    }
    List<CohortSummary> out = new ArrayList<>();
    for (Row row : evaluated.groupBy("cohort").agg(count(lit(1)), aggs.toArray(new Column[0]))
        .orderBy("cohort").collectAsList()) {
      Map<String, RuleCount> m = new LinkedHashMap<>();
      for (int i = 0; i < rules.size(); i++) {
        m.put(rules.get(i), new RuleCount(row.getLong(5 + 2 * i), row.getLong(6 + 2 * i)));
      }
      out.add(new CohortSummary(row.getString(0), row.getLong(1), row.getLong(2), row.getLong(3), row.getLong(4), m));
    }
    return out;
  }

  /** The printed summary: one block per cohort, one line per enabled rule. */
  public static String format(String runId, List<CohortSummary> cohorts, QcThresholds t) {
    StringBuilder sb = new StringBuilder();
    long total = cohorts.stream().mapToLong(CohortSummary::samples).sum();
    sb.append(String.format("qc %s: %d samples in %d cohort(s); thresholds: %s%n", runId, total, cohorts.size(),
        t.source()));
    for (CohortSummary c : cohorts) {
      sb.append(String.format("  cohort %s: %d samples: %d pass, %d warn, %d fail%n", c.cohort(), c.samples(),
          c.pass(), c.warn(), c.fail()));
      sb.append(String.format("    %-34s %8s %8s%n", "rule", "warn", "fail"));
      c.rules().forEach((rule, n) -> sb.append(String.format("    %-34s %8d %8d%n", rule, n.warn(), n.fail())));
    }
    List<String> off = new ArrayList<>();
    for (String r : QcThresholds.RULES) if (!t.enabled(r)) off.add(r);
    if (!off.isEmpty()) sb.append("  rules switched off: ").append(String.join(", ", off)).append('\n');
    return sb.toString();
  }
}
