package io.exocohort.generate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Test helpers: read the generator's (and the real cohorts') text tables; simple statistics. */
final class Tables {
  private Tables() {}

  /** A header and rows of a delimited file (.gz read through gzip); CSV quotes handled. */
  record Text(List<String> header, List<String[]> rows) {
    int col(String name) {
      int i = header.indexOf(name);
      if (i < 0) throw new AssertionError("no column " + name + " in " + header);
      return i;
    }

    List<String> column(String name) {
      int i = col(name);
      return rows.stream().map(r -> r[i]).toList();
    }

    /** Rows as maps from column name to value. */
    List<Map<String, String>> maps() {
      List<Map<String, String>> out = new ArrayList<>();
      for (String[] r : rows) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) m.put(header.get(i), r[i]);
        out.add(m);
      }
      return out;
    }
  }

  static Text read(Path file) throws IOException {
    char sep = file.toString().contains(".tsv") || file.toString().endsWith(".txt") ? '\t' : ',';
    InputStream in = Files.newInputStream(file);
    if (file.toString().endsWith(".gz")) in = new GZIPInputStream(in);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
      List<String> header = List.of(split(r.readLine(), sep));
      List<String[]> rows = new ArrayList<>();
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = split(line, sep);
        if (f.length != header.size()) {
          throw new AssertionError(file + ": row has " + f.length + " fields, header " + header.size() + ": " + line);
        }
        rows.add(f);
      }
      return new Text(header, rows);
    }
  }

  static String[] split(String line, char sep) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"' && cur.length() == 0 && sep == ',') {
        quoted = true;
      } else if (c == sep) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out.toArray(new String[0]);
  }

  /** A wide feature x sample matrix (missing = NaN). */
  record Matrix(List<String> features, List<String> samples, double[][] values) {
    int feature(String name) {
      int i = features.indexOf(name);
      if (i < 0) throw new AssertionError("no feature " + name);
      return i;
    }

    double[] librarySizes() {
      double[] lib = new double[samples.size()];
      for (double[] row : values) {
        for (int j = 0; j < lib.length; j++) if (!Double.isNaN(row[j])) lib[j] += row[j];
      }
      return lib;
    }

    /** Columns whose library size passes {@code keep}. */
    Matrix samplesWhere(java.util.function.IntPredicate keep) {
      List<Integer> idx = new ArrayList<>();
      for (int j = 0; j < samples.size(); j++) if (keep.test(j)) idx.add(j);
      double[][] v = new double[features.size()][idx.size()];
      List<String> ids = new ArrayList<>();
      for (int k = 0; k < idx.size(); k++) {
        ids.add(samples.get(idx.get(k)));
        for (int i = 0; i < features.size(); i++) v[i][k] = values[i][idx.get(k)];
      }
      return new Matrix(features, ids, v);
    }
  }

  static Matrix wide(Path file) throws IOException {
    Text t = read(file);
    int nf = t.rows().size();
    int ns = t.header().size() - 1;
    double[][] v = new double[nf][ns];
    List<String> features = new ArrayList<>();
    for (int i = 0; i < nf; i++) {
      String[] r = t.rows().get(i);
      features.add(r[0]);
      for (int j = 0; j < ns; j++) v[i][j] = r[j + 1].isEmpty() ? Double.NaN : Double.parseDouble(r[j + 1]);
    }
    return new Matrix(features, t.header().subList(1, t.header().size()), v);
  }

  /** A long table (sample_id, feature, value) as a wide matrix, in first-seen order. */
  static Matrix longToWide(Path file) throws IOException {
    Text t = read(file);
    Map<String, Integer> f = new LinkedHashMap<>();
    Map<String, Integer> s = new LinkedHashMap<>();
    for (String[] r : t.rows()) {
      s.putIfAbsent(r[0], s.size());
      f.putIfAbsent(r[1], f.size());
    }
    double[][] v = new double[f.size()][s.size()];
    for (double[] row : v) Arrays.fill(row, Double.NaN);
    for (String[] r : t.rows()) v[f.get(r[1])][s.get(r[0])] = r[2].isEmpty() ? Double.NaN : Double.parseDouble(r[2]);
    return new Matrix(new ArrayList<>(f.keySet()), new ArrayList<>(s.keySet()), v);
  }

  // ---- statistics ----

  static double median(double[] x) {
    double[] s = x.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static double median(List<Double> x) {
    return median(x.stream().mapToDouble(Double::doubleValue).toArray());
  }

  static double quantile(double[] x, double q) {
    double[] s = x.clone();
    Arrays.sort(s);
    return s[(int) Math.floor(q * (s.length - 1))];
  }

  static double mean(List<Double> x) {
    return x.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  static double sd(double[] x) {
    double m = Arrays.stream(x).average().orElse(0);
    return Math.sqrt(Arrays.stream(x).map(v -> (v - m) * (v - m)).sum() / x.length);
  }

  /** The statistics the synthetic data is compared on with the real cohorts. */
  record CountStats(double zeroFraction, double medianTop10Share, double medianTop4PlasmaShare, double sdLog10Lib,
      double iqrLog10Lib, double libP95OverP5, double lowestQuartileZeroFraction) {}

  static final List<String> PLASMA_TOP4 =
      List.of("hsa-miR-451a", "hsa-miR-16-5p", "hsa-miR-92a-3p", "hsa-miR-486-5p");

  static CountStats countStats(Matrix m) {
    double[] lib = m.librarySizes();
    int nf = m.features().size();
    int ns = lib.length;
    long zeros = 0;
    for (double[] row : m.values()) for (double v : row) if (v == 0) zeros++;
    double[] top10 = new double[ns];
    double[] top4 = new double[ns];
    int[] plasma = PLASMA_TOP4.stream().mapToInt(m::feature).toArray();
    for (int j = 0; j < ns; j++) {
      double[] col = new double[nf];
      for (int i = 0; i < nf; i++) col[i] = m.values()[i][j];
      Arrays.sort(col);
      double t = 0;
      for (int k = 0; k < 10; k++) t += col[nf - 1 - k];
      top10[j] = t / lib[j];
      double p = 0;
      for (int i : plasma) p += m.values()[i][j];
      top4[j] = p / lib[j];
    }
    double[] loglib = Arrays.stream(lib).filter(x -> x > 0).map(Math::log10).toArray();
    // Zero fraction of the rarest quarter of miRs (by mean CPM).
    double[] meanCpm = new double[nf];
    for (int i = 0; i < nf; i++) {
      double s = 0;
      for (int j = 0; j < ns; j++) s += m.values()[i][j] / lib[j] * 1e6;
      meanCpm[i] = s / ns;
    }
    Integer[] order = new Integer[nf];
    for (int i = 0; i < nf; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Double.compare(meanCpm[a], meanCpm[b]));
    long rareZeros = 0;
    int q = nf / 4;
    for (int k = 0; k < q; k++) for (double v : m.values()[order[k]]) if (v == 0) rareZeros++;
    return new CountStats((double) zeros / ((long) nf * ns), median(top10), median(top4), sd(loglib),
        quantile(loglib, 0.75) - quantile(loglib, 0.25), quantile(lib, 0.95) / quantile(lib, 0.05),
        (double) rareZeros / ((long) q * ns));
  }

  /** Per-feature map of name to row values. */
  static Map<String, double[]> rowsByName(Matrix m) {
    Map<String, double[]> out = new HashMap<>();
    for (int i = 0; i < m.features().size(); i++) out.put(m.features().get(i), m.values()[i]);
    return out;
  }
}
