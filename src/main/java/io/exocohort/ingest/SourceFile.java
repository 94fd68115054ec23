package io.exocohort.ingest;

import io.exocohort.common.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Serializable;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * An input file as inspected on the driver before anything is read in parallel: its format (delimited text,
 * optionally gzipped, or Parquet), delimiter, header, size and SHA-256. Whole-file problems (missing, empty,
 * binary or not UTF-8, header only) are found here and fail the ingest before any table is touched.
 */
public final class SourceFile implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The path as the user gave it (used in messages and tables). */
  public final String given;
  /** Fully qualified path. */
  public final String path;
  public final boolean parquet;
  public final boolean gzip;
  public final char delimiter;
  /** Header fields, trimmed, BOM removed. */
  public final String[] header;
  /** 0-based index of the header among the file's lines (blank lines before it are skipped). */
  public final long headerIndex;
  public final long bytes;
  public final String sha256;

  private SourceFile(String given, String path, boolean parquet, boolean gzip, char delimiter, String[] header,
      long headerIndex, long bytes, String sha256) {
    this.given = given;
    this.path = path;
    this.parquet = parquet;
    this.gzip = gzip;
    this.delimiter = delimiter;
    this.header = header;
    this.headerIndex = headerIndex;
    this.bytes = bytes;
    this.sha256 = sha256;
  }

  public static SourceFile inspect(SparkSession spark, String given) {
    return inspect(spark, given, false);
  }

  /**
   * As {@link #inspect(SparkSession, String)}; with {@code skipComments} lines starting with {@code #} before the
   * header are skipped too (a MAF file's {@code #version 2.4}, a VCF's {@code ##} lines), a VCF's {@code #CHROM}
   * line being its header.
   */
  public static SourceFile inspect(SparkSession spark, String given, boolean skipComments) {
    try {
      Path p = new Path(given);
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) throw new BadInputException(given, -1, null, "file not found");
      Path q = fs.makeQualified(p);
      FileStatus st = fs.getFileStatus(q);
      if (st.isDirectory()) return parquetFolder(spark, fs, q, given);
      long bytes = st.getLen();
      if (bytes == 0) throw new BadInputException(given, -1, null, "file is empty");
      byte[] head = new byte[4];
      int got;
      try (InputStream in = fs.open(q)) {
        got = in.readNBytes(head, 0, 4);
      }
      MessageDigest md = sha();
      digest(fs, q, md);
      String sha = HexFormat.of().formatHex(md.digest());
      if (got == 4 && head[0] == 'P' && head[1] == 'A' && head[2] == 'R' && head[3] == '1') {
        String[] cols = spark.read().parquet(q.toString()).columns();
        return new SourceFile(given, q.toString(), true, false, ',', trim(cols), 0, bytes, sha);
      }
      boolean gz = got >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
      if (gz && !given.endsWith(".gz")) {
        throw new BadInputException(given, -1, null, "file is gzip-compressed: give it a .gz name");
      }
      if (!gz && given.endsWith(".gz")) {
        throw new BadInputException(given, -1, null, "file is named .gz but is not gzip-compressed");
      }
      if (got >= 2 && ((head[0] & 0xff) == 0xfe && (head[1] & 0xff) == 0xff
          || (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xfe)) {
        throw new BadInputException(given, 1, null, "file is UTF-16 text: save it as UTF-8");
      }
      return text(fs, q, given, gz, bytes, sha, skipComments);
    } catch (IOException e) {
      throw new BadInputException(given, -1, null, "cannot read: " + e.getMessage());
    }
  }

  /** A folder of Parquet part files (as Spark writes them). */
  private static SourceFile parquetFolder(SparkSession spark, FileSystem fs, Path q, String given)
      throws IOException {
    String[] cols = spark.read().parquet(q.toString()).columns();
    long total = 0;
    MessageDigest md = sha();
    for (FileStatus f : fs.listStatus(q)) {
      if (f.isFile() && f.getPath().getName().endsWith(".parquet")) {
        total += f.getLen();
        digest(fs, f.getPath(), md);
      }
    }
    return new SourceFile(given, q.toString(), true, false, ',', trim(cols), 0, total,
        HexFormat.of().formatHex(md.digest()));
  }

  /**
   * A text file (UTF-8, optionally gzip): its header (the first non-blank line, or non-comment line with
   * {@code skipComments}) and one data row must be sane.
   */
  private static SourceFile text(FileSystem fs, Path q, String given, boolean gz, long bytes, String sha,
      boolean skipComments) throws IOException {
    CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream raw = fs.open(q);
         InputStream in = gz ? new GZIPInputStream(raw, 1 << 16) : raw;
         BufferedReader r = new BufferedReader(new InputStreamReader(in, dec), 1 << 16)) {
      String line;
      long idx = -1;
      String headerLine = null;
      while ((line = r.readLine()) != null) {
        idx++;
        if (idx == 0 && line.startsWith("\uFEFF")) line = line.substring(1);
        if (!line.isBlank() && !(skipComments && line.startsWith("#") && !line.startsWith("#CHROM"))) {
          headerLine = line;
          break;
        }
      }
      if (headerLine == null) throw new BadInputException(given, -1, null, "file has no header (blank)");
      checkText(given, idx + 1, headerLine);
      char delim = LineSplitter.detectDelimiter(headerLine);
      String[] header;
      try {
        header = LineSplitter.split(headerLine, delim);
      } catch (LineSplitter.SplitException e) {
        throw new BadInputException(given, idx + 1, null, "header: " + e.getMessage());
      }
      if (header.length > 0 && header[0].startsWith("\uFEFF")) header[0] = header[0].substring(1);
      boolean hasData = false;
      long dataIdx = idx;
      while ((line = r.readLine()) != null) {
        dataIdx++;
        if (!line.isBlank()) {
          checkText(given, dataIdx + 1, line);
          hasData = true;
          break;
        }
      }
      if (!hasData) throw new BadInputException(given, -1, null, "file has a header but no data rows");
      return new SourceFile(given, q.toString(), false, gz, delim, header, idx, bytes, sha);
    } catch (CharacterCodingException e) {
      throw new BadInputException(given, -1, null,
          "file is not UTF-8 text (binary, or another encoding: save it as UTF-8)");
    }
  }

  private static void checkText(String given, long lineNo, String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == 0 || (c < 0x20 && c != '\t' && c != '\r')) {
        throw new BadInputException(given, lineNo, null,
            "file is binary or not text (control character 0x" + Integer.toHexString(c) + " at character "
                + (i + 1) + ")");
      }
    }
  }

  private static String[] trim(String[] cols) {
    String[] out = new String[cols.length];
    for (int i = 0; i < cols.length; i++) out[i] = cols[i].strip();
    return out;
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void digest(FileSystem fs, Path p, MessageDigest md) throws IOException {
    byte[] buf = new byte[1 << 20];
    try (InputStream in = fs.open(p)) {
      int n;
      while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
    }
  }

  /** Index of a header column by normalised name, or -1. */
  public int column(String name) {
    for (int i = 0; i < header.length; i++) if (normalise(header[i]).equals(name)) return i;
    return -1;
  }

  /** Header names compare lower-case, with spaces, dots and dashes as underscores. */
  public static String normalise(String h) {
    return h.strip().toLowerCase(java.util.Locale.ROOT).replaceAll("[\\s.\\-]+", "_");
  }
}
