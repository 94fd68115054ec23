package io.exocohort.common;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Typed configuration with a stated precedence: command-line options &gt; conf file &gt; the defaults of
 * {@link Settings}, the one registry of {@code exocohort.*} keys. The conf file is a spark-defaults style
 * properties file ({@code conf/local.properties}, {@code conf/cluster.properties}, ...): {@code spark.*} keys go
 * to the SparkSession (where spark-submit did not set them already), {@code exocohort.*} keys configure the jobs.
 * Secrets never live here: the pseudonym key and S3 credentials come from the environment.
 *
 * <p>Loading checks the file against the registry and fails fast (exit 2, one line naming the file, line and
 * key): an {@code exocohort.*} key that is not declared is an error, not a warning, since a misspelt key would
 * otherwise be ignored silently and the job run with the default (the message suggests the closest declared
 * key); a value that is not of the key's type is an error too. Keys outside {@code exocohort.*} and
 * {@code spark.*} are kept and ignored.
 */
public final class ExoConf {
  /** Key of {@link Settings#LAKE} (kept for callers not yet on the typed getters). */
  public static final String LAKE = Settings.LAKE.key();
  /** The default catalog database ({@link Settings#DATABASE}'s default). */
  public static final String DATABASE = Settings.DATABASE.defaultValue();
  /** Key of {@link Settings#DATABASE}. */
  public static final String DATABASE_KEY = Settings.DATABASE.key();
  /** Key of {@link Settings#PSEUDONYM_KEY_ENV}. */
  public static final String PSEUDONYM_KEY_ENV = Settings.PSEUDONYM_KEY_ENV.key();
  /** Key of {@link Settings#CANCER_ALIASES}. */
  public static final String CANCER_ALIASES = Settings.CANCER_ALIASES.key();

  private final Map<String, String> values;

  private ExoConf(Map<String, String> values) {
    this.values = values;
  }

  /** The registry's defaults overlaid with the given properties file (if any), checked against the registry. */
  public static ExoConf load(Path file) {
    Map<String, String> v = defaults();
    if (file != null) {
      if (!Files.isRegularFile(file)) throw new BadInputException(file.toString(), -1, null, "conf file not found");
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new BadInputException(file.toString(), -1, null, "cannot read conf file: " + e.getMessage());
      }
      v.putAll(parse(text, file.toString()));
    }
    return new ExoConf(v);
  }

  /**
   * The entries of a conf file's text, each {@code exocohort.*} key checked against {@link Settings}: declared
   * and of its type.
   *
   * @param source the file name for errors
   * @throws BadInputException naming the file, line and key of the first unknown key or bad value
   */
  static Map<String, String> parse(String text, String source) {
    Properties p = new Properties();
    try (Reader r = new StringReader(text)) {
      p.load(r);
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(source, -1, null, "cannot read conf file: " + e.getMessage());
    }
    Map<String, String> m = new LinkedHashMap<>();
    for (String k : p.stringPropertyNames()) {
      String value = p.getProperty(k).trim();
      if (k.startsWith("exocohort.")) check(k, value, text, source);
      m.put(k, value);
    }
    return m;
  }

  private static void check(String key, String value, String text, String source) {
    long line = lineOf(text, key);
    Setting<?> s = Settings.find(key).orElse(null);
    if (s == null) {
      String near = Settings.closest(key);
      throw new BadInputException(source, line, null, "unknown setting " + BadInputException.clip(key, 80)
          + (near != null ? " (did you mean " + near + "?)" : " (the exocohort.* keys are listed in "
          + "conf/local.properties)"));
    }
    try {
      s.parse(value, source);
    } catch (BadInputException e) {
      throw new BadInputException(source, line, null, "conf " + key + "=" + BadInputException.clip(value, 80)
          + " is not " + s.expected());
    }
  }

  /** 1-based line of the first entry of a key in a properties text, or -1. */
  private static long lineOf(String text, String key) {
    List<String> lines = text.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i).stripLeading();
      if (l.startsWith(key) && (l.length() == key.length() || " \t=:".indexOf(l.charAt(key.length())) >= 0)) {
        return i + 1;
      }
    }
    return -1;
  }

  private static Map<String, String> defaults() {
    Map<String, String> v = new LinkedHashMap<>();
    for (Setting<?> s : Settings.ALL) {
      if (s.defaultValue() != null) v.put(s.key(), s.defaultText());
    }
    return v;
  }

  /** A copy with one value overridden (command-line options go through here); null leaves the value. */
  public ExoConf with(String key, String value) {
    if (value == null) return this;
    Map<String, String> v = new LinkedHashMap<>(values);
    v.put(key, value);
    return new ExoConf(v);
  }

  /** A copy with one setting overridden by a command-line option; null leaves the value. */
  public ExoConf with(Setting<?> setting, String value) {
    return with(setting.key(), value);
  }

  /**
   * The typed value of a setting: the option or conf file's value, else the registry's default. A
   * {@link Setting.Type#PATH} is taken from the working directory (the client's under {@code exocohort serve}),
   * else (so that jobs run from any directory, e.g. by a scheduler) from the checkout in {@code EXOCOHORT_HOME}
   * when the file is there.
   *
   * @throws BadInputException when a value set by an option is not of the setting's type
   */
  public <T> T get(Setting<T> setting) {
    T v = setting.parse(values.get(setting.key()), null);
    if (setting.type() == Setting.Type.PATH && v != null) {
      @SuppressWarnings("unchecked")
      T resolved = (T) resolveFile((String) v);
      return resolved;
    }
    return v;
  }

  /** The raw text of a key (the registry's default when unset); prefer {@link #get(Setting)}. */
  public String get(String key) {
    return values.get(key);
  }

  /**
   * A file named by the conf, resolved as {@link #get(Setting)} resolves a {@link Setting.Type#PATH}; prefer
   * {@link #get(Setting)}.
   */
  public String file(String key) {
    String v = values.get(key);
    return v == null || v.isBlank() ? v : resolveFile(v);
  }

  private static String resolveFile(String v) {
    Path p = Path.of(v);
    String home = System.getenv("EXOCOHORT_HOME");
    // under exocohort serve, the working directory is the client's (Caller)
    String mine = Caller.resolve(v);
    if (!p.isAbsolute() && !Files.exists(Path.of(mine)) && home != null && Files.exists(Path.of(home).resolve(p))) {
      return Path.of(home).resolve(p).toString();
    }
    return mine;
  }

  /** The raw text of a key, else {@code dflt}; prefer {@link #get(Setting)}. */
  public String get(String key, String dflt) {
    return values.getOrDefault(key, dflt);
  }

  /** A boolean key, else {@code dflt}; prefer {@link #get(Setting)}. */
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
