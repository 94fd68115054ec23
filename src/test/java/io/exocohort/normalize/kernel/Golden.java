package io.exocohort.normalize.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the fixtures and R outputs under {@code src/test/resources/golden/normalize/} (written by
 * {@code make_golden.R}) and compares numbers with the golden-value tolerance: equal within 1e-6 absolute or
 * 1e-6 relative, whichever is looser. Each comparison records the largest deviations, printed per quantity.
 */
public final class Golden {
  static final String DIR = "/golden/normalize/";
  static final double TOL = 1e-6;

  private Golden() {}

  /** A TSV table: header and rows of strings. */
  public record Table(String[] header, List<String[]> rows) {
    public int column(String name) {
      int i = Arrays.asList(header).indexOf(name);
      if (i < 0) fail("no column " + name + " in " + Arrays.toString(header));
      return i;
    }

    public String[] strings(String name) {
      int c = column(name);
      return rows.stream().map(r -> r[c]).toArray(String[]::new);
    }

    public double[] doubles(String name) {
      return Arrays.stream(strings(name)).mapToDouble(Golden::parse).toArray();
    }
  }

  /** A labelled matrix: {@code values[row][column]}, NA as NaN. */
  public record Matrix(String[] rowNames, String[] columnNames, double[][] values) {
    Matrix rows(boolean[] keep) {
      List<String> names = new ArrayList<>();
      List<double[]> vals = new ArrayList<>();
      for (int i = 0; i < keep.length; i++) {
        if (keep[i]) {
          names.add(rowNames[i]);
          vals.add(values[i]);
        }
      }
      return new Matrix(names.toArray(String[]::new), columnNames, vals.toArray(double[][]::new));
    }
  }

  public static Table table(String name) {
    try (InputStream in = Golden.class.getResourceAsStream(DIR + name)) {
      assertNotNull(in, "missing golden resource " + DIR + name + " (run make_golden.R)");
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String[] header = r.readLine().split("\t", -1);
      List<String[]> rows = new ArrayList<>();
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isEmpty()) continue;
        String[] f = line.split("\t", -1);
        assertEquals(header.length, f.length, name + ": ragged line " + line);
        rows.add(f);
      }
      return new Table(header, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Matrix matrix(String name) {
    Table t = table(name);
    String[] cols = Arrays.copyOfRange(t.header(), 1, t.header().length);
    String[] rows = new String[t.rows().size()];
    double[][] v = new double[rows.length][cols.length];
    for (int i = 0; i < rows.length; i++) {
      String[] f = t.rows().get(i);
      rows[i] = f[0];
      for (int j = 0; j < cols.length; j++) v[i][j] = parse(f[j + 1]);
    }
    return new Matrix(rows, cols, v);
  }

  public static double parse(String s) {
    return switch (s) {
      case "NA", "NaN" -> Double.NaN;
      case "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(s);
    };
  }

  static double[] parseList(String csv) {
    return Arrays.stream(csv.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  /** Largest absolute and relative deviations seen for one quantity. */
  static final class Deviation {
    private final String what;
    private double maxAbs;
    private double maxRel;
    private long n;

    Deviation(String what) {
      this.what = what;
    }

    Deviation check(String where, double expected, double actual) {
      n++;
      if (Double.isNaN(expected) || Double.isNaN(actual)) {
        if (Double.isNaN(expected) != Double.isNaN(actual)) {
          fail(what + " " + where + ": expected " + expected + " but was " + actual);
        }
        return this;
      }
      if (expected == actual) return this; // also equal infinities
      double abs = Math.abs(expected - actual);
      double rel = abs / Math.abs(expected);
      maxAbs = Math.max(maxAbs, abs);
      if (expected != 0) maxRel = Math.max(maxRel, rel);
      if (!(abs <= TOL || rel <= TOL)) {
        fail(what + " " + where + ": expected " + expected + " but was " + actual + " (abs " + abs + ", rel " + rel
            + ")");
      }
      return this;
    }

    Deviation check(String where, double[] expected, double[] actual) {
      assertEquals(expected.length, actual.length, what + " " + where + ": length");
      for (int i = 0; i < expected.length; i++) check(where + "[" + i + "]", expected[i], actual[i]);
      return this;
    }

    Deviation check(Matrix expected, double[][] actual) {
      assertEquals(expected.values().length, actual.length, what + ": rows");
      for (int i = 0; i < actual.length; i++) {
        for (int j = 0; j < actual[i].length; j++) {
          check(expected.rowNames()[i] + "/" + expected.columnNames()[j], expected.values()[i][j], actual[i][j]);
        }
      }
      return this;
    }

    /** Prints the deviations (surefire keeps stdout in the report folder) and returns this. */
    Deviation report() {
      System.out.printf("DEVIATION %-40s n=%-6d maxAbs=%.3e maxRel=%.3e%n", what, n, maxAbs, maxRel);
      return this;
    }
  }

  /** The two count cohorts of the golden set. */
  enum Cohort {
    GBM("gbm", "gbm_counts.tsv", "gbm_groups.tsv"),
    SYNTHETIC("synthetic", "synthetic_counts.tsv", "synthetic_samples.tsv");

    final String prefix;
    final String countsFile;
    final String samplesFile;

    Cohort(String prefix, String countsFile, String samplesFile) {
      this.prefix = prefix;
      this.countsFile = countsFile;
      this.samplesFile = samplesFile;
    }

    Matrix counts() {
      return matrix(countsFile);
    }

    String[] groups() {
      Table t = table(samplesFile);
      assertArrayEquals(counts().columnNames(), t.strings("sample"), "sample order of " + samplesFile);
      return t.strings("group");
    }

    String file(String suffix) {
      return prefix + "_" + suffix;
    }
  }

  /** Column j of a features x samples matrix. */
  static double[] column(double[][] m, int j) {
    double[] c = new double[m.length];
    for (int i = 0; i < m.length; i++) c[i] = m[i][j];
    return c;
  }
}
