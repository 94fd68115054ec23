package io.exocohort.cli;

import io.exocohort.common.BadInputException;
import io.exocohort.common.ExoConf;
import io.exocohort.sql.SqlJob;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sql}: one statement against the lake's catalog. To the screen as a table (at most {@code --max-rows},
 * default 1,000, saying when rows were left out); csv / json to standard output or {@code --out FILE} with every
 * row, streamed; {@code --out-dir DIR} with Spark's writer for results too large for the driver.
 */
@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Run a SQL statement against the lake's catalog (tables as exocohort.<name>).")
public final class SqlCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "SQL", description = "The statement (or use --file).")
  String query;

  @Option(names = "--file", paramLabel = "FILE", converter = CallerPaths.LocalPath.class,
      description = "Read the statement from a file.")
  Path file;

  @Option(names = "--format", paramLabel = "F",
      description = "table, csv or json; with --out-dir csv, json or parquet. Default: table on the screen, "
          + "csv with --out or --out-dir.")
  String format;

  @Option(names = "--out", paramLabel = "FILE", converter = CallerPaths.LocalPath.class,
      description = "Write every row (csv or json, streamed) to a local file instead of standard output.")
  Path out;

  @Option(names = "--out-dir", paramLabel = "DIR", converter = CallerPaths.Location.class,
      description = "Write with Spark's writer to a new or empty directory (part files; local or s3a://).")
  String outDir;

  @Option(names = "--max-rows", paramLabel = "N",
      description = "table: rows shown (default 1000). csv/json/parquet: refuse (exit 2, nothing written) a "
          + "result of more than N rows (default: no limit).")
  Long maxRows;

  @Override
  public Integer call() throws IOException {
    String q = query;
    if (file != null) {
      if (q != null) throw new BadInputException("give the statement or --file, not both");
      if (!Files.isRegularFile(file)) throw new BadInputException(file.toString(), -1, null, "file not found");
      q = Files.readString(file, StandardCharsets.UTF_8);
    }
    if (out != null && outDir != null) throw new BadInputException("give --out FILE or --out-dir DIR, not both");
    if (maxRows != null && maxRows < 0) throw new BadInputException("--max-rows must be 0 or more, not " + maxRows);
    boolean toFile = out != null || outDir != null;
    String fmt = format != null ? format : toFile ? "csv" : "table";
    SqlJob.Format f = outDir != null ? SqlJob.dirFormat(fmt) : SqlJob.format(fmt);
    if (out != null && f == SqlJob.Format.TABLE) {
      throw new BadInputException("--out writes csv or json (every row); table is for the screen");
    }
    ExoConf conf = common.conf();
    var spark = common.spark("exocohort sql");
    SqlJob.Args args = new SqlJob.Args(conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), q, f,
        maxRows == null ? SqlJob.NO_LIMIT : maxRows);
    var screen = spec.commandLine().getOut();
    if (outDir != null) {
      SqlJob.DirResult r = SqlJob.writeDir(spark, args, outDir);
      screen.printf("%,d row%s written to %s: %d part file%s (part-*.%s%s) and _SUCCESS%n", r.rows(),
          r.rows() == 1 ? "" : "s", r.dir(),
          r.files(), r.files() == 1 ? "" : "s", f.name().toLowerCase(java.util.Locale.ROOT),
          f == SqlJob.Format.CSV ? ", each with the header line" : "");
    } else if (out != null) {
      long n = SqlJob.export(spark, args, out);
      screen.printf("%,d row%s written to %s%n", n, n == 1 ? "" : "s", out);
    } else {
      SqlJob.run(spark, args, screen);
    }
    screen.flush();
    return 0;
  }
}
