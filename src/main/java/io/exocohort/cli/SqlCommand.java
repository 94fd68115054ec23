package io.exocohort.cli;

import io.exocohort.common.BadInputException;
import io.exocohort.common.ExoConf;
import io.exocohort.sql.SqlJob;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
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

@Command(name = "sql", mixinStandardHelpOptions = true,
    description = "Run a SQL statement against the lake's catalog (tables as exocohort.<name>).")
public final class SqlCommand implements Callable<Integer> {
  @Mixin CommonOptions common;
  @Spec CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "SQL", description = "The statement (or use --file).")
  String query;

  @Option(names = "--file", paramLabel = "FILE", description = "Read the statement from a file.")
  Path file;

  @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--out", paramLabel = "FILE", description = "Write to a file instead of standard output.")
  Path out;

  @Option(names = "--max-rows", defaultValue = "1000",
      description = "At most this many rows (default ${DEFAULT-VALUE}; csv/json: use a large value for all).")
  long maxRows;

  @Override
  public Integer call() throws IOException {
    String q = query;
    if (file != null) {
      if (q != null) throw new BadInputException("give the statement or --file, not both");
      if (!Files.isRegularFile(file)) throw new BadInputException(file.toString(), -1, null, "file not found");
      q = Files.readString(file, StandardCharsets.UTF_8);
    }
    SqlJob.Format f = SqlJob.format(format);
    ExoConf conf = common.conf();
    var spark = common.spark("exocohort sql");
    SqlJob.Args args = new SqlJob.Args(conf.get(ExoConf.LAKE), conf.get(ExoConf.DATABASE_KEY), q, f, maxRows);
    if (out != null) {
      try (PrintWriter w = new PrintWriter(new OutputStreamWriter(Files.newOutputStream(out), StandardCharsets.UTF_8))) {
        SqlJob.run(spark, args, w);
      }
    } else {
      SqlJob.run(spark, args, spec.commandLine().getOut());
    }
    return 0;
  }
}
