package io.exocohort.de;

import io.exocohort.common.BadInputException;
import io.exocohort.ingest.CancerTypes;
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
  /** samples columns that enter the design as numbers; the other allowed ones are factors. */
  static final Set<String> NUMERIC = Set.of("age", "particle_concentration", "particle_size_nm");
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

  /** One contrast: case groups against control groups, and its weights on the design's coefficients. */
  record Contrast(String name, int[] caseGroups, int[] controlGroups, double[] weights) implements Serializable {}

  /** One sample as the job reads it: key, group, and the covariates' values (null if missing). */
  record Sample(String key, String group, Object[] covariates) {}

  private DeDesign(String[] groups, String[] columns, double[] shift, Map<String, Integer> groupOf,
      Map<String, double[]> rows, Set<String> nonCancer) {
    this.nonCancer = Set.copyOf(nonCancer);
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
      throw new BadInputException("--covariates: '" + c + "' is not a samples column usable as a covariate (one of "
          + String.join(", ", all) + ")");
    }
  }

  /** A design whose non-cancer groups are those of the shipped alias table (tests, in-memory use). */
  static DeDesign build(List<Sample> samples, List<String> covariates) {
    return build(samples, covariates, CancerTypes.nonCancerGroups());
  }

  /**
   * The design of the given samples: group indicators (cell means) plus the covariates, centred.
   *
   * @param nonCancer groups that are neither healthy nor cancer (from samples.category)
   */
  static DeDesign build(List<Sample> samples, List<String> covariates, Set<String> nonCancer) {
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
    Map<String, double[]> rows = new HashMap<>();
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      double[] x = new double[p];
      int g = gi.get(s.group());
      x[g] = 1;
      for (int j = 0; j < covCols.size(); j++) x[groups.length + j] = covCols.get(j)[i];
      groupOf.put(s.key(), g);
      rows.put(s.key(), x);
    }
    return new DeDesign(groups, cols.toArray(new String[0]), shift, groupOf, rows, nonCancer);
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
}
