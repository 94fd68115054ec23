package io.exocohort.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the CSV files of src/test/resources/golden/model (written by make_golden.py; no quoted fields), and of other
 * golden folders with {@link #read(String, String)} (a {@code .gz} file is gunzipped).
 */
public final class ModelGolden {
  public final List<String> header;
  public final List<String[]> rows;

  private ModelGolden(List<String> header, List<String[]> rows) {
    this.header = header;
    this.rows = rows;
  }

  static ModelGolden read(String name) {
    return read("model", name);
  }

  /** The CSV file {@code name} of src/test/resources/golden/{@code folder}. */
  public static ModelGolden read(String folder, String name) {
    InputStream in = ModelGolden.class.getResourceAsStream("/golden/" + folder + "/" + name);
    if (in == null) throw new IllegalStateException("no golden file " + folder + "/" + name);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(
        name.endsWith(".gz") ? new GZIPInputStream(in) : in, StandardCharsets.UTF_8))) {
      List<String> header = List.of(r.readLine().split(",", -1));
      List<String[]> rows = new ArrayList<>();
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isEmpty()) rows.add(line.split(",", -1));
      }
      return new ModelGolden(header, rows);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int col(String name) {
    int i = header.indexOf(name);
    if (i < 0) throw new IllegalArgumentException("no column " + name + " in " + header);
    return i;
  }

  ModelGolden where(String column, String value) {
    int c = col(column);
    return new ModelGolden(header, rows.stream().filter(r -> r[c].equals(value)).toList());
  }

  public String[] strings(String column) {
    int c = col(column);
    return rows.stream().map(r -> r[c]).toArray(String[]::new);
  }

  public double[] doubles(String column) {
    int c = col(column);
    return rows.stream().mapToDouble(r -> Double.parseDouble(r[c])).toArray();
  }

  int[] ints(String column) {
    int c = col(column);
    return rows.stream().mapToInt(r -> Integer.parseInt(r[c])).toArray();
  }
}
