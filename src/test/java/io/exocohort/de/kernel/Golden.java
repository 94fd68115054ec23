package io.exocohort.de.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The golden files under {@code src/test/resources/golden/de/} (made by make_golden.R and make_golden.py there):
 * CSV reading, the fixtures as matrices, and a deviation tracker that reports the largest deviation per column.
 */
final class Golden {
  private Golden() {}

  /** A CSV file: header and rows of strings. */
  record Table(List<String> header, List<String[]> rows) {
    int col(String name) {
      int i = header.indexOf(name);
      if (i < 0) throw new IllegalArgumentException("no column " + name + " in " + header);
      return i;
    }

    Table where(String column, String value) {
      int c = col(column);
      List<String[]> out = new ArrayList<>();
      for (String[] r : rows) if (r[c].equals(value)) out.add(r);
      return new Table(header, out);
    }

    Table where(Predicate<String[]> p) {
      List<String[]> out = new ArrayList<>();
      for (String[] r : rows) if (p.test(r)) out.add(r);
      return new Table(header, out);
    }

    String[] strings(String column) {
      int c = col(column);
      String[] out = new String[rows.size()];
      for (int i = 0; i < out.length; i++) out[i] = rows.get(i)[c];
      return out;
    }

    double[] doubles(String column) {
      int c = col(column);
      double[] out = new double[rows.size()];
      for (int i = 0; i < out.length; i++) out[i] = parse(rows.get(i)[c]);
      return out;
    }

    int size() {
      return rows.size();
    }
  }

  static double parse(String s) {
    switch (s) {
      case "NA":
      case "NaN":
      case "nan":
        return Double.NaN;
      case "Inf":
      case "inf":
        return Double.POSITIVE_INFINITY;
      case "-Inf":
      case "-inf":
        return Double.NEGATIVE_INFINITY;
      case "TRUE":
        return 1;
      case "FALSE":
        return 0;
      default:
        return Double.parseDouble(s);
    }
  }

  static Table read(String name) {
    String path = "/golden/de/" + name;
    try (InputStream in = Golden.class.getResourceAsStream(path)) {
      if (in == null) throw new IllegalStateException("missing test resource " + path);
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      List<String> header = List.of(r.readLine().split(",", -1));
      List<String[]> rows = new ArrayList<>();
      for (String line; (line = r.readLine()) != null; ) {
        if (line.isEmpty()) continue;
        rows.add(line.split(",", -1));
      }
      return new Table(header, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A fixture matrix: features x samples, NaN for NA. */
  record Matrix(String[] features, String[] samples, double[][] values) {
    static Matrix read(String name) {
      Table t = Golden.read(name);
      String[] samples = t.header().subList(1, t.header().size()).toArray(new String[0]);
      String[] features = new String[t.size()];
      double[][] v = new double[t.size()][samples.length];
      for (int i = 0; i < t.size(); i++) {
        String[] r = t.rows().get(i);
        features[i] = r[0];
        for (int j = 0; j < samples.length; j++) v[i][j] = parse(r[j + 1]);
      }
      return new Matrix(features, samples, v);
    }
  }

  /** A cohort: the fixture matrix and its samples' design (model.matrix(~0 + group [+ age + sex])). */
  record Cohort(String name, Matrix matrix, String[] groupLevels, int[] group, String[] designColumns,
                double[][] design) {
    int p() {
      return designColumns.length;
    }

    static Cohort load(String dataset) {
      if (dataset.equals("gse197020")) {
        Matrix m = Matrix.read("gse197020_logcpm.csv");
        Table s = Golden.read("gse197020_samples.csv");
        String[] levels = {"control", "breast_cancer"};
        String[] g = s.strings("group");
        int[] gi = new int[g.length];
        double[][] x = new double[g.length][2];
        for (int i = 0; i < g.length; i++) {
          if (!s.strings("sample")[i].equals(m.samples()[i])) throw new IllegalStateException("sample order");
          gi[i] = List.of(levels).indexOf(g[i]);
          x[i][gi[i]] = 1;
        }
        return new Cohort(dataset, m, levels, gi, new String[] {"groupcontrol", "groupbreast_cancer"}, x);
      }
      Matrix m = Matrix.read(dataset + ".csv");
      Table s = Golden.read("synth_samples.csv");
      String[] levels = {"healthy", "crc", "lung", "pdac"};
      String[] g = s.strings("group");
      double[] age = s.doubles("age");
      String[] sex = s.strings("sex");
      int[] gi = new int[g.length];
      double[][] x = new double[g.length][6];
      for (int i = 0; i < g.length; i++) {
        if (!s.strings("sample")[i].equals(m.samples()[i])) throw new IllegalStateException("sample order");
        gi[i] = List.of(levels).indexOf(g[i]);
        x[i][gi[i]] = 1;
        x[i][4] = age[i];
        x[i][5] = sex[i].equals("M") ? 1 : 0;
      }
      return new Cohort(dataset, m, levels, gi,
          new String[] {"grouphealthy", "groupcrc", "grouplung", "grouppdac", "age", "sexM"}, x);
    }
  }

  /** Largest deviations per column; equality of NaN with NaN; reports at the end. */
  static final class Deviations {
    private final String title;
    private final Map<String, double[]> stats = new LinkedHashMap<>(); // maxRel, maxAbs, count, worstRef
    private final Map<String, String> worst = new HashMap<>();
    private final List<String> failures = new ArrayList<>();

    Deviations(String title) {
      this.title = title;
    }

    /**
     * Compares actual to expected: relative deviation |a - e| / |e| must be within relTol, or the absolute
     * deviation within absTol (for values that are zero or cancel to near zero in the reference itself).
     */
    void check(String column, String where, double actual, double expected, double relTol, double absTol) {
      double[] s = stats.computeIfAbsent(column, k -> new double[4]);
      s[2]++;
      if (Double.isNaN(expected) || Double.isNaN(actual)) {
        if (!(Double.isNaN(expected) && Double.isNaN(actual))) {
          failures.add(column + " " + where + ": expected " + expected + ", got " + actual);
        }
        return;
      }
      if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
        if (expected != actual) failures.add(column + " " + where + ": expected " + expected + ", got " + actual);
        return;
      }
      double abs = Math.abs(actual - expected);
      double rel = expected == 0 ? (abs == 0 ? 0 : Double.POSITIVE_INFINITY) : abs / Math.abs(expected);
      if (abs > s[1]) s[1] = abs;
      if (rel > s[0] && Double.isFinite(rel)) {
        s[0] = rel;
        worst.put(column, where + " (expected " + expected + ", got " + actual + ")");
      }
      if (rel > relTol && abs > absTol) {
        failures.add(String.format(Locale.ROOT, "%s %s: expected %.17g, got %.17g (rel %.3g, abs %.3g)",
            column, where, expected, actual, rel, abs));
      }
    }

    String report() {
      StringBuilder sb = new StringBuilder(title).append('\n');
      stats.forEach((k, s) -> sb.append(String.format(Locale.ROOT, "  %-16s n=%6d  max rel %.3e  max abs %.3e   worst: %s%n",
          k, (long) s[2], s[0], s[1], worst.getOrDefault(k, "-"))));
      return sb.toString();
    }

    double maxRel(String column) {
      return stats.get(column)[0];
    }

    void assertOk() {
      System.out.print(report());
      if (!failures.isEmpty()) {
        fail(title + ": " + failures.size() + " deviations, first: " + String.join("\n", failures.subList(0,
            Math.min(10, failures.size()))));
      }
      assertTrue(stats.values().stream().allMatch(s -> s[2] > 0) || stats.isEmpty(), "nothing compared");
    }
  }

  /**
   * Every contrast's topTable columns (logFC, stdev.unscaled, AveExpr, t, P.Value, adj.P.Val, B) and var.prior of one
   * fit against the golden rows: {@code table} one row per contrast and feature (features in {@code fnames}' order),
   * {@code summary} var_prior per contrast. Asserts that every golden row was compared.
   */
  static void checkTopTables(ContrastSet contrasts, FeatureFit[] fits, EmpiricalBayes eb, String[] fnames,
      Table table, Table summary, Deviations dev, double rel, double abs) {
    int nf = fnames.length;
    String[] cols = {"logFC", "stdev_unscaled", "AveExpr", "t", "P.Value", "adj.P.Val", "B"};
    int compared = 0;
    for (int k = 0; k < contrasts.size(); k++) {
      double[] logFC = new double[nf];
      double[] su = new double[nf];
      for (int f = 0; f < nf; f++) {
        ContrastSet.Estimate est = contrasts.estimate(fits[f], k);
        logFC[f] = est.coefficient();
        su[f] = est.stdevUnscaled();
      }
      EmpiricalBayes.TopTable tt = eb.test(logFC, su);
      Table g = table.where("contrast", contrasts.name(k));
      org.junit.jupiter.api.Assertions.assertArrayEquals(fnames, g.strings("feature"), contrasts.name(k));
      double[][] actual = {tt.logFC(), su, tt.aveExpr(), tt.t(), tt.pValue(), tt.adjPValue(), tt.b()};
      for (int col = 0; col < cols.length; col++) {
        double[] expected = g.doubles(cols[col]);
        for (int f = 0; f < nf; f++) {
          dev.check(cols[col], contrasts.name(k) + " " + fnames[f], actual[col][f], expected[f], rel, abs);
        }
      }
      compared += nf;
      dev.check("var.prior", contrasts.name(k), tt.varPrior(),
          summary.where("contrast", contrasts.name(k)).doubles("var_prior")[0], rel, 0);
    }
    org.junit.jupiter.api.Assertions.assertEquals(table.size(), compared, "every golden row compared");
  }
}
