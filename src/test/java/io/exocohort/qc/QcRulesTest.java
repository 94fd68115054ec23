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
      DataTypes.createStructField("particle_concentration", DataTypes.DoubleType, true),
      DataTypes.createStructField("count_unit", DataTypes.StringType, true)});

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
    m.put("count_unit", "reads");
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
        Arguments.of("vesicles.particle_concentration", "particle_concentration", null, "pass", null),
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

  static final List<String> MIR_AND_PROTEIN_METRICS = List.of("library_size", "mirs_detected", "top10_fraction",
      "hemolysis_log2_ratio", "library_size_robust_z", "mirs_detected_robust_z", "proteins_quantified",
      "protein_missing_fraction", "ev_tetraspanin", "ev_cytosolic", "contaminants");

  /** sample_id -> not_assessed after the rules. */
  static Map<String, List<String>> notAssessed(SparkSession spark, QcThresholds t, List<Map<String, Object>> samples) {
    Dataset<Row> out = SampleQcRules.evaluate(spark.createDataFrame(samples.stream().map(QcRulesTest::row).toList(),
        METRICS), t);
    Map<String, List<String>> m = new HashMap<>();
    for (Row r : out.select("sample_id", "not_assessed").collectAsList()) m.put(r.getString(0), r.getList(1));
    return m;
  }

  @Test
  void aSampleWithoutMirOrProteinDataGetsNoMirOrProteinRule(SparkSession spark) {
    Map<String, Object> s = clean("vesicles-only");
    for (String m : MIR_AND_PROTEIN_METRICS) s.put(m, null);
    assertEquals(Map.entry("pass", List.of()),
        evaluate(spark, QcThresholds.defaults(), List.of(s)).get("vesicles-only"));
    List<String> na = new ArrayList<>(QcThresholds.RULES);
    na.removeAll(List.of("vesicles.particle_size", "vesicles.particle_concentration"));
    assertEquals(na, notAssessed(spark, QcThresholds.defaults(), List.of(s)).get("vesicles-only"));
  }

  /** Absent inputs are "not assessed", never a warning: each rule with its input removed from a clean sample. */
  @Test
  void aRuleWhoseInputIsAbsentIsNotAssessedAndDoesNotWarn(SparkSession spark) {
    Map<String, List<String>> inputs = new LinkedHashMap<>();
    inputs.put("mirna.library_size", List.of("library_size"));
    inputs.put("mirna.detected", List.of("mirs_detected"));
    inputs.put("mirna.top10_fraction", List.of("top10_fraction"));
    inputs.put("mirna.hemolysis", List.of("hemolysis_log2_ratio"));
    inputs.put("mirna.outlier", List.of("library_size_robust_z", "mirs_detected_robust_z"));
    inputs.put("protein.quantified", List.of("proteins_quantified"));
    inputs.put("protein.missing", List.of("protein_missing_fraction"));
    inputs.put("protein.ev_identity", List.of("ev_tetraspanin", "ev_cytosolic"));
    inputs.put("protein.contamination", List.of("contaminants"));
    inputs.put("vesicles.particle_size", List.of("particle_size_nm"));
    inputs.put("vesicles.particle_concentration", List.of("particle_concentration"));
    assertEquals(QcThresholds.RULES, List.copyOf(inputs.keySet()));
    List<Map<String, Object>> samples = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
      Map<String, Object> s = clean(e.getKey());
      for (String m : e.getValue()) s.put(m, null);
      samples.add(s);
    }
    samples.add(clean("clean"));
    var status = evaluate(spark, QcThresholds.defaults(), samples);
    var na = notAssessed(spark, QcThresholds.defaults(), samples);
    for (String rule : inputs.keySet()) {
      assertEquals(Map.entry("pass", List.of()), status.get(rule), rule);
      assertEquals(List.of(rule), na.get(rule), rule);
    }
    assertEquals(List.of(), na.get("clean"));

    // warn_if_missing restores the old behaviour for the concentration: assessed, and a warning.
    QcThresholds strict = with("qc.vesicles.particle_concentration.warn_if_missing", "true");
    assertEquals(Map.entry("warn", List.of("particle_concentration missing (warn)")),
        evaluate(spark, strict, samples).get("vesicles.particle_concentration"));
    assertEquals(List.of(), notAssessed(spark, strict, samples).get("vesicles.particle_concentration"));
  }

  /** A sample no enabled rule can assess is warn, with one reason saying so (status stays in pass/warn/fail). */
  @Test
  void aSampleWithNothingAssessedIsWarn(SparkSession spark) {
    Map<String, Object> s = clean("empty");
    for (String m : MIR_AND_PROTEIN_METRICS) s.put(m, null);
    s.put("particle_size_nm", null);
    s.put("particle_concentration", null);
    assertEquals(Map.entry("warn", List.of(SampleQcRules.NOTHING_ASSESSED)),
        evaluate(spark, QcThresholds.defaults(), List.of(s)).get("empty"));
    assertEquals(QcThresholds.RULES, notAssessed(spark, QcThresholds.defaults(), List.of(s)).get("empty"));
    List<QcSummary.CohortSummary> sum = QcSummary.of(SampleQcRules.evaluate(spark.createDataFrame(
        List.of(row(s), row(clean("ok"))), METRICS), QcThresholds.defaults()), QcThresholds.defaults());
    assertEquals(1L, sum.get(0).nothingAssessed());
    assertEquals(List.of(1L, 1L, 0L), List.of(sum.get(0).pass(), sum.get(0).warn(), sum.get(0).fail()));
  }

  /** The library size is judged by the thresholds of the sample's count unit (null = reads). */
  @Test
  void libraryThresholdsFollowTheCountUnit(SparkSession spark) {
    List<Map<String, Object>> samples = new ArrayList<>();
    Object[][] cases = {{"reads-36k", "reads", 36280.0}, {"umi-36k", "umi", 36280.0}, {"umi-20k", "umi", 20000.0},
        {"umi-25k", "umi", 25000.0}, {"null-36k", null, 36280.0}, {"umi-200k", "umi", 200000.0}};
    for (Object[] c : cases) {
      Map<String, Object> s = clean((String) c[0]);
      s.put("count_unit", c[1]);
      s.put("library_size", c[2]);
      samples.add(s);
    }
    var got = evaluate(spark, QcThresholds.defaults(), samples);
    assertEquals(Map.entry("fail", List.of("library_size 36280 < 100000 (fail)")), got.get("reads-36k"));
    assertEquals(Map.entry("fail", List.of("library_size 36280 < 100000 (fail)")), got.get("null-36k"));
    assertEquals(Map.entry("pass", List.of()), got.get("umi-36k"));
    assertEquals(Map.entry("fail", List.of("library_size 20000 UMIs < 25000 (fail)")), got.get("umi-20k"));
    assertEquals(Map.entry("pass", List.of()), got.get("umi-25k"), "exactly at the level does not trip it");
    assertEquals(Map.entry("pass", List.of()), got.get("umi-200k"), "no UMI warn level by default");
    var warnUmi = evaluate(spark, with("qc.mirna.library_size.umi.warn_below", "50000"), samples);
    assertEquals(Map.entry("warn", List.of("library_size 36280 UMIs < 50000 (warn)")), warnUmi.get("umi-36k"));
    assertEquals(Map.entry("fail", List.of("library_size 36280 < 100000 (fail)")), warnUmi.get("reads-36k"));
  }

  /** More than 90% of the assessed samples (of at least 10) flagged: the rule is named as likely mis-calibrated. */
  @Test
  void aRuleFlaggingNearlyEverySampleIsCalledMiscalibrated(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    // c1: 10 of 11 samples with haemolysis 6.5 (warn): 90.9% > 90%; c2: 9 of 10 (90%, not above); c3: 5 of 5
    // (too few assessed); c4: 11 of 12 with a low library, but 2 without miR data: 10 of 10 assessed.
    for (int i = 0; i < 11; i++) {
      Map<String, Object> s = clean("a" + i);
      if (i < 10) s.put("hemolysis_log2_ratio", 6.5);
      rows.add(row(s));
    }
    for (int i = 0; i < 10; i++) {
      Map<String, Object> s = clean("b" + i);
      s.put("cohort", "c2");
      if (i < 9) s.put("hemolysis_log2_ratio", 6.5);
      rows.add(row(s));
    }
    for (int i = 0; i < 5; i++) {
      Map<String, Object> s = clean("c" + i);
      s.put("cohort", "c3");
      s.put("hemolysis_log2_ratio", 7.5);
      rows.add(row(s));
    }
    for (int i = 0; i < 12; i++) {
      Map<String, Object> s = clean("d" + i);
      s.put("cohort", "c4");
      if (i < 2) {
        for (String m : MIR_AND_PROTEIN_METRICS) s.put(m, null);
      } else {
        s.put("library_size", 50000.0);
      }
      rows.add(row(s));
    }
    QcThresholds t = QcThresholds.defaults();
    List<QcSummary.CohortSummary> s = QcSummary.of(SampleQcRules.evaluate(spark.createDataFrame(rows, METRICS), t), t);
    assertEquals(new QcSummary.RuleCount(0, 10, 2), s.get(3).rules().get("mirna.library_size"));
    List<QcSummary.Miscalibrated> mis = QcSummary.miscalibrated(s, t);
    assertEquals(List.of("c1 mirna.hemolysis 10/11", "c4 mirna.library_size 10/10"),
        mis.stream().map(m -> m.cohort() + " " + m.rule() + " " + m.flagged() + "/" + m.assessed()).toList());
    String line = mis.get(0).line(t);
    assertEquals("rule mirna.hemolysis flagged 10 of 11 assessed samples of cohort c1 (91% > 90%): likely "
        + "mis-calibrated for this cohort; thresholds qc.mirna.hemolysis.fail_above=7, "
        + "qc.mirna.hemolysis.warn_above=6 (basis: " + QcSummary.BASIS.get("mirna.hemolysis") + ") from "
        + QcThresholds.BUILT_IN, line);
    assertTrue(mis.get(1).thresholds().equals("qc.mirna.library_size.fail_below=100000, "
        + "qc.mirna.library_size.warn_below=250000 (reads counts)"), mis.get(1).thresholds());
    String text = QcSummary.format("qc-x", s, t);
    assertTrue(text.contains("\n  " + line + "\n"), text);
    assertTrue(text.matches("(?s).*\\n    mirna\\.library_size\\s+0\\s+10\\s+2\\n.*"), text);

    // The fraction and the minimum are keys of qc.properties.
    QcThresholds lax = with("qc.miscalibration.flagged_above", "0.95", "qc.miscalibration.min_assessed", "3");
    assertEquals(List.of("c3 mirna.hemolysis", "c4 mirna.library_size"), QcSummary.miscalibrated(
        QcSummary.of(SampleQcRules.evaluate(spark.createDataFrame(rows, METRICS), lax), lax), lax).stream()
        .map(m -> m.cohort() + " " + m.rule()).toList());
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
    assertEquals(new QcSummary.RuleCount(1, 1, 0), c1.rules().get("mirna.library_size"));
    assertEquals(new QcSummary.RuleCount(0, 0, 0), c1.rules().get("mirna.hemolysis"));
    assertEquals(QcThresholds.RULES, List.copyOf(c1.rules().keySet()));
    QcSummary.CohortSummary c2 = s.get(1);
    assertEquals(List.of(1L, 1L, 0L, 0L), List.of(c2.samples(), c2.pass(), c2.warn(), c2.fail()));
    String text = QcSummary.format("qc-x", s, t);
    assertTrue(text.contains("cohort c1: 3 samples: 1 pass, 1 warn, 1 fail"), text);
    assertNull(s.get(0).rules().get("no.such.rule"));
  }
}
