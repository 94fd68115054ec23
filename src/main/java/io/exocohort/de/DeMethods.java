package io.exocohort.de;

import io.exocohort.common.BadInputException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The methods a de run computes ({@code --methods}; every method by default). Each decides what the run needs:
 * limma's fit (and voom's inputs and weighted pass) for {@code moderated_t} and {@code treat}, the per-group rank
 * scans for {@code wilcoxon} and {@code kruskal}; {@code welch_t} and {@code anova} need only the group sums every
 * pass adds up. {@code treat} goes with {@code --lfc-threshold} above 0, as it always has: without {@code --methods}
 * a threshold adds it, with {@code --methods} the two must agree.
 */
record DeMethods(Set<String> names) {
  /** Every method, in the order de_results holds them. */
  static final List<String> ALL = List.of("moderated_t", "treat", "welch_t", "wilcoxon", "kruskal", "anova");

  /** The methods asked for ({@code given}: null or empty for all), checked against the lfc threshold. */
  static DeMethods of(List<String> given, double lfcThreshold) {
    Set<String> asked = new LinkedHashSet<>();
    for (String g : given == null ? List.<String>of() : given) {
      String t = g.trim().toLowerCase(Locale.ROOT);
      if (t.isEmpty()) continue;
      if (!ALL.contains(t)) {
        throw new BadInputException("--methods: '" + g + "' is not a method (" + String.join(", ", ALL) + ")");
      }
      asked.add(t);
    }
    Set<String> out = new LinkedHashSet<>();
    for (String m : ALL) {
      boolean wanted = asked.isEmpty() ? !m.equals("treat") || lfcThreshold > 0 : asked.contains(m);
      if (wanted) out.add(m);
    }
    if (out.contains("treat") && !(lfcThreshold > 0)) {
      throw new BadInputException("--methods treat tests |log2 fold change| above a threshold: give "
          + "--lfc-threshold above 0 (e.g. 0.58 for 1.5-fold)");
    }
    if (!asked.isEmpty() && lfcThreshold > 0 && !out.contains("treat")) {
      throw new BadInputException("--lfc-threshold " + lfcThreshold + " is for limma treat: add treat to --methods "
          + "(or leave the threshold out)");
    }
    return new DeMethods(Set.copyOf(out));
  }

  boolean has(String method) {
    return names.contains(method);
  }

  /** limma's linear model is fitted (moderated t or treat): voom, the blocked fit and eBayes run. */
  boolean limma() {
    return has("moderated_t") || has("treat");
  }

  /** The per-group rank scans run (Wilcoxon or Kruskal-Wallis). */
  boolean ranks() {
    return has("wilcoxon") || has("kruskal");
  }

  /** The methods in de_results' order, comma separated (de_runs' parameter). */
  String label() {
    return String.join(",", ALL.stream().filter(names::contains).toList());
  }
}
