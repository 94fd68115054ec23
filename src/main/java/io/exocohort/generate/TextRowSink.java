package io.exocohort.generate;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;

/**
 * A delimited text table (csv or tsv, LF line ends, UTF-8, header row), optionally gzipped. Formats numbers into
 * its own byte buffer (no String per value): a 10,000 x 2,600 long table is 26 million rows. CSV fields that hold
 * the delimiter, a quote or a line break are quoted (RFC 4180); TSV fields must not hold tabs or line breaks.
 * The gzip stream has a zero timestamp, so output is byte-identical between runs.
 */
final class TextRowSink implements RowSink {
  private static final int BUFFER = 1 << 17;

  private final OutputStream out;
  private final byte delimiter;
  private final List<Column> columns;
  private final byte[] buf = new byte[BUFFER];
  private final byte[] digits = new byte[24];
  private int pos;
  private int col;
  private long rows;

  TextRowSink(Path file, char delimiter, boolean gzip, List<Column> columns) throws IOException {
    OutputStream raw = Files.newOutputStream(file);
    this.out = gzip ? new GZIPOutputStream(raw, 1 << 16) : raw;
    this.delimiter = (byte) delimiter;
    this.columns = columns;
    for (Column c : columns) str(c.name());
    endRowInternal();
  }

  private void ensure(int n) {
    if (pos + n > buf.length) flushBuffer();
  }

  private void flushBuffer() {
    try {
      out.write(buf, 0, pos);
      pos = 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void sep() {
    if (col++ > 0) {
      ensure(1);
      buf[pos++] = delimiter;
    }
  }

  private void raw(byte[] b) {
    if (b.length > buf.length) {
      flushBuffer();
      try {
        out.write(b);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    ensure(b.length);
    System.arraycopy(b, 0, buf, pos, b.length);
    pos += b.length;
  }

  @Override
  public void str(String value) {
    sep();
    if (value == null || value.isEmpty()) return;
    boolean special = false;
    for (int i = 0; i < value.length(); i++) {
      char ch = value.charAt(i);
      if (ch == delimiter || ch == '"' || ch == '\n' || ch == '\r') {
        special = true;
        break;
      }
    }
    if (!special) {
      raw(value.getBytes(StandardCharsets.UTF_8));
    } else if (delimiter == ',') {
      raw(("\"" + value.replace("\"", "\"\"") + "\"").getBytes(StandardCharsets.UTF_8));
    } else {
      throw new IllegalArgumentException("a tab-separated value cannot hold a tab, quote or line break: " + value);
    }
  }

  @Override
  public void str(byte[] utf8) {
    sep();
    raw(utf8);
  }

  @Override
  public void i32(int value) {
    sep();
    writeLong(value);
  }

  @Override
  public void date(LocalDate value) {
    sep();
    if (value != null) raw(value.toString().getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public void dbl(double value) {
    Column.Type type = columns.get(col).type();
    sep();
    if (Double.isNaN(value)) return;
    switch (type) {
      case DECIMAL1 -> {
        long tenths = Math.round(value * 10);
        if (tenths < 0) {
          ensure(1);
          buf[pos++] = '-';
          tenths = -tenths;
        }
        writeLong(tenths / 10);
        ensure(2);
        buf[pos++] = '.';
        buf[pos++] = (byte) ('0' + tenths % 10);
      }
      case DECIMAL4 -> raw(String.format(Locale.ROOT, "%.4f", value).getBytes(StandardCharsets.US_ASCII));
      case SCI3 -> raw(sci3(value).getBytes(StandardCharsets.US_ASCII));
      case INT -> writeLong(Math.round(value));
      default -> raw(Double.toString(value).getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Three significant digits, E notation without '+': 4.21E9, 3.05E-2. */
  static String sci3(double value) {
    if (value == 0) return "0.00E0";
    int exp = (int) Math.floor(Math.log10(Math.abs(value)));
    long mant = Math.round(value / Math.pow(10, exp - 2));
    if (Math.abs(mant) >= 1000) {
      exp++;
      mant = Math.round(value / Math.pow(10, exp - 2));
    }
    String m = Long.toString(Math.abs(mant));
    return (mant < 0 ? "-" : "") + m.charAt(0) + "." + m.substring(1) + "E" + exp;
  }

  private void writeLong(long v) {
    ensure(21);
    if (v < 0) {
      buf[pos++] = '-';
      v = -v;
    }
    if (v < 10) {
      buf[pos++] = (byte) ('0' + v);
      return;
    }
    int n = 0;
    while (v > 0) {
      digits[n++] = (byte) ('0' + v % 10);
      v /= 10;
    }
    while (n > 0) buf[pos++] = digits[--n];
  }

  @Override
  public void endRow() {
    if (col != columns.size()) {
      throw new IllegalStateException("row has " + col + " values, table has " + columns.size() + " columns");
    }
    endRowInternal();
    rows++;
  }

  private void endRowInternal() {
    ensure(1);
    buf[pos++] = '\n';
    col = 0;
  }

  @Override
  public long rows() {
    return rows;
  }

  @Override
  public void close() throws IOException {
    try {
      flushBuffer();
    } finally {
      out.close();
    }
  }
}
