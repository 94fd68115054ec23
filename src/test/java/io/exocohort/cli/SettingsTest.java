package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Setting;
import io.exocohort.common.Settings;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The registry of {@code exocohort.*} keys ({@link Settings}) against everything that names a key: the conf files
 * shipped under {@code conf/}, the string literals of the code, the documentation ({@code docs/configuration.md})
 * and the {@code --help} of every command. No Spark: it reads files and renders usage messages.
 */
class SettingsTest {
  static final Path PROJECT = Path.of("").toAbsolutePath();
  static final Pattern KEY_LITERAL = Pattern.compile("\"(exocohort\\.[a-zA-Z_.]+)\"");
  static final Pattern CONF_KEY = Pattern.compile("conf key (exocohort\\.[a-z_.]*[a-z_])");

  /** String literals of the code that look like keys but are not configuration, with what they are. */
  static final Map<String, String> NOT_SETTINGS = Map.of(
      "exocohort.intensity_scale", "a Delta table property of protein_intensities (catalog/Tables)",
      "exocohort.writer", "Parquet footer metadata of generated files (generate/ParquetRowSink)");

  @Test
  void confFilesSetOnlyDeclaredKeysWithValuesOfTheirType() throws IOException {
    List<Path> confs;
    try (Stream<Path> s = Files.list(PROJECT.resolve("conf"))) {
      confs = s.filter(p -> p.toString().endsWith(".properties")).sorted().toList();
    }
    List<String> problems = new ArrayList<>();
    int keys = 0;
    for (Path conf : confs) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(conf)) {
        p.load(r);
      }
      for (String k : p.stringPropertyNames()) {
        if (!k.startsWith("exocohort.")) continue;
        keys++;
        Setting<?> s = Settings.find(k).orElse(null);
        if (s == null) {
          problems.add(conf.getFileName() + ": " + k + " is not declared in Settings");
          continue;
        }
        try {
          s.parse(p.getProperty(k), conf.toString());
        } catch (RuntimeException e) {
          problems.add(conf.getFileName() + ": " + e.getMessage());
        }
      }
      ExoConf.load(conf); // the loader's own check: throws on an unknown key or a bad value
    }
    assertEquals(List.of(), problems);
    // local.properties alone sets every key; finding few means the scan lost track of the files
    assertTrue(keys >= Settings.ALL.size(), "exocohort.* keys found in conf/*.properties: " + keys);
  }

  @Test
  void everyKeyTheCodeNamesIsDeclared() throws IOException {
    Set<String> used = new TreeSet<>();
    try (Stream<Path> s = Files.walk(PROJECT.resolve("src/main/java"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
        Matcher m = KEY_LITERAL.matcher(Files.readString(f));
        while (m.find()) used.add(m.group(1));
      }
    }
    List<String> undeclared = used.stream()
        .filter(k -> Settings.find(k).isEmpty() && !NOT_SETTINGS.containsKey(k)).toList();
    assertEquals(List.of(), undeclared, "exocohort.* literals in src/main/java that Settings does not declare");
    // the exceptions stay honest: each is still in the code (else it goes from the list)
    for (String k : NOT_SETTINGS.keySet()) assertTrue(used.contains(k), k + " is no longer in the code");
    assertTrue(used.contains(Settings.LAKE.key()), "the scan found no key literal: " + used);
  }

  @Test
  void everySettingIsDocumentedWithItsTypeAndDefault() throws IOException {
    String doc = Files.readString(PROJECT.resolve("docs/configuration.md"));
    StringBuilder missing = new StringBuilder();
    for (Setting<?> s : Settings.ALL) {
      String row = docRow(s);
      if (!doc.contains(row)) missing.append(row).append('\n');
    }
    assertEquals("", missing.toString(), "rows of docs/configuration.md missing or out of date (the registry's)");
    // and no row for a key the registry lacks
    Matcher m = Pattern.compile("(?m)^\\| `(exocohort\\.[^`]+)`").matcher(doc);
    int rows = 0;
    while (m.find()) {
      rows++;
      assertTrue(Settings.find(m.group(1)).isPresent(), "docs/configuration.md documents unknown " + m.group(1));
    }
    assertEquals(Settings.ALL.size(), rows);
  }

  /** The table row of a setting in docs/configuration.md. */
  static String docRow(Setting<?> s) {
    String dflt = s.defaultValue() == null || s.defaultText().isEmpty() ? "(none)" : "`" + s.defaultText() + "`";
    String options = s.options().isEmpty() ? "" : String.join(", ", s.options().stream()
        .map(o -> "`" + o + "`").toList());
    return "| `" + s.key() + "` | " + s.type().name().toLowerCase(java.util.Locale.ROOT) + " | " + dflt + " | "
        + options + " | " + s.doc().replace("|", "\\|") + " |";
  }

  @Test
  void helpShowsTheRegistryDefaultOfEveryOptionBackedByASetting() {
    List<String> problems = new ArrayList<>();
    int linked = 0;
    for (CommandLine cl : allCommands(Main.commandLine())) {
      String name = cl.getCommandSpec().qualifiedName();
      // without whitespace: the help wraps lines at spaces and at the dots of a key
      String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", "");
      for (OptionSpec o : cl.getCommandSpec().options()) {
        String description = String.join(" ", o.description());
        Matcher m = CONF_KEY.matcher(description);
        while (m.find()) {
          Setting<?> s = Settings.find(m.group(1)).orElse(null);
          if (s == null) {
            problems.add(name + " " + o.longestName() + ": names undeclared conf key " + m.group(1));
          } else if (!s.options().contains(o.longestName()) && !s.options().stream().anyMatch(
              n -> List.of(o.names()).contains(n))) {
            problems.add(name + " " + o.longestName() + ": overrides " + s.key() + " but Settings does not list it");
          }
        }
        for (Setting<?> s : Settings.ALL) {
          if (s.options().stream().noneMatch(n -> List.of(o.names()).contains(n))) continue;
          linked++;
          problems.addAll(helpProblems(name, o, s, usage));
        }
      }
    }
    assertEquals(List.of(), problems);
    // --lake and --database on every command, --thresholds on qc and report
    assertTrue(linked > 2 * Main.commandLine().getSubcommands().size(), "options linked to settings: " + linked);
  }

  /** What is wrong with the --help of one option that a setting backs. */
  static List<String> helpProblems(String command, OptionSpec o, Setting<?> s, String usage) {
    List<String> problems = new ArrayList<>();
    String where = command + " " + o.longestName() + " (" + s.key() + "): ";
    String expected = "conf key " + s.key() + (s.defaultValue() == null ? "" : ", else " + s.defaultText() + ".");
    if (!usage.contains(expected.replaceAll("\\s+", ""))) {
      problems.add(where + "--help does not say '" + expected + "'");
    }
    if (o.defaultValue() != null && !o.defaultValue().equals(s.defaultText())) {
      problems.add(where + "picocli default " + o.defaultValue() + " is not the registry's " + s.defaultText());
    }
    return problems;
  }

  static List<CommandLine> allCommands(CommandLine root) {
    List<CommandLine> all = new ArrayList<>();
    all.add(root);
    for (CommandLine sub : root.getSubcommands().values()) all.addAll(allCommands(sub));
    return all;
  }

  @Test
  void registryIsWellFormed() {
    Set<String> keys = new TreeSet<>();
    for (Setting<?> s : Settings.ALL) {
      assertTrue(keys.add(s.key()), "declared twice: " + s.key());
      assertTrue(s.key().matches("exocohort\\.[a-z_]+(\\.[a-z_]+)*"), s.key());
      assertFalse(s.doc().isBlank(), s.key());
      assertFalse(s.doc().contains("\n"), s.key() + ": documentation is one line");
      // the default survives a round trip through a conf file
      assertEquals(s.defaultValue(), s.parse(s.defaultText().isEmpty() ? null : s.defaultText(), "registry"),
          s.key());
    }
  }
}
