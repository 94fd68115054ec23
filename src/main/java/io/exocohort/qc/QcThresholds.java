package io.exocohort.qc;

import io.exocohort.common.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The thresholds of the per-sample QC rules, typed and validated. Keys, defaults and the rationale of each
 * default are documented in {@code conf/qc.properties}; the build packs that one file into the jar as
 * {@value #RESOURCE} (pom.xml, resources from conf/), and it is the base every other thresholds file is laid over.
 *
 * <p>Floors ({@link Floor}) and ceilings ({@link Ceiling}) have an optional warn and an optional fail level
 * (null = no such level); a value exactly at a level does not trip it.
 */
public record QcThresholds(
    String source,
    double detectedMinCount,
    Floor librarySize,
    Floor librarySizeUmi,
    Floor mirsDetected,
    Ceiling top10Fraction,
    Ceiling hemolysis,
    Outlier outlier,
    Floor proteinsQuantified,
    Ceiling proteinMissing,
    EvIdentity evIdentity,
    Contamination contamination,
    Range particleSize,
    Concentration particleConcentration,
    Miscalibration miscalibration,
    Map<String, String> values) {

  /** The packed defaults: {@code conf/qc.properties}, packed by the build (no second copy in the sources). */
  public static final String RESOURCE = "exocohort/qc.properties";
  /** What {@link #source()} says when only the packed defaults were used. */
  public static final String BUILT_IN = "built-in " + RESOURCE;

  /** A lower bound: a value below {@code failBelow} fails, below {@code warnBelow} warns. */
  public record Floor(String rule, boolean enabled, Double warnBelow, Double failBelow) {}

  /** An upper bound: a value above {@code failAbove} fails, above {@code warnAbove} warns. */
  public record Ceiling(String rule, boolean enabled, Double warnAbove, Double failAbove) {}

  /** Modified z-score outliers (warn) within (cohort, batch) groups of at least {@code minGroupSize}. */
  public record Outlier(String rule, boolean enabled, double zAbove, int minGroupSize) {}

  /** MISEV2018 identity (fail): one of {@code tetraspanins} and one of {@code cytosolic} detected. */
  public record EvIdentity(String rule, boolean enabled, List<String> tetraspanins, List<String> cytosolic) {}

  /** Contaminant proteins more than {@code log2Above} above their cohort median (warn). */
  public record Contamination(String rule, boolean enabled, double log2Above, List<String> proteins) {}

  /** A plausible range (warn outside; no flag when missing). */
  public record Range(String rule, boolean enabled, double min, double max) {}

  /** A plausible range (warn outside) that also warns when missing if {@code warnIfMissing}. */
  public record Concentration(String rule, boolean enabled, double min, double max, boolean warnIfMissing) {}

  /**
   * When the summary calls a rule likely mis-calibrated for a cohort: it flagged (warn or fail) more than
   * {@code flaggedAbove} of the cohort's samples it assessed, and it assessed at least {@code minAssessed}.
   */
  public record Miscalibration(double flaggedAbove, int minAssessed) {
    public boolean applies(long flagged, long assessed) {
      return assessed >= minAssessed && assessed > 0 && flagged > flaggedAbove * assessed;
    }
  }

  /** Units of a miR count file: read counts (the default) or unique molecular identifiers (deduplicated). */
  public static final String READS = "reads";
  public static final String UMI = "umi";
  public static final List<String> COUNT_UNITS = List.of(READS, UMI);

  /** The library-size floor for a count unit ({@link #READS} or {@link #UMI}). */
  public Floor librarySize(String unit) {
    return UMI.equals(unit) ? librarySizeUmi : librarySize;
  }

  /** A count unit as given (case-insensitive, trimmed), checked; {@code what} names where it came from. */
  public static String countUnit(String given, String what) {
    String u = given == null ? "" : given.strip().toLowerCase(Locale.ROOT);
    if (!COUNT_UNITS.contains(u)) {
      throw new BadInputException(what + " '" + given + "' is not a count unit (reads or umi)");
    }
    return u;
  }

  /** Rule names, as in the keys {@code qc.<rule>.enabled}, in the order they are evaluated and reported. */
  public static final String LIBRARY_SIZE = "mirna.library_size";
  public static final String MIRS_DETECTED = "mirna.detected";
  public static final String TOP10_FRACTION = "mirna.top10_fraction";
  public static final String HEMOLYSIS = "mirna.hemolysis";
  public static final String OUTLIER = "mirna.outlier";
  public static final String PROTEINS_QUANTIFIED = "protein.quantified";
  public static final String PROTEIN_MISSING = "protein.missing";
  public static final String EV_IDENTITY = "protein.ev_identity";
  public static final String CONTAMINATION = "protein.contamination";
  public static final String PARTICLE_SIZE = "vesicles.particle_size";
  public static final String PARTICLE_CONCENTRATION = "vesicles.particle_concentration";
  public static final List<String> RULES = List.of(LIBRARY_SIZE, MIRS_DETECTED, TOP10_FRACTION, HEMOLYSIS, OUTLIER,
      PROTEINS_QUANTIFIED, PROTEIN_MISSING, EV_IDENTITY, CONTAMINATION, PARTICLE_SIZE, PARTICLE_CONCENTRATION);

  public QcThresholds {
    values = Map.copyOf(values);
  }

  /** The packed defaults. */
  public static QcThresholds defaults() {
    return parse(packed(), BUILT_IN);
  }

  /**
   * The packed defaults overlaid with {@code file} (null or blank: the defaults alone). A missing or unreadable
   * file, an unknown {@code qc.*} key or a bad value is a {@link BadInputException} naming the file, key and value.
   */
  public static QcThresholds load(String file) {
    if (file == null || file.isBlank()) return defaults();
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) throw new BadInputException(file, -1, null, "thresholds file not found");
    Properties props = packed();
    Properties given = new Properties();
    try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      given.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(file, -1, null, "cannot read thresholds file: " + e.getMessage());
    }
    for (String k : given.stringPropertyNames()) props.setProperty(k, given.getProperty(k));
    return parse(props, file);
  }

  /** Thresholds from properties that hold every key (tests build these from {@link #defaultProperties()}). */
  public static QcThresholds parse(Properties props, String source) {
    return new Parser(props, source).parse();
  }

  /** A fresh copy of the packed defaults, to change a key before {@link #parse}. */
  public static Properties defaultProperties() {
    return packed();
  }

  /** Whether a rule (one of {@link #RULES}) is switched on. */
  public boolean enabled(String rule) {
    return switch (rule) {
      case LIBRARY_SIZE -> librarySize.enabled();
      case MIRS_DETECTED -> mirsDetected.enabled();
      case TOP10_FRACTION -> top10Fraction.enabled();
      case HEMOLYSIS -> hemolysis.enabled();
      case OUTLIER -> outlier.enabled();
      case PROTEINS_QUANTIFIED -> proteinsQuantified.enabled();
      case PROTEIN_MISSING -> proteinMissing.enabled();
      case EV_IDENTITY -> evIdentity.enabled();
      case CONTAMINATION -> contamination.enabled();
      case PARTICLE_SIZE -> particleSize.enabled();
      case PARTICLE_CONCENTRATION -> particleConcentration.enabled();
      default -> throw new IllegalArgumentException("no qc rule " + rule);
    };
  }

  /** Every key with its effective value (as normalised strings), for {@code job_runs.parameters}. */
  public Map<String, String> parameters() {
    return new TreeMap<>(values);
  }

  private static Properties packed() {
    Properties p = new Properties();
    try (InputStream in = QcThresholds.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read resource " + RESOURCE, e);
    }
    return p;
  }

  /** Reads and checks every key once; refuses keys it does not know. */
  private static final class Parser {
    private final Properties props;
    private final String source;
    private final Set<String> used = new HashSet<>();
    private final Map<String, String> values = new TreeMap<>();

    Parser(Properties props, String source) {
      this.props = props;
      this.source = source;
    }

    QcThresholds parse() {
      double minCount = number("qc.mirna.detected.min_count", true);
      check(minCount >= 0, "qc.mirna.detected.min_count", "must be >= 0");
      QcThresholds t = new QcThresholds(source, minCount,
          floor(LIBRARY_SIZE), floor(LIBRARY_SIZE + "." + UMI, LIBRARY_SIZE, false), floor(MIRS_DETECTED),
          ceiling(TOP10_FRACTION, 1.0), ceiling(HEMOLYSIS, null),
          outlier(), floor(PROTEINS_QUANTIFIED), ceiling(PROTEIN_MISSING, 1.0), evIdentity(), contamination(),
          range(PARTICLE_SIZE, "min_nm", "max_nm"), concentration(), miscalibration(), values);
      List<String> unknown = new ArrayList<>();
      for (String k : props.stringPropertyNames()) if (k.startsWith("qc.") && !used.contains(k)) unknown.add(k);
      if (!unknown.isEmpty()) {
        unknown.sort(null);
        throw new BadInputException(source, -1, null, "unknown key " + String.join(", ", unknown)
            + " (known rules: " + String.join(", ", RULES) + ")");
      }
      return t;
    }

    private String raw(String key) {
      used.add(key);
      String v = props.getProperty(key);
      if (v == null) throw bad(key, null, "is missing");
      return v.strip();
    }

    private BadInputException bad(String key, String value, String what) {
      return new BadInputException(source, -1, null,
          key + (value == null ? "" : " = '" + value + "'") + ": " + what);
    }

    private void check(boolean ok, String key, String what) {
      if (!ok) throw bad(key, props.getProperty(key), what);
    }

    /** A finite number; null when blank and {@code !required}. */
    private Double number(String key, boolean required) {
      String v = raw(key);
      if (v.isEmpty()) {
        if (required) throw bad(key, v, "a number is required");
        values.put(key, "");
        return null;
      }
      double d;
      try {
        d = Double.parseDouble(v);
      } catch (NumberFormatException e) {
        throw bad(key, v, "not a number");
      }
      if (!Double.isFinite(d) || v.endsWith("d") || v.endsWith("D") || v.endsWith("f") || v.endsWith("F")) {
        throw bad(key, v, "not a finite decimal number");
      }
      values.put(key, v);
      return d;
    }

    private boolean bool(String key) {
      String v = raw(key).toLowerCase(Locale.ROOT);
      if (!v.equals("true") && !v.equals("false")) throw bad(key, v, "must be true or false");
      values.put(key, v);
      return Boolean.parseBoolean(v);
    }

    private List<String> list(String key) {
      String v = raw(key);
      List<String> l = Arrays.stream(v.split(",")).map(s -> s.strip().toUpperCase(Locale.ROOT))
          .filter(s -> !s.isEmpty()).distinct().toList();
      if (l.isEmpty()) throw bad(key, v, "needs at least one protein (comma separated)");
      values.put(key, String.join(",", l));
      return l;
    }

    private boolean enabled(String rule) {
      return bool("qc." + rule + ".enabled");
    }

    private Floor floor(String rule) {
      return floor(rule, rule, true);
    }

    /** The floor keys under {@code qc.<prefix>.}, for {@code rule}; its enabled key read only if {@code own}. */
    private Floor floor(String prefix, String rule, boolean own) {
      boolean on = own ? enabled(rule) : bool("qc." + rule + ".enabled");
      String w = "qc." + prefix + ".warn_below";
      String f = "qc." + prefix + ".fail_below";
      Double warn = number(w, false);
      Double fail = number(f, false);
      if (warn != null) check(warn >= 0, w, "must be >= 0");
      if (fail != null) check(fail >= 0, f, "must be >= 0");
      if (warn != null && fail != null) {
        check(warn >= fail, w, "the warn level must not be below " + f + " = " + fmt(fail));
      }
      return new Floor(rule, on, warn, fail);
    }

    private Ceiling ceiling(String rule, Double max) {
      boolean on = enabled(rule);
      String w = "qc." + rule + ".warn_above";
      String f = "qc." + rule + ".fail_above";
      Double warn = number(w, false);
      Double fail = number(f, false);
      if (max != null) {
        if (warn != null) check(warn >= 0 && warn <= max, w, "must be within 0.." + fmt(max));
        if (fail != null) check(fail >= 0 && fail <= max, f, "must be within 0.." + fmt(max));
      }
      if (warn != null && fail != null) {
        check(warn <= fail, w, "the warn level must not be above " + f + " = " + fmt(fail));
      }
      return new Ceiling(rule, on, warn, fail);
    }

    private Outlier outlier() {
      boolean on = enabled(OUTLIER);
      String z = "qc." + OUTLIER + ".z_above";
      String n = "qc." + OUTLIER + ".min_group_size";
      double zAbove = number(z, true);
      check(zAbove > 0, z, "must be > 0");
      double size = number(n, true);
      check(size >= 3 && size == Math.rint(size) && size <= Integer.MAX_VALUE, n, "must be a whole number >= 3");
      return new Outlier(OUTLIER, on, zAbove, (int) size);
    }

    private EvIdentity evIdentity() {
      boolean on = enabled(EV_IDENTITY);
      return new EvIdentity(EV_IDENTITY, on, list("qc." + EV_IDENTITY + ".tetraspanins"),
          list("qc." + EV_IDENTITY + ".cytosolic"));
    }

    private Contamination contamination() {
      boolean on = enabled(CONTAMINATION);
      String k = "qc." + CONTAMINATION + ".log2_above";
      double above = number(k, true);
      check(above >= 0, k, "must be >= 0");
      return new Contamination(CONTAMINATION, on, above, list("qc." + CONTAMINATION + ".proteins"));
    }

    private Range range(String rule, String minName, String maxName) {
      boolean on = enabled(rule);
      String lo = "qc." + rule + "." + minName;
      String hi = "qc." + rule + "." + maxName;
      double min = number(lo, true);
      double max = number(hi, true);
      check(min >= 0, lo, "must be >= 0");
      check(max > min, hi, "must be above " + lo + " = " + fmt(min));
      return new Range(rule, on, min, max);
    }

    private Miscalibration miscalibration() {
      String a = "qc.miscalibration.flagged_above";
      String n = "qc.miscalibration.min_assessed";
      double above = number(a, true);
      check(above >= 0 && above < 1, a, "must be within 0..1 (a fraction of the assessed samples, below 1)");
      double min = number(n, true);
      check(min >= 1 && min == Math.rint(min) && min <= Integer.MAX_VALUE, n, "must be a whole number >= 1");
      return new Miscalibration(above, (int) min);
    }

    private Concentration concentration() {
      Range r = range(PARTICLE_CONCENTRATION, "min", "max");
      boolean missing = bool("qc." + PARTICLE_CONCENTRATION + ".warn_if_missing");
      return new Concentration(PARTICLE_CONCENTRATION, r.enabled(), r.min(), r.max(), missing);
    }
  }

  /** A threshold as people write it: 100000, 0.9, 1e+07. */
  public static String fmt(double d) {
    if (d == Math.rint(d) && Math.abs(d) < 1e7) return Long.toString((long) d);
    if (Math.abs(d) >= 1e7 || (d != 0 && Math.abs(d) < 1e-3)) {
      String s = String.format(Locale.ROOT, "%.3g", d);
      return s.replaceAll("\\.?0+e", "e").replace("e+0", "e").replace("e+", "e");
    }
    return String.format(Locale.ROOT, "%.6g", d).replaceAll("\\.?0+$", "");
  }
}
