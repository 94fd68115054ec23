package io.exocohort.ingest;

import io.exocohort.common.BadInputException;
import io.exocohort.common.Stage;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ingest run's checked arguments and inspected files: every file is inspected on the driver (exists, not
 * empty, text or Parquet, header sane) before any table is touched, so a file that fails as a whole fails the run
 * with nothing written.
 *
 * @param countUnit what the miR counts count: {@code reads} or {@code umi}
 * @param countFiles the data files given, by modality (miR first, DNA variants last)
 * @param parsers a parser per count file (miR, protein), by modality
 * @param variantParser the parser of the DNA variants file, or null without one
 */
record IngestInputs(String cohort, String countUnit, SourceFile manifestFile, ManifestParser manifestParser,
    Map<Modality, SourceFile> countFiles, Map<Modality, CountParser> parsers, VariantParser variantParser) {
  private static final Logger LOG = LoggerFactory.getLogger(IngestInputs.class);
  /** What a cohort name may be: it is a partition value and part of paths and run ids. */
  static final String COHORT_NAME = "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}";

  /** Checks the arguments and inspects the files (one stage). */
  static IngestInputs inspect(SparkSession spark, IngestJob.Args a) {
    checkCohort(a.cohort());
    if (a.manifest() == null) throw new BadInputException("--manifest FILE is required");
    CountParser.Scale scale = CountParser.Scale.parse(a.proteinScale() == null ? "linear" : a.proteinScale());
    String countUnit = countUnit(a.countUnit());
    CancerTypes cancerTypes = IngestJob.cancerTypes(a);
    try (Stage s = Stage.start(LOG, spark, IngestJob.JOB, "inspect files")) {
      SourceFile manifestFile = SourceFile.inspect(spark, a.manifest());
      ManifestParser mp = new ManifestParser(manifestFile, cancerTypes, a.pseudonymizer(), a.identifierColumns());
      Map<Modality, SourceFile> countFiles = new LinkedHashMap<>();
      if (a.mirna() != null) countFiles.put(Modality.MIRNA, SourceFile.inspect(spark, a.mirna()));
      if (a.protein() != null) countFiles.put(Modality.PROTEIN, SourceFile.inspect(spark, a.protein()));
      Map<Modality, CountParser> parsers = new LinkedHashMap<>();
      VariantParser vp = null;
      if (a.variants() != null) {
        SourceFile vf = SourceFile.inspect(spark, a.variants(), true);
        vp = VariantParser.of(spark, vf);
        countFiles.put(Modality.VARIANTS, vf);
      }
      for (Map.Entry<Modality, SourceFile> e : countFiles.entrySet()) {
        if (e.getKey() == Modality.VARIANTS) continue;
        parsers.put(e.getKey(), new CountParser(e.getValue(), a.layout() == null ? "auto" : a.layout(),
            e.getKey(), scale));
      }
      s.done("{} files, {} bytes", 1 + countFiles.size(),
          manifestFile.bytes + countFiles.values().stream().mapToLong(f -> f.bytes).sum());
      return new IngestInputs(a.cohort(), countUnit, manifestFile, mp, Collections.unmodifiableMap(countFiles),
          Collections.unmodifiableMap(parsers), vp);
    }
  }

  /** A cohort name: 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit. */
  static void checkCohort(String cohort) {
    if (cohort == null || !cohort.matches(COHORT_NAME)) {
      throw new BadInputException("--cohort '" + cohort
          + "' must be 1-64 letters, digits, '_', '.' or '-' (starting with a letter or digit)");
    }
  }

  /** {@code --count-unit}, checked: reads (default, also for null) or umi; case and blanks ignored. */
  static String countUnit(String given) {
    String u = given == null ? "reads" : given.strip().toLowerCase(Locale.ROOT);
    if (!IngestJob.COUNT_UNITS.contains(u)) {
      throw new BadInputException("--count-unit must be reads or umi, not '" + given + "'");
    }
    return u;
  }

  /** A count file per modality, ready for its scan (each holds Spark accumulators: one per run). */
  Map<Modality, CountFile> countFiles(SparkSession spark) {
    Map<Modality, CountFile> counts = new LinkedHashMap<>();
    for (Map.Entry<Modality, CountParser> e : parsers.entrySet()) {
      counts.put(e.getKey(), new CountFile(spark, countFiles.get(e.getKey()), e.getValue()));
    }
    return counts;
  }

  /** The DNA variants file, ready for its check (holds the run's cached rows: one per run), or null. */
  VariantFile variantFile() {
    return variantParser == null ? null : new VariantFile(countFiles.get(Modality.VARIANTS), variantParser);
  }
}
