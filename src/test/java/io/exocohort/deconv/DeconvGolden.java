package io.exocohort.deconv;

import io.exocohort.model.ModelGolden;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The files of src/test/resources/golden/deconv (written by make_golden.R), read with {@link ModelGolden}. */
final class DeconvGolden {
  private DeconvGolden() {}

  static ModelGolden read(String name) {
    return ModelGolden.read("deconv", name);
  }

  /** The numeric columns after the first of a CSV file: a features x samples matrix. */
  static double[][] matrix(ModelGolden g) {
    double[][] m = new double[g.rows.size()][g.header.size() - 1];
    for (int i = 0; i < m.length; i++) {
      for (int j = 0; j < m[i].length; j++) m[i][j] = Double.parseDouble(g.rows.get(i)[j + 1]);
    }
    return m;
  }

  /** The non-empty lines of a text file (the signature list). */
  static List<String> lines(String name) {
    InputStream in = DeconvGolden.class.getResourceAsStream("/golden/deconv/" + name);
    if (in == null) throw new IllegalStateException("no golden file " + name);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return r.lines().filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
