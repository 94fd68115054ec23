package io.exocohort.deconv;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.TestLakes;
import io.exocohort.model.ModelGolden;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19 end to end through the command line on real Delta tables: exosomePurity's real data (its 25 cancer
 * cell-line and 31 healthy-cell EV libraries as a reference, loaded with {@code ingest --reference}; its 38
 * colorectal-cancer serum EV libraries as a cohort) through {@code signature} and {@code deconvolve}, against R
 * (preprocessCore and quadprog, src/test/resources/golden/deconv/make_golden.R):
 * <ul>
 *   <li>with the published 48-miR signature ({@code signature --features}) the fractions equal quadprog's within 1e-6;
 *   <li>the derived signature ({@code signature --case cancer_cell --control healthy_cell}) is edgeR/limma's 39 miRs,
 *       and its fractions equal quadprog's with that signature;</li>
 *   <li>known mixtures of held-out reference profiles, with Poisson sequencing noise, are recovered;</li>
 *   <li>bad input (a signature miR a cohort lacks, a reference group of one profile, a constant profile) is one
 *       line, exit 2, nothing written.</li>
 * </ul>
 * The sera are loaded from the method's CPM file as it is delivered (ingest keeps fractional values). The reference
 * is loaded twice: from the method's CPM files, which its step 3 reads (the golden fractions), and from its raw count
 * files, which its step 1 reads (the derived signature; deconvolve then computes the CPM from the counts, which
 * differ from the healthy-cell CPM file by up to 5e-7 relative, with other ties, so R's golden for that chain,
 * fractions_derived_counts.csv, does the same).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeconvolveIT {
  @TempDir static Path dir;
  Path lake;
  SparkSession spark;
  List<String> features;
  List<String> refLibs = new ArrayList<>();
  Map<String, String> groupOf = new HashMap<>();

  @BeforeAll
  void lake(SparkSession spark) {
    this.spark = spark;
    lake = dir.resolve("lake");
    ModelGolden s = DeconvGolden.read("exosomepurity_samples.csv");
    for (int i = 0; i < s.rows.size(); i++) groupOf.put(s.strings("sample")[i], s.strings("group")[i]);
    ModelGolden counts = DeconvGolden.read("exosomepurity_counts.csv.gz");
    features = List.of(counts.strings("feature"));
    refLibs.addAll(counts.header.subList(1, counts.header.size()));
    // the reference twice: the 56 cell-line libraries' CPM files as the method's step 3 reads them, and their raw
    // counts as its step 1 reads them (wide, with a manifest of their labels)
    StringBuilder man = new StringBuilder("profile_id,label\n");
    for (String l : refLibs) man.append(l).append(',').append(groupOf.get(l)).append('\n');
    TestLakes.write(dir, "ref/manifest.csv", man.toString());
    TestLakes.write(dir, "ref/counts.csv", wide(counts, refLibs));
    ModelGolden cpm = DeconvGolden.read("exosomepurity_cpm.csv.gz");
    TestLakes.write(dir, "ref/cpm.csv", wide(cpm, refLibs));
    // the sera: CPM as delivered, and a manifest
    List<String> serum = cpm.header.subList(1, cpm.header.size()).stream()
        .filter(l -> groupOf.get(l).equals("serum")).toList();
    StringBuilder sm = new StringBuilder("sample_id,subject_id,cancer_type\n");
    for (String l : serum) sm.append(l).append(",subject-").append(l).append(",colorectal cancer\n");
    TestLakes.write(dir, "serum/manifest.csv", sm.toString());
    TestLakes.write(dir, "serum/cpm.csv", wide(cpm, serum));
    TestLakes.write(dir, "sig48.txt", String.join("\n", DeconvGolden.lines("signature_48_mirs.txt")) + "\n");
    ok(cli("ingest", "--reference", "exosomepurity", "--manifest", dir.resolve("ref/manifest.csv").toString(),
        "--mirna", dir.resolve("ref/cpm.csv").toString()));
    ok(cli("ingest", "--reference", "exosomepurity_counts", "--manifest", dir.resolve("ref/manifest.csv").toString(),
        "--mirna", dir.resolve("ref/counts.csv").toString()));
    ok(cli("ingest", "--cohort", "crc_serum", "--manifest", dir.resolve("serum/manifest.csv").toString(), "--mirna",
        dir.resolve("serum/cpm.csv").toString()));
  }

  @Test
  void givenAndDerivedSignaturesGiveQuadprogsFractionsOnTheRealSera() {
    ok(cli("signature", "--reference", "exosomepurity", "--case", "cancer_cell", "--control", "healthy_cell",
        "--features", dir.resolve("sig48.txt").toString(), "--signature-id", "published48"));
    ok(cli("deconvolve", "--signature", "published48", "--cohort", "crc_serum", "--run-id", "deconv-48"));
    double worst = compare("deconv-48", "fractions.csv", 48);

    String[] derived = ok(cli("signature", "--reference", "exosomepurity_counts", "--case", "cancer_cell", "--control",
        "healthy_cell", "--signature-id", "derived"));
    List<String> want = new ArrayList<>();
    ModelGolden g = DeconvGolden.read("signature_derived.csv");
    for (int i = 0; i < g.rows.size(); i++) if (g.strings("signature")[i].equals("TRUE")) want.add(g.strings("feature")[i]);
    List<Row> rows = spark.read().format("delta").load(lake.resolve("signatures").toString())
        .filter(col("signature_id").equalTo("derived")).orderBy("rank").collectAsList();
    assertEquals(want, rows.stream().map(r -> r.<String>getAs("feature")).toList(), derived[1]);
    assertEquals(List.of("healthy_cell", "cancer_cell"), rows.get(0).getList(rows.get(0).fieldIndex("components")));
    assertEquals("cancer_cell", rows.get(0).getAs("case_label"));
    ok(cli("deconvolve", "--signature", "derived", "--cohort", "crc_serum", "--run-id", "deconv-derived"));
    worst = Math.max(worst, compare("deconv-derived", "fractions_derived_counts.csv", 39));
    System.out.printf("DeconvolveIT: largest difference from quadprog's fractions %.2e%n", worst);

    // the latest run's case fraction is what de and train read
    Map<String, Double> latest = new HashMap<>();
    for (Row r : EvFractions.latest(io.exocohort.catalog.LakeCatalog.open(spark, lake.toString(), "exocohort"),
        List.of("crc_serum")).collectAsList()) {
      assertEquals("deconv-derived", r.getAs("run_id"));
      latest.put(r.getAs("sample_id"), r.getAs(EvFractions.TUMOUR_EV_FRACTION));
    }
    assertEquals(38, latest.size());
  }

  /** The run's fractions and residuals against a golden file; returns the largest difference. */
  private double compare(String runId, String golden, int nFeatures) {
    ModelGolden f = DeconvGolden.read(golden);
    Map<String, Row[]> got = new HashMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("ev_origin").toString())
        .filter(col("run_id").equalTo(runId)).collectAsList()) {
      Row[] pair = got.computeIfAbsent(r.getAs("sample_id"), k -> new Row[2]);
      pair[r.getAs("component").equals("healthy_cell") ? 0 : 1] = r;
    }
    assertEquals(38, got.size());
    double worst = 0;
    for (int i = 0; i < f.rows.size(); i++) {
      Row[] p = got.get(f.strings("sample")[i]);
      assertEquals("control", p[0].getAs("role"));
      assertEquals("case", p[1].getAs("role"));
      assertEquals(nFeatures, (int) p[1].getAs("features"));
      double dh = Math.abs(f.doubles("healthy_cell")[i] - p[0].<Double>getAs("fraction"));
      double dc = Math.abs(f.doubles("cancer_cell")[i] - p[1].<Double>getAs("fraction"));
      double dr = Math.abs(f.doubles("rms_residual")[i] - p[1].<Double>getAs("residual"));
      assertTrue(dh < 1e-6 && dc < 1e-6 && dr < 1e-6, golden + " " + f.strings("sample")[i] + ": " + dh + " " + dc
          + " " + dr);
      worst = Math.max(worst, Math.max(dh, Math.max(dc, dr)));
    }
    return worst;
  }

  @Test
  void knownMixturesOfHeldOutProfilesAreRecovered() {
    ModelGolden counts = DeconvGolden.read("exosomepurity_counts.csv.gz");
    double[][] x = DeconvGolden.matrix(counts);
    // every other profile of each group builds the reference; the others make the mixtures
    List<Integer> refCols = new ArrayList<>();
    List<Integer> cancer = new ArrayList<>();
    List<Integer> healthy = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int j = 0; j < refLibs.size(); j++) {
      String grp = groupOf.get(refLibs.get(j));
      int k = seen.merge(grp, 1, Integer::sum);
      if (k % 2 == 1) refCols.add(j);
      else (grp.equals("cancer_cell") ? cancer : healthy).add(j);
    }
    StringBuilder man = new StringBuilder("profile_id,label\n");
    for (int j : refCols) man.append(refLibs.get(j)).append(',').append(groupOf.get(refLibs.get(j))).append('\n');
    TestLakes.write(dir, "half/manifest.csv", man.toString());
    TestLakes.write(dir, "half/counts.csv", wide(counts, refCols.stream().map(refLibs::get).toList()));
    ok(cli("ingest", "--reference", "half", "--manifest", dir.resolve("half/manifest.csv").toString(), "--mirna",
        dir.resolve("half/counts.csv").toString()));
    // 60 mixtures: a held-out cancer and healthy profile mixed at a known cancer fraction (CPM scale), sequenced
    // at 2 million reads (Poisson counts)
    Random rnd = new Random(19);
    int n = 60;
    double[] truth = new double[n];
    StringBuilder sm = new StringBuilder("sample_id,subject_id,cancer_type\n");
    StringBuilder cm = new StringBuilder("feature");
    double[][] mix = new double[features.size()][n];
    for (int s = 0; s < n; s++) {
      truth[s] = rnd.nextDouble();
      int c = cancer.get(rnd.nextInt(cancer.size()));
      int h = healthy.get(rnd.nextInt(healthy.size()));
      double lc = 0;
      double lh = 0;
      for (double[] row : x) {
        lc += row[c];
        lh += row[h];
      }
      for (int i = 0; i < features.size(); i++) {
        double p = truth[s] * x[i][c] / lc + (1 - truth[s]) * x[i][h] / lh;
        mix[i][s] = poisson(rnd, p * 2e6);
      }
      sm.append("mix-").append(s).append(",subject-").append(s).append(",colorectal\n");
      cm.append(",mix-").append(s);
    }
    cm.append('\n');
    for (int i = 0; i < features.size(); i++) {
      cm.append(features.get(i));
      for (int s = 0; s < n; s++) cm.append(',').append((long) mix[i][s]);
      cm.append('\n');
    }
    TestLakes.write(dir, "mix/manifest.csv", sm.toString());
    TestLakes.write(dir, "mix/counts.csv", cm.toString());
    ok(cli("ingest", "--cohort", "mix", "--manifest", dir.resolve("mix/manifest.csv").toString(), "--mirna",
        dir.resolve("mix/counts.csv").toString()));
    ok(cli("signature", "--reference", "half", "--case", "cancer_cell", "--control", "healthy_cell",
        "--features", dir.resolve("sig48.txt").toString(), "--signature-id", "half48"));
    ok(cli("deconvolve", "--signature", "half48", "--cohort", "mix", "--run-id", "deconv-mix"));
    Map<String, Double> est = new HashMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("ev_origin").toString())
        .filter(col("run_id").equalTo("deconv-mix").and(col("role").equalTo("case"))).collectAsList()) {
      est.put(r.getAs("sample_id"), r.getAs("fraction"));
    }
    double mae = 0;
    for (int s = 0; s < n; s++) mae += Math.abs(est.get("mix-" + s) - truth[s]) / n;
    System.out.printf("DeconvolveIT: 60 mixtures of held-out profiles, mean absolute error %.4f%n", mae);
    assertTrue(mae < 0.15, "mean absolute error of the recovered cancer fractions " + mae);
  }

  /**
   * More than two components: three cell types (say platelet, erythrocyte and leukocyte vesicles), each with 15
   * marker miRs 20-fold up, three profiles each; 30 samples mixing them at Dirichlet(1, 1, 1) fractions (CPM scale,
   * 2 million reads, Poisson), deconvolved with the 45 markers as a given list and {@code --components}.
   */
  @Test
  void threeCellTypesAreRecoveredWithAGivenList() {
    Random rnd = new Random(7);
    int nf = 200;
    String[] types = {"platelet", "erythrocyte", "leukocyte"};
    double[] base = new double[nf];
    for (int i = 0; i < nf; i++) base[i] = Math.exp(4 + 1.5 * rnd.nextGaussian());
    double[][] typeMean = new double[3][nf];
    List<String> markers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      for (int i = 0; i < nf; i++) typeMean[t][i] = base[i] * (i / 15 == t ? 20 : 1);
      for (int i = 15 * t; i < 15 * t + 15; i++) markers.add(features.get(i));
    }
    StringBuilder man = new StringBuilder("profile_id,label\n");
    double[][] prof = new double[9][];
    for (int p = 0; p < 9; p++) {
      man.append("T").append(p).append(',').append(types[p / 3]).append('\n');
      prof[p] = new double[nf];
      for (int i = 0; i < nf; i++) prof[p][i] = poisson(rnd, typeMean[p / 3][i] * Math.exp(0.2 * rnd.nextGaussian()));
    }
    TestLakes.write(dir, "three/manifest.csv", man.toString());
    TestLakes.write(dir, "three/profiles.csv", wideRows(nf, prof, "T"));
    int n = 30;
    double[][] truth = new double[n][3];
    double[][] mix = new double[n][];
    StringBuilder sm = new StringBuilder("sample_id,subject_id,cancer_type\n");
    double[] lib = new double[3];
    for (int t = 0; t < 3; t++) for (double v : typeMean[t]) lib[t] += v;
    for (int s = 0; s < n; s++) {
      double sum = 0;
      for (int t = 0; t < 3; t++) sum += truth[s][t] = -Math.log(rnd.nextDouble());
      for (int t = 0; t < 3; t++) truth[s][t] /= sum;
      mix[s] = new double[nf];
      for (int i = 0; i < nf; i++) {
        double p = 0;
        for (int t = 0; t < 3; t++) p += truth[s][t] * typeMean[t][i] / lib[t];
        mix[s][i] = poisson(rnd, p * 2e6);
      }
      sm.append("B").append(s).append(",subject-b").append(s).append(",healthy\n");
    }
    TestLakes.write(dir, "three/mix_manifest.csv", sm.toString());
    TestLakes.write(dir, "three/mix.csv", wideRows(nf, mix, "B"));
    TestLakes.write(dir, "three/markers.txt", String.join("\n", markers) + "\n");
    ok(cli("ingest", "--reference", "blood", "--manifest", dir.resolve("three/manifest.csv").toString(), "--mirna",
        dir.resolve("three/profiles.csv").toString()));
    ok(cli("ingest", "--cohort", "blood_mix", "--manifest", dir.resolve("three/mix_manifest.csv").toString(),
        "--mirna", dir.resolve("three/mix.csv").toString()));
    ok(cli("signature", "--reference", "blood", "--components", String.join(",", types), "--features",
        dir.resolve("three/markers.txt").toString(), "--signature-id", "blood45"));
    ok(cli("deconvolve", "--signature", "blood45", "--cohort", "blood_mix", "--run-id", "deconv-blood"));
    Map<String, Double> est = new HashMap<>();
    for (Row r : spark.read().format("delta").load(lake.resolve("ev_origin").toString())
        .filter(col("run_id").equalTo("deconv-blood")).collectAsList()) {
      assertTrue(r.isNullAt(r.fieldIndex("role")), "no case among cell types");
      est.put(r.getAs("sample_id") + "/" + r.getAs("component"), r.getAs("fraction"));
    }
    assertEquals(3 * n, est.size());
    double mae = 0;
    for (int s = 0; s < n; s++) {
      double total = 0;
      for (int t = 0; t < 3; t++) {
        double e = est.get("B" + s + "/" + types[t]);
        total += e;
        mae += Math.abs(e - truth[s][t]) / (3 * n);
      }
      assertEquals(1, total, 1e-9, "fractions of B" + s + " sum to 1");
    }
    System.out.printf("DeconvolveIT: 30 mixtures of 3 cell types, mean absolute error %.4f%n", mae);
    assertTrue(mae < 0.1, "mean absolute error of the recovered cell-type fractions " + mae);
  }

  /** A wide CSV of the first {@code nf} miRs: one column per row of {@code values}, named prefix + index. */
  private String wideRows(int nf, double[][] values, String prefix) {
    StringBuilder b = new StringBuilder("feature");
    for (int j = 0; j < values.length; j++) b.append(',').append(prefix).append(j);
    b.append('\n');
    for (int i = 0; i < nf; i++) {
      b.append(features.get(i));
      for (double[] v : values) b.append(',').append((long) v[i]);
      b.append('\n');
    }
    return b.toString();
  }

  @Test
  void badInputIsOneLineExitTwoAndWritesNothing() {
    // a reference with a group of one profile and one with a constant profile
    TestLakes.write(dir, "bad/one.csv", "profile_id,label\nA,cancer_cell\nB,healthy_cell\nC,healthy_cell\n");
    TestLakes.write(dir, "bad/const.csv", "profile_id,label\nA,cancer_cell\nB,cancer_cell\nC,healthy_cell\n"
        + "D,healthy_cell\n");
    StringBuilder m = new StringBuilder("feature,A,B,C,D\n");
    for (int i = 0; i < 60; i++) {
      m.append(features.get(i)).append(',').append(i).append(',').append(2 * i + 1).append(',').append(7)
          .append(',').append(i % 5).append('\n');
    }
    TestLakes.write(dir, "bad/counts.csv", m.toString());
    TestLakes.write(dir, "bad/counts3.csv", m.toString().lines().map(l -> l.substring(0, l.lastIndexOf(',')))
        .reduce("", (a, b) -> a + b + "\n"));
    ok(cli("ingest", "--reference", "one", "--manifest", dir.resolve("bad/one.csv").toString(), "--mirna",
        dir.resolve("bad/counts3.csv").toString()));
    ok(cli("ingest", "--reference", "const", "--manifest", dir.resolve("bad/const.csv").toString(), "--mirna",
        dir.resolve("bad/counts.csv").toString()));
    TestLakes.write(dir, "bad/sig.txt", String.join("\n", features.subList(0, 10)) + "\n");
    // a cohort lacking a miR of the published signature
    String lacking = DeconvGolden.lines("signature_48_mirs.txt").get(5);
    ModelGolden cpm = DeconvGolden.read("exosomepurity_cpm.csv.gz");
    String serumWide = wide(cpm, List.of("SRR2105144.count", "SRR2105145.count"));
    TestLakes.write(dir, "bad/serum.csv", serumWide.lines().filter(l -> !l.startsWith(lacking + ","))
        .reduce("", (a, b) -> a + b + "\n"));
    TestLakes.write(dir, "bad/serum_manifest.csv", "sample_id,subject_id,cancer_type\nSRR2105144.count,s1,colorectal\n"
        + "SRR2105145.count,s2,colorectal\n");
    ok(cli("ingest", "--cohort", "lacking", "--manifest", dir.resolve("bad/serum_manifest.csv").toString(), "--mirna",
        dir.resolve("bad/serum.csv").toString()));
    ok(cli("signature", "--reference", "exosomepurity", "--case", "cancer_cell", "--control", "healthy_cell",
        "--features", dir.resolve("sig48.txt").toString(), "--signature-id", "sig48-bad"));
    // a reference file with a bad value on its line 4 (the miR of counts3.csv's line 4, profile B)
    List<String> good = m.toString().lines().map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    String[] line4 = good.get(3).split(",");
    line4[2] = "12x";
    List<String> badLines = new ArrayList<>(good);
    badLines.set(3, String.join(",", line4));
    String refBad = TestLakes.write(dir, "bad/refbad.csv", String.join("\n", badLines) + "\n").toString();
    Map<String, Long> before = TestLakes.versions(spark, lake);
    String sig = dir.resolve("bad/sig.txt").toString();
    Object[][] cases = {
        {new String[] {"signature", "--reference", "one", "--case", "cancer_cell", "--control", "healthy_cell",
            "--features", sig}, "reference group 'cancer_cell' of 'one' has one profile"},
        {new String[] {"signature", "--reference", "const", "--case", "cancer_cell", "--control", "healthy_cell",
            "--features", sig}, "reference profile 'C' (healthy_cell) of 'const' is constant"},
        {new String[] {"deconvolve", "--signature", "sig48-bad", "--cohort", "lacking"},
            "miR '" + lacking + "' is not measured in cohort lacking"},
        {new String[] {"deconvolve", "--signature", "nope"}, "--signature nope: no such signature"},
        {new String[] {"signature", "--reference", "exosomepurity", "--components", "cancer_cell,healthy_cell"},
            "a derived signature needs --case and --control"},
        {new String[] {"ingest", "--reference", "badref", "--manifest", dir.resolve("bad/one.csv").toString(),
            "--mirna", refBad}, refBad + ":4: column 'B': not a number (value '12x')"},
        {new String[] {"ingest", "--reference", "x", "--cohort", "y", "--manifest", sig}, "exactly one of"}};
    for (Object[] c : cases) {
      String[] a = (String[]) c[0];
      String[] r = cli(a[0], java.util.Arrays.copyOfRange(a, 1, a.length));
      assertEquals("2", r[0], String.join(" ", a) + "\n" + r[2]);
      String e = r[2].strip();
      // a usage error adds picocli's "Try ... --help" line, as every command does
      assertEquals(a[0].equals("ingest") && java.util.Arrays.asList(a).contains("--cohort") ? 2 : 1, e.lines().count(), e);
      assertTrue(e.contains((String) c[1]), e);
    }
    assertEquals(before, TestLakes.versions(spark, lake));
  }

  private String[] cli(String command, String... args) {
    return TestLakes.cli(lake, command, args);
  }

  private static String[] ok(String[] r) {
    assertEquals("0", r[0], r[1] + r[2]);
    return r;
  }

  /** A wide CSV (feature, then one column per library) of some columns of a golden matrix, values as read. */
  private static String wide(ModelGolden g, List<String> libs) {
    StringBuilder b = new StringBuilder("feature");
    int[] at = new int[libs.size()];
    for (int j = 0; j < at.length; j++) {
      at[j] = g.header.indexOf(libs.get(j));
      b.append(',').append(libs.get(j));
    }
    b.append('\n');
    for (String[] row : g.rows) {
      b.append(row[0]);
      for (int j : at) b.append(',').append(row[j]);
      b.append('\n');
    }
    return b.toString();
  }

  private static double poisson(Random rnd, double mean) {
    if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * rnd.nextGaussian()));
    double l = Math.exp(-mean);
    double p = 1;
    int k = 0;
    do {
      k++;
      p *= rnd.nextDouble();
    } while (p > l);
    return k - 1;
  }
}
