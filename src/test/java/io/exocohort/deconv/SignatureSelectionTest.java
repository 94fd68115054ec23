package io.exocohort.deconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.exocohort.deconv.kernel.QuantileNormalization;
import io.exocohort.deconv.kernel.ReferenceProfiles;
import io.exocohort.deconv.kernel.SignatureSelection;
import io.exocohort.deconv.kernel.SimplexLeastSquares;
import io.exocohort.model.ModelGolden;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * exosomePurity's steps 1 and 2 on our engine ({@link SignatureSelection}) against edgeR, limma and preprocessCore on
 * the method's real cell-line counts (25 cancer cell-line and 31 healthy-cell EV libraries, 2,652 miRs):
 * make_golden.R's signature_derived.csv. Then the comparison: the 38 colorectal-cancer sera deconvolved with
 * the derived signature against quadprog (fractions_derived.csv, 1e-6), and how close those fractions come to the
 * published 48-miR signature's (signature_comparison.csv: Pearson r 0.97, mean absolute difference 0.020).
 */
class SignatureSelectionTest {
  private static final double TOL = 1e-9;

  @Test
  void derivedSignatureEqualsEdgeRLimmaAndPreprocessCore() {
    ModelGolden c = DeconvGolden.read("exosomepurity_counts.csv.gz");
    double[][] counts = DeconvGolden.matrix(c);
    String[] features = c.strings("feature");
    boolean[] isCase = caseColumns(c.header.subList(1, c.header.size()));
    SignatureSelection.Result r = SignatureSelection.select(counts, isCase, SignatureSelection.Params.defaults());

    ModelGolden g = DeconvGolden.read("signature_derived.csv");
    ModelGolden cmp = DeconvGolden.read("signature_comparison.csv");
    assertEquals(cmp.doubles("filtered")[0], r.filtered(), "miRs passing filterByExpr");
    String[] gf = g.strings("feature");
    Map<String, Integer> at = new HashMap<>();
    for (int i = 0; i < gf.length; i++) at.put(gf[i], i);
    List<String> wantDe = new ArrayList<>();
    List<String> wantSig = new ArrayList<>();
    for (int i = 0; i < gf.length; i++) {
      if (g.strings("differential")[i].equals("TRUE")) wantDe.add(gf[i]);
      if (g.strings("signature")[i].equals("TRUE")) wantSig.add(gf[i]);
    }
    assertEquals(wantDe, r.differential().stream().map(f -> features[f.index()]).toList(), "differential, by p");
    assertEquals(wantSig, r.signature().stream().map(f -> features[f.index()]).toList(), "signature, by p");
    assertEquals(39, wantSig.size());
    for (SignatureSelection.Feature f : r.differential()) {
      int i = at.get(features[f.index()]);
      String n = features[f.index()];
      assertEquals(g.doubles("logFC")[i], f.log2fc(), TOL, "logFC " + n);
      assertEquals(g.doubles("AveExpr")[i], f.aveExpr(), TOL, "AveExpr " + n);
      assertEquals(g.doubles("t")[i], f.t(), TOL * Math.max(1, Math.abs(f.t())), "t " + n);
      assertEquals(g.doubles("P.Value")[i], f.pValue(), TOL * g.doubles("P.Value")[i], "P " + n);
      assertEquals(g.doubles("adj.P.Val")[i], f.padj(), TOL * g.doubles("adj.P.Val")[i], "adj.P " + n);
    }
    for (SignatureSelection.Feature f : r.signature()) {
      int i = at.get(features[f.index()]);
      double want = Math.max(g.doubles("var_control")[i], g.doubles("var_case")[i]);
      assertEquals(want, f.maxWithinVariance(), TOL, "within-group variance " + features[f.index()]);
    }

    // the 38 sera with the derived signature: quadprog's fractions, and how close they are to the given signature's
    ModelGolden cpm = DeconvGolden.read("exosomepurity_cpm.csv.gz");
    List<String> libs = cpm.header.subList(1, cpm.header.size());
    double[][] lg = ReferenceProfiles.log2PlusOne(QuantileNormalization.normalize(DeconvGolden.matrix(cpm)));
    Map<String, Integer> row = new HashMap<>();
    String[] cf = cpm.strings("feature");
    for (int i = 0; i < cf.length; i++) row.put(cf[i], i);
    double[] derived = fractions(lg, row, libs, r.signature().stream().map(f -> features[f.index()]).toList(),
        "fractions_derived.csv");
    double[] given = fractions(lg, row, libs, DeconvGolden.lines("signature_48_mirs.txt"), "fractions.csv");
    assertEquals(cmp.doubles("pearson_r")[0], pearson(derived, given), 1e-6, "Pearson r, derived vs given");
    double mad = 0;
    for (int i = 0; i < derived.length; i++) mad += Math.abs(derived[i] - given[i]) / derived.length;
    assertEquals(cmp.doubles("mean_abs_difference")[0], mad, 1e-6, "mean |difference|, derived vs given");
  }

  @Test
  void aGroupOfOneProfileIsRefused() {
    double[][] counts = {{10, 20, 30}, {5, 5, 5}, {100, 90, 80}};
    assertThrows(IllegalArgumentException.class,
        () -> SignatureSelection.select(counts, new boolean[] {true, false, false}, SignatureSelection.Params.defaults()));
  }

  /** The serum cancer-cell fractions with {@code signature}, each checked against quadprog's in {@code golden}. */
  private static double[] fractions(double[][] lg, Map<String, Integer> row, List<String> libs, List<String> signature,
      String golden) {
    ModelGolden s = DeconvGolden.read("exosomepurity_samples.csv");
    String[] group = s.strings("group");
    List<Integer> h = new ArrayList<>();
    List<Integer> k = new ArrayList<>();
    List<Integer> serum = new ArrayList<>();
    for (int j = 0; j < libs.size(); j++) {
      (group[j].equals("healthy_cell") ? h : group[j].equals("cancer_cell") ? k : serum).add(j);
    }
    double[][] x = new double[signature.size()][];
    for (int i = 0; i < x.length; i++) x[i] = lg[row.get(signature.get(i))];
    double[] hp = ReferenceProfiles.rowMedians(x, h.stream().mapToInt(Integer::intValue).toArray());
    double[] cp = ReferenceProfiles.rowMedians(x, k.stream().mapToInt(Integer::intValue).toArray());
    double[][] a = new double[x.length][];
    for (int i = 0; i < x.length; i++) a[i] = new double[] {hp[i], cp[i]};
    SimplexLeastSquares solver = SimplexLeastSquares.of(a);
    ModelGolden f = DeconvGolden.read(golden);
    double[] want = f.doubles("cancer_cell");
    double[] out = new double[serum.size()];
    for (int j = 0; j < serum.size(); j++) {
      double[] b = new double[x.length];
      for (int i = 0; i < b.length; i++) b[i] = x[i][serum.get(j)];
      out[j] = solver.fit(b).weights()[1];
      assertEquals(want[j], out[j], 1e-6, golden + " " + libs.get(serum.get(j)));
    }
    return out;
  }

  private static boolean[] caseColumns(List<String> libs) {
    ModelGolden s = DeconvGolden.read("exosomepurity_samples.csv");
    Map<String, String> group = new HashMap<>();
    for (int i = 0; i < s.rows.size(); i++) group.put(s.strings("sample")[i], s.strings("group")[i]);
    boolean[] out = new boolean[libs.size()];
    for (int j = 0; j < out.length; j++) out[j] = group.get(libs.get(j)).equals("cancer_cell");
    return out;
  }

  private static double pearson(double[] a, double[] b) {
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < a.length; i++) {
      ma += a[i] / a.length;
      mb += b[i] / b.length;
    }
    double sab = 0;
    double saa = 0;
    double sbb = 0;
    for (int i = 0; i < a.length; i++) {
      sab += (a[i] - ma) * (b[i] - mb);
      saa += (a[i] - ma) * (a[i] - ma);
      sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / Math.sqrt(saa * sbb);
  }
}
