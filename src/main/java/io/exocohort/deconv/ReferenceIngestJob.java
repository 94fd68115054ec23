package io.exocohort.deconv;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.Commit;
import io.exocohort.catalog.Lake;
import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.TableWrites;
import io.exocohort.catalog.Tables;
import io.exocohort.common.BadInputException;
import io.exocohort.common.DeltaRetry;
import io.exocohort.common.Stage;
import io.exocohort.ingest.CountFile;
import io.exocohort.ingest.CountParser;
import io.exocohort.ingest.LineSplitter;
import io.exocohort.ingest.Modality;
import io.exocohort.ingest.SourceFile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ingest --reference NAME --mirna FILE --manifest FILE} (issue 19): reference EV miR profiles (exosomes of
 * cancer cell lines, healthy cells, purified cell types) into {@code reference_profiles}, apart from the cohorts.
 *
 * <p>The manifest names each profile and its label: a profile column ({@code profile_id}, {@code sample_id} or
 * {@code sample}) and a label column ({@code label}, {@code group} or {@code cell_type}). The miR file is read by the
 * cohort ingest's parser (long or wide, R {@code write.csv} files included). Reference data is small and must be
 * clean: any rejected value (a bad number, a column the manifest does not name, a repeated miR) fails the run with
 * its file, line and column, and a manifest profile without values fails it too; nothing is then written. The run
 * replaces the rows of the profiles its manifest names and keeps the reference's other profiles, so a reference
 * can be loaded one file at a time.
 */
public final class ReferenceIngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(ReferenceIngestJob.class);
  public static final String JOB = "ingest_reference";
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9_.\\-]{0,63}";
  private static final String[] PROFILE_COLUMNS = {"profile_id", "sample_id", "sample", "profile"};
  private static final String[] LABEL_COLUMNS = {"label", "group", "cell_type", "type"};

  private ReferenceIngestJob() {}

  /** What to load: the reference name, the manifest and the miR file ({@code layout}: auto, long or wide). */
  public record Args(String lake, String database, String reference, String manifest, String mirna, String layout,
      String runId) {}

  /** The run: profiles per label written, values written, the table version. */
  public record Result(String runId, Map<String, Integer> profilesPerLabel, long values, long version) {}

  public static Result run(SparkSession spark, Args a) {
    return RunScope.run(spark, a.lake(), a.database(), JOB, a.runId(), a, s -> run(s, a));
  }

  private static Result run(RunScope s, Args a) {
    SparkSession spark = s.spark();
    if (a.reference() == null || !a.reference().matches(NAME)) {
      throw new BadInputException("--reference '" + a.reference()
          + "' must be 1-64 letters, digits, '_', '.' or '-' (starting with a letter or digit)");
    }
    if (a.mirna() == null) throw new BadInputException("ingest --reference needs --mirna FILE (the profiles' miRs)");
    Map<String, String> labels;
    try (Stage st = Stage.start(LOG, spark, JOB, "read manifest")) {
      labels = manifest(spark, a.manifest());
      st.done("{} profiles of {}", labels.size(), a.reference());
    }
    SourceFile f = SourceFile.inspect(spark, a.mirna());
    CountParser parser = new CountParser(f, a.layout() == null ? "auto" : a.layout(), Modality.MIRNA,
        CountParser.Scale.LINEAR);
    CountFile counts = new CountFile(spark, f, parser);
    counts.scan();
    Map<String, Boolean> accepted = new LinkedHashMap<>();
    for (String p : labels.keySet()) accepted.put(p, true);
    counts.samples(accepted);
    try (Stage st = Stage.start(LOG, spark, JOB, "check the profiles")) {
      // a first pass before anything is written (reference files are small): the profiles with values, and whether
      // any value is rejected
      List<String> have = counts.valid().select("sample_id").distinct().as(org.apache.spark.sql.Encoders.STRING())
          .collectAsList();
      if (counts.rejectedCount() > 0) {
        Row r = counts.rejected().orderBy(col("line")).first();
        throw new BadInputException(f.given, r.isNullAt(0) ? -1 : r.getLong(0), r.getString(1),
            r.getString(5) + (r.isNullAt(4) ? "" : " (value '" + r.getString(4) + "')")
                + "; reference data must be clean, nothing was written");
      }
      List<String> none = labels.keySet().stream().filter(p -> !have.contains(p)).toList();
      if (!none.isEmpty()) {
        throw new BadInputException(a.manifest(), -1, null, none.size() + " profile(s) of the manifest have no "
            + "values in " + f.given + " (e.g. '" + none.get(0) + "')");
      }
      st.done("{} profiles with values, none rejected", have.size());
    }
    Commit written;
    long values;
    try (Stage st = Stage.start(LOG, spark, JOB, "write reference_profiles")) {
      Map<String, String> lbl = labels;
      String reference = a.reference();
      String source = f.given;
      String runId = s.id();
      org.apache.spark.api.java.JavaRDD<Row> rows = counts.valid().javaRDD().map(r -> org.apache.spark.sql.RowFactory
          .create(reference, r.getString(0), lbl.get(r.getString(0)), r.getString(1), r.isNullAt(2) ? null
              : r.getDouble(2), source, runId));
      Dataset<Row> df = spark.createDataFrame(rows, Tables.REFERENCE_PROFILES.schema())
          .filter(col("value").isNotNull());
      s.noteBefore(Tables.REFERENCE_PROFILES);
      String where = "reference = '" + Lake.sqlEscape(a.reference()) + "' AND profile_id IN ("
          + labels.keySet().stream().map(p -> "'" + Lake.sqlEscape(p) + "'").collect(Collectors.joining(", ")) + ")";
      // retried like the jobs' writes through RunScope: a replaceWhere commits once or not at all
      written = s.wrote(DeltaRetry.run(Tables.REFERENCE_PROFILES.name(),
          () -> TableWrites.replaceWhere(s.lake(), Tables.REFERENCE_PROFILES, df, where)));
      values = written.rowsWritten();
      st.done("{} values", values);
    }
    Map<String, Integer> perLabel = new TreeMap<>();
    for (String l : labels.values()) perLabel.merge(l, 1, Integer::sum);
    Map<String, String> params = new LinkedHashMap<>();
    params.put("reference", a.reference());
    params.put("manifest", a.manifest());
    params.put("mirna", f.given);
    params.put("profiles_per_label", perLabel.toString());
    s.succeeded(params, labels.size() + " profiles, " + values + " values into reference " + a.reference());
    return new Result(s.id(), perLabel, values, written.version());
  }

  /**
   * The manifest: profile id -&gt; label (lower case), in file order. Small (a row per profile): read on the driver.
   * A missing column, an empty id or label, or a repeated id is one line naming the file, line and column.
   */
  static Map<String, String> manifest(SparkSession spark, String given) {
    SourceFile f = SourceFile.inspect(spark, given);
    if (f.parquet) throw new BadInputException(given, -1, null, "a reference manifest must be CSV or TSV");
    int pc = column(f, PROFILE_COLUMNS, given, "a profile id column");
    int lc = column(f, LABEL_COLUMNS, given, "a label column");
    Map<String, String> out = new LinkedHashMap<>();
    Path p = new Path(f.path);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      try (InputStream raw = fs.open(p);
          BufferedReader in = new BufferedReader(new InputStreamReader(f.gzip ? new GZIPInputStream(raw) : raw,
              StandardCharsets.UTF_8))) {
        String line;
        long n = 0;
        while ((line = in.readLine()) != null) {
          n++;
          if (n <= f.headerIndex + 1 || line.isBlank()) continue;
          String[] cells;
          try {
            cells = LineSplitter.split(line, f.delimiter);
          } catch (LineSplitter.SplitException e) {
            throw new BadInputException(given, n, null, e.getMessage());
          }
          String id = pc < cells.length ? cells[pc].strip() : "";
          String label = lc < cells.length ? cells[lc].strip().toLowerCase(Locale.ROOT) : "";
          if (id.isEmpty()) throw new BadInputException(given, n, f.header[pc], "empty profile id");
          if (label.isEmpty()) throw new BadInputException(given, n, f.header[lc], "empty label of '" + id + "'");
          if (out.put(id, label) != null) {
            throw new BadInputException(given, n, f.header[pc], "profile '" + id + "' appears twice");
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (out.isEmpty()) throw new BadInputException(given, -1, null, "the manifest names no profile");
    return out;
  }

  private static int column(SourceFile f, String[] names, String given, String what) {
    for (String n : names) {
      for (int i = 0; i < f.header.length; i++) {
        if (f.header[i].strip().equalsIgnoreCase(n)) return i;
      }
    }
    throw new BadInputException(given, f.headerIndex + 1, null, "needs " + what + " (one of "
        + String.join(", ", names) + "); the header has " + String.join(", ", f.header));
  }
}
