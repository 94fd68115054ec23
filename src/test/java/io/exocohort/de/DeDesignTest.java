package io.exocohort.de;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The design and contrasts of a de run, against model.matrix / makeContrasts as make_golden.R used them. */
class DeDesignTest {
  private static List<DeDesign.Sample> synth() {
    DeIT.Csv s = DeIT.Csv.read("synth_samples.csv");
    List<DeDesign.Sample> out = new ArrayList<>();
    String[] ids = s.strings("sample");
    String[] g = s.strings("group");
    String[] age = s.strings("age");
    String[] sex = s.strings("sex");
    for (int i = 0; i < ids.length; i++) {
      out.add(new DeDesign.Sample(DeDesign.key("syn", ids[i]), DeIT.GROUPS.get(g[i]),
          new Object[] {Integer.parseInt(age[i]), sex[i]}));
    }
    return out;
  }

  @Test
  void cellMeansDesignWithCovariatesAndTheGoldenContrastWeights() {
    DeDesign d = DeDesign.build(synth(), List.of("age", "sex"));
    assertArrayEquals(new String[] {"groupcolorectal", "grouphealthy", "grouplung", "grouppancreatic", "age", "sexM"},
        d.columns);
    List<DeDesign.Contrast> cs = d.contrasts(List.of());
    assertEquals(List.of("colorectal_vs_healthy", "lung_vs_healthy", "pancreatic_vs_healthy",
        "colorectal_vs_other_cancers", "lung_vs_other_cancers", "pancreatic_vs_other_cancers"),
        cs.stream().map(DeDesign.Contrast::name).toList());
    DeIT.Csv golden = DeIT.Csv.read("contrasts.csv").where("dataset", "synth_mirna");
    Map<String, String> coef = Map.of("grouphealthy", "grouphealthy", "groupcrc", "groupcolorectal", "grouplung",
        "grouplung", "grouppdac", "grouppancreatic", "age", "age", "sexM", "sexM");
    int compared = 0;
    for (DeDesign.Contrast c : cs) {
      double[] want = new double[d.p()];
      for (String[] r : golden.rows()) {
        if (!DeIT.contrast(r[golden.col("contrast")]).equals(c.name())) continue;
        want[List.of(d.columns).indexOf(coef.get(r[golden.col("coef")]))] = DeIT.Csv.parse(r[golden.col("weight")]);
        compared++;
      }
      assertArrayEquals(want, c.weights(), 1e-15, c.name());
    }
    assertTrue(compared >= 12);
    // the centred rows: age minus its mean, shift declared
    double mean = synth().stream().mapToDouble(s -> ((Integer) s.covariates()[0]).doubleValue()).average().orElseThrow();
    assertEquals(mean, d.shift[4], 1e-12);
    assertEquals(0, d.shift[5]);
  }

  @Test
  void customContrastsAndBadOnes() {
    DeDesign d = DeDesign.build(synth(), List.of());
    DeDesign.Contrast c = d.contrasts(List.of("lung_vs_pancreatic")).get(0);
    assertArrayEquals(new double[] {0, 0, 1, -1}, c.weights());
    String[][] bad = {{"breast_vs_healthy", "no samples of group 'breast'"}, {"lung_vs_lung", "with itself"},
        {"lung", "is not of the form"}, {"lung_vs_kidney", "no samples of group 'kidney'"}};
    for (String[] b : bad) {
      BadInputException e = assertThrows(BadInputException.class, () -> d.contrasts(List.of(b[0])));
      assertTrue(e.getMessage().contains(b[1]), e.getMessage());
    }
    List<DeDesign.Sample> s = synth();
    s.set(3, new DeDesign.Sample(s.get(3).key(), s.get(3).group(), new Object[] {null, "F"}));
    BadInputException e = assertThrows(BadInputException.class, () -> DeDesign.build(s, List.of("age", "sex")));
    assertTrue(e.getMessage().contains("covariate age is missing for 1 sample(s)"), e.getMessage());
    assertThrows(BadInputException.class, () -> DeDesign.checkCovariate("height"));
  }

  @Test
  void nonCancerGroupsAreNeitherCasesNorControlsOfOtherCancers() {
    // a site's own benign group (an ingest overlay; samples.category = benign) and a shipped premalignant one
    List<DeDesign.Sample> s = new ArrayList<>();
    String[] groups = {"healthy", "martian_flu", "adenoma", "breast", "lung"};
    for (String g : groups) {
      for (int i = 0; i < 3; i++) s.add(new DeDesign.Sample(DeDesign.key("c", g + i), g, new Object[0]));
    }
    DeDesign d = DeDesign.build(s, List.of(), java.util.Set.of("martian_flu", "adenoma"));
    List<String> names = d.contrasts(List.of()).stream().map(DeDesign.Contrast::name).toList();
    assertEquals(List.of("adenoma_vs_healthy", "breast_vs_healthy", "lung_vs_healthy", "martian_flu_vs_healthy",
        "breast_vs_other_cancers", "lung_vs_other_cancers"), names);
    // breast vs the other cancers: lung only (groups sorted: adenoma, breast, healthy, lung, martian_flu)
    assertArrayEquals(new double[] {0, 1, 0, -1, 0}, d.contrasts(List.of("breast_vs_other_cancers")).get(0).weights());
    assertEquals(List.of("breast", "lung"), DeDesign.groupsOf("breast_vs_other_cancers", List.of(groups),
        java.util.Set.of("martian_flu", "adenoma")));
    // without the category the overlay's group would count as a cancer
    assertEquals(List.of("breast", "lung", "martian_flu"), DeDesign.groupsOf("breast_vs_other_cancers",
        List.of(groups), java.util.Set.of("adenoma")));
  }

  /** Samples H1..Hn healthy, B1.. breast, L1.. lung of cohort c; group sizes {usable, of}. */
  private static DeDesign.Inputs inputs(int healthy, int breast, int lung, int ofEach) {
    List<DeDesign.Sample> s = new ArrayList<>();
    java.util.Map<String, long[]> counts = new java.util.TreeMap<>();
    int[] n = {healthy, breast, lung};
    String[] groups = {"healthy", "breast", "lung"};
    for (int g = 0; g < 3; g++) {
      for (int i = 1; i <= n[g]; i++) s.add(new DeDesign.Sample(DeDesign.key("c", groups[g] + i), groups[g], new Object[0]));
      counts.put(groups[g], new long[] {n[g], ofEach});
    }
    return new DeDesign.Inputs(s, io.exocohort.normalize.GroupSizes.of(counts, "cancer_type", List.of("c"), false),
        List.of(), 2, java.util.Set.of());
  }

  @Test
  void fromSamplesDropsADefaultContrastQcShrankAndFitsOnlyTheGroupsOfGivenOnes() {
    // QC left 1 of 3 healthy samples: its default contrasts go, with the warning; the others stay
    DeDesign.Selection d = DeDesign.fromSamples(inputs(1, 3, 3, 3), List.of());
    assertEquals(List.of("breast", "lung"), List.of(d.design().groups));
    assertEquals(6, d.used().size());
    assertEquals(List.of("breast_vs_other_cancers", "lung_vs_other_cancers"),
        d.contrasts().stream().map(DeDesign.Contrast::name).toList());
    assertEquals(List.of("de: dropped contrasts breast_vs_healthy (healthy 1 of 3 (2 excluded by QC)), "
        + "lung_vs_healthy (healthy 1 of 3 (2 excluded by QC)); need at least 2 samples per compared group "
        + "(exocohort.min.samples.per.group); 2 samples failed QC; --include-failed keeps them"), d.warnings());
    // given contrasts: only their groups are fitted, the one healthy sample included, no warning
    DeDesign.Selection g = DeDesign.fromSamples(inputs(1, 3, 3, 3), List.of("breast_vs_healthy"));
    assertTrue(g.explicit());
    assertEquals(List.of("breast", "healthy"), List.of(g.design().groups));
    assertEquals(4, g.used().size());
    assertEquals(List.of(), g.warnings());
    // fewer than 3 usable samples: nothing to compare
    BadInputException e = assertThrows(BadInputException.class, () -> DeDesign.fromSamples(inputs(1, 1, 0, 3),
        List.of()));
    assertEquals("de: only 2 usable sample(s) in cohort c: nothing to compare; 7 samples failed QC; "
        + "--include-failed keeps them", e.getMessage());
  }

  @Test
  void aGroupWithoutValuesInOneModalityLeavesThatModalitysDesign() {
    DeDesign.Selection sel = DeDesign.fromSamples(inputs(3, 3, 3, 3), List.of());
    assertEquals(List.of("breast", "healthy", "lung"), List.of(sel.design().groups));
    assertEquals(null, DeDesign.withoutThinGroups(sel, "protein", new long[] {3, 3, 2}, false), "none is thin");
    DeDesign.Fit f = DeDesign.withoutThinGroups(sel, "protein", new long[] {3, 3, 0}, false);
    assertEquals(List.of("breast", "healthy"), List.of(f.design().groups));
    assertEquals(List.of("breast_vs_healthy"), f.contrasts().stream().map(DeDesign.Contrast::name).toList());
    assertEquals("de: protein: dropped contrasts lung_vs_healthy (lung 0 of 3 (3 without protein values)), "
        + "breast_vs_other_cancers (lung 0 of 3 (3 without protein values)), lung_vs_other_cancers (lung 0 of 3 "
        + "(3 without protein values)); need at least 2 samples with protein values per compared group "
        + "(exocohort.min.samples.per.group)", f.warning());
    // nothing left: a warning when every modality was asked for, an error when this one alone was
    DeDesign.Fit none = DeDesign.withoutThinGroups(sel, "protein", new long[] {0, 0, 0}, false);
    assertTrue(none.contrasts().isEmpty() && none.warning().startsWith("de: no protein results: dropped contrasts "),
        none.warning());
    BadInputException e = assertThrows(BadInputException.class,
        () -> DeDesign.withoutThinGroups(sel, "protein", new long[] {0, 0, 0}, true));
    assertTrue(e.getMessage().startsWith("de: no protein contrast can be computed in cohort c: "), e.getMessage());
  }
}
