package io.exocohort.generate;

import io.exocohort.common.Stage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code exocohort generate}: writes a seeded, deterministic synthetic cohort (manifest, miRNA counts, protein
 * intensities, the planted truth) into a directory. Plain Java, no SparkSession.
 *
 * <p>The design (manifest, planted effects) is built first, sequentially; the measurements are then drawn in
 * blocks of {@link #BLOCK} samples on a pool of {@link #THREADS} threads, each sample from its own seeded stream,
 * while the previous block is written in sample order. Memory is bounded: two blocks in flight, plus one wide
 * segment for the wide layout.
 */
public final class GenerateJob {
  private static final Logger log = LoggerFactory.getLogger(GenerateJob.class);
  static final int THREADS = 2;
  static final int BLOCK = 128;

  /** What a run wrote. */
  public record Result(Path dir, List<Path> files, int samples, int subjects, int mirnas, int proteins,
      long mirnaRows, long proteinRows, int plantedEffects, double seconds) {}

  private GenerateJob() {}

  public static Result run(GenerateArgs args) {
    args.validate();
    long start = System.nanoTime();
    try {
      Files.createDirectories(args.out());
      CohortFiles.Names names = CohortFiles.Names.of(args);
      Path dir = args.out();
      CohortDesign design;
      try (Stage s = Stage.start(log, null, "generate", "design")) {
        design = new CohortDesign(args);
        s.done("{} samples of {} subjects, {} sites, {} batches, {} miRNAs, {} proteins, {} planted effects",
            args.samples(), design.subjectCount(), design.sites, design.batches, design.mirnas.length,
            design.proteins.size(), design.truth.size());
      }
      try (Stage s = Stage.start(log, null, "generate", "manifest and truth")) {
        long m = CohortFiles.writeManifest(design, dir.resolve(names.manifest()));
        long t = CohortFiles.writeTruth(design, dir.resolve(names.truth()));
        CohortFiles.writeTruthSamples(design, dir.resolve(names.truthSamples()));
        s.done("{} manifest rows to {}, {} truth rows to {}", m, names.manifest(), t, names.truth());
      }
      long[] rows = writeMeasurements(design, dir, names);
      List<Path> files = new ArrayList<>();
      for (String f : List.of(names.manifest(), names.mirna(), names.protein(), names.truth(), names.truthSamples(),
          names.json())) {
        files.add(dir.resolve(f));
      }
      if (args.variants()) files.addAll(writeVariants(design, dir));
      CohortFiles.writeGenerationJson(design, names, dir.resolve(names.json()));
      double seconds = (System.nanoTime() - start) / 1e9;
      log.info("generate: wrote {} files to {} ({} s)", files.size(), dir, String.format(Locale.ROOT, "%.1f", seconds));
      return new Result(dir, files, args.samples(), design.subjectCount(), design.mirnas.length,
          design.proteins.size(), rows[0], rows[1], design.truth.size(), seconds);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the cohort into " + args.out() + ": " + e.getMessage(), e);
    }
  }

  /** The DNA variant calls and their truth ({@code --variants}; one stage): the two files. */
  private static List<Path> writeVariants(CohortDesign design, Path dir) throws IOException {
    String name = CohortFiles.variantsFile(design.args);
    try (Stage s = Stage.start(log, null, "generate", "dna variants")) {
      long[] n = CohortFiles.writeVariants(design, dir.resolve(name), dir.resolve(CohortFiles.VARIANTS_TRUTH));
      s.done("{} called variants to {}, {} planted to {}", n[0], name, n[1], CohortFiles.VARIANTS_TRUTH);
    }
    return List.of(dir.resolve(name), dir.resolve(CohortFiles.VARIANTS_TRUTH));
  }

  private static long[] writeMeasurements(CohortDesign design, Path dir, CohortFiles.Names names)
      throws IOException {
    GenerateArgs a = design.args;
    List<String> ids = design.samples.stream().map(SampleInfo::sampleId).toList();
    String[] proteinNames = design.proteins.stream().map(ProteinPool.Protein::symbol).toArray(String[]::new);
    SampleSimulator sim = new SampleSimulator(design);
    int n = a.samples();
    int blocks = (n + BLOCK - 1) / BLOCK;
    ForkJoinPool pool = new ForkJoinPool(THREADS);
    try (Stage s = Stage.start(log, null, "generate", "measurements");
        MatrixTable mir = MatrixTable.open(a.format(), a.layout(), a.gzip(), dir.resolve(names.mirna()),
            design.mirnas, Column.Type.INT, ids);
        MatrixTable prot = MatrixTable.open(a.format(), a.layout(), a.gzip(), dir.resolve(names.protein()),
            proteinNames, Column.Type.DECIMAL1, ids)) {
      Future<SampleSimulator.SimulatedSample[]> next = submit(pool, sim, 0, n);
      for (int b = 0; b < blocks; b++) {
        SampleSimulator.SimulatedSample[] cur = await(next);
        if (b + 1 < blocks) next = submit(pool, sim, b + 1, n);
        for (SampleSimulator.SimulatedSample x : cur) {
          byte[] id = ids.get(x.index()).getBytes(StandardCharsets.UTF_8);
          mir.addCounts(id, x.counts());
          prot.addValues(id, x.proteins());
        }
        if ((b + 1) % 20 == 0) log.debug("generate: {} of {} samples", Math.min(n, (b + 1) * BLOCK), n);
      }
      mir.close();
      prot.close();
      s.done("{} samples: {} miRNA rows to {}, {} protein rows to {} ({} layout)", n, mir.rows(), names.mirna(),
          prot.rows(), names.protein(), a.layout().label());
      return new long[] {mir.rows(), prot.rows()};
    } finally {
      pool.shutdownNow();
    }
  }

  private static Future<SampleSimulator.SimulatedSample[]> submit(ForkJoinPool pool, SampleSimulator sim, int block,
      int n) {
    int lo = block * BLOCK;
    int hi = Math.min(n, lo + BLOCK);
    return pool.submit(() -> IntStream.range(lo, hi).parallel().mapToObj(sim::simulate)
        .toArray(SampleSimulator.SimulatedSample[]::new));
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while generating", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException re) throw re;
      if (c instanceof Error err) throw err;
      throw new IllegalStateException(c);
    }
  }
}
