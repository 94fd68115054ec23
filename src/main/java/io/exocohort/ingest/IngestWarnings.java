package io.exocohort.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.regexp_replace;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;

/**
 * The run summary's warnings: per file, one line if more than {@link IngestJob#WARN_QUARANTINED_FRACTION} of it
 * was quarantined, with the most frequent reason (quoted values folded, so that one cause counts once); one line
 * for optional manifest fields set to null.
 */
final class IngestWarnings {
  private IngestWarnings() {}

  /** The warnings of a run whose quarantine rows are in {@code lake}. */
  static List<String> of(Lake lake, String runId, List<IngestJob.FileResult> files, Map<String, Long> nulled) {
    List<String> out = new ArrayList<>();
    for (IngestJob.FileResult f : files) {
      if (!tooManyRejected(f)) continue;
      String target = f.kind().equals("manifest") ? Tables.SAMPLES.name()
          : Modality.valueOf(f.kind().toUpperCase(Locale.ROOT)).table.name();
      List<Row> top = lake.read(Tables.QUARANTINE)
          .filter(col("run_id").equalTo(runId).and(col("target_table").equalTo(target))
              .and(not(col("reason").endsWith("(" + ManifestParser.NULLED + ")"))))
          .select(regexp_replace(col("reason"), "'[^']*'", "'...'").as("r"))
          .groupBy("r").count().orderBy(col("count").desc(), col("r")).limit(1).collectAsList();
      out.add(fileLine(f, top.isEmpty() ? null : top.get(0).getString(0), top.isEmpty() ? 0 : top.get(0).getLong(1)));
    }
    String note = nulledNote(nulled);
    if (note != null) out.add(note);
    return out;
  }

  /** Whether more than the warning fraction of a file was quarantined. */
  static boolean tooManyRejected(IngestJob.FileResult f) {
    return f.read() > 0 && f.rejected() > IngestJob.WARN_QUARANTINED_FRACTION * f.read();
  }

  /** A file's warning line; {@code topReason} may be null. */
  static String fileLine(IngestJob.FileResult f, String topReason, long topCount) {
    String unit = f.kind().equals("manifest") ? "rows" : "values";
    return String.format(Locale.ROOT, "WARNING: %.1f%% of %s quarantined (%,d of %,d %s)%s",
        100.0 * f.rejected() / f.read(), f.path(), f.rejected(), f.read(), unit, topReason == null ? ""
            : String.format(Locale.ROOT, ": top reason: %s (%,d)", topReason, topCount));
  }

  /** The line for optional manifest fields set to null (per column), or null if there were none. */
  static String nulledNote(Map<String, Long> nulled) {
    long n = nulled.values().stream().mapToLong(Long::longValue).sum();
    if (n == 0) return null;
    return "NOTE: " + n + " optional manifest field(s) set to null, the samples kept (see quarantine): "
        + nulled.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
  }
}
