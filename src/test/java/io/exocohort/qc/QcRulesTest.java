package io.exocohort.qc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link SampleQcRules} on in-memory metrics: each rule with a sample that trips it and one at the edge that does
 * not, switched off, and the status precedence.
 */
class QcRulesTest {
  /** The metrics schema {@link SampleQcRules#evaluate} reads (what {@link QcJob} builds before the rules). */
  static final StructType METRICS = new StructType(new StructField[] {
      DataTypes.createStructField("cohort", DataTypes.StringType, false),
      DataTypes.createStructField("sample_id", DataTypes.StringType, false),
      DataTypes.createStructField("batch", DataTypes.StringType, true),
      DataTypes.createStructField("library_size", DataTypes.DoubleType, true),
      DataTypes.createStructField("mirs_detected", DataTypes.IntegerType, true),
      DataTypes.createStructField("top10_fraction", DataTypes.DoubleType, true),
      DataTypes.createStructField("hemolysis_log2_ratio", DataTypes.DoubleType, true),
      DataTypes.createStructField("library_size_robust_z", DataTypes.DoubleType, true),
      DataTypes.createStructField("mirs_detected_robust_z", DataTypes.DoubleType, true),
      DataTypes.createStructField("proteins_quantified", DataTypes.IntegerType, true),
      DataTypes.createStructField("protein_missing_fraction", DataTypes.DoubleType, true),
      DataTypes.createStructField("ev_tetraspanin", DataTypes.BooleanType, true),
      DataTypes.createStructField("ev_cytosolic", DataTypes.BooleanType, true),
      DataTypes.createStructField("contaminants", DataTypes.createArrayType(DataTypes.StringType), true),
      DataTypes.createStructField("particle_size_nm", DataTypes.DoubleType, true),
      DataTypes.createStructField("particle_concentration", DataTypes.DoubleType, true)});

  /** A sample that passes every rule. */
  static Map<String, Object> clean(String id) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cohort", "c1");
    m.put("sample_id", id);
    m.put("batch", "B1");
    m.put("library_size", 2.0e6);
    m.put("mirs_detected", 500);
    m.put("top10_fraction", 0.6);
    m.put("hemolysis_log2_ratio", 3.0);
    m.put("library_size_robust_z", 0.5);
    m.put("mirs_detected_robust_z", -0.5);
    m.put("proteins_quantified", 120);
    m.put("protein_missing_fraction", 0.1);
    m.put("ev_tetraspanin", true);
    m.put("ev_cytosolic", true);
    m.put("contaminants", List.of());
    m.put("particle_size_nm", 100.0);
    m.put("particle_concentration", 1.0e10);
    return m;
  }

  static Row row(Map<String, Object> m) {
    Object[] v = new Object[METRICS.size()];
    for (int i = 0; i < v.length; i++) {
      Object o = m.get(METRICS.fields()[i].name());
      v[i] = o instanceof List<?> l ? scala.jdk.javaapi.CollectionConverters.asScala(l).toSeq() : o;
    }
    return RowFactory.create(v);
  }

  /** sample_id -> (status, reasons) after the rules. */
  static Map<String, Map.Entry<String, List<String>>> evaluate(SparkSession spark, QcThresholds t,
      List<Map<String, Object>> samples) {
    List<Row> rows = samples.stream().map(QcRulesTest::row).toList();
    Dataset<Row> out = SampleQcRules.evaluate(spark.createDataFrame(rows, METRICS), t);
    Map<String, Map.Entry<String, List<String>>> m = new HashMap<>();
    for (Row r : out.select("sample_id", "status", "reasons").collectAsList()) {
      m.put(r.getString(0), Map.entry(r.getString(1), r.getList(2)));
    }
    return m;
  }

  static QcThresholds with(String... kv) {
    Properties p = QcThresholds.defaultProperties();
    for (int i = 0; i < kv.length; i += 2) p.setProperty(kv[i], kv[i + 1]);
    return QcThresholds.parse(p, "test");
  }

  /** rule, metric, value, expected status ("pass" = the value does not trip the rule), expected reason. */
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("mirna.library_size", "library_size", 32145.0, "fail", "library_size 32145 < 100000 (fail)"),
        Arguments.of("mirna.library_size", "library_size", 200000.0, "warn", "library_size 200000 < 250000 (warn)"),
        Arguments.of("mirna.library_size", "library_size", 100000.0, "warn", "library_size 100000 < 250000 (warn)"),
        Arguments.of("mirna.library_size", "library_size", 250000.0, "pass", null),
        Arguments.of("mirna.detected", "mirs_detected", 57, "warn", "mirs_detected 57 < 100 (warn)"),
        Arguments.of("mirna.detected", "mirs_detected", 100, "pass", null),
        Arguments.of("mirna.top10_fraction", "top10_fraction", 0.953, "warn", "top10_fraction 0.953 > 0.9 (warn)"),
        Arguments.of("mirna.top10_fraction", "top10_fraction", 0.9, "pass", null),
        Arguments.of("mirna.hemolysis", "hemolysis_log2_ratio", 7.39, "fail", "hemolysis_log2_ratio 7.39 > 7 (fail)"),
        Arguments.of("mirna.hemolysis", "hemolysis_log2_ratio", 6.2, "warn", "hemolysis_log2_ratio 6.20 > 6 (warn)"),
        Arguments.of("mirna.hemolysis", "hemolysis_log2_ratio", 6.0, "pass", null),
        Arguments.of("mirna.outlier", "library_size_robust_z", -4.2, "warn",
            "library_size_robust_z -4.20 (|z| > 3.5) (warn)"),
        Arguments.of("mirna.outlier", "mirs_detected_robust_z", 5.1, "warn",
            "mirs_detected_robust_z 5.10 (|z| > 3.5) (warn)"),
        Arguments.of("mirna.outlier", "library_size_robust_z", 3.5, "pass", null),
        Arguments.of("mirna.outlier", "mirs_detected_robust_z", -3.49, "pass", null),
        Arguments.of("protein.quantified", "proteins_quantified", 4, "warn", "proteins_quantified 4 < 10 (warn)"),
        Arguments.of("protein.quantified", "proteins_quantified", 10, "pass", null),
        Arguments.of("protein.missing", "protein_missing_fraction", 0.62, "warn",
            "protein_missing_fraction 0.62 > 0.5 (warn)"),
        Arguments.of("protein.missing", "protein_missing_fraction", 0.85, "fail",
            "protein_missing_fraction 0.85 > 0.8 (fail)"),
        Arguments.of("protein.missing", "protein_missing_fraction", 0.5, "pass", null),
        Arguments.of("protein.ev_identity", "ev_tetraspanin", false, "fail",
            "ev_identity: no tetraspanin (CD9/CD63/CD81) detected (fail)"),
        Arguments.of("protein.ev_identity", "ev_cytosolic", false, "fail",
            "ev_identity: no cytosolic marker (TSG101/PDCD6IP/SDCBP) detected (fail)"),
        Arguments.of("protein.contamination", "contaminants", List.of("ALB", "APOB"), "warn",
            "contaminants ALB, APOB > 2 log2 above the cohort median (warn)"),
        Arguments.of("protein.contamination", "contaminants", List.of(), "pass", null),
        Arguments.of("vesicles.particle_size", "particle_size_nm", 209.6, "warn",
            "particle_size_nm 209.6 outside 40-150 (warn)"),
        Arguments.of("vesicles.particle_size", "particle_size_nm", 35.0, "warn",
            "particle_size_nm 35.0 outside 40-150 (warn)"),
        Arguments.of("vesicles.particle_size", "particle_size_nm", 150.0, "pass", null),
        Arguments.of("vesicles.particle_size", "particle_size_nm", null, "pass", null),
        Arguments.of("vesicles.particle_concentration", "particle_concentration", 5.0e6, "warn",
            "particle_concentration 5.00e+06 outside 1e7-1e13 per mL (warn)"),
        Arguments.of("vesicles.particle_concentration", "particle_concentration", 2.0e13, "warn",
            "particle_concentration 2.00e+13 outside 1e7-1e13 per mL (warn)"),
        Arguments.of("vesicles.particle_concentration", "particle_concentration", null, "warn",
            "particle_concentration missing (warn)"),
        Arguments.of("vesicles.particle_concentration", "particle_concentration", 1.0e13, "pass", null));
  }

  /**
   * The cases' samples are evaluated together (one Spark job for the defaults, one per switched-off rule) and the
   * results kept, so that each case below only looks its sample up.
   */
  private static final Map<String, Map<String, Map.Entry<String, List<String>>>> RESULTS = new HashMap<>();

  static String caseId(String rule, String metric, Object value) {
    return rule + "|" + metric + "|" + value;
  }

  static synchronized Map.Entry<String, List<String>> result(SparkSession spark, String switchedOff, String id) {
    return RESULTS.computeIfAbsent(switchedOff, off -> {
      List<Map<String, Object>> samples = new ArrayList<>();
      cases().forEach(a -> {
        Object[] v = a.get();
        if (off.isEmpty() || off.equals(v[0])) {
          Map<String, Object> s = clean(caseId((String) v[0], (String) v[1], v[2]));
          s.put((String) v[1], v[2]);
          samples.add(s);
        }
      });
      samples.add(clean("clean"));
      return evaluate(spark, off.isEmpty() ? QcThresholds.defaults() : with("qc." + off + ".enabled", "false"),
          samples);
    }).get(id);
  }

  @ParameterizedTest(name = "{0}: {1} = {2} -> {3}")
  @MethodSource("cases")
  void eachRuleTripsOnlyWhereItShould(String rule, String metric, Object value, String status, String reason,
      SparkSession spark) {
    String id = caseId(rule, metric, value);
    Map.Entry<String, List<String>> got = result(spark, "", id);
    assertEquals(status, got.getKey());
    assertEquals(reason == null ? List.of() : List.of(reason), got.getValue());
    assertEquals(Map.entry("pass", List.of()), result(spark, "", "clean"));

    // Switched off, the rule says nothing.
    assertEquals(Map.entry("pass", List.of()), result(spark, rule, id), rule + " switched off");
  }

  @Test
  void theWarnLevelOfAFloorOrCeilingIsOptionalAndAFailLevelCanBeAdded(SparkSession spark) {
    Map<String, Object> s = clean("s");
    s.put("top10_fraction", 0.97);
    s.put("library_size", 200000.0);
    QcThresholds t = with("qc.mirna.top10_fraction.fail_above", "0.95", "qc.mirna.library_size.warn_below", "");
    assertEquals(Map.entry("fail", List.of("top10_fraction 0.970 > 0.95 (fail)")),
        evaluate(spark, t, List.of(s)).get("s"));
  }

  @Test
  void statusIsFailIfAnyRuleFailedElseWarnIfAnyWarnedElsePass(SparkSession spark) {
    Map<String, Object> failWarn = clean("fail+warn");
    failWarn.put("library_size", 50000.0);
    failWarn.put("particle_size_nm", 300.0);
    Map<String, Object> twoWarns = clean("warn+warn");
    twoWarns.put("top10_fraction", 0.95);
    twoWarns.put("contaminants", List.of("CANX"));
    Map<String, Object> bothEv = clean("no-ev");
    bothEv.put("ev_tetraspanin", false);
    bothEv.put("ev_cytosolic", false);
    var got = evaluate(spark, QcThresholds.defaults(), List.of(failWarn, twoWarns, bothEv, clean("ok")));
    assertEquals(Map.entry("fail", List.of("library_size 50000 < 100000 (fail)",
        "particle_size_nm 300.0 outside 40-150 (warn)")), got.get("fail+warn"));
    assertEquals(Map.entry("warn", List.of("top10_fraction 0.950 > 0.9 (warn)",
        "contaminants CANX > 2 log2 above the cohort median (warn)")), got.get("warn+warn"));
    assertEquals(Map.entry("fail", List.of("ev_identity: no tetraspanin (CD9/CD63/CD81) and no cytosolic marker "
        + "(TSG101/PDCD6IP/SDCBP) detected (fail)")), got.get("no-ev"));
    assertEquals(Map.entry("pass", List.of()), got.get("ok"));
  }

  @Test
  void aSampleWithoutMirOrProteinDataGetsNoMirOrProteinRule(SparkSession spark) {
    Map<String, Object> s = clean("vesicles-only");
    for (String m : List.of("library_size", "mirs_detected", "top10_fraction", "hemolysis_log2_ratio",
        "library_size_robust_z", "mirs_detected_robust_z", "proteins_quantified", "protein_missing_fraction",
        "ev_tetraspanin", "ev_cytosolic", "contaminants")) {
      s.put(m, null);
    }
    assertEquals(Map.entry("pass", List.of()),
        evaluate(spark, QcThresholds.defaults(), List.of(s)).get("vesicles-only"));
  }

  @Test
  void everyRuleOffPassesEverything(SparkSession spark) {
    List<String> kv = new ArrayList<>();
    for (String r : QcThresholds.RULES) {
      kv.add("qc." + r + ".enabled");
      kv.add("false");
    }
    QcThresholds t = with(kv.toArray(new String[0]));
    Map<String, Object> s = clean("bad");
    s.put("library_size", 10.0);
    s.put("ev_tetraspanin", false);
    s.put("particle_concentration", null);
    assertEquals(Map.entry("pass", List.of()), evaluate(spark, t, List.of(s)).get("bad"));
    assertTrue(SampleQcRules.rules(t).isEmpty());
  }

  @Test
  void perRuleSummaryCountsWarnAndFail(SparkSession spark) {
    Map<String, Object> a = clean("a");
    a.put("library_size", 50000.0);
    Map<String, Object> b = clean("b");
    b.put("library_size", 200000.0);
    Map<String, Object> c = clean("c");
    c.put("cohort", "c2");
    List<Row> rows = List.of(row(a), row(b), row(c), row(clean("d")));
    QcThresholds t = QcThresholds.defaults();
    List<QcSummary.CohortSummary> s = QcSummary.of(SampleQcRules.evaluate(spark.createDataFrame(rows, METRICS), t), t);
    assertEquals(2, s.size());
    QcSummary.CohortSummary c1 = s.get(0);
    assertEquals("c1", c1.cohort());
    assertEquals(List.of(3L, 1L, 1L, 1L), List.of(c1.samples(), c1.pass(), c1.warn(), c1.fail()));
    assertEquals(new QcSummary.RuleCount(1, 1), c1.rules().get("mirna.library_size"));
    assertEquals(new QcSummary.RuleCount(0, 0), c1.rules().get("mirna.hemolysis"));
    assertEquals(QcThresholds.RULES, List.copyOf(c1.rules().keySet()));
    QcSummary.CohortSummary c2 = s.get(1);
    assertEquals(List.of(1L, 1L, 0L, 0L), List.of(c2.samples(), c2.pass(), c2.warn(), c2.fail()));
    String text = QcSummary.format("qc-x", s, t);
    assertTrue(text.contains("cohort c1: 3 samples: 1 pass, 1 warn, 1 fail"), text);
    assertNull(s.get(0).rules().get("no.such.rule"));
  }
}
