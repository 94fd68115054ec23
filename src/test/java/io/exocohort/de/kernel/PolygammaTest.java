package io.exocohort.de.kernel;

import io.exocohort.de.kernel.Golden.Deviations;
import io.exocohort.de.kernel.Golden.Table;
import org.junit.jupiter.api.Test;

/** Digamma, trigamma, tetragamma against R; trigammaInverse against limma:::trigammaInverse. */
class PolygammaTest {

  @Test
  void polygammaMatchesR() {
    Table t = Golden.read("polygamma.csv");
    double[] x = t.doubles("x");
    double[] di = t.doubles("digamma");
    double[] tri = t.doubles("trigamma");
    double[] tetra = t.doubles("tetragamma");
    Deviations dev = new Deviations("polygamma vs R");
    for (int i = 0; i < x.length; i++) {
      String w = "x=" + x[i];
      // digamma has a root near 1.46: absolute accuracy there
      dev.check("digamma", w, Polygamma.digamma(x[i]), di[i], 1e-14, 1e-15);
      dev.check("trigamma", w, Polygamma.trigamma(x[i]), tri[i], 1e-14, 0);
      dev.check("tetragamma", w, Polygamma.tetragamma(x[i]), tetra[i], 1e-13, 0);
    }
    dev.assertOk();
  }

  @Test
  void trigammaInverseMatchesLimma() {
    Table t = Golden.read("trigamma_inverse.csv");
    double[] x = t.doubles("x");
    double[] y = t.doubles("y");
    Deviations dev = new Deviations("trigammaInverse vs limma");
    for (int i = 0; i < x.length; i++) {
      dev.check("trigammaInverse", "x=" + x[i], Polygamma.trigammaInverse(x[i]), y[i], 1e-12, 0);
    }
    dev.assertOk();
  }
}
