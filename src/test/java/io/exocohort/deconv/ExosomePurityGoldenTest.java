package io.exocohort.deconv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.deconv.kernel.QuantileNormalization;
import io.exocohort.deconv.kernel.ReferenceProfiles;
import io.exocohort.deconv.kernel.SimplexLeastSquares;
import io.exocohort.model.ModelGolden;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * exosomePurity's step 3 on its real data (38 colorectal-cancer serum EV libraries, 25 cancer cell-line and 31
 * healthy-cell EV libraries, 2,652 miRs, the published 48-miR signature) against make_golden.R: preprocessCore's
 * normalize.quantiles within 1e-9, the median reference profiles within 1e-9, and quadprog's solve.QP fractions (which
 * equal the method's published serum_putity.csv to 4e-14) within 1e-6. Measured here: the normalised values and the
 * target equal R's exactly, the profiles to 2e-15, the fractions to 1.3e-14, the residuals to 1.4e-15.
 */
class ExosomePurityGoldenTest {
  private static final double QN_TOL = 1e-9;
  private static final double FRACTION_TOL = 1e-6;

  private static ModelGolden input;
  private static String[] samples;
  private static String[] groups;
  private static double[][] normalized;

  @BeforeAll
  static void normalize() {
    input = DeconvGolden.read("exosomepurity_cpm.csv.gz");
    ModelGolden s = DeconvGolden.read("exosomepurity_samples.csv");
    samples = s.strings("sample");
    groups = s.strings("group");
    assertEquals(List.of(samples), input.header.subList(1, input.header.size()));
    normalized = QuantileNormalization.normalize(DeconvGolden.matrix(input));
  }

  @Test
  void quantileNormalizationEqualsPreprocessCore() {
    assertEquals(2652, normalized.length);
    assertEquals(94, samples.length);
    double[] target = QuantileNormalization.target(DeconvGolden.matrix(input));
    double[] want = DeconvGolden.read("quantile_target.csv").doubles("target");
    for (int i = 0; i < want.length; i++) assertEquals(want[i], target[i], QN_TOL, "target rank " + (i + 1));
    ModelGolden g = DeconvGolden.read("normalized_signature.csv");
    double[][] r = DeconvGolden.matrix(g);
    Map<String, Integer> row = rowIndex();
    String[] sig = g.strings("feature");
    for (int i = 0; i < sig.length; i++) {
      for (int j = 0; j < samples.length; j++) {
        assertEquals(r[i][j], normalized[row.get(sig[i])][j], QN_TOL, sig[i] + " " + samples[j]);
      }
    }
    // every row, ties included, through the per-library sums of the normalised values and of their log2(x + 1)
    ModelGolden sums = DeconvGolden.read("normalized_column_sums.csv");
    double[] qnSum = sums.doubles("normalized_sum");
    double[] logSum = sums.doubles("log2_sum");
    double[][] lg = ReferenceProfiles.log2PlusOne(normalized);
    for (int j = 0; j < samples.length; j++) {
      double s1 = 0;
      double s2 = 0;
      for (int i = 0; i < normalized.length; i++) {
        s1 += normalized[i][j];
        s2 += lg[i][j];
      }
      assertEquals(qnSum[j], s1, QN_TOL * Math.max(1, Math.abs(qnSum[j])), "sum " + samples[j]);
      assertEquals(logSum[j], s2, QN_TOL * Math.max(1, Math.abs(logSum[j])), "log2 sum " + samples[j]);
    }
  }

  @Test
  void profilesAndFractionsEqualQuadprog() {
    List<String> signature = DeconvGolden.lines("signature_48_mirs.txt");
    assertEquals(48, signature.size());
    Map<String, Integer> row = rowIndex();
    double[][] lg = new double[48][];
    for (int i = 0; i < 48; i++) lg[i] = normalized[row.get(signature.get(i))];
    lg = ReferenceProfiles.log2PlusOne(lg);
    double[] healthy = ReferenceProfiles.rowMedians(lg, columns("healthy_cell"));
    double[] cancer = ReferenceProfiles.rowMedians(lg, columns("cancer_cell"));
    ModelGolden p = DeconvGolden.read("profiles.csv");
    assertEquals(signature, List.of(p.strings("feature")));
    double[] wantHealthy = p.doubles("healthy_cell");
    double[] wantCancer = p.doubles("cancer_cell");
    double[][] a = new double[48][];
    for (int i = 0; i < 48; i++) {
      assertEquals(wantHealthy[i], healthy[i], QN_TOL, "healthy profile " + signature.get(i));
      assertEquals(wantCancer[i], cancer[i], QN_TOL, "cancer profile " + signature.get(i));
      a[i] = new double[] {healthy[i], cancer[i]};
    }
    SimplexLeastSquares solver = SimplexLeastSquares.of(a);
    ModelGolden f = DeconvGolden.read("fractions.csv");
    double[] wantH = f.doubles("healthy_cell");
    double[] wantC = f.doubles("cancer_cell");
    double[] wantRms = f.doubles("rms_residual");
    int[] serum = columns("serum");
    assertEquals(38, serum.length);
    assertEquals(List.of(f.strings("sample")), IntStream.of(serum).mapToObj(j -> samples[j]).toList());
    double worst = 0;
    for (int s = 0; s < serum.length; s++) {
      double[] b = new double[48];
      for (int i = 0; i < 48; i++) b[i] = lg[i][serum[s]];
      SimplexLeastSquares.Fit fit = solver.fit(b);
      assertEquals(0, fit.ridge());
      assertEquals(wantH[s], fit.weights()[0], FRACTION_TOL, "healthy fraction " + samples[serum[s]]);
      assertEquals(wantC[s], fit.weights()[1], FRACTION_TOL, "cancer fraction " + samples[serum[s]]);
      assertEquals(wantRms[s], fit.rmsResidual(), FRACTION_TOL, "residual " + samples[serum[s]]);
      worst = Math.max(worst, Math.abs(wantC[s] - fit.weights()[1]));
    }
    // the end-to-end chain lands far inside the 1e-6 the issue asks (measured: about 1e-12)
    assertTrue(worst < 1e-9, "largest cancer-fraction difference " + worst);
  }

  /** The kernel alone: quadprog's fractions from R's own profiles and R's normalised serum values. */
  @Test
  void simplexLeastSquaresEqualsQuadprogOnRsInputs() {
    ModelGolden p = DeconvGolden.read("profiles.csv");
    double[] h = p.doubles("healthy_cell");
    double[] c = p.doubles("cancer_cell");
    double[][] a = new double[h.length][];
    for (int i = 0; i < h.length; i++) a[i] = new double[] {h[i], c[i]};
    double[][] lg = ReferenceProfiles.log2PlusOne(DeconvGolden.matrix(DeconvGolden.read("normalized_signature.csv")));
    ModelGolden f = DeconvGolden.read("fractions.csv");
    double[] wantC = f.doubles("cancer_cell");
    int[] serum = columns("serum");
    for (int s = 0; s < serum.length; s++) {
      double[] b = new double[h.length];
      for (int i = 0; i < b.length; i++) b[i] = lg[i][serum[s]];
      SimplexLeastSquares.Fit fit = SimplexLeastSquares.solve(a, b);
      assertEquals(wantC[s], fit.weights()[1], 1e-9, samples[serum[s]]);
      assertEquals(1, fit.weights()[0] + fit.weights()[1], 1e-12);
    }
  }

  /** The method's published fractions (resultdata/03cancer_serum_purity/serum_putity.csv) follow from this chain. */
  @Test
  void publishedFractionsAreReproduced() {
    ModelGolden pub = DeconvGolden.read("published_serum_purity.csv");
    String[] cancer = pub.rows.get(1);
    assertEquals("\"2\"", cancer[0]);
    double[] wantC = DeconvGolden.read("fractions.csv").doubles("cancer_cell");
    for (int s = 0; s < wantC.length; s++) assertEquals(Double.parseDouble(cancer[s + 1]), wantC[s], 1e-12);
  }

  private static Map<String, Integer> rowIndex() {
    Map<String, Integer> row = new HashMap<>();
    String[] features = input.strings("feature");
    for (int i = 0; i < features.length; i++) row.put(features[i], i);
    return row;
  }

  private static int[] columns(String group) {
    return IntStream.range(0, groups.length).filter(j -> groups[j].equals(group)).toArray();
  }
}
