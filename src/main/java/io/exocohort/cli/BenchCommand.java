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
    subcommands = {BenchCommand.Ingest.class, BenchCommand.Stages.class, BenchCommand.NormalizeScale.class,
        BenchCommand.De.class,
        BenchCommand.Train.class, BenchCommand.Layout.class, BenchCommand.Deconvolve.class})
public final class BenchCommand {
  @Command(name = "stages", mixinStandardHelpOptions = true,
      description = "Time qc / normalize / later stages against a bare scan of mirna_counts in the same run.")
  static final class Stages implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "10000") int samples;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-stages",
        description = "Folder of the generated lake (made once, reused by later runs).") Path work;
    @Option(names = "--stage", description = "Stage(s) to time (default: all). A stage given twice runs twice in "
        + "the JVM: the first run is cold (class loading, JIT), the second warm like the scan floor.")
    java.util.List<String> stages;

    @Override
    public Integer call() throws IOException {
      var known = io.exocohort.bench.NormalizeBench.stages();
      java.util.List<String> names = stages == null || stages.isEmpty() ? new java.util.ArrayList<>(known.keySet())
          : stages.stream().map(s -> known.keySet().stream().filter(k -> k.startsWith(s)).findFirst().orElse(s))
              .toList();
      io.exocohort.bench.NormalizeBench.run(common.spark("exocohort bench stages"),
          new io.exocohort.bench.NormalizeBench.Args(work, samples, mirnas, seed, names), known,
          spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(name = "normalize-scale", mixinStandardHelpOptions = true,
      description = "Time normalize on the stages lake and on a lake with --copies times its samples (count vectors "
          + "replicated), each twice in one JVM; prints the ratio and peak heap.")
  static final class NormalizeScale implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "10000") int samples;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--copies", defaultValue = "10", description = "Copies of the base's samples in the larger lake.")
    int copies;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-stages",
        description = "Folder of the generated lake (shared with bench stages); the larger lake goes under it.")
    Path work;

    @Override
    public Integer call() {
      io.exocohort.bench.NormalizeScaleBench.run(common.spark("exocohort bench normalize-scale"),
          new io.exocohort.bench.NormalizeScaleBench.Args(work, samples, mirnas, seed, copies),
          spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(name = "deconvolve", mixinStandardHelpOptions = true,
      description = "Time deconvolve (48-miR signature, 2 components) against a bare scan of the count vectors.")
  static final class Deconvolve implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "100000") int samples;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-deconvolve",
        description = "Folder of the generated lake (made once, reused by later runs).") Path work;

    @Override
    public Integer call() {
      io.exocohort.bench.DeconvolveBench.run(common.spark("exocohort bench deconvolve"),
          new io.exocohort.bench.DeconvolveBench.Args(work, samples, mirnas, seed), spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(name = "de", mixinStandardHelpOptions = true,
      description = "Time de (all methods) at several cohort sizes against a bare scan of mirna_expression, and limma.")
  static final class De implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--base", defaultValue = "10000", description = "Samples generated, ingested and normalised once.")
    int base;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--sizes", split = ",", defaultValue = "1000,10000,100000",
        description = "Cohort sizes to time (others than --base are derived from it).") java.util.List<Integer> sizes;
    @Option(names = "--no-limma", description = "Do not run limma even if R has it.") boolean noLimma;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-de") Path work;
    @Option(names = "--repeat", defaultValue = "1", description = "Rounds of the three de runs per size, "
        + "interleaved; the figures are each run's median (default ${DEFAULT-VALUE}).") int repeat;

    @Override
    public Integer call() throws Exception {
      if (repeat < 1) throw new io.exocohort.common.BadInputException("--repeat must be at least 1, not " + repeat);
      io.exocohort.bench.DeBench.run(common.spark("exocohort bench de"), new io.exocohort.bench.DeBench.Args(work,
          base, mirnas, seed, sizes, !noLimma, repeat), spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(name = "train", mixinStandardHelpOptions = true,
      description = "Time train (logistic regression and random forest, k-fold CV, top-N features) against a bare "
          + "scan of mirna_expression in the same run; prints the cross-validated figures.")
  static final class Train implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "10000") int samples;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--features", defaultValue = "300") int features;
    @Option(names = "--folds", defaultValue = "5") int folds;
    @Option(names = "--model", split = ",", defaultValue = "logistic,forest") java.util.List<String> models;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-train",
        description = "Folder of the generated lake (made once, reused by later runs).") Path work;

    @Override
    public Integer call() throws IOException {
      io.exocohort.bench.TrainBench.run(common.spark("exocohort bench train"), new io.exocohort.bench.TrainBench.Args(
          work, samples, mirnas, seed, features, folds, models), spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(name = "layout", mixinStandardHelpOptions = true,
      description = "Time writing and reading normalised values in three layouts (long, feature-major with sample "
          + "blocks, sample-major) against a bare scan of the long table in the same run (issue 16).")
  static final class Layout implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "10000") int samples;
    @Option(names = "--features", defaultValue = "1151",
        description = "Features per sample (normalize keeps 1,151 of 2,600 miRs at 10,000 samples).") int features;
    @Option(names = "--block", split = ",", defaultValue = "65536",
        description = "Sample block size(s) of the feature-major layout (one table per size).")
    java.util.List<Integer> blocks;
    @Option(names = "--groups", defaultValue = "10") int groups;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--warmup", defaultValue = "2000",
        description = "Samples of the untimed warm-up round that runs every code path first (0: none).") int warmup;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-layout",
        description = "Folder of the tables (rewritten by every run).") Path work;

    @Override
    public Integer call() {
      io.exocohort.bench.LayoutBench.run(common.spark("exocohort bench layout"), new io.exocohort.bench.LayoutBench.Args(
          work, samples, features, blocks, groups, seed, warmup), spec.commandLine().getOut());
      return 0;
    }
  }

  @Command(name = "ingest", mixinStandardHelpOptions = true,
      description = "Time ingest against a bare Spark CSV-to-Delta write of the same generated file.")
  static final class Ingest implements Callable<Integer> {
    @Mixin CommonOptions common;
    @Spec CommandSpec spec;
    @Option(names = "--samples", defaultValue = "10000") int samples;
    @Option(names = "--mirnas", defaultValue = "2600") int mirnas;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--work", converter = CallerPaths.LocalPath.class, defaultValue = "target/bench-ingest") Path work;
    @Option(names = "--keep", description = "Keep the generated files and tables.") boolean keep;

    @Override
    public Integer call() throws IOException {
      IngestBench.run(common.spark("exocohort bench ingest"), new IngestBench.Args(work, samples, mirnas, seed, keep),
          spec.commandLine().getOut());
      return 0;
    }
  }
}
