package io.exocohort.de;

import io.exocohort.common.BadInputException;
import io.exocohort.deconv.EvFractions;
import io.exocohort.ingest.CancerTypes;
import io.exocohort.normalize.GroupSizes;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The design of a de run, built on the driver from the samples it uses (one small record per sample, never
 * values): the groups (cancer types, sorted), the cell-means design {@code model.matrix(~0 + group + covariates)}
 * with numeric covariates as they are and factor covariates as indicators of every level but the first (R's
 * treatment coding, levels sorted), and the contrasts.
 *
 * <p>The rows kept per sample are centred: numeric covariates minus their mean over the samples, so that the
 * sums the Spark side aggregates are well conditioned; {@link #shift()} declares the shifts to
 * {@link io.exocohort.de.kernel.LinearModel#centred}, which maps the fit back to the raw parametrisation.
 */
final class DeDesign implements Serializable {
  private static final long serialVersionUID = 1L;
  /**
   * Covariates that enter the design as numbers: samples columns, and the tumour-EV fraction (issue 19), which is
   * not a samples column but each sample's fraction in its latest deconvolve run ({@code EvFractions}). The other
   * allowed covariates are factors.
   */
  static final Set<String> NUMERIC = Set.of("age", "particle_concentration", "particle_size_nm",
      EvFractions.TUMOUR_EV_FRACTION);
  static final Set<String> FACTORS = Set.of("sex", "batch", "stage", "site", "biofluid", "isolation_method");
  static final String OTHER_CANCERS = "other_cancers";

  final String[] groups;
  final String[] columns;
  final double[] shift;
  final int[] groupColumns;
  /** sample key (cohort \u0001 sample_id) to its group index and centred design row. */
  final Map<String, Integer> groupOf;
  final Map<String, double[]> rows;
  /** Groups that are neither healthy nor cancer (benign, premalignant): never "other cancers". */
  final Set<String> nonCancer;
  /** sample key to its block index (0..blocks-1), in order of first appearance; empty without blocking. */
  final Map<String, Integer> blockOf;

  /** One contrast: case groups against control groups, and its weights on the design's coefficients. */
  record Contrast(String name, int[] caseGroups, int[] controlGroups, double[] weights) implements Serializable {}

  /**
   * One sample as the job reads it: key, group, the covariates' values (null if missing), and its block (the
   * subject of {@code --block}; null without blocking).
   */
  record Sample(String key, String group, Object[] covariates, String block) {
    Sample(String key, String group, Object[] covariates) {
      this(key, group, covariates, null);
    }
  }

  private DeDesign(String[] groups, String[] columns, double[] shift, Map<String, Integer> groupOf,
      Map<String, double[]> rows, Set<String> nonCancer, Map<String, Integer> blockOf) {
    this.nonCancer = Set.copyOf(nonCancer);
    this.blockOf = blockOf;
    this.groups = groups;
    this.columns = columns;
    this.shift = shift;
    this.groupOf = groupOf;
    this.rows = rows;
    this.groupColumns = new int[groups.length];
    for (int g = 0; g < groups.length; g++) groupColumns[g] = g;
  }

  static String key(String cohort, String sampleId) {
    return cohort + '\u0001' + sampleId;
  }

  /** Checks a covariate name before anything is read. */
  static void checkCovariate(String c) {
    if (!NUMERIC.contains(c) && !FACTORS.contains(c)) {
      TreeSet<String> all = new TreeSet<>(NUMERIC);
      all.addAll(FACTORS);
      throw new BadInputException("--covariates: '" + c + "' is not a samples column usable as a covariate, nor "
          + EvFractions.TUMOUR_EV_FRACTION + " (one of " + String.join(", ", all) + ")");
    }
  }

  /** A design whose non-cancer groups are those of the shipped alias table (tests, in-memory use). */
  static DeDesign build(List<Sample> samples, List<String> covariates) {
    return build(samples, covariates, CancerTypes.nonCancerGroups());
  }

  /**
   * The design of the given samples: group indicators (cell means) plus the covariates, centred.
   *
   * <p>The samples are kept in key order (cohort, then sample id), the order of the matrix's sample index
   * ({@code MatrixWrite.blocks}): a pass walks a block's entries and the design's per-sample arrays in the same
   * direction, from memory in order instead of at random (a third less time per value in voom's weighted pass).
   *
   * @param nonCancer groups that are neither healthy nor cancer (from samples.category)
   */
  static DeDesign build(List<Sample> given, List<String> covariates, Set<String> nonCancer) {
    List<Sample> samples = new ArrayList<>(given);
    samples.sort(java.util.Comparator.comparing(Sample::key));
    TreeSet<String> gs = new TreeSet<>();
    for (Sample s : samples) gs.add(s.group());
    String[] groups = gs.toArray(new String[0]);
    Map<String, Integer> gi = new HashMap<>();
    for (int g = 0; g < groups.length; g++) gi.put(groups[g], g);

    List<String> cols = new ArrayList<>();
    for (String g : groups) cols.add("group" + g);
    List<double[]> covCols = new ArrayList<>(); // per design column beyond the groups: values per sample
    List<Double> shifts = new ArrayList<>();
    for (int c = 0; c < covariates.size(); c++) {
      String name = covariates.get(c);
      List<String> missing = new ArrayList<>();
      for (Sample s : samples) if (s.covariates()[c] == null) missing.add(s.key().replace('\u0001', '/'));
      if (!missing.isEmpty()) {
        throw new BadInputException("covariate " + name + " is missing for " + missing.size() + " sample(s), e.g. "
            + String.join(", ", missing.subList(0, Math.min(3, missing.size()))));
      }
      if (NUMERIC.contains(name)) {
        double[] v = new double[samples.size()];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
          v[i] = ((Number) samples.get(i).covariates()[c]).doubleValue();
          sum += v[i];
        }
        double mean = sum / v.length;
        boolean constant = true;
        for (double x : v) constant &= x == v[0];
        if (constant) throw new BadInputException("covariate " + name + " is constant (" + v[0] + ") over the samples");
        for (int i = 0; i < v.length; i++) v[i] -= mean;
        cols.add(name);
        covCols.add(v);
        shifts.add(mean);
      } else {
        TreeSet<String> levels = new TreeSet<>();
        for (Sample s : samples) levels.add(s.covariates()[c].toString());
        if (levels.size() < 2) {
          throw new BadInputException("covariate " + name + " is constant ('" + levels.first() + "') over the samples");
        }
        boolean first = true;
        for (String level : levels) {
          if (first) {
            first = false;
            continue;
          }
          double[] v = new double[samples.size()];
          for (int i = 0; i < v.length; i++) v[i] = samples.get(i).covariates()[c].toString().equals(level) ? 1 : 0;
          cols.add(name + level);
          covCols.add(v);
          shifts.add(0.0);
        }
      }
    }
    int p = cols.size();
    double[] shift = new double[p];
    for (int j = 0; j < shifts.size(); j++) shift[groups.length + j] = shifts.get(j);
    Map<String, Integer> groupOf = new HashMap<>();
    Map<String, double[]> rows = new LinkedHashMap<>();
    Map<String, Integer> blockIds = new HashMap<>();
    Map<String, Integer> blockOf = new HashMap<>();
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      double[] x = new double[p];
      int g = gi.get(s.group());
      x[g] = 1;
      for (int j = 0; j < covCols.size(); j++) x[groups.length + j] = covCols.get(j)[i];
      groupOf.put(s.key(), g);
      rows.put(s.key(), x);
      if (s.block() != null) blockOf.put(s.key(), blockIds.computeIfAbsent(s.block(), k -> blockIds.size()));
    }
    return new DeDesign(groups, cols.toArray(new String[0]), shift, groupOf, rows, nonCancer, blockOf);
  }

  /** Blocks of the design's samples ({@code --block}); 0 without blocking. */
  int blocks() {
    return blockOf.isEmpty() ? 0 : (int) blockOf.values().stream().distinct().count();
  }

  /**
   * Checks the blocking of the samples: a block column that puts every sample in one block, or every sample in its
   * own block, has no within-block correlation to estimate (limma's duplicateCorrelation would return NA or fail).
   */
  void checkBlocks(String column) {
    if (blockOf.isEmpty()) return;
    int b = blocks();
    if (b == 1) {
      throw new BadInputException("--block " + column + " is constant: all " + rows.size() + " samples are one block "
          + "(give the column that names the subject, e.g. subject_key)");
    }
    if (b == rows.size()) {
      throw new BadInputException("--block " + column + " is unique per sample: each of the " + rows.size()
          + " samples is its own block, so there are no repeated samples to correlate (run without --block)");
    }
  }

  int p() {
    return columns.length;
  }

  int group(String name) {
    for (int g = 0; g < groups.length; g++) if (groups[g].equals(name)) return g;
    return -1;
  }

  /**
   * The cancer groups other than {@code g} (every group but healthy, the non-cancer ones such as benign or
   * premalignant groups, see {@link #nonCancer}, and g).
   */
  int[] otherCancers(int g) {
    List<Integer> o = new ArrayList<>();
    for (int k = 0; k < groups.length; k++) if (k != g && isCancer(groups[k], nonCancer)) o.add(k);
    return o.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * The default contrasts (every group vs healthy, every cancer type vs the other cancers when there are any;
   * benign and premalignant groups are not cancers), or the given {@code a_vs_b} ones, where b may be {@code healthy}, {@code other_cancers} or any group.
   */
  List<Contrast> contrasts(List<String> given) {
    List<String> names = given == null || given.isEmpty() ? defaultNames(List.of(groups), nonCancer) : names(given);
    Map<String, Contrast> out = new LinkedHashMap<>();
    for (String n : names) out.put(n, parse(n));
    return new ArrayList<>(out.values());
  }

  /**
   * The default contrasts of a set of groups: every group vs healthy (when there is a healthy group), then
   * every cancer type vs the other cancers (when there are others; benign and premalignant groups are not cancers).
   */
  static List<String> defaultNames(java.util.Collection<String> groupNames, Set<String> nonCancer) {
    List<String> gs = new ArrayList<>(new TreeSet<>(groupNames));
    List<String> names = new ArrayList<>();
    boolean healthy = gs.contains(CancerTypes.HEALTHY);
    for (String g : gs) if (!g.equals(CancerTypes.HEALTHY) && healthy) names.add(g + "_vs_" + CancerTypes.HEALTHY);
    // A benign or premalignant group is not a cancer: it is neither a case nor a control of "other cancers".
    long cancers = gs.stream().filter(g -> isCancer(g, nonCancer)).count();
    for (String g : gs) if (isCancer(g, nonCancer) && cancers > 1) names.add(g + "_vs_" + OTHER_CANCERS);
    return names;
  }

  /** A group that is a cancer: not healthy and not one of the non-cancer groups. */
  static boolean isCancer(String group, Set<String> nonCancer) {
    return !group.equals(CancerTypes.HEALTHY) && !nonCancer.contains(group);
  }

  /** Given contrast names trimmed, lower-cased, without empties and repeats, in order. */
  static List<String> names(List<String> given) {
    List<String> names = new ArrayList<>();
    for (String c : given == null ? List.<String>of() : given) {
      String n = c.trim().toLowerCase(Locale.ROOT);
      if (!n.isEmpty() && !names.contains(n)) names.add(n);
    }
    return names;
  }

  /**
   * The groups a contrast name compares among {@code groupNames}: its case group, then its control group or, for
   * {@code <a>_vs_other_cancers}, every cancer group but a (none when there is none). Null for a name that is not
   * of the form {@code a_vs_b} ({@link #contrasts} reports it). The groups need not be among {@code groupNames}.
   */
  static List<String> groupsOf(String name, java.util.Collection<String> groupNames, Set<String> nonCancer) {
    int at = name.indexOf("_vs_");
    if (at <= 0 || at + 4 >= name.length()) return null;
    String a = name.substring(0, at);
    String b = name.substring(at + 4);
    List<String> out = new ArrayList<>(List.of(a));
    if (b.equals(OTHER_CANCERS)) {
      for (String g : new TreeSet<>(groupNames)) if (!g.equals(a) && isCancer(g, nonCancer)) out.add(g);
    } else {
      out.add(b);
    }
    return out;
  }

  private Contrast parse(String name) {
    int at = name.indexOf("_vs_");
    if (at <= 0 || at + 4 >= name.length()) {
      throw new BadInputException("contrast '" + name + "' is not of the form <group>_vs_<group|healthy|other_cancers>");
    }
    String a = name.substring(0, at);
    String b = name.substring(at + 4);
    int ga = group(a);
    if (ga < 0) throw new BadInputException("contrast " + name + ": no samples of group '" + a + "' (groups: "
        + String.join(", ", groups) + ")");
    double[] w = new double[p()];
    w[ga] = 1;
    int[] control;
    if (b.equals(OTHER_CANCERS)) {
      control = otherCancers(ga);
      if (control.length == 0) {
        throw new BadInputException("contrast " + name + ": no other cancer groups (groups: " + String.join(", ", groups)
            + ")");
      }
      for (int g : control) w[g] = -1.0 / control.length;
    } else {
      int gb = group(b);
      if (gb < 0) throw new BadInputException("contrast " + name + ": no samples of group '" + b + "' (groups: "
          + String.join(", ", groups) + ")");
      if (gb == ga) throw new BadInputException("contrast " + name + " compares a group with itself");
      control = new int[] {gb};
      w[gb] = -1;
    }
    return new Contrast(name, new int[] {ga}, control, w);
  }

  // ---- choosing the samples and contrasts of a run -----------------------------------------------------------

  /**
   * What a run's design is chosen from: the usable samples (after QC; one small record each), the group sizes of
   * the cohorts (kept after QC, of all), the covariates, the fewest samples a compared group may have, and the
   * groups that are neither healthy nor cancer (from samples.category).
   */
  record Inputs(List<Sample> samples, GroupSizes sizes, List<String> covariates, int min, Set<String> nonCancer) {}

  /**
   * The samples a run fits, their design and contrasts, whether the contrasts were given, and warnings (default
   * contrasts dropped and why, one line each).
   */
  record Selection(Inputs in, List<Sample> used, DeDesign design, List<Contrast> contrasts, boolean explicit,
      List<String> warnings) {}

  /** One modality's design and contrasts after leaving out its thin groups, and the warning that says so. */
  record Fit(DeDesign design, List<Contrast> contrasts, String warning) {}

  /**
   * The samples, design and contrasts of a run. Given contrasts: only the groups they compare are fitted (limma
   * users fit the named groups), so a group nobody asked about cannot block the run; each such group must have
   * usable samples. Default contrasts: a group QC left below the minimum is left out and the contrasts it would
   * be in are named in a warning, or, when no contrast is left, the run stops with that line.
   */
  static Selection fromSamples(Inputs in, List<String> requested) {
    GroupSizes sizes = in.sizes();
    int min = in.min();
    if (in.samples().size() < 3) {
      throw new BadInputException("de: only " + in.samples().size() + " usable sample(s) in " + sizes.cohortLabel()
          + ": nothing to compare; " + sizes.qcHint(List.of(), 3));
    }
    boolean explicit = requested != null && !names(requested).isEmpty();
    List<Sample> used;
    if (explicit) {
      Set<String> usable = new TreeSet<>();
      for (Sample s : in.samples()) usable.add(s.group());
      Set<String> needed = neededGroups(names(requested), usable, sizes, min, in.nonCancer());
      used = in.samples().stream().filter(s -> needed.contains(s.group())).toList();
    } else {
      List<String> short_ = sizes.below(min);
      used = in.samples().stream().filter(s -> !short_.contains(s.group())).toList();
    }
    DeDesign design = build(used, in.covariates(), in.nonCancer());
    List<Contrast> contrasts = design.contrasts(requested);
    List<String> warnings = new ArrayList<>();
    if (!explicit) {
      // what the defaults would be with every group of the cohorts and a healthy group (so that "no healthy
      // samples" is said, not silently skipped)
      Set<String> all = new TreeSet<>(sizes.groups());
      all.add(CancerTypes.HEALTHY);
      String why = dropped(defaultNames(all, in.nonCancer()), contrasts, sizes, min, null, in.nonCancer());
      if (why != null && contrasts.isEmpty()) {
        throw new BadInputException("de: no contrast can be computed in " + sizes.cohortLabel() + ": " + why);
      }
      if (why != null) warnings.add("de: dropped contrasts " + why);
    }
    if (contrasts.isEmpty()) {
      throw new BadInputException("de: no contrasts in " + sizes.cohortLabel() + ": groups "
          + String.join(", ", design.groups)
          + " (need a cancer type and healthy samples or another cancer type, or give --contrasts a_vs_b)");
    }
    return new Selection(in, used, design, contrasts, explicit, warnings);
  }

  /**
   * For default contrasts, one modality's design without the groups that have fewer than the minimum of samples
   * with values in it (e.g. no protein data for one cancer type), the contrasts they would be in named in the
   * warning; null when no group is thin or the contrasts were given. A fit without contrasts means no results
   * for the modality.
   *
   * @param groupSamples samples with values per group of the selection's design
   * @param single whether the modality was asked for alone: then no contrast left is an error
   */
  static Fit withoutThinGroups(Selection sel, String m, long[] groupSamples, boolean single) {
    Inputs in = sel.in();
    DeDesign d = sel.design();
    List<String> thin = new ArrayList<>();
    for (int g = 0; g < d.groups.length; g++) if (groupSamples[g] < in.min()) thin.add(d.groups[g]);
    if (sel.explicit() || thin.isEmpty()) return null;
    Map<String, long[]> counts = new java.util.TreeMap<>();
    for (int g = 0; g < d.groups.length; g++) {
      counts.put(d.groups[g], new long[] {groupSamples[g], in.sizes().kept(d.groups[g])});
    }
    GroupSizes ms = in.sizes().recounted(counts, "without " + m + " values");
    List<Sample> keep = sel.used().stream().filter(s -> !thin.contains(s.group())).toList();
    DeDesign md = keep.isEmpty() ? null : build(keep, in.covariates(), in.nonCancer());
    List<Contrast> mc = md == null ? List.of() : md.contrasts(List.of());
    String why = dropped(sel.contrasts().stream().map(Contrast::name).toList(), mc, ms, in.min(), m + " values",
        in.nonCancer());
    if (mc.isEmpty() && single) {
      throw new BadInputException("de: no " + m + " contrast can be computed in " + in.sizes().cohortLabel() + ": "
          + why);
    }
    return new Fit(md, mc, mc.isEmpty() ? "de: no " + m + " results: dropped contrasts " + why
        : "de: " + m + ": dropped contrasts " + why);
  }

  /**
   * Checks a modality's fit before its models: every compared group has at least the minimum of samples with
   * values, and there are residual degrees of freedom.
   */
  static void checkFit(Inputs in, String m, DeDesign md, List<Contrast> mc, long[] groupSamples) {
    GroupSizes sizes = in.sizes();
    for (Contrast c : mc) {
      for (int[] set : new int[][] {c.caseGroups(), c.controlGroups()}) {
        for (int g : set) {
          if (groupSamples[g] < in.min()) {
            throw new BadInputException("contrast " + c.name() + ": group " + md.groups[g] + " has "
                + groupSamples[g] + " " + m + " sample(s) with values in " + sizes.cohortLabel()
                + "; need at least " + in.min() + " (" + GroupSizes.MIN_KEY + "; choose --cohort or --modality); "
                + sizes.qcHint(List.of(md.groups[g]), in.min()));
          }
        }
      }
    }
    long n = 0;
    for (long k : groupSamples) n += k;
    if (n - md.p() <= 0) {
      throw new BadInputException("de: " + m + " in " + sizes.cohortLabel() + ": " + n + " samples with values for "
          + md.p() + " design columns (" + String.join(" + ", md.columns) + "): no residual degrees of freedom");
    }
  }

  /**
   * The groups given contrasts compare, each checked to have usable samples: a group the cohorts have but QC
   * emptied is named with its counts and the QC hint; a group they do not have at all, with the groups there are.
   */
  static Set<String> neededGroups(List<String> names, Set<String> usable, GroupSizes sizes, int min,
      Set<String> nonCancer) {
    Set<String> needed = new TreeSet<>();
    for (String n : names) {
      List<String> gs = groupsOf(n, usable, nonCancer);
      if (gs == null) continue; // not a_vs_b: contrasts() says so
      List<String> named = n.endsWith("_vs_" + OTHER_CANCERS) ? gs.subList(0, 1) : gs;
      for (String g : named) {
        if (usable.contains(g)) continue;
        if (sizes.total(g) > 0) {
          throw new BadInputException("contrast " + n + ": no usable samples of group '" + g + "' in "
              + sizes.cohortLabel() + " (" + sizes.describe(g) + "); " + sizes.qcHint(List.of(g), min));
        }
        throw new BadInputException("contrast " + n + ": no samples of group '" + g + "' (groups: "
            + String.join(", ", usable) + ")");
      }
      needed.addAll(gs);
    }
    return needed;
  }

  /**
   * Why contrasts of {@code wanted} are not among {@code got}, in one line: each dropped contrast with its groups
   * that have fewer than {@code min} samples, the minimum and (for QC) the QC hint; null when none was dropped.
   *
   * @param what null when the counts are samples after QC, else what was counted ("protein values")
   */
  static String dropped(List<String> wanted, List<Contrast> got, GroupSizes sizes, int min, String what,
      Set<String> nonCancer) {
    Set<String> have = new java.util.HashSet<>();
    for (Contrast c : got) have.add(c.name());
    List<String> parts = new ArrayList<>();
    Set<String> shortGroups = new TreeSet<>();
    for (String n : wanted) {
      if (have.contains(n)) continue;
      List<String> reasons = new ArrayList<>();
      for (String g : groupsOf(n, sizes.groups(), nonCancer)) {
        if (sizes.kept(g) < min) {
          reasons.add(sizes.describe(g));
          shortGroups.add(g);
        }
      }
      parts.add(n + (reasons.isEmpty() ? "" : " (" + String.join(", ", reasons) + ")"));
    }
    if (parts.isEmpty()) return null;
    return String.join(", ", parts) + "; need at least " + min + " samples" + (what == null ? "" : " with " + what)
        + " per compared group (" + GroupSizes.MIN_KEY + ")"
        + (what == null ? "; " + sizes.qcHint(new ArrayList<>(shortGroups), min) : "");
  }
}
