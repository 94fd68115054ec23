package io.exocohort.common;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * One {@code exocohort.*} configuration key: its name, type, default and one line of documentation, and the
 * command-line options that override it. Declared once, in {@link Settings}; read with
 * {@link ExoConf#get(Setting)}.
 *
 * @param <T> the Java type of the value: {@code String} for {@link Type#STRING} and {@link Type#PATH},
 *     {@code Integer}, {@code Double}, {@code Boolean}, {@code List<String>} for {@link Type#LIST}
 */
public final class Setting<T> {
  /** The value types a conf file can hold. */
  public enum Type {
    /** Free text, trimmed. */
    STRING,
    /** A whole number. */
    INT,
    /** A decimal number. */
    DOUBLE,
    /** {@code true} or {@code false} (any case). */
    BOOLEAN,
    /**
     * A local file: relative paths are taken from the working directory, else from {@code $EXOCOHORT_HOME}
     * (see {@link ExoConf#get(Setting)}). The value stays a {@code String}.
     */
    PATH,
    /** Comma-separated words, each trimmed; blank entries dropped. */
    LIST
  }

  private final String key;
  private final Type type;
  private final T defaultValue;
  private final String doc;
  private final List<String> options;
  private final Function<String, T> parser;

  private Setting(String key, Type type, T defaultValue, String doc, List<String> options,
      Function<String, T> parser) {
    if (!key.startsWith("exocohort.")) throw new IllegalArgumentException("not an exocohort.* key: " + key);
    this.key = key;
    this.type = type;
    this.defaultValue = defaultValue;
    this.doc = Objects.requireNonNull(doc);
    this.options = List.copyOf(options);
    this.parser = parser;
  }

  static Setting<String> string(String key, String dflt, String doc, String... options) {
    return new Setting<>(key, Type.STRING, dflt, doc, List.of(options), s -> s);
  }

  static Setting<String> path(String key, String dflt, String doc, String... options) {
    return new Setting<>(key, Type.PATH, dflt, doc, List.of(options), s -> s);
  }

  static Setting<Integer> integer(String key, int dflt, String doc, String... options) {
    return new Setting<>(key, Type.INT, dflt, doc, List.of(options), Integer::valueOf);
  }

  static Setting<Double> decimal(String key, double dflt, String doc, String... options) {
    return new Setting<>(key, Type.DOUBLE, dflt, doc, List.of(options), Double::valueOf);
  }

  static Setting<Boolean> bool(String key, boolean dflt, String doc, String... options) {
    return new Setting<>(key, Type.BOOLEAN, dflt, doc, List.of(options), Setting::parseBoolean);
  }

  static Setting<List<String>> list(String key, String doc, String... options) {
    return new Setting<>(key, Type.LIST, List.of(), doc, List.of(options), Setting::parseList);
  }

  /** The key, e.g. {@code exocohort.lake}. */
  public String key() {
    return key;
  }

  public Type type() {
    return type;
  }

  /** The value when no conf file sets the key (null: none, e.g. "use the thresholds packed in the jar"). */
  public T defaultValue() {
    return defaultValue;
  }

  /** One line of documentation. */
  public String doc() {
    return doc;
  }

  /** Command-line options that override this key (e.g. {@code --lake}); empty when only a conf file sets it. */
  public List<String> options() {
    return options;
  }

  /** The default as a conf file would write it ({@code ""} for none or an empty list). */
  public String defaultText() {
    if (defaultValue == null) return "";
    if (defaultValue instanceof List<?> l) return String.join(",", l.stream().map(String::valueOf).toList());
    return String.valueOf(defaultValue);
  }

  /**
   * The typed value of a conf entry; blank means the default.
   *
   * @param raw the text of the conf file or option
   * @param source where it came from, for the error (e.g. the conf file)
   * @throws BadInputException naming the source, key and value when the text is not of this type
   */
  public T parse(String raw, String source) {
    if (raw == null || raw.isBlank()) return defaultValue;
    String v = raw.strip();
    try {
      return parser.apply(v);
    } catch (IllegalArgumentException e) {
      throw new BadInputException(source, -1, null,
          "conf " + key + "=" + BadInputException.clip(v, 80) + " is not " + expected());
    }
  }

  /** What a value of this type must be, for errors. */
  String expected() {
    return switch (type) {
      case INT -> "a whole number";
      case DOUBLE -> "a number";
      case BOOLEAN -> "true or false";
      default -> "valid";
    };
  }

  private static Boolean parseBoolean(String s) {
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(s);
    };
  }

  private static List<String> parseList(String s) {
    return Arrays.stream(s.split(",")).map(String::strip).filter(x -> !x.isEmpty()).toList();
  }

  @Override
  public String toString() {
    return key;
  }
}
