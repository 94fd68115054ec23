package io.exocohort.cli;

import io.exocohort.common.BadInputException;
import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.model.PanelExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "model", mixinStandardHelpOptions = true, subcommands = ModelCommand.ExportPanel.class,
    description = "Look at trained models (model_runs).")
public final class ModelCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required (export-panel)");
  }

  @Command(name = "export-panel", mixinStandardHelpOptions = true,
      description = "Write the stable panel of a model trained with --stability-threshold as TSV: feature, modality, "
          + "rank, selection_frequency, direction (up/down in cases), mean_cases, mean_controls.")
  public static final class ExportPanel implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;

    @Option(names = "--model-id", required = true, description = "The model (model_runs.model_id).") String modelId;
    @Option(names = "--out", paramLabel = "FILE", converter = CallerPaths.LocalPath.class,
        description = "Write the TSV here (default: standard output).")
    Path out;

    @Override
    public Integer call() {
      ExoConf conf = common.conf();
      List<String> lines = PanelExport.lines(common.spark("exocohort model export-panel"), conf.get(Settings.LAKE),
          conf.get(Settings.DATABASE), modelId);
      PrintWriter screen = spec.commandLine().getOut();
      if (out == null) {
        lines.forEach(screen::println);
      } else {
        try {
          Files.write(out, lines, StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new BadInputException(out.toString(), -1, null, "cannot write: " + e.getMessage());
        }
        screen.printf("%d panel features of %s written to %s%n", lines.size() - 1, modelId, out);
      }
      screen.flush();
      return 0;
    }
  }
}
