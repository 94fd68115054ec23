package io.exocohort.catalog;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/** Records job runs in {@code job_runs} (parameters, versions read and written, counts, status). */
public final class JobRuns {
  private JobRuns() {}

  /** {@code <job>-<yyyyMMddTHHmmss>-<6 hex>}, unless the caller gave one. */
  public static String newRunId(String job, String given) {
    if (given != null && !given.isBlank()) return given;
    return job + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  public static void record(Lake lake, String runId, String job, String status, Instant started,
      Map<String, String> parameters, Map<String, Long> inputVersions, Map<String, Long> outputVersions,
      Map<String, Long> rowsWritten, String message) {
    lake.ensure(Tables.JOB_RUNS);
    Row row = RowFactory.create(runId, job, status, Timestamp.from(started), Timestamp.from(Instant.now()),
        CollectionConverters.asScala(parameters), CollectionConverters.asScala(inputVersions),
        CollectionConverters.asScala(outputVersions), CollectionConverters.asScala(rowsWritten), message);
    lake.spark().createDataFrame(List.of(row), Tables.JOB_RUNS.schema())
        .write().format("delta").mode("append").save(lake.path(Tables.JOB_RUNS));
  }
}
