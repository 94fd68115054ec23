package io.exocohort.de;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code de --methods}: which methods a run computes and what each needs. */
class DeMethodsTest {
  @Test
  void everyMethodByDefaultAndTreatOnlyWithAThreshold() {
    assertEquals("moderated_t,welch_t,wilcoxon,kruskal,anova", DeMethods.of(null, 0).label());
    assertEquals("moderated_t,treat,welch_t,wilcoxon,kruskal,anova", DeMethods.of(List.of(), 0.58).label());
    DeMethods all = DeMethods.of(List.of(" "), 0);
    assertTrue(all.limma() && all.ranks());
  }

  @Test
  void theMethodsGivenDecideTheFitAndTheRankScans() {
    DeMethods w = DeMethods.of(List.of("Wilcoxon"), 0);
    assertEquals("wilcoxon", w.label());
    assertFalse(w.limma());
    assertTrue(w.ranks());
    DeMethods wa = DeMethods.of(List.of("anova", "welch_t", "anova"), 0);
    assertEquals("welch_t,anova", wa.label());
    assertFalse(wa.limma() || wa.ranks());
    DeMethods t = DeMethods.of(List.of("treat"), 1);
    assertTrue(t.limma() && !t.has("moderated_t") && !t.ranks());
  }

  @Test
  void refusesWhatCannotWork() {
    String[][] cases = {{"wilcoxon,t", "0", "--methods: 't' is not a method (moderated_t, treat, welch_t, wilcoxon, "
        + "kruskal, anova)"}, {"treat", "0", "--methods treat tests |log2 fold change| above a threshold"},
        {"moderated_t", "1", "--lfc-threshold 1.0 is for limma treat: add treat to --methods"}};
    for (String[] c : cases) {
      BadInputException e = assertThrows(BadInputException.class,
          () -> DeMethods.of(List.of(c[0].split(",")), Double.parseDouble(c[1])));
      assertTrue(e.getMessage().startsWith(c[2]), e.getMessage());
    }
  }
}
