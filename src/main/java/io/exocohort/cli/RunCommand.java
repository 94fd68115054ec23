package io.exocohort.cli;

import io.exocohort.common.ExitCodes;
import io.exocohort.common.JobRunner;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code run STAGE... [options]}: several stages in one JVM, one Spark session and one lake opening (the jobs'
 * {@code RunScope} keeps the opened lake per session, root and database). Small studies pay mostly for start-up:
 * this pays it once.
 *
 * <p>Each stage runs through its own command class exactly as its separate launch would (same parsing, defaults,
 * output and exit code), as its own run: its own {@code job_runs} record and rollback. Stages run in the order
 * named; the first that fails stops the run with its exit code, and the stages before it stay committed.
 *
 * <p>Options: each option given is handed to every named stage whose command declares it (its arity taken from
 * that command's picocli model), e.g. {@code --cohort} to all of {@code qc normalize de}, {@code --covariates} to
 * {@code de} only; an option that no named stage takes is refused (exit 2), as is {@code --run-id} for more than
 * one stage (one id cannot name several runs). Every stage's arguments are parsed before the first stage starts,
 * so a usage error runs nothing.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run several stages in one session, in order, each its own run (job_runs record, rollback): "
        + "e.g. run qc normalize de --cohort NAME. Stages: ingest, qc, normalize, de, train, score, report. Each "
        + "option goes to every named stage that takes it; the first failing stage stops the run.")
public final class RunCommand implements Callable<Integer> {
  /** The stages {@code run} knows, with their command classes, in pipeline order. */
  static final Map<String, Supplier<Object>> STAGES = stages();

  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  /** The stage names, then the options for the stages (unknown options are kept here: see {@link Main}). */
  @Parameters(paramLabel = "STAGE [options]", description = "Stages to run, in order, then their options.")
  List<String> words = new ArrayList<>();

  private static Map<String, Supplier<Object>> stages() {
    Map<String, Supplier<Object>> m = new LinkedHashMap<>();
    m.put("ingest", IngestCommand::new);
    m.put("qc", QcCommand::new);
    m.put("normalize", NormalizeCommand::new);
    m.put("de", DeCommand::new);
    m.put("train", TrainCommand::new);
    m.put("score", ScoreCommand::new);
    m.put("report", ReportCommand::new);
    return m;
  }

  /** One stage and the arguments its command is run with. */
  record Stage(String name, List<String> args) {}

  @Override
  public Integer call() {
    List<Stage> plan = plan();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<String> done = new ArrayList<>();
    for (Stage s : plan) {
      out.printf("== run %d/%d: %s%n", done.size() + 1, plan.size(), s.name());
      out.flush();
      CommandLine cl = JobRunner.configure(new CommandLine(STAGES.get(s.name()).get()));
      cl.setOut(out);
      cl.setErr(err);
      int code = cl.execute(s.args().toArray(new String[0]));
      if (code != ExitCodes.OK) {
        err.printf("exocohort run: stopped at %s (exit %d)%s%n", s.name(), code,
            done.isEmpty() ? "" : "; " + String.join(", ", done) + " succeeded and stay committed");
        err.flush();
        return code;
      }
      done.add(s.name());
    }
    return ExitCodes.OK;
  }

  /** The stages and each one's arguments; every stage's arguments parsed once (usage errors before any run). */
  List<Stage> plan() {
    List<String> names = new ArrayList<>();
    int i = 0;
    while (i < words.size() && !words.get(i).startsWith("-")) {
      String w = words.get(i++);
      if (!STAGES.containsKey(w)) {
        throw usage("unknown stage '" + w + "' (stages: " + String.join(", ", STAGES.keySet()) + ")");
      }
      if (names.contains(w)) throw usage("stage '" + w + "' is named twice");
      names.add(w);
    }
    if (names.isEmpty()) throw usage("name at least one stage (" + String.join(", ", STAGES.keySet()) + ")");
    Map<String, CommandSpec> specs = new LinkedHashMap<>();
    for (String n : names) specs.put(n, new CommandLine(STAGES.get(n).get()).getCommandSpec());
    List<List<String>> given = options(words.subList(i, words.size()), specs);
    List<Stage> plan = new ArrayList<>();
    for (String n : names) {
      List<String> args = new ArrayList<>(commonArgs());
      for (List<String> o : given) if (specs.get(n).findOption(optionName(o.get(0))) != null) args.addAll(o);
      try {
        new CommandLine(STAGES.get(n).get()).parseArgs(args.toArray(new String[0]));
      } catch (CommandLine.ParameterException e) {
        throw usage(n + ": " + e.getMessage());
      }
      plan.add(new Stage(n, List.copyOf(args)));
    }
    return plan;
  }

  /**
   * Splits the option words into options, each its name and values (as many as the declaring command's arity
   * takes); refuses an option no named stage takes, a stray word, and {@code --run-id} for several stages.
   */
  private List<List<String>> options(List<String> rest, Map<String, CommandSpec> specs) {
    List<List<String>> out = new ArrayList<>();
    int i = 0;
    while (i < rest.size()) {
      String w = rest.get(i++);
      if (!w.startsWith("-")) {
        throw usage("'" + w + "' is not an option: name the stages first, then their options");
      }
      String name = optionName(w);
      List<String> takers = new ArrayList<>();
      CommandLine.Range arity = null;
      for (Map.Entry<String, CommandSpec> e : specs.entrySet()) {
        OptionSpec o = e.getValue().findOption(name);
        if (o == null) continue;
        takers.add(e.getKey());
        if (arity == null || o.arity().max() > arity.max()) arity = o.arity();
      }
      if (takers.isEmpty()) {
        throw usage("no stage of " + String.join(", ", specs.keySet()) + " takes " + name);
      }
      if (isRunId(specs.get(takers.get(0)).findOption(name)) && takers.size() > 1) {
        throw usage(name + " names one run: give it to a run of one stage (" + String.join(", ", takers)
            + " each record their own run)");
      }
      List<String> o = new ArrayList<>(List.of(w));
      if (!w.contains("=")) {
        int n = 0;
        while (i < rest.size() && n < arity.max() && (n < arity.min() || !rest.get(i).startsWith("-"))) {
          o.add(rest.get(i++));
          n++;
        }
      }
      out.add(o);
    }
    return out;
  }

  private static boolean isRunId(OptionSpec o) {
    return List.of(o.names()).contains("--run-id");
  }

  private static String optionName(String word) {
    int eq = word.indexOf('=');
    return eq < 0 ? word : word.substring(0, eq);
  }

  /** The common options given to {@code run}, handed to every stage. */
  private List<String> commonArgs() {
    List<String> a = new ArrayList<>();
    if (common.confFile != null) a.addAll(List.of("--conf", common.confFile.toString()));
    if (common.lake != null) a.addAll(List.of("--lake", common.lake));
    if (common.database != null) a.addAll(List.of("--database", common.database));
    return a;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
