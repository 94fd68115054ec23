package io.exocohort.generate;

import java.util.SplittableRandom;

/**
 * Draws one sample's measurements from the {@link CohortDesign}. Each sample has its own random streams seeded from
 * (seed, sample index), so samples can be drawn in any order and in parallel with the same result.
 *
 * <p><b>miRNA counts</b>: the sample's log read share of each miR is its baseline plus the planted effects that
 * apply (disease x stage scale x tumour factor, sex, biofluid, site, batch, haemolysis x severity) and a platelet
 * nuisance; shares are renormalised over the whole 2,600-miR pool (composition: a raised miR takes reads from the
 * others). Counts are negative binomial around depth x share, drawn as Poisson(mu x Gamma(1/phi, phi)) with the
 * dispersion trend phi = 0.15 + 1.2 / sqrt(baseline CPM) (edgeR's BCV: about 0.4 for abundant miRs, above 1 for
 * rare ones), so rare miRs are mostly zero. In a repeated cohort ({@link GenerateArgs.Repeats}) the subject's own
 * normal effect (log2, drawn from the subject's stream) and, in post samples, the cancer type's post-vs-pre change
 * are added too.
 *
 * <p><b>Protein intensities</b>: log-normal around the protein's typical intensity, shifted by the sample's
 * loading, planted effects, contamination, poor EV yield and haemolysis; missing not at random: a value is
 * censored with probability 1 / (1 + exp((x - LOD) / 0.08)) (log10 scale) below the sample's detection limit,
 * plus 1.5% missing completely at random. Missing is NaN.
 */
final class SampleSimulator {
  private static final double LN2 = Math.log(2);
  private static final double LOG10_2 = Math.log10(2);
  private static final double MCAR = 0.015;

  /** One simulated sample: miRNA counts and protein intensities (NaN = missing), in feature order. */
  record SimulatedSample(int index, int[] counts, double[] proteins) {}

  private final CohortDesign d;

  SampleSimulator(CohortDesign design) {
    this.d = design;
  }

  SimulatedSample simulate(int index) {
    SampleInfo s = d.samples.get(index);
    return new SimulatedSample(index, mirnaCounts(s), proteins(s));
  }

  int[] mirnaCounts(SampleInfo s) {
    int n = d.mirnas.length;
    double[] log2 = new double[n];
    if (!s.healthy()) {
      d.mirnaDisease[s.cancer()].addTo(log2, CancerTypes.STAGE_SCALE[s.stage()] * s.tumourFactor());
    }
    d.mirnaSex[s.sex() == 'F' ? 1 : 0].addTo(log2, 1);
    d.mirnaBiofluid[s.biofluid()].addTo(log2, 1);
    d.mirnaSite[s.site()].addTo(log2, 1);
    d.mirnaBatch[s.batch()].addTo(log2, 1);
    d.mirnaHemolysis.addTo(log2, s.hemolysisLog2());
    d.mirnaPlatelet.addTo(log2, s.plateletLog2());
    GenerateArgs.Repeats rp = d.args.repeats();
    if (rp.subjectSd() > 0) {
      // the subject's own effect: the same stream, so the same values, for every sample of the subject
      SplittableRandom sr = Samplers.rng(d.args.seed(), CohortDesign.STREAM_SUBJECT_EFFECTS, s.subjectNumber());
      for (int i = 0; i < n; i++) log2[i] += Samplers.normal(sr, 0, rp.subjectSd());
    }
    if ("post".equals(s.timepoint())) d.mirnaPost[s.cancer()].addTo(log2, 1);
    double[] share = new double[n];
    double total = d.restShare;
    for (int i = 0; i < n; i++) {
      share[i] = Math.exp(d.mirnaLnShare[i] + LN2 * log2[i]);
      total += share[i];
    }
    SplittableRandom r = Samplers.rng(d.args.seed(), CohortDesign.STREAM_MIRNA_COUNTS, s.index());
    double scale = s.depth() / total;
    int[] counts = new int[n];
    for (int i = 0; i < n; i++) {
      double shape = d.mirnaGammaShape[i];
      double lambda = share[i] * scale * Samplers.gamma(r, shape) / shape;
      counts[i] = Samplers.poisson(r, lambda);
    }
    return counts;
  }

  double[] proteins(SampleInfo s) {
    int n = d.proteins.size();
    double[] log2 = new double[n];
    if (!s.healthy()) {
      d.proteinDisease[s.cancer()].addTo(log2, CancerTypes.STAGE_SCALE[s.stage()] * s.tumourFactor());
    }
    d.proteinBiofluid[s.biofluid()].addTo(log2, 1);
    d.proteinBatch[s.batch()].addTo(log2, 1);
    d.proteinHemolysis.addTo(log2, s.hemolysisLog2());
    if (s.contaminated()) d.proteinContamination.addTo(log2, 1);
    if (s.poorEv()) d.proteinPoorEv.addTo(log2, 1);
    double loading = s.proteinLoadingLog10() + (s.poorEv() ? CohortDesign.POOR_EV_LOADING_LOG10 : 0);
    double lod = s.proteinDetectionLimitLog10();
    SplittableRandom r = Samplers.rng(d.args.seed(), CohortDesign.STREAM_PROTEIN_VALUES, s.index());
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double x = d.proteinLog10[i] + loading + LOG10_2 * log2[i]
          + Samplers.normal(r, 0, d.proteinBioSdLog10[i]) + Samplers.normal(r, 0, 0.05);
      double pMissing = 1 / (1 + Math.exp((x - lod) / 0.08));
      double u = r.nextDouble();
      double mcar = r.nextDouble();
      out[i] = u < pMissing || mcar < MCAR ? Double.NaN : Math.round(Samplers.exp10(x) * 10) / 10.0;
    }
    return out;
  }
}
