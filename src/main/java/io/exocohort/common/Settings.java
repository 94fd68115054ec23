package io.exocohort.common;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code exocohort.*} configuration key, declared once: name, type, default, one line of documentation
 * and the command-line options that override it. {@link ExoConf} reads through this registry (a key a conf file
 * sets that is not declared here is refused); {@code conf/*.properties} and the commands' {@code --help} are
 * checked against it by {@code SettingsTest}.
 *
 * <p>Precedence: command-line options &gt; the conf file ({@code --conf FILE}, else {@code $EXOCOHORT_CONF})
 * &gt; the defaults below. Secrets never live in a conf file: the pseudonym key and S3 credentials come from the
 * environment.
 */
public final class Settings {
  /** Lake root. */
  public static final Setting<String> LAKE = Setting.string("exocohort.lake", "lake",
      "Lake root: a local path (relative to the working directory) or an s3a://bucket/prefix URI.", "--lake");

  /** Catalog database the tables are registered in. */
  public static final Setting<String> DATABASE = Setting.string("exocohort.database", "exocohort",
      "Catalog database the tables are registered in (SQL names tables database.table).", "--database");

  /** Name of the environment variable holding the pseudonymisation key. */
  public static final Setting<String> PSEUDONYM_KEY_ENV = Setting.string("exocohort.pseudonym.key.env",
      "EXOCOHORT_PSEUDONYM_KEY",
      "Environment variable holding the key under which subject ids are pseudonymised (HMAC-SHA256).");

  /** Whether a run without the key variable may use the labelled demo key. */
  public static final Setting<Boolean> PSEUDONYM_DEMO = Setting.bool("exocohort.pseudonym.demo", false,
      "Without the key variable, use a labelled DEMO key (with a warning): local demos only, never on a cluster.");

  /** The shipped alias table of cancer type names. */
  public static final Setting<String> CANCER_ALIASES = Setting.path("exocohort.cancer.aliases",
      "conf/cancer_types.tsv", "Alias table of cancer type names: alias, canonical name and optional category, tab separated.");

  /** Extra manifest columns holding direct identifiers. */
  public static final Setting<List<String>> INGEST_IDENTIFIER_COLUMNS = Setting.list(
      "exocohort.ingest.identifier.columns",
      "Extra manifest columns holding direct identifiers, dropped at ingest (comma separated; added to the "
          + "built-in list: patient_id, mrn, name, date_of_birth, ...).");

  /** QC thresholds file laid over the defaults packed in the jar. */
  public static final Setting<String> QC_THRESHOLDS = Setting.path("exocohort.qc.thresholds", null,
      "QC thresholds properties file laid over the defaults packed in the jar (none: the packed defaults).",
      "--thresholds");

  /** Fewest samples a group may keep after QC (normalize, de). */
  public static final Setting<Integer> MIN_SAMPLES_PER_GROUP = Setting.integer("exocohort.min.samples.per.group",
      2, "normalize / de: fewest samples a group may keep after QC; normalize fails below it (0 turns the check "
          + "off), de drops a default contrast below it and never compares fewer than 2.");

  /** Fraction of subjects held out (locked) for the final model's one scoring. */
  public static final Setting<Double> MODEL_HOLDOUT_FRACTION = Setting.decimal("exocohort.model.holdout.fraction",
      0.2, "train: fraction of the subjects of every cancer type and stage held out (locked) and scored once by "
          + "the final model.");

  /** Specificity at which the stored decision threshold is set. */
  public static final Setting<Double> MODEL_THRESHOLD_SPECIFICITY = Setting.decimal(
      "exocohort.model.threshold.specificity", 0.99,
      "train: specificity at which the stored decision threshold is set (on the out-of-fold controls' scores).");

  /** Bootstrap replicates of the sensitivity intervals. */
  public static final Setting<Integer> MODEL_BOOTSTRAP_REPLICATES = Setting.integer(
      "exocohort.model.bootstrap.replicates", 1000,
      "train: bootstrap replicates of the sensitivity-at-specificity intervals (seeded by --seed); score "
          + "--detect-model: of the two-stage figures.");

  /** Fewest samples a class may have to train. */
  public static final Setting<Integer> MODEL_MIN_PER_CLASS = Setting.integer("exocohort.model.min.per.class", 10,
      "train: fewest samples a class may have to train (also at least --folds).");

  /** Largest fraction of a model's features a sample may miss and still be scored. */
  public static final Setting<Double> MODEL_SCORE_MAX_MISSING_FRACTION = Setting.decimal(
      "exocohort.model.score.max.missing.fraction", 0.5,
      "score: a sample missing more than this fraction of the model's features is not scored.");

  /** Every setting, in the order of the documentation. */
  public static final List<Setting<?>> ALL = List.of(LAKE, DATABASE, PSEUDONYM_KEY_ENV, PSEUDONYM_DEMO,
      CANCER_ALIASES, INGEST_IDENTIFIER_COLUMNS, QC_THRESHOLDS, MIN_SAMPLES_PER_GROUP, MODEL_HOLDOUT_FRACTION,
      MODEL_THRESHOLD_SPECIFICITY, MODEL_BOOTSTRAP_REPLICATES, MODEL_MIN_PER_CLASS, MODEL_SCORE_MAX_MISSING_FRACTION);

  private static final Map<String, Setting<?>> BY_KEY = byKey();

  private Settings() {}

  private static Map<String, Setting<?>> byKey() {
    Map<String, Setting<?>> m = new LinkedHashMap<>();
    for (Setting<?> s : ALL) {
      if (m.put(s.key(), s) != null) throw new IllegalStateException("setting declared twice: " + s.key());
    }
    return Map.copyOf(m);
  }

  /** The setting of a key, if declared. */
  public static Optional<Setting<?>> find(String key) {
    return Optional.ofNullable(BY_KEY.get(key));
  }

  /** The declared key closest to an unknown one (for "did you mean"), or null when none is close. */
  static String closest(String key) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : BY_KEY.keySet()) {
      int d = distance(key, k);
      if (d < bestDistance) {
        best = k;
        bestDistance = d;
      }
    }
    return bestDistance <= Math.max(2, key.length() / 5) ? best : null;
  }

  /** Levenshtein distance (keys are short). */
  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) prev[j] = j;
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
