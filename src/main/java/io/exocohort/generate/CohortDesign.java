package io.exocohort.generate;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Everything about a synthetic cohort that is decided before any count is drawn: the features and their baseline
 * abundance, the planted effects (the truth), and every sample's manifest row and hidden condition. Built
 * sequentially and deterministically from the seed; the per-sample measurements are then drawn independently
 * (and in parallel) by {@link SampleSimulator}.
 *
 * <p>Random streams are separated by purpose, so that e.g. the manifest does not change with {@code --mirnas}
 * and the miRNA counts do not change with {@code --proteins}.
 */
final class CohortDesign {
  // Random stream tags.
  static final long STREAM_LAYOUT = 1;
  static final long STREAM_SAMPLE_META = 2;
  static final long STREAM_MIRNA_EFFECTS = 3;
  static final long STREAM_PROTEIN_EFFECTS = 4;
  static final long STREAM_BATCH_EFFECTS = 5;
  static final long STREAM_SITE_EFFECTS = 6;
  static final long STREAM_PROTEIN_BASELINE = 7;
  static final long STREAM_MIRNA_COUNTS = 8;
  static final long STREAM_PROTEIN_VALUES = 9;
  static final long STREAM_VISITS = 10;
  static final long STREAM_SUBJECT_EFFECTS = 11;
  static final long STREAM_POST_EFFECTS = 12;
  /** DNA variants ({@code --variants}): a sample's depth, shedding and reads; a subject's tumour; its CH clone. */
  static final long STREAM_VARIANTS = 13;
  static final long STREAM_TUMOUR_GENOTYPE = 14;
  static final long STREAM_CHIP = 15;
  /** miRs per cancer type with a planted post-vs-pre change in a repeated cohort. */
  static final int POST_EFFECTS_PER_TYPE = 8;

  static final String[] BIOFLUIDS = {"plasma", "serum", "urine"};
  static final double[] BIOFLUID_FREQUENCY = {0.72, 0.20, 0.08};
  static final String[] ISOLATION_METHODS = {"ultracentrifugation", "SEC", "precipitation", "immunoaffinity"};
  /** Particle yield of each isolation method relative to ultracentrifugation (precipitation co-isolates). */
  static final double[] ISOLATION_YIELD = {1.0, 0.8, 2.0, 0.5};
  static final double[] BIOFLUID_YIELD = {1.0, 1.1, 0.3};
  static final double REPEAT_DRAW_PROBABILITY = 0.048;
  static final double HEMOLYSIS_PROBABILITY = 0.065;
  static final double POOR_EV_PROBABILITY = 0.10;
  static final double LOW_DEPTH_PROBABILITY = 0.04;
  /** Log10 shift of every protein in a poor EV preparation (global loading; normalisation removes it). */
  static final double POOR_EV_LOADING_LOG10 = -0.6;
  /** Library size: log10 normal around 560k reads (between the medians of the two real cohorts). */
  static final double DEPTH_MEDIAN_LOG10 = 5.75;
  static final double DEPTH_SD_LOG10 = 0.38;
  static final LocalDate FIRST_DATE = LocalDate.of(2019, 1, 1);
  static final LocalDate LAST_BATCH_DATE = LocalDate.of(2025, 6, 30);
  static final LocalDate LAST_DATE = LocalDate.of(2025, 12, 31);

  /** Plasma-dominant miRs (erythrocyte / platelet origin) and their baseline log10 read share in plasma. */
  static final Map<String, Double> PLASMA_ANCHORS = Map.of(
      "hsa-miR-486-5p", -1.0, "hsa-miR-16-5p", -1.1, "hsa-miR-92a-3p", -1.3, "hsa-miR-451a", -1.6);
  /** Erythrocyte miRs raised by haemolysis: log2 shift per unit of haemolysis severity (miR-451a = 1). */
  static final Map<String, Double> HEMOLYSIS_WEIGHTS = Map.of(
      "hsa-miR-451a", 1.0, "hsa-miR-144-3p", 0.9, "hsa-miR-486-5p", 0.8, "hsa-miR-16-5p", 0.7,
      "hsa-miR-92a-3p", 0.6);
  /** Mean per-sample haemolysis severity (log2 shift of miR-451a; drawn uniform 1.5..3.5). */
  static final double HEMOLYSIS_MEAN_SEVERITY = 2.5;
  static final List<String> PLATELET_MIRNAS =
      List.of("hsa-miR-126-3p", "hsa-miR-223-3p", "hsa-miR-191-5p", "hsa-miR-142-3p", "hsa-miR-150-5p");
  static final List<String> URINARY_MIRNAS = List.of("hsa-miR-10a-5p", "hsa-miR-10b-5p", "hsa-miR-30a-5p",
      "hsa-miR-204-5p", "hsa-miR-200a-3p", "hsa-miR-200b-3p", "hsa-miR-200c-3p");
  /** Negative-binomial dispersion trend phi = PHI0 + PHI1 / sqrt(CPM), fitted by eye to the GBM cohort. */
  static final double PHI0 = 0.15;
  static final double PHI1 = 1.5;
  static final double PHI_MAX = 25;
  /** Minimum baseline CPM of a miR that random disease / sex effects are planted on. */
  static final double MIN_EFFECT_CPM = 20;

  /** A sparse effect vector: feature indices and log2 fold changes. */
  record Sparse(int[] index, double[] log2fc) {
    static final Sparse EMPTY = new Sparse(new int[0], new double[0]);

    static Sparse of(Map<Integer, Double> m) {
      int[] idx = new int[m.size()];
      double[] v = new double[m.size()];
      int k = 0;
      for (Map.Entry<Integer, Double> e : m.entrySet()) {
        idx[k] = e.getKey();
        v[k++] = e.getValue();
      }
      return new Sparse(idx, v);
    }

    /** acc[i] += scale * log2fc[i] (no-op for scale 0). */
    void addTo(double[] acc, double scale) {
      if (scale == 0) return;
      for (int k = 0; k < index.length; k++) acc[index[k]] += scale * log2fc[k];
    }
  }

  final GenerateArgs args;
  final List<CancerTypes.Profile> cancerTypes;

  // miRNAs
  final String[] mirnas;
  /** Baseline ln read share of each emitted miR. */
  final double[] mirnaLnShare;
  /** Baseline read share of the pool miRs that are not emitted (they still take reads). */
  final double restShare;
  final double[] mirnaGammaShape;
  final Sparse[] mirnaDisease;
  /** Per cancer type, the change of its post samples (repeated cohorts; empty otherwise). */
  final Sparse[] mirnaPost;
  final Sparse[] mirnaSex = new Sparse[2];
  final Sparse[] mirnaBiofluid = new Sparse[BIOFLUIDS.length];
  final Sparse mirnaHemolysis;
  final Sparse mirnaPlatelet;
  Sparse[] mirnaSite;
  Sparse[] mirnaBatch;

  // proteins
  final List<ProteinPool.Protein> proteins;
  final double[] proteinLog10;
  final double[] proteinBioSdLog10;
  final Sparse[] proteinDisease;
  final Sparse[] proteinBiofluid = new Sparse[BIOFLUIDS.length];
  final Sparse proteinHemolysis;
  final Sparse proteinContamination;
  final Sparse proteinPoorEv;
  Sparse[] proteinBatch;

  // layout of the cohort
  final int sites;
  final int batches;
  final List<SampleInfo> samples;
  final List<PlantedEffect> truth = new ArrayList<>();

  private final Map<String, Integer> mirnaIndex = new HashMap<>();
  private final Map<String, Integer> proteinIndex = new HashMap<>();

  CohortDesign(GenerateArgs args) {
    this.args = args;
    long seed = args.seed();
    this.cancerTypes = CancerTypes.ALL.subList(0, args.cancerTypes());

    // --- miRNA features and baselines ---
    List<String> pool = MirnaPool.rows();
    int nm = args.mirnas();
    mirnas = new String[nm];
    double[] share = new double[pool.size()];
    String[] names = new String[pool.size()];
    double anchorSum = 0;
    double otherSum = 0;
    for (int i = 0; i < pool.size(); i++) {
      String[] p = pool.get(i).split("\t");
      names[i] = p[0];
      Double anchor = PLASMA_ANCHORS.get(p[0]);
      share[i] = Samplers.exp10(anchor != null ? anchor : Double.parseDouble(p[1]));
      if (anchor != null) anchorSum += share[i]; else otherSum += share[i];
    }
    double rescale = (1 - anchorSum) / otherSum;
    for (int i = 0; i < share.length; i++) {
      if (!PLASMA_ANCHORS.containsKey(names[i])) share[i] *= rescale;
    }
    mirnaLnShare = new double[nm];
    mirnaGammaShape = new double[nm];
    double emitted = 0;
    for (int i = 0; i < nm; i++) {
      mirnas[i] = names[i];
      mirnaIndex.put(names[i], i);
      mirnaLnShare[i] = Math.log(share[i]);
      emitted += share[i];
      double phi = Math.min(PHI_MAX, PHI0 + PHI1 / Math.sqrt(share[i] * 1e6));
      mirnaGammaShape[i] = 1 / phi;
    }
    restShare = Math.max(0, 1 - emitted);

    // --- proteins and baselines ---
    proteins = ProteinPool.all().subList(0, args.proteins());
    proteinLog10 = new double[proteins.size()];
    proteinBioSdLog10 = new double[proteins.size()];
    SplittableRandom pr = Samplers.rng(seed, STREAM_PROTEIN_BASELINE, 0);
    for (int i = 0; i < ProteinPool.max(); i++) {
      ProteinPool.Protein p = ProteinPool.all().get(i);
      double drawn = Math.max(4.0, Math.min(9.0, Samplers.normal(pr, 5.9, 0.85)));
      double sd = Samplers.uniform(pr, 0.10, 0.22);
      if (i < proteins.size()) {
        proteinIndex.put(p.symbol(), i);
        proteinLog10[i] = Double.isNaN(p.log10Intensity()) ? drawn : p.log10Intensity();
        proteinBioSdLog10[i] = sd;
      }
    }

    // --- cohort layout: sites and batches ---
    int n = args.samples();
    sites = Math.max(1, Math.min(8, (int) Math.round(n / 60.0)));
    Layout layout = drawLayout(Samplers.rng(seed, STREAM_LAYOUT, 0), n);
    batches = layout.batches();

    // --- samples ---
    samples = drawSamples(seed, n, layout);

    // --- planted effects ---
    mirnaDisease = new Sparse[cancerTypes.size()];
    proteinDisease = new Sparse[cancerTypes.size()];
    plantDiseaseEffects(seed);
    mirnaPost = new Sparse[cancerTypes.size()];
    plantPostEffects(seed);
    plantMirnaNuisance(seed);
    mirnaHemolysis = plantScaled(PlantedEffect.MIRNA, HEMOLYSIS_WEIGHTS, mirnaIndex, HEMOLYSIS_MEAN_SEVERITY,
        "hemolysis");
    Map<Integer, Double> plt = new LinkedHashMap<>();
    for (String m : PLATELET_MIRNAS) {
      Integer i = mirnaIndex.get(m);
      if (i != null) plt.put(i, 1.0);
    }
    mirnaPlatelet = Sparse.of(plt);
    proteinHemolysis = plantScaled(PlantedEffect.PROTEIN,
        Map.of("HBB", 1.0, "HBA1", 1.0, "CA1", 0.8), proteinIndex, HEMOLYSIS_MEAN_SEVERITY, "hemolysis");
    Map<String, Double> contam = new LinkedHashMap<>();
    Map<String, Double> poor = new LinkedHashMap<>();
    for (ProteinPool.Protein p : proteins) {
      if (p.role() == ProteinPool.Role.PLASMA_CONTAMINANT) contam.put(p.symbol(), 3.0);
      if (p.role() == ProteinPool.Role.CELLULAR_CONTAMINANT) contam.put(p.symbol(), 4.0);
      if (p.role() == ProteinPool.Role.EV_MARKER) poor.put(p.symbol(), -4.0);
    }
    proteinContamination = plantScaled(PlantedEffect.PROTEIN, contam, proteinIndex, 1, "contamination");
    proteinPoorEv = plantScaled(PlantedEffect.PROTEIN, poor, proteinIndex, 1, "poor_ev");
    plantProteinNuisance(seed);
  }

  /** Per-site weights, cancer and biofluid tilts and isolation method; the batch of every sample. */
  private record Layout(double[] siteWeight, double[][] siteCancerTilt, double[][] siteBiofluid, int[] siteIsolation,
      int[] batchOf, int batches, double[] batchDepthLog10) {}

  /** A subject's draw: who, where, what disease, when. */
  private record Subject(String subjectId, int site, int cancer, int stage, char sex, int age, LocalDate date,
      int number) {}

  private Layout drawLayout(SplittableRandom lr, int n) {
    double[] siteWeight = new double[sites];
    double[][] siteCancerTilt = new double[sites][cancerTypes.size()];
    double[][] siteBiofluid = new double[sites][BIOFLUIDS.length];
    int[] siteIsolation = new int[sites];
    for (int s = 0; s < sites; s++) {
      siteWeight[s] = Math.exp(Samplers.normal(lr, 0, 0.4));
      for (int c = 0; c < cancerTypes.size(); c++) {
        siteCancerTilt[s][c] = cancerTypes.get(c).prevalence() * Math.exp(Samplers.normal(lr, 0, 0.4));
      }
      for (int f = 0; f < BIOFLUIDS.length; f++) {
        siteBiofluid[s][f] = BIOFLUID_FREQUENCY[f] * Math.exp(Samplers.normal(lr, 0, 0.5));
      }
      siteIsolation[s] = lr.nextInt(ISOLATION_METHODS.length);
    }
    int[] batchOf = new int[n];
    int b = 0;
    for (int i = 0; i < n; ) {
      int size = 48 + lr.nextInt(49);
      for (int k = 0; k < size && i < n; k++) batchOf[i++] = b;
      b++;
    }
    double[] batchDepthLog10 = new double[b];
    for (int k = 0; k < b; k++) batchDepthLog10[k] = Samplers.normal(lr, 0, 0.12);
    return new Layout(siteWeight, siteCancerTilt, siteBiofluid, siteIsolation, batchOf, b, batchDepthLog10);
  }

  /** The samples in order: a new subject, or (now and then) a repeat draw of an earlier one. */
  private List<SampleInfo> drawSamples(long seed, int n, Layout layout) {
    if (args.repeats().on()) return drawRepeatedSamples(seed, n, layout);
    List<SampleInfo> out = new ArrayList<>(n);
    SplittableRandom subjectRng = Samplers.rng(seed, STREAM_LAYOUT, 1);
    Set<Integer> subjectNumbers = new HashSet<>();
    boolean[] repeated = new boolean[n];
    long span = ChronoUnit.DAYS.between(FIRST_DATE, LAST_BATCH_DATE);
    for (int i = 0; i < n; i++) {
      SplittableRandom r = Samplers.rng(seed, STREAM_SAMPLE_META, i);
      int repeatOf = -1;
      if (i > 0 && r.nextDouble() < REPEAT_DRAW_PROBABILITY) {
        for (int attempt = 0; attempt < 5 && repeatOf < 0; attempt++) {
          int j = r.nextInt(i);
          if (out.get(j).repeatOf() < 0 && !repeated[j]) repeatOf = j;
        }
      }
      SampleInfo first = repeatOf >= 0 ? out.get(repeatOf) : null;
      String sampleId = (args.cohort() == null ? "" : args.cohort() + "-") + String.format(Locale.ROOT, "S%06d", i + 1);
      int batch = layout.batchOf()[i];
      LocalDate batchDate = FIRST_DATE.plusDays(Math.round((batch + 0.5) / layout.batches() * span));
      Subject subject;
      if (first == null) {
        subject = newSubject(r, subjectRng, subjectNumbers, layout, batchDate);
      } else {
        repeated[repeatOf] = true;
        subject = repeatVisit(r, first);
      }
      out.add(measure(r, i, sampleId, subject, batch, layout, first, repeatOf, null));
    }
    return out;
  }

  /**
   * A repeated cohort ({@link GenerateArgs.Repeats}): each new subject gives 1..visits samples (uniform, from its
   * own stream), drawn consecutively; a cancer subject's first is pre, the later ones post; a healthy subject's
   * baseline, then followup.
   */
  private List<SampleInfo> drawRepeatedSamples(long seed, int n, Layout layout) {
    List<SampleInfo> out = new ArrayList<>(n);
    SplittableRandom subjectRng = Samplers.rng(seed, STREAM_LAYOUT, 1);
    Set<Integer> subjectNumbers = new HashSet<>();
    long span = ChronoUnit.DAYS.between(FIRST_DATE, LAST_BATCH_DATE);
    int maxVisits = args.repeats().visits();
    for (int i = 0; i < n; ) {
      int visits = 1 + Samplers.rng(seed, STREAM_VISITS, i).nextInt(maxVisits);
      SampleInfo first = null;
      SampleInfo previous = null;
      for (int v = 0; v < visits && i < n; v++, i++) {
        SplittableRandom r = Samplers.rng(seed, STREAM_SAMPLE_META, i);
        String sampleId = (args.cohort() == null ? "" : args.cohort() + "-") + String.format(Locale.ROOT, "S%06d", i + 1);
        int batch = layout.batchOf()[i];
        LocalDate batchDate = FIRST_DATE.plusDays(Math.round((batch + 0.5) / layout.batches() * span));
        Subject subject = previous == null ? newSubject(r, subjectRng, subjectNumbers, layout, batchDate)
            : repeatVisit(r, previous);
        boolean cancer = subject.cancer() >= 0;
        String timepoint = v == 0 ? (cancer ? "pre" : "baseline") : (cancer ? "post" : "followup");
        SampleInfo s = measure(r, i, sampleId, subject, batch, layout, first, first == null ? -1 : first.index(),
            timepoint);
        out.add(s);
        if (first == null) first = s;
        previous = s;
      }
    }
    return out;
  }

  private Subject newSubject(SplittableRandom r, SplittableRandom subjectRng, Set<Integer> subjectNumbers,
      Layout layout, LocalDate batchDate) {
    int number;
    do {
      number = 1 + subjectRng.nextInt(9_999_999);
    } while (!subjectNumbers.add(number));
    String subjectId = String.format(Locale.ROOT, "P%07d", number);
    int site = Samplers.categorical(r, layout.siteWeight());
    int cancer;
    int stage;
    char sex;
    int age;
    if (r.nextDouble() < CancerTypes.HEALTHY_FRACTION) {
      cancer = -1;
      stage = -1;
      sex = r.nextDouble() < CancerTypes.HEALTHY_P_MALE ? 'M' : 'F';
      age = clampAge(Samplers.normal(r, CancerTypes.HEALTHY_AGE_MEAN, 14));
    } else {
      cancer = Samplers.categorical(r, layout.siteCancerTilt()[site]);
      CancerTypes.Profile p = cancerTypes.get(cancer);
      stage = p.alwaysStageIV() ? 4 : Samplers.categorical(r, CancerTypes.STAGE_FREQUENCY);
      sex = r.nextDouble() < p.pMale() ? 'M' : 'F';
      age = clampAge(Samplers.normal(r, p.ageMean(), 11));
    }
    LocalDate date = batchDate.minusDays(r.nextInt(121));
    if (date.isBefore(FIRST_DATE)) date = FIRST_DATE;
    return new Subject(subjectId, site, cancer, stage, sex, age, date, number);
  }

  private static Subject repeatVisit(SplittableRandom r, SampleInfo first) {
    LocalDate date = first.collectionDate().plusDays(60 + r.nextInt(481));
    if (date.isAfter(LAST_DATE)) date = LAST_DATE;
    long days = ChronoUnit.DAYS.between(first.collectionDate(), date);
    int age = Math.min(90, first.age() + (int) ((days + r.nextInt(365)) / 365));
    return new Subject(first.subjectId(), first.site(), first.cancer(), first.stage(), first.sex(), age, date,
        first.subjectNumber());
  }

  /** The sample's biofluid, isolation, quality problems, depth and EV measurements. */
  private static SampleInfo measure(SplittableRandom r, int i, String sampleId, Subject subject, int batch,
      Layout layout, SampleInfo first, int repeatOf, String timepoint) {
    int site = subject.site();
    int cancer = subject.cancer();
    int stage = subject.stage();
    int biofluid = first != null && r.nextDouble() < 0.9 ? first.biofluid()
        : Samplers.categorical(r, layout.siteBiofluid()[site]);
    int isolation = r.nextDouble() < 0.7 ? layout.siteIsolation()[site] : r.nextInt(ISOLATION_METHODS.length);
    boolean blood = biofluid != 2;
    boolean hemolysed = blood && r.nextDouble() < HEMOLYSIS_PROBABILITY;
    double hemolysisLog2 = hemolysed ? Samplers.uniform(r, 1.5, 3.5) : 0;
    boolean contaminated = r.nextDouble() < (ISOLATION_METHODS[isolation].equals("precipitation") ? 0.25 : 0.06);
    boolean poorEv = r.nextDouble() < POOR_EV_PROBABILITY;
    boolean lowDepth = r.nextDouble() < LOW_DEPTH_PROBABILITY;
    double depthLog10 = lowDepth ? Samplers.uniform(r, 4.0, 4.7)
        : Samplers.normal(r, DEPTH_MEDIAN_LOG10, DEPTH_SD_LOG10) + layout.batchDepthLog10()[batch] + (blood ? 0 : -0.5);
    double stageScale = stage >= 0 ? CancerTypes.STAGE_SCALE[stage] : 0;
    double tumourFactor = cancer >= 0 ? Samplers.uniform(r, 0.5, 1.5) : 0;
    double plateletLog2 = Samplers.normal(r, 0, 0.6);
    double conc = 9.7 + Samplers.normal(r, 0, 0.3) + Math.log10(ISOLATION_YIELD[isolation])
        + Math.log10(BIOFLUID_YIELD[biofluid]) + (poorEv ? Math.log10(0.35) : 0)
        + (cancer >= 0 ? Math.log10(2) * (1 + 0.5 * (stageScale - 0.7)) : 0);
    double size;
    double u = r.nextDouble();
    if (u < 0.03) size = Samplers.uniform(r, 160, 420);
    else if (u < 0.04) size = Samplers.uniform(r, 25, 40);
    else size = Math.max(40, Math.min(150, Samplers.normal(r, isolation == 2 ? 112 : 104, 17)));
    String ref = hospitalRef(r, site, first);
    double loading = Samplers.normal(r, 0, 0.15);
    double lod = Samplers.normal(r, 5.0, 0.2);
    return new SampleInfo(i, sampleId, subject.subjectId(), cancer, stage, subject.sex(), subject.age(), biofluid,
        isolation, batch, site, subject.date(), round3(Samplers.exp10(conc)), Math.round(size * 10) / 10.0, ref,
        repeatOf, hemolysed, hemolysisLog2, contaminated, poorEv, lowDepth, Math.round(Samplers.exp10(depthLog10)),
        tumourFactor, plateletLog2, loading, lod, subject.number(), timepoint);
  }

  String cancerTypeName(int cancer) {
    return cancer < 0 ? CancerTypes.HEALTHY : cancerTypes.get(cancer).name();
  }

  private void plantDiseaseEffects(long seed) {
    SplittableRandom mr = Samplers.rng(seed, STREAM_MIRNA_EFFECTS, 0);
    SplittableRandom pr = Samplers.rng(seed, STREAM_PROTEIN_EFFECTS, 0);
    // miRs abundant enough to be detectable, excluding the haemolysis panel and reference.
    List<Integer> mirCandidates = new ArrayList<>();
    for (int i = 0; i < mirnas.length; i++) {
      if (Math.exp(mirnaLnShare[i]) * 1e6 >= MIN_EFFECT_CPM && !HEMOLYSIS_WEIGHTS.containsKey(mirnas[i])
          && !mirnas[i].equals("hsa-miR-23a-3p") && !PLATELET_MIRNAS.contains(mirnas[i])) {
        mirCandidates.add(i);
      }
    }
    List<Integer> protCandidates = new ArrayList<>();
    for (int i = 0; i < proteins.size(); i++) {
      ProteinPool.Role role = proteins.get(i).role();
      if (role == ProteinPool.Role.OTHER || role == ProteinPool.Role.TUMOUR) protCandidates.add(i);
    }
    for (int c = 0; c < cancerTypes.size(); c++) {
      CancerTypes.Profile type = cancerTypes.get(c);
      Map<Integer, Double> mir = new LinkedHashMap<>();
      Map<Integer, String> mirKind = new HashMap<>();
      for (LiteratureMarkers.Marker m : LiteratureMarkers.MIRNA) {
        Integer i = mirnaIndex.get(m.feature());
        if (m.cancerType().equals(type.name()) && i != null) {
          mir.put(i, m.log2fc());
          mirKind.put(i, "literature");
        }
      }
      int k = 5 + mr.nextInt(11);
      for (int idx : pick(mr, mirCandidates, k, mir)) {
        mir.put(idx, randomLog2fc(mr));
        mirKind.put(idx, "random");
      }
      mirnaDisease[c] = Sparse.of(mir);
      Map<Integer, Double> prot = new LinkedHashMap<>();
      Map<Integer, String> protKind = new HashMap<>();
      for (LiteratureMarkers.Marker m : LiteratureMarkers.PROTEIN) {
        Integer i = proteinIndex.get(m.feature());
        if (m.cancerType().equals(type.name()) && i != null) {
          prot.put(i, m.log2fc());
          protKind.put(i, "literature");
        }
      }
      int kp = 2 + pr.nextInt(5);
      for (int idx : pick(pr, protCandidates, kp, prot)) {
        prot.put(idx, randomLog2fc(pr));
        protKind.put(idx, "random");
      }
      proteinDisease[c] = Sparse.of(prot);
      for (int s = 0; s < CancerTypes.STAGES.length; s++) {
        if (type.alwaysStageIV() && s != 4) continue;
        double scale = CancerTypes.STAGE_SCALE[s];
        for (Map.Entry<Integer, Double> e : mir.entrySet()) {
          truth.add(new PlantedEffect(PlantedEffect.MIRNA, mirnas[e.getKey()], type.name(), CancerTypes.STAGES[s],
              e.getValue() * scale, mirKind.get(e.getKey())));
        }
        for (Map.Entry<Integer, Double> e : prot.entrySet()) {
          truth.add(new PlantedEffect(PlantedEffect.PROTEIN, proteins.get(e.getKey()).symbol(), type.name(),
              CancerTypes.STAGES[s], e.getValue() * scale, protKind.get(e.getKey())));
        }
      }
    }
    // Sex: two miRs a little higher in women.
    Map<Integer, Double> female = new LinkedHashMap<>();
    for (int idx : pick(mr, mirCandidates, 2, Map.of())) female.put(idx, Samplers.uniform(mr, 0.5, 0.8));
    mirnaSex[0] = Sparse.EMPTY;
    mirnaSex[1] = Sparse.of(female);
    female.forEach((i, v) -> truth.add(new PlantedEffect(PlantedEffect.MIRNA, mirnas[i], "F", "", v, "sex")));
  }

  private void plantMirnaNuisance(long seed) {
    // Biofluid: serum releases platelet miRs on clotting; urine lacks blood-cell miRs and carries urinary ones.
    mirnaBiofluid[0] = Sparse.EMPTY;
    Map<String, Double> serum = new LinkedHashMap<>();
    PLATELET_MIRNAS.forEach(m -> serum.put(m, 0.8));
    mirnaBiofluid[1] = plantGroup(PlantedEffect.MIRNA, serum, mirnaIndex, "serum", "biofluid");
    Map<String, Double> urine = new LinkedHashMap<>();
    HEMOLYSIS_WEIGHTS.keySet().stream().sorted().forEach(m -> urine.put(m, -3.0));
    URINARY_MIRNAS.forEach(m -> urine.put(m, 2.5));
    mirnaBiofluid[2] = plantGroup(PlantedEffect.MIRNA, urine, mirnaIndex, "urine", "biofluid");
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < mirnas.length; i++) all.add(i);
    mirnaSite = new Sparse[sites];
    for (int s = 0; s < sites; s++) {
      SplittableRandom r = Samplers.rng(seed, STREAM_SITE_EFFECTS, s);
      mirnaSite[s] = plantRandom(r, PlantedEffect.MIRNA, all, Math.max(1, Math.round(0.02f * mirnas.length)),
          0.3, 0.8, siteName(s), "site");
    }
    mirnaBatch = new Sparse[batches];
    for (int b = 0; b < batches; b++) {
      SplittableRandom r = Samplers.rng(seed, STREAM_BATCH_EFFECTS, b);
      mirnaBatch[b] = plantRandom(r, PlantedEffect.MIRNA, all, Math.max(1, Math.round(0.03f * mirnas.length)),
          0.3, 1.0, batchName(b), "batch");
    }
  }

  private void plantProteinNuisance(long seed) {
    proteinBiofluid[0] = Sparse.EMPTY;
    proteinBiofluid[1] = Sparse.EMPTY;
    Map<String, Double> urine = new LinkedHashMap<>();
    urine.put("UMOD", 4.0);
    urine.put("AQP2", 3.0);
    urine.put("PODXL", 2.0);
    urine.put("ALB", -2.0);
    urine.put("APOA1", -3.0);
    urine.put("APOB", -3.0);
    urine.put("FGA", -3.0);
    urine.put("FGB", -3.0);
    proteinBiofluid[2] = plantGroup(PlantedEffect.PROTEIN, urine, proteinIndex, "urine", "biofluid");
    List<Integer> all = new ArrayList<>();
    for (int i = 0; i < proteins.size(); i++) all.add(i);
    proteinBatch = new Sparse[batches];
    for (int b = 0; b < batches; b++) {
      SplittableRandom r = Samplers.rng(seed, STREAM_BATCH_EFFECTS, 1_000_000L + b);
      proteinBatch[b] = all.isEmpty() ? Sparse.EMPTY
          : plantRandom(r, PlantedEffect.PROTEIN, all, Math.max(1, Math.round(0.08f * all.size())), 0.3, 0.8,
              batchName(b), "batch");
    }
  }

  private Sparse plantGroup(String modality, Map<String, Double> effects, Map<String, Integer> index, String group,
      String kind) {
    Map<Integer, Double> m = new LinkedHashMap<>();
    effects.forEach((name, v) -> {
      Integer i = index.get(name);
      if (i != null) {
        m.put(i, v);
        truth.add(new PlantedEffect(modality, name, group, "", v, kind));
      }
    });
    return Sparse.of(m);
  }

  /** Per-sample-scaled effects: the Sparse holds the weights; truth gets weight * typical scale. */
  private Sparse plantScaled(String modality, Map<String, Double> weights, Map<String, Integer> index,
      double typicalScale, String kind) {
    Map<Integer, Double> m = new LinkedHashMap<>();
    weights.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
      Integer i = index.get(e.getKey());
      if (i != null) {
        m.put(i, e.getValue());
        truth.add(new PlantedEffect(modality, e.getKey(), "", "", e.getValue() * typicalScale, kind));
      }
    });
    return Sparse.of(m);
  }

  private Sparse plantRandom(SplittableRandom r, String modality, List<Integer> candidates, int k, double lo,
      double hi, String group, String kind) {
    Map<Integer, Double> m = new LinkedHashMap<>();
    for (int idx : pick(r, candidates, k, Map.of())) {
      double v = (r.nextBoolean() ? 1 : -1) * Samplers.uniform(r, lo, hi);
      m.put(idx, v);
      String name = modality.equals(PlantedEffect.MIRNA) ? mirnas[idx] : proteins.get(idx).symbol();
      truth.add(new PlantedEffect(modality, name, group, "", v, kind));
    }
    return Sparse.of(m);
  }

  /**
   * A repeated cohort's post-vs-pre changes: per cancer type, {@link #POST_EFFECTS_PER_TYPE} miRs (detectable, not
   * among the type's disease effects) raised or lowered by {@code postLog2fc} in its post samples; truth rows of
   * kind post_vs_pre, group the cancer type, stage "post".
   */
  private void plantPostEffects(long seed) {
    double fc = args.repeats().postLog2fc();
    if (!args.repeats().on() || fc == 0) {
      java.util.Arrays.fill(mirnaPost, Sparse.EMPTY);
      return;
    }
    SplittableRandom r = Samplers.rng(seed, STREAM_POST_EFFECTS, 0);
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < mirnas.length; i++) {
      if (Math.exp(mirnaLnShare[i]) * 1e6 >= MIN_EFFECT_CPM && !HEMOLYSIS_WEIGHTS.containsKey(mirnas[i])
          && !PLATELET_MIRNAS.contains(mirnas[i])) {
        candidates.add(i);
      }
    }
    for (int c = 0; c < cancerTypes.size(); c++) {
      Map<Integer, Double> exclude = new HashMap<>();
      for (int idx : mirnaDisease[c].index()) exclude.put(idx, 0.0);
      Map<Integer, Double> post = new LinkedHashMap<>();
      for (int idx : pick(r, candidates, POST_EFFECTS_PER_TYPE, exclude)) {
        double v = (r.nextDouble() < 0.5 ? 1 : -1) * fc;
        post.put(idx, v);
        truth.add(new PlantedEffect(PlantedEffect.MIRNA, mirnas[idx], cancerTypes.get(c).name(), "post", v,
            "post_vs_pre"));
      }
      mirnaPost[c] = Sparse.of(post);
    }
  }

  private static double randomLog2fc(SplittableRandom r) {
    return (r.nextDouble() < 0.6 ? 1 : -1) * Samplers.uniform(r, 0.8, 2.0);
  }

  /** k distinct candidates not in {@code exclude}, in draw order (partial Fisher-Yates on a copy). */
  private static List<Integer> pick(SplittableRandom r, List<Integer> candidates, int k, Map<Integer, ?> exclude) {
    List<Integer> c = new ArrayList<>(candidates);
    c.removeIf(exclude::containsKey);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < c.size() && out.size() < k; i++) {
      int j = i + r.nextInt(c.size() - i);
      Integer t = c.get(i);
      c.set(i, c.get(j));
      c.set(j, t);
      out.add(c.get(i));
    }
    return out;
  }

  static String siteName(int s) {
    return "SITE_" + (char) ('A' + s);
  }

  static String batchName(int b) {
    return String.format(Locale.ROOT, "B%02d", b + 1);
  }

  private static int clampAge(double a) {
    return (int) Math.max(25, Math.min(90, Math.round(a)));
  }

  /** Rounds to 3 significant digits (particle concentrations are reported so). */
  static double round3(double x) {
    if (!(x > 0)) return x;
    double scale = Math.pow(10, Math.floor(Math.log10(x)) - 2);
    return Math.round(x / scale) * scale;
  }

  /** A hospital's own reference, in the site's style; a repeat draw quotes its first sample's reference. */
  private static String hospitalRef(SplittableRandom r, int site, SampleInfo first) {
    String base;
    if (first != null && !first.hospitalRef().isEmpty()) {
      String orig = first.hospitalRef();
      int comma = orig.indexOf(',');
      base = (comma < 0 ? orig : orig.substring(0, comma)) + ", repeat draw";
      return base;
    }
    double u = r.nextDouble();
    if (u < 0.04) return "";
    base = switch (site % 4) {
      case 0 -> String.format(Locale.ROOT, "MRN%07d", r.nextInt(10_000_000));
      case 1 -> String.format(Locale.ROOT, "%d/%05d", 2015 + r.nextInt(11), r.nextInt(100_000));
      case 2 -> String.format(Locale.ROOT, "LAB-%06d", r.nextInt(1_000_000));
      default -> String.format(Locale.ROOT, "H%06d-%c", r.nextInt(1_000_000), (char) ('A' + r.nextInt(6)));
    };
    if (u > 0.97) base += ", consent v2";
    else if (u > 0.95) base += " (tube 2)";
    return base;
  }

  int hemolysedCount() {
    return (int) samples.stream().filter(SampleInfo::hemolysed).count();
  }

  int subjectCount() {
    return (int) samples.stream().filter(s -> s.repeatOf() < 0).count();
  }

  int[] cancerCounts() {
    int[] c = new int[cancerTypes.size() + 1];
    for (SampleInfo s : samples) c[s.cancer() + 1]++;
    return c;
  }
}
