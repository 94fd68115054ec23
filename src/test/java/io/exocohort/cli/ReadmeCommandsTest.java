package io.exocohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * Every {@code jobs/exocohort ...} command in a code block of README.md, docs/*.md and sample-data/&#42;/README.md
 * is parsed by the real command line of {@link Main} (the one {@code Main.execute} runs, with the hand-over of
 * leading common options): an option the README invents, a missing parameter or a stray argument fails the build.
 * Nothing runs: the paths of the examples are never opened. Environment assignments before the command
 * ({@code FOO=bar jobs/exocohort ...}), redirections and control operators after it ({@code > log 2>&1 &}) and the
 * launcher's own {@code --master URL} are left out; lakes on
 * {@code s3a://} or {@code /shared} become a temporary path.
 *
 * <p>Inline code ({@code `jobs/exocohort runs --job normalize`}) and the rows of the README's subcommand table
 * are synopses with placeholders ({@code [--n 20]}, {@code csv\|tsv}), so for them only the option names are
 * checked: each must be an option of that subcommand.
 */
class ReadmeCommandsTest {
  static final Path PROJECT = Path.of("").toAbsolutePath();
  static final Pattern ENV = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*=.*");
  /** A shell redirection or control operator, which ends a command's words. */
  static final Pattern SHELL_OPERATOR = Pattern.compile("[0-9]?>>?.*|&&?|\\|\\|?|;");

  /** A command found in a document: where, and its words. */
  record Example(String where, List<String> words) {}

  @Test
  void everyCodeBlockCommandParses() throws IOException {
    List<Example> examples = new ArrayList<>();
    for (Path doc : documents()) examples.addAll(codeBlockCommands(doc));
    // The README has commands in code blocks (the demo, cluster and S3 examples); finding none means this test
    // lost track of the format, not that all is well.
    assertTrue(examples.stream().filter(e -> e.where().startsWith("README.md")).count() >= 8, examples.toString());
    List<String> broken = new ArrayList<>();
    for (Example e : examples) {
      String problem = parseProblem(e.words());
      if (problem != null) broken.add(e.where() + ": " + String.join(" ", e.words()) + "\n    -> " + problem);
    }
    assertEquals(List.of(), broken, "README commands that the command line refuses:\n" + String.join("\n", broken));
  }

  @Test
  void inlineCommandsAndTheSubcommandTableNameRealOptions() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      List<String> lines = Files.readAllLines(doc);
      for (int i = 0; i < lines.size(); i++) {
        String line = lines.get(i);
        Matcher m = Pattern.compile("`(jobs/exocohort [^`]*)`").matcher(line);
        List<String> spans = new ArrayList<>();
        while (m.find()) spans.add(m.group(1).substring("jobs/exocohort ".length()));
        // A row of the README's subcommand table: "| `sub --opt X [--opt2 Y]` | what it does |".
        Matcher row = Pattern.compile("^\\| `([a-z]+ [^`]*|[a-z]+)` ").matcher(line);
        if (doc.endsWith("README.md") && row.find()) spans.add(row.group(1));
        for (String span : spans) {
          checked++;
          String problem = unknownOptions(span);
          if (problem != null) broken.add(PROJECT.relativize(doc) + ":" + (i + 1) + ": " + span + "\n    -> " + problem);
        }
      }
    }
    assertTrue(checked >= 15, "only " + checked + " inline commands found");
    assertEquals(List.of(), broken, "inline commands naming options that do not exist:\n" + String.join("\n", broken));
  }

  /** The command line refuses what it should: the checks above can fail. */
  @Test
  void theCheckCatchesInventedOptionsAndTwiceGivenOptions() {
    assertTrue(parseProblem(List.of("jobs/exocohort", "sql", "--no-such-option", "SELECT 1")).contains("Unknown"));
    assertTrue(parseProblem(List.of("jobs/exocohort", "ingest", "--cohort")).contains("Missing required parameter"));
    assertTrue(parseProblem(List.of("jobs/exocohort", "--conf", "a.properties", "qc", "--conf", "b.properties"))
        .contains("--conf is given both before and after 'qc'"));
    assertTrue(parseProblem(List.of("jobs/exocohort", "--lake", "/tmp/x", "generate", "--out", "/tmp/g"))
        .contains("'exocohort generate' takes no --lake"));
    assertTrue(unknownOptions("sql --lake DIR [--fromat csv]").contains("--fromat"));
    assertEquals(null, parseProblem(List.of("jobs/exocohort", "--conf", "my.properties", "-v", "de", "top",
        "--contrast", "pancreatic_vs_healthy")));
    // redirections and a trailing & are the shell's, not the command's
    assertEquals(List.of("jobs/exocohort", "serve", "--socket", "/tmp/s"), codeBlockWords(
        "jobs/exocohort serve --socket /tmp/s > serve.log 2>&1 &   # a comment"));
  }

  /** A leading common option reaches the subcommand that runs, as if it had been given after it. */
  @Test
  void leadingCommonOptionsReachTheSubcommand() {
    CommandLine cl = Main.commandLine();
    ParseResult pr = cl.parseArgs("--conf", "x.properties", "--lake", "/tmp/lake", "--database", "db", "de", "top",
        "--contrast", "a_vs_b");
    Main.applyLeadingOptions(pr);
    CommandLine top = cl.getSubcommands().get("de").getSubcommands().get("top");
    assertEquals(Path.of("x.properties"), top.getCommandSpec().findOption("--conf").getValue());
    assertEquals("/tmp/lake", top.getCommandSpec().findOption("--lake").getValue());
    assertEquals("db", top.getCommandSpec().findOption("--database").getValue());

    // Through execute: exit 2 and one line naming the option, for an option given before and after.
    StringWriter err = new StringWriter();
    int code = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "--lake", "/tmp/a", "sql",
        "--lake", "/tmp/b", "SELECT 1");
    assertEquals(2, code, err.toString());
    assertTrue(err.toString().startsWith("exocohort: --lake is given both before and after 'sql'; give it once\n"),
        err.toString());
  }

  /** README.md, docs/*.md and the READMEs of sample-data/. */
  static List<Path> documents() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(PROJECT.resolve("README.md")));
    try (Stream<Path> s = Files.list(PROJECT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    try (Stream<Path> s = Files.walk(PROJECT.resolve("sample-data"), 2)) {
      s.filter(p -> p.getFileName().toString().equals("README.md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** The {@code jobs/exocohort} commands of the fenced code blocks of one document (continuations joined). */
  static List<Example> codeBlockCommands(Path doc) throws IOException {
    List<String> lines = Files.readAllLines(doc);
    List<Example> found = new ArrayList<>();
    boolean inBlock = false;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.startsWith("```")) {
        inBlock = !inBlock;
        continue;
      }
      if (!inBlock) continue;
      int first = i;
      StringBuilder cmd = new StringBuilder(line);
      while (cmd.toString().endsWith("\\") && i + 1 < lines.size()) {
        cmd.setLength(cmd.length() - 1);
        cmd.append(' ').append(lines.get(++i).strip());
      }
      List<String> words = codeBlockWords(cmd.toString());
      if (words.isEmpty() || !words.get(0).equals("jobs/exocohort")) continue;
      found.add(new Example(PROJECT.relativize(doc) + ":" + (first + 1), words));
    }
    return found;
  }

  /**
   * The words of a command line of a code block: environment assignments before it left out, and ending at a
   * redirection or control operator ({@code > serve.log 2>&1 &}).
   */
  static List<String> codeBlockWords(String line) {
    List<String> words = words(line);
    while (!words.isEmpty() && ENV.matcher(words.get(0)).matches()) words.remove(0);
    for (int w = 0; w < words.size(); w++) {
      if (SHELL_OPERATOR.matcher(words.get(w)).matches()) return new ArrayList<>(words.subList(0, w));
    }
    return words;
  }

  /**
   * Shell words of a line: single and double quotes group, a {@code #} at the start of a word begins a comment.
   */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder w = null;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
          w.append(line.charAt(++i));
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        if (w == null) w = new StringBuilder();
        quote = c;
      } else if (Character.isWhitespace(c)) {
        if (w != null) out.add(w.toString());
        w = null;
      } else if (c == '#' && w == null) {
        break;
      } else {
        if (w == null) w = new StringBuilder();
        w.append(c);
      }
    }
    if (w != null) out.add(w.toString());
    return out;
  }

  /**
   * Null when {@code words} (starting with {@code jobs/exocohort}) parse as {@code Main.execute} parses them, else
   * the command line's message.
   */
  static String parseProblem(List<String> words) {
    List<String> args = new ArrayList<>();
    for (int i = 1; i < words.size(); i++) {
      String w = words.get(i);
      if (w.equals("--master")) {
        i++; // the launcher's own option, with its URL
      } else if (!w.startsWith("--master=")) {
        args.add(w.startsWith("s3a://") || w.startsWith("/shared/") ? tempPath(w) : w);
      }
    }
    CommandLine cl = Main.commandLine();
    try {
      ParseResult pr = cl.parseArgs(args.toArray(new String[0]));
      Main.applyLeadingOptions(pr);
      if (!pr.hasSubcommand() && !pr.isUsageHelpRequested() && !pr.isVersionHelpRequested()) {
        return "no subcommand";
      }
      return null;
    } catch (CommandLine.ParameterException e) {
      return e.getMessage();
    }
  }

  /** A path of an example's lake, made local: it is never opened. */
  static String tempPath(String w) {
    return System.getProperty("java.io.tmpdir") + "/readme-example/" + w.replaceAll("[^A-Za-z0-9._-]+", "_");
  }

  /**
   * Null when every {@code --option} of a synopsis (subcommand first) is one of that subcommand's; for
   * {@code run STAGE...}, one of the named stages' (as {@code run} hands them on).
   */
  static String unknownOptions(String synopsis) {
    CommandLine cl = Main.commandLine();
    List<String> unknown = new ArrayList<>();
    List<CommandLine.Model.CommandSpec> stages = new ArrayList<>();
    for (String w : synopsis.replace("\\|", "|").split("[\\s\\[\\]()|]+")) {
      if (w.isEmpty()) continue;
      if (!w.startsWith("-")) {
        // The first plain words name the subcommand (and a sub-subcommand: de top), or run's stages.
        if (cl.getSubcommands().containsKey(w)) {
          cl = cl.getSubcommands().get(w);
        } else if (cl.getCommandSpec().name().equals("run") && RunCommand.STAGES.containsKey(w)) {
          stages.add(new CommandLine(RunCommand.STAGES.get(w).get()).getCommandSpec());
        }
        continue;
      }
      String name = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
      if (name.equals("--master") || name.equals("...")) continue;
      if (stages.stream().anyMatch(st -> st.findOption(name) != null)) continue;
      if (cl.getCommandSpec().findOption(name) == null) unknown.add(name + " (not an option of '"
          + cl.getCommandSpec().qualifiedName() + "')");
    }
    return unknown.isEmpty() ? null : String.join(", ", unknown);
  }
}
