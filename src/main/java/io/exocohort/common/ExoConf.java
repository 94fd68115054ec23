package io.exocohort.common;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Typed configuration with a stated precedence: command-line options &gt; conf file &gt; the defaults below.
 * The conf file is a spark-defaults style properties file ({@code conf/local.properties},
 * {@code conf/cluster.properties}, ...): {@code spark.*} keys go to the SparkSession (where spark-submit did not
 * set them already), {@code exocohort.*} keys configure the jobs. Secrets never live here: the pseudonym key
 * and S3 credentials come from the environment.
 */
public final class ExoConf {
  /** Lake root: a local path or s3a:// URI. */
  public static final String LAKE = "exocohort.lake";
  /** Catalog database the tables are registered in. */
  public static final String DATABASE = "exocohort";
  public static final String DATABASE_KEY = "exocohort.database";
  /** Name of the environment variable that holds the pseudonymisation key. */
  public static final String PSEUDONYM_KEY_ENV = "exocohort.pseudonym.key.env";
  /** Alias table of cancer type names. */
  public static final String CANCER_ALIASES = "exocohort.cancer.aliases";

  private static final Map<String, String> DEFAULTS = Map.of(
      LAKE, "lake",
      DATABASE_KEY, DATABASE,
      PSEUDONYM_KEY_ENV, "EXOCOHORT_PSEUDONYM_KEY",
      CANCER_ALIASES, "conf/cancer_types.tsv");

  private final Map<String, String> values;

  private ExoConf(Map<String, String> values) {
    this.values = values;
  }

  /** Defaults overlaid with the given properties file (if any). */
  public static ExoConf load(Path file) {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    if (file != null) {
      if (!Files.isRegularFile(file)) throw new BadInputException(file.toString(), -1, null, "conf file not found");
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (IOException e) {
        throw new BadInputException(file.toString(), -1, null, "cannot read conf file: " + e.getMessage());
      }
      p.stringPropertyNames().forEach(k -> v.put(k, p.getProperty(k).trim()));
    }
    return new ExoConf(v);
  }

  /** A copy with one value overridden (command-line options go through here). */
  public ExoConf with(String key, String value) {
    if (value == null) return this;
    Map<String, String> v = new LinkedHashMap<>(values);
    v.put(key, value);
    return new ExoConf(v);
  }

  public String get(String key) {
    return values.get(key);
  }

  /**
   * A file named by the conf: a relative path is taken from the working directory, else (so that jobs run from
   * any directory, e.g. by a scheduler) from the checkout in {@code EXOCOHORT_HOME} when the file is there.
   */
  public String file(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) return v;
    java.nio.file.Path p = java.nio.file.Path.of(v);
    String home = System.getenv("EXOCOHORT_HOME");
    if (!p.isAbsolute() && !java.nio.file.Files.exists(p) && home != null
        && java.nio.file.Files.exists(java.nio.file.Path.of(home).resolve(p))) {
      return java.nio.file.Path.of(home).resolve(p).toString();
    }
    return v;
  }

  public String get(String key, String dflt) {
    return values.getOrDefault(key, dflt);
  }

  public boolean getBoolean(String key, boolean dflt) {
    String s = values.get(key);
    return s == null || s.isBlank() ? dflt : Boolean.parseBoolean(s.trim());
  }

  /** The {@code spark.*} entries, for {@link SparkSessions}. */
  public Map<String, String> sparkDefaults() {
    Map<String, String> m = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith("spark.")) m.put(k, v);
    });
    return m;
  }
}
