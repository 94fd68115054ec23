package io.exocohort.cli;

import io.exocohort.common.ExoConf;
import io.exocohort.common.Settings;
import io.exocohort.demo.DemoJob;
import io.exocohort.ingest.Pseudonymizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the pipeline on sample-data/ into a local lake and show example queries.")
public final class DemoCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Option(names = "--sample-data", paramLabel = "DIR", converter = CallerPaths.LocalPath.class,
      description = "Folder of cohorts (default: $EXOCOHORT_HOME/sample-data, else ./sample-data).")
  Path sampleData;

  @Override
  public Integer call() throws IOException {
    ExoConf conf = common.conf();
    Path data = sampleData;
    if (data == null) {
      String home = System.getenv("EXOCOHORT_HOME");
      data = home != null ? Path.of(home, "sample-data") : io.exocohort.common.Caller.resolve(Path.of("sample-data"));
    }
    Pseudonymizer p = Pseudonymizer.fromEnvironment(conf.get(ExoConf.PSEUDONYM_KEY_ENV),
        conf.get(Settings.PSEUDONYM_DEMO));
    DemoJob.run(common.spark("exocohort demo"), new DemoJob.Args(conf.get(ExoConf.LAKE),
        conf.get(ExoConf.DATABASE_KEY), data, conf.file(ExoConf.CANCER_ALIASES), p,
        IngestCommand.identifierColumns(conf), common.confFile), spec.commandLine().getOut());
    return 0;
  }
}
