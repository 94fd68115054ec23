package io.exocohort.generate;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

/**
 * Writes the rows of one table, value by value in column order: text (csv / tsv, optionally gzip) or Parquet.
 * Missing values: {@code null} strings and NaN doubles (an empty field in text, null in Parquet).
 */
interface RowSink extends Closeable {
  void str(String value);

  /** A value already encoded as UTF-8 that needs no quoting (ids, feature names). */
  void str(byte[] utf8);

  void i32(int value);

  void date(LocalDate value);

  /** A double, formatted by the column's type; NaN is missing. */
  void dbl(double value);

  void endRow();

  long rows();

  @Override
  void close() throws IOException;

  /** Opens a sink for {@code format} (gzip only for text formats) and writes the header. */
  static RowSink open(GenerateArgs.Format format, boolean gzip, Path file, List<Column> columns) {
    try {
      return format == GenerateArgs.Format.PARQUET ? new ParquetRowSink(file, columns)
          : new TextRowSink(file, format.delimiter, gzip, columns);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + file + ": " + e.getMessage(), e);
    }
  }
}
