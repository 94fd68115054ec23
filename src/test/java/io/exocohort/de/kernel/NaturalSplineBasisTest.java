package io.exocohort.de.kernel;

import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Matrix;
import io.exocohort.de.kernel.Golden.Table;
import org.junit.jupiter.api.Test;

/**
 * The ns(x, df, intercept = TRUE) basis and predict() outside the boundary knots against splines::ns, column
 * signs included: on the row means of the GSE197020 fixture (what fitFDist's trend uses) and on x with ties.
 */
class NaturalSplineBasisTest {

  @Test
  void basisMatchesSplinesNs() {
    Table g = Golden.read("ns_basis.csv");
    double[][] values = Matrix.read("gse197020_logcpm.csv").values();
    double[] amean = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      double s = 0;
      for (double v : values[i]) s += v;
      amean[i] = s / values[i].length;
    }
    double[] ties = new double[28];
    int k = 0;
    for (int i = 0; i < 10; i++) ties[k++] = 1;
    for (int i = 0; i < 5; i++) ties[k++] = 2;
    for (int i = 3; i <= 12; i++) ties[k++] = i;
    for (int i = 0; i < 3; i++) ties[k++] = 12;

    Deviations dev = new Deviations("ns basis vs splines::ns");
    String[] cs = g.strings("case");
    double[] df = g.doubles("df");
    String[] part = g.strings("part");
    double[] idx = g.doubles("i");
    double[] x = g.doubles("x");
    double[] column = g.doubles("column");
    double[] value = g.doubles("value");
    for (int r = 0; r < g.size(); r++) {
      double[] data = cs[r].equals("ties") ? ties : amean;
      NaturalSplineBasis ns = NaturalSplineBasis.fit(data, (int) df[r]);
      double at = part[r].equals("fit") ? data[(int) idx[r] - 1] : x[r];
      double got = ns.basis(new double[] {at})[0][(int) column[r] - 1];
      // the basis is O(1): absolute accuracy
      dev.check(cs[r] + " " + part[r], "df=" + df[r] + " i=" + idx[r] + " col=" + column[r], got, value[r], 1e-12, 1e-13);
    }
    dev.assertOk();
  }
}
