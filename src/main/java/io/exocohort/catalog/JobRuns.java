package io.exocohort.catalog;

import java.lang.reflect.RecordComponent;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Records job runs in {@code job_runs} (parameters, versions read and written, counts, status).
 *
 * <p>The rows are written by each job's {@link RunScope}: {@code succeeded} when the job ends, {@code failed}
 * with the one-line error when it throws. A failed run may be re-run with the same run id: {@code job_runs} then
 * holds the failed row and the succeeded one.
 */
public final class JobRuns {
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  private JobRuns() {}

  /** {@code <job>-<yyyyMMddTHHmmss>-<6 hex>}, unless the caller gave one. */
  public static String newRunId(String job, String given) {
    if (given != null && !given.isBlank()) return given;
    return job + "-" + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC)
        .format(Instant.now()) + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** Appends one row to {@code job_runs} (creating the table if needed). */
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

  /**
   * The plain components of an argument record, by name (other types, e.g. keys, are left out); a component that
   * is itself a record (a group of options) is flattened as {@code group.component}.
   */
  public static Map<String, String> arguments(Record r) {
    Map<String, String> m = new LinkedHashMap<>();
    flatten("", r, m);
    return m;
  }

  private static void flatten(String prefix, Record r, Map<String, String> m) {
    if (r == null) return;
    for (RecordComponent c : r.getClass().getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(r);
      } catch (ReflectiveOperationException ex) {
        continue;
      }
      String name = prefix + c.getName();
      if (v == null) continue;
      if (v instanceof Record nested) {
        flatten(name + ".", nested, m);
      } else if (v instanceof CharSequence || v instanceof Number || v instanceof Boolean || v instanceof Enum<?>
          || v instanceof java.nio.file.Path) {
        m.put(name, v.toString());
      } else if (v instanceof Collection<?> col && col.stream().allMatch(x -> x instanceof CharSequence)) {
        m.put(name, String.join(",", col.stream().map(Object::toString).toList()));
      }
    }
  }

}
