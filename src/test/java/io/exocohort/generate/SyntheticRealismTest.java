package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Does the synthetic cohort look like real data? Statistics of a generated cohort (600 samples x 2,600 miRs x 150
 * proteins) against the two real cohorts committed under sample-data/ (GSE197020 circulating small-RNA-seq, 96
 * samples x 2,504 miRs; serum exosomal GBM, 38 x 1,939), computed by the same code, each checked to lie in a
 * stated band around the real values; and the planted structure (haemolysis, MNAR missingness, EV markers,
 * particle counts, literature markers, stage scaling) visible in the files.
 */
class SyntheticRealismTest {
  @TempDir static Path dir;

  static Tables.Matrix mirna;
  static Tables.Matrix protein;
  static List<Map<String, String>> manifest;
  static Map<String, Map<String, String>> truthSamples = new HashMap<>();
  static Tables.Text truth;
  static Tables.CountStats synthetic;
  static Tables.CountStats gse;
  static Tables.CountStats gbm;

  @BeforeAll
  static void generate() throws IOException {
    GenerateArgs args = GenerateArgs.defaults(dir).withSamples(600).withSeed(11)
        .withOutput(dir, GenerateArgs.Format.TSV, GenerateArgs.Layout.WIDE, false);
    GenerateJob.run(args);
    mirna = Tables.wide(dir.resolve("mirna_counts.tsv"));
    protein = Tables.wide(dir.resolve("protein_intensities.tsv"));
    manifest = Tables.read(dir.resolve("manifest.tsv")).maps();
    for (Map<String, String> r : Tables.read(dir.resolve("truth_samples.csv")).maps()) {
      truthSamples.put(r.get("sample_id"), r);
    }
    truth = Tables.read(dir.resolve("truth.csv"));
    synthetic = Tables.countStats(mirna);
    gse = Tables.countStats(Tables.wide(Path.of("sample-data/gse197020_breast/GSE197020.txt")));
    gbm = Tables.countStats(Tables.wide(Path.of("sample-data/gbm_exosomal_mirna/Normalized_microRNA_counts.tsv")));
    System.err.printf("statistic: synthetic / GSE197020 / GBM%n");
    System.err.printf("zero fraction        %.3f / %.3f / %.3f%n", synthetic.zeroFraction(), gse.zeroFraction(),
        gbm.zeroFraction());
    System.err.printf("rarest-quartile zeros %.3f / %.3f / %.3f%n", synthetic.lowestQuartileZeroFraction(),
        gse.lowestQuartileZeroFraction(), gbm.lowestQuartileZeroFraction());
    System.err.printf("median top-10 share  %.3f / %.3f / %.3f%n", synthetic.medianTop10Share(),
        gse.medianTop10Share(), gbm.medianTop10Share());
    System.err.printf("median top-4 plasma  %.3f / %.3f / %.3f%n", synthetic.medianTop4PlasmaShare(),
        gse.medianTop4PlasmaShare(), gbm.medianTop4PlasmaShare());
    System.err.printf("sd log10 library     %.3f / %.3f / %.3f%n", synthetic.sdLog10Lib(), gse.sdLog10Lib(),
        gbm.sdLog10Lib());
    System.err.printf("IQR log10 library    %.3f / %.3f / %.3f%n", synthetic.iqrLog10Lib(), gse.iqrLog10Lib(),
        gbm.iqrLog10Lib());
    System.err.printf("library p95/p5       %.1f / %.1f / %.1f%n", synthetic.libP95OverP5(), gse.libP95OverP5(),
        gbm.libP95OverP5());
  }

  private static void inBand(String what, double value, double lo, double hi) {
    assertTrue(value >= lo && value <= hi, String.format("%s = %.3f outside [%.3f, %.3f]", what, value, lo, hi));
  }

  private static double min(double a, double b) {
    return Math.min(a, b);
  }

  private static double max(double a, double b) {
    return Math.max(a, b);
  }

  @Test
  void zeroFractionLikeRealCohorts() {
    // Real: 0.42 (GSE197020), 0.65 (GBM). Band: 0.75 x the lower .. 1.15 x the higher.
    inBand("zero fraction", synthetic.zeroFraction(), 0.75 * min(gse.zeroFraction(), gbm.zeroFraction()),
        1.15 * max(gse.zeroFraction(), gbm.zeroFraction()));
    // The rarest quarter of miRs is mostly zero (real 0.85, 0.99).
    inBand("rarest-quartile zero fraction", synthetic.lowestQuartileZeroFraction(),
        0.85 * min(gse.lowestQuartileZeroFraction(), gbm.lowestQuartileZeroFraction()), 1.0);
  }

  @Test
  void fewMirsDominateLikeRealCohorts() {
    // Real median per-sample share of a sample's top 10 miRs: 0.68 (GSE), 0.59 (GBM). Band: +-0.1 around them.
    inBand("median top-10 share", synthetic.medianTop10Share(),
        min(gse.medianTop10Share(), gbm.medianTop10Share()) - 0.1,
        max(gse.medianTop10Share(), gbm.medianTop10Share()) + 0.1);
    // miR-451a + 16-5p + 92a-3p + 486-5p: real 0.24 (GSE, circulating) and 0.07 (GBM, serum exosomes); the
    // generator's plasma baseline should be at least the lower one and at most 1.5 x the higher.
    inBand("median top-4 plasma miR share", synthetic.medianTop4PlasmaShare(),
        min(gse.medianTop4PlasmaShare(), gbm.medianTop4PlasmaShare()),
        1.5 * max(gse.medianTop4PlasmaShare(), gbm.medianTop4PlasmaShare()));
  }

  @Test
  void librarySizesSpreadLikeRealCohorts() {
    double[] lib = mirna.librarySizes();
    assertTrue(Tables.quantile(lib, 0.95) / Tables.quantile(lib, 0.05) >= 10, "library sizes span >= 10x (p5..p95)");
    assertTrue(Tables.quantile(lib, 1.0) / Tables.quantile(lib, 0.0) >= 50, "with low-depth samples, >= 50x");
    // Real sd of log10 library size: 0.82 (GSE, with failed samples), 0.52 (GBM).
    inBand("sd log10 library size", synthetic.sdLog10Lib(), 0.6 * min(gse.sdLog10Lib(), gbm.sdLog10Lib()),
        1.2 * max(gse.sdLog10Lib(), gbm.sdLog10Lib()));
    inBand("IQR log10 library size", synthetic.iqrLog10Lib(), 0.6 * min(gse.iqrLog10Lib(), gbm.iqrLog10Lib()),
        1.4 * max(gse.iqrLog10Lib(), gbm.iqrLog10Lib()));
    // Truth library_size (expected reads over the whole pool) tracks the observed library size.
    int low = 0;
    for (String id : mirna.samples()) if (truthSamples.get(id).get("low_depth").equals("true")) low++;
    assertTrue(low > 0 && low < mirna.samples().size() / 10, "a few low-depth samples: " + low);
  }

  @Test
  void hemolysedSamplesHaveHigherMir451aOverMir23a() {
    int a = mirna.feature("hsa-miR-451a");
    int b = mirna.feature("hsa-miR-23a-3p");
    List<Double> hem = new ArrayList<>();
    List<Double> clean = new ArrayList<>();
    for (int j = 0; j < mirna.samples().size(); j++) {
      Map<String, String> m = manifest.get(j);
      assertEquals(m.get("sample_id"), mirna.samples().get(j));
      if (m.get("biofluid").equals("urine")) continue;
      double r = Math.log(( mirna.values()[a][j] + 1) / (mirna.values()[b][j] + 1)) / Math.log(2);
      (truthSamples.get(m.get("sample_id")).get("hemolysed").equals("true") ? hem : clean).add(r);
    }
    double frac = hem.size() / (double) (hem.size() + clean.size());
    inBand("haemolysed fraction of blood samples", frac, 0.03, 0.10);
    double diff = Tables.median(hem) - Tables.median(clean);
    assertTrue(diff > 1.5, "median log2(451a/23a) haemolysed - clean = " + diff);
    // The clean level is in the real range (medians 3.6 GSE, 4.8 GBM).
    inBand("clean median log2(451a/23a)", Tables.median(clean), 3.0, 6.0);
  }

  @Test
  void proteinMissingnessIsNotAtRandom() {
    int n = protein.features().size();
    double[] missing = new double[n];
    double[] level = new double[n];
    for (int i = 0; i < n; i++) {
      double[] row = protein.values()[i];
      int miss = 0;
      List<Double> logs = new ArrayList<>();
      for (double v : row) {
        if (Double.isNaN(v)) miss++; else logs.add(Math.log10(v));
      }
      missing[i] = miss / (double) row.length;
      level[i] = logs.isEmpty() ? 0 : Tables.median(logs);
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    java.util.Arrays.sort(order, (x, y) -> Double.compare(level[x], level[y]));
    double low = 0;
    double high = 0;
    int q = n / 4;
    for (int k = 0; k < q; k++) {
      low += missing[order[k]] / q;
      high += missing[order[n - 1 - k]] / q;
    }
    assertTrue(low > high + 0.3, "missing in lowest-abundance quartile " + low + " vs highest " + high);
    assertTrue(high < 0.05, "abundant proteins are rarely missing: " + high);
    double[] all = java.util.Arrays.stream(protein.values()).flatMapToDouble(java.util.Arrays::stream).toArray();
    double min = java.util.Arrays.stream(all).filter(v -> !Double.isNaN(v)).min().orElse(0);
    double max = java.util.Arrays.stream(all).filter(v -> !Double.isNaN(v)).max().orElse(0);
    assertTrue(min > 0 && max / min > 1e4, "intensities span orders of magnitude: " + min + " .. " + max);
  }

  @Test
  void evMarkersPresentInGoodSamplesAndDepletedInPoorOnes() {
    for (String marker : List.of("CD9", "CD63", "CD81", "TSG101", "PDCD6IP", "SDCBP")) {
      double good = presence(marker, id -> truthSamples.get(id).get("poor_ev").equals("false"));
      assertTrue(good >= 0.95, marker + " present in " + good + " of good samples");
    }
    double poorTsg = presence("TSG101", id -> truthSamples.get(id).get("poor_ev").equals("true"));
    assertTrue(poorTsg < 0.6, "TSG101 often missing in poor EV samples: present in " + poorTsg);
    // Contaminants: ALB higher in contaminated samples.
    double contaminated = medianLog10("ALB", id -> truthSamples.get(id).get("contaminated").equals("true"));
    double clean = medianLog10("ALB", id -> truthSamples.get(id).get("contaminated").equals("false"));
    assertTrue(contaminated > clean + 0.5, "ALB log10 " + contaminated + " vs " + clean);
    double cont = truthSamples.values().stream().filter(r -> r.get("contaminated").equals("true")).count()
        / (double) truthSamples.size();
    inBand("contaminated fraction", cont, 0.05, 0.2);
  }

  private static double presence(String protein, Predicate<String> which) {
    int i = SyntheticRealismTest.protein.feature(protein);
    int n = 0;
    int present = 0;
    for (int j = 0; j < SyntheticRealismTest.protein.samples().size(); j++) {
      if (!which.test(SyntheticRealismTest.protein.samples().get(j))) continue;
      n++;
      if (!Double.isNaN(SyntheticRealismTest.protein.values()[i][j])) present++;
    }
    return present / (double) n;
  }

  private static double medianLog10(String p, Predicate<String> which) {
    int i = protein.feature(p);
    List<Double> v = new ArrayList<>();
    for (int j = 0; j < protein.samples().size(); j++) {
      double x = protein.values()[i][j];
      if (which.test(protein.samples().get(j)) && !Double.isNaN(x)) v.add(Math.log10(x));
    }
    return Tables.median(v);
  }

  @Test
  void cancerParticleConcentrationAboutTwiceHealthy() {
    List<Double> cancer = new ArrayList<>();
    List<Double> healthy = new ArrayList<>();
    int inRange = 0;
    for (Map<String, String> m : manifest) {
      double c = Double.parseDouble(m.get("particle_concentration"));
      (m.get("cancer_type").equals("healthy") ? healthy : cancer).add(c);
      double size = Double.parseDouble(m.get("particle_size_nm"));
      if (size >= 40 && size <= 150) inRange++;
    }
    inBand("median particle concentration cancer / healthy", Tables.median(cancer) / Tables.median(healthy), 1.5,
        2.7);
    inBand("healthy median particle concentration", Tables.median(healthy), 1e9, 2e10);
    inBand("share of particle sizes in 40-150 nm", inRange / (double) manifest.size(), 0.9, 0.99);
  }

  @Test
  void literatureMarkersArePlantedAndVisible() {
    Set<String> rows = new java.util.HashSet<>();
    for (Map<String, String> r : truth.maps()) {
      rows.add(r.get("modality") + "|" + r.get("feature") + "|" + r.get("cancer_type") + "|" + r.get("stage") + "|"
          + r.get("kind"));
    }
    for (String expected : List.of("mirna|hsa-miR-21-5p|esophageal|IV|literature",
        "mirna|hsa-miR-1246|pancreatic|IV|literature", "mirna|hsa-miR-141-3p|prostate|IV|literature",
        "mirna|hsa-miR-10b-5p|glioblastoma|IV|literature", "mirna|hsa-miR-155-5p|breast|IV|literature",
        "protein|GPC1|pancreatic|IV|literature", "protein|MIF|pancreatic|I|literature",
        "protein|MET|melanoma|IV|literature", "protein|EPCAM|ovarian|II|literature",
        "protein|CD24|ovarian|IV|literature", "protein|ERBB2|breast|IV|literature")) {
      assertTrue(rows.contains(expected), "truth.csv lacks " + expected);
    }
    // Visible: mean log2 CPM of the marker in late-stage cases above healthy, early stage in between.
    for (String[] m : List.of(new String[] {"hsa-miR-21-5p", "esophageal"},
        new String[] {"hsa-miR-1246", "pancreatic"}, new String[] {"hsa-miR-141-3p", "prostate"},
        new String[] {"hsa-miR-155-5p", "breast"})) {
      double healthy = meanLogCpm(m[0], "healthy", Set.of(""));
      double late = meanLogCpm(m[0], m[1], Set.of("III", "IV"));
      assertTrue(late > healthy + 0.5, m[0] + " in " + m[1] + " III-IV: " + late + " vs healthy " + healthy);
    }
    // Stage scaling, pooled over all literature miR markers and cancer types: late - healthy > early - healthy.
    List<Double> early = new ArrayList<>();
    List<Double> late = new ArrayList<>();
    for (LiteratureMarkers.Marker m : LiteratureMarkers.MIRNA) {
      if (CancerTypes.ALL.stream().limit(10).noneMatch(p -> p.name().equals(m.cancerType()))) continue;
      if (m.cancerType().equals("glioblastoma")) continue;
      double h = meanLogCpm(m.feature(), "healthy", Set.of(""));
      double sign = Math.signum(m.log2fc());
      early.add(sign * (meanLogCpm(m.feature(), m.cancerType(), Set.of("0", "I")) - h));
      late.add(sign * (meanLogCpm(m.feature(), m.cancerType(), Set.of("III", "IV")) - h));
    }
    assertTrue(Tables.mean(late) > Tables.mean(early) + 0.2 && Tables.mean(early) > 0,
        "stage scaling: early " + Tables.mean(early) + ", late " + Tables.mean(late));
  }

  /** Mean log2 CPM (+0.5 prior) of a miR in good-depth samples of a group. */
  private static double meanLogCpm(String feature, String cancerType, Set<String> stages) {
    int i = mirna.feature(feature);
    double[] lib = mirna.librarySizes();
    List<Double> v = new ArrayList<>();
    for (int j = 0; j < mirna.samples().size(); j++) {
      Map<String, String> m = manifest.get(j);
      if (!m.get("cancer_type").equals(cancerType) || !stages.contains(m.get("stage"))) continue;
      if (m.get("biofluid").equals("urine") || lib[j] < 1e5) continue;
      v.add(Math.log((mirna.values()[i][j] + 0.5) / lib[j] * 1e6) / Math.log(2));
    }
    assertTrue(v.size() >= 3, "too few " + cancerType + " " + stages + " samples: " + v.size());
    return Tables.mean(v);
  }
}
