package io.exocohort.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code generate --variants}: the DNA variants are where the literature puts them (hotspots by type, detection and
 * allele fraction rising with stage, clonal haematopoiesis rising with age, in healthy people too), deterministic,
 * and the option changes no other file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VariantSimulatorTest {
  CohortDesign design;
  final Map<Integer, List<VariantSimulator.Call>> calls = new HashMap<>();

  @BeforeAll
  void simulate() {
    design = new CohortDesign(GenerateArgs.defaults(Path.of("unused")).withSamples(6000).withFeatures(10, 0)
        .withCancerTypes(13).withSeed(11).withVariants(true));
    VariantSimulator sim = new VariantSimulator(design);
    for (SampleInfo s : design.samples) calls.put(s.index(), sim.simulate(s));
  }

  private static double median(List<Double> v) {
    double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return a[a.length / 2];
  }

  @Test
  void tumourDnaIsDetectedMoreOftenAndAtHigherFractionsWithStage() {
    int[] cases = new int[5];
    int[] detected = new int[5];
    List<List<Double>> af = new ArrayList<>();
    for (int i = 0; i < 5; i++) af.add(new ArrayList<>());
    for (SampleInfo s : design.samples) {
      String type = design.cancerTypeName(s.cancer());
      if (s.healthy() || !List.of("pancreatic", "colorectal", "ovarian").contains(type)) continue;
      cases[s.stage()]++;
      boolean any = false;
      for (VariantSimulator.Call c : calls.get(s.index())) {
        if (!c.called() || !c.origin().equals("tumour")) continue;
        any = true;
        af.get(s.stage()).add((double) c.altReads() / c.depth());
      }
      if (any) detected[s.stage()]++;
    }
    double early = (detected[1] + detected[2]) / (double) (cases[1] + cases[2]);
    double late = detected[4] / (double) cases[4];
    assertTrue(early > 0.2 && early < 0.6 && late > 0.7 && late > early + 0.2,
        "detected early " + early + ", stage IV " + late);
    List<Double> earlyAf = new ArrayList<>(af.get(1));
    earlyAf.addAll(af.get(2));
    double me = median(earlyAf);
    double m4 = median(af.get(4));
    assertTrue(me >= 0.004 && me <= 0.012, "median allele fraction, stages I-II: " + me);
    assertTrue(m4 >= 0.02 && m4 <= 0.08, "median allele fraction, stage IV: " + m4);
  }

  @Test
  void hotspotsFollowTheCancerType() {
    int pancreatic = 0;
    int kras = 0;
    for (SampleInfo s : design.samples) {
      List<VariantSimulator.Call> cs = calls.get(s.index());
      for (VariantSimulator.Call c : cs) {
        if (!c.origin().equals("tumour")) continue;
        String type = design.cancerTypeName(s.cancer());
        boolean listed = VariantSimulator.DRIVERS.get(type).stream()
            .anyMatch(d -> d.hotspots().stream().anyMatch(h -> h.gene().equals(c.gene())
                && h.change().equals(c.change())));
        assertTrue(listed, type + " " + c);
      }
      if (!s.healthy() && design.cancerTypeName(s.cancer()).equals("pancreatic")) {
        pancreatic++;
        if (cs.stream().anyMatch(c -> c.gene().equals("KRAS") && c.origin().equals("tumour"))) kras++;
      }
    }
    double f = kras / (double) pancreatic;
    assertTrue(f > 0.82 && f < 0.96, "pancreatic tumours with KRAS: " + f + " of " + pancreatic);
  }

  @Test
  void clonalHaematopoiesisRisesWithAgeInHealthyPeopleTooAtLowFractions() {
    int[] n = new int[2];
    int[] chip = new int[2];
    List<Double> af = new ArrayList<>();
    for (SampleInfo s : design.samples) {
      List<VariantSimulator.Call> cs = calls.get(s.index());
      if (s.healthy()) {
        assertTrue(cs.stream().allMatch(c -> c.origin().equals("chip")), cs.toString());
        int g = s.age() < 50 ? 0 : s.age() >= 70 ? 1 : -1;
        if (g >= 0) {
          n[g]++;
          if (cs.stream().anyMatch(VariantSimulator.Call::called)) chip[g]++;
        }
      }
      for (VariantSimulator.Call c : cs) {
        if (c.origin().equals("chip") && c.called()) af.add((double) c.altReads() / c.depth());
      }
    }
    double young = chip[0] / (double) n[0];
    double old = chip[1] / (double) n[1];
    assertTrue(young < 0.06 && old > 0.08 && old > 2 * young, "healthy with CH calls: <50 " + young + ", 70+ " + old);
    double m = median(af);
    assertTrue(m >= 0.007 && m <= 0.015, "median CH allele fraction " + m);
  }

  @Test
  void sameSeedSameVariantsAndNoOtherFileChanges(@TempDir Path tmp) throws IOException {
    VariantSimulator again = new VariantSimulator(design);
    for (int i = 0; i < 200; i++) assertEquals(calls.get(i), again.simulate(design.samples.get(i)));
    GenerateArgs small = GenerateArgs.defaults(tmp).withSamples(80).withFeatures(20, 10).withSeed(3);
    GenerateJob.run(small.withOutput(tmp.resolve("off"), GenerateArgs.Format.CSV, GenerateArgs.Layout.LONG, false));
    GenerateJob.run(small.withVariants(true).withOutput(tmp.resolve("on"), GenerateArgs.Format.CSV,
        GenerateArgs.Layout.LONG, false));
    try (Stream<Path> off = Files.list(tmp.resolve("off"))) {
      for (Path f : off.toList()) {
        if (f.getFileName().toString().equals("generation.json")) continue;
        assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(tmp.resolve("on").resolve(f.getFileName())),
            f.getFileName() + " changed with --variants");
      }
    }
    Tables.Text v = Tables.read(tmp.resolve("on").resolve("dna_variants.tsv"));
    assertEquals(List.of("sample_id", "gene", "protein_change", "allele_fraction", "alt_reads", "depth"), v.header());
    for (String[] r : v.rows()) {
      assertTrue(r[2].startsWith("p.") && Long.parseLong(r[4]) >= VariantSimulator.MIN_ALT_READS
          && Long.parseLong(r[4]) <= Long.parseLong(r[5]), Arrays.toString(r));
    }
    String json = Files.readString(tmp.resolve("on").resolve("generation.json"));
    assertTrue(json.contains("\"variants\": true") && json.contains("\"dna_variants\": \"dna_variants.tsv\""), json);
  }
}
