package io.exocohort.cli;

import io.exocohort.bench.IngestBench;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Benchmarks (jobs/bench): timings as ratios against a baseline measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks; results go to docs/benchmarks.md.",
    subcommands = {BenchCommand.Ingest.class})
public final class BenchCommand {
  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Time ingest against a bare Spark CSV-to-Delta write of the same generated file.")
  static final class Ingest implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "10000") int samples;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--work", defaultValue = "target/bench-ingest") Path work;
    @Option(names = "--keep", description = "Keep the generated files and tables.") boolean keep;

    @Override
    public Integer call() throws IOException {
      IngestBench.run(common.spark("exocohort bench ingest"), new IngestBench.Args(work, samples, mirnas, seed, keep),
          spec.commandLine().getOut());
      return 0;
    }
  }
}
