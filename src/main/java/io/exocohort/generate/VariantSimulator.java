package io.exocohort.generate;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Draws the DNA variants a plasma exosome / cfDNA panel would call in each sample ({@code generate --variants}):
 *
 * <ul>
 *   <li><b>Tumour hotspots</b>: each cancer subject's tumour carries, per gene of its type's list, a hotspot with
 *       the gene's frequency in that type (pancreatic KRAS 90%, colorectal APC 75% / KRAS 42% / TP53 55%, ...;
 *       rough TCGA / COSMIC shapes, not estimates), drawn from the subject's own stream (a repeat draw of the
 *       same person has the same tumour). A sample's tumour sheds detectable DNA with a probability rising with
 *       stage ({@link #P_SHED}); its mutant allele fraction is log-normal with a median rising with stage
 *       ({@link #VAF_MEDIAN}: 0.3% at stage 0 to 5% at IV; sd 1.0 on the ln scale), times the type's shedding
 *       (glioblastoma and kidney shed little), each variant times a clonality U(0.6, 1).</li>
 *   <li><b>Clonal haematopoiesis</b> (the known false-positive source): every person, healthy or not, carries a
 *       CH clone with a probability rising with age ({@link #chipProbability}: about 2% at 40, 15% at 70, 22% at
 *       80), one variant (two in 20%) in DNMT3A, TET2, ASXL1, TP53, JAK2 or SF3B1, at an allele fraction
 *       log-normal around 1% (sd 0.5 on the ln scale: mostly 0.5-2%).</li>
 *   <li><b>Calling</b>: a sample's depth is log-normal around 3,000 (UMI-collapsed molecules, sd 0.4 ln); the
 *       supporting reads are Poisson(depth x allele fraction); a variant is called with at least
 *       {@link #MIN_ALT_READS} of them. The reported allele fraction is alt_reads / depth.</li>
 * </ul>
 *
 * Each sample's draws come from streams seeded by (seed, subject) and (seed, sample index), apart from every
 * other stream of the generator: adding {@code --variants} changes no other file.
 */
final class VariantSimulator {
  /** A hotspot: gene, protein change (HGVS short form) and its weight among the gene's hotspots. */
  record Hotspot(String gene, String change, double weight) {}

  /** A gene of a cancer type: the fraction of tumours that carry one of its hotspots. */
  record Driver(double frequency, List<Hotspot> hotspots) {}

  /** A called (or, for the truth, planted) variant of a sample. */
  record Call(String gene, String change, String origin, double trueFraction, int altReads, int depth,
      boolean called) {}

  static final double[] P_SHED = {0.25, 0.40, 0.60, 0.80, 0.92};
  static final double[] VAF_MEDIAN = {0.003, 0.005, 0.008, 0.02, 0.05};
  static final double VAF_SD_LN = 1.0;
  static final double DEPTH_MEDIAN = 3000;
  static final double DEPTH_SD_LN = 0.4;
  static final int MIN_ALT_READS = 4;
  static final double CHIP_VAF_MEDIAN = 0.01;
  static final double CHIP_VAF_SD_LN = 0.5;

  private static final List<Hotspot> TP53 = spots("TP53", "p.R175H", 0.3, "p.R248Q", 0.25, "p.R273H", 0.25,
      "p.R282W", 0.2);
  private static final List<Hotspot> PIK3CA = spots("PIK3CA", "p.H1047R", 0.45, "p.E545K", 0.35, "p.E542K", 0.2);
  private static final List<Hotspot> KRAS_PANCREAS = spots("KRAS", "p.G12D", 0.42, "p.G12V", 0.33, "p.G12R", 0.17,
      "p.Q61H", 0.05, "p.G12C", 0.03);
  private static final List<Hotspot> KRAS_COLON = spots("KRAS", "p.G12D", 0.35, "p.G12V", 0.25, "p.G13D", 0.25,
      "p.G12C", 0.08, "p.Q61H", 0.07);
  private static final List<Hotspot> KRAS_LUNG = spots("KRAS", "p.G12C", 0.45, "p.G12V", 0.25, "p.G12D", 0.2,
      "p.G13D", 0.1);

  /** Each cancer type's drivers (types without an entry have none planted). */
  static final Map<String, List<Driver>> DRIVERS = Map.ofEntries(
      Map.entry("pancreatic", List.of(new Driver(0.90, KRAS_PANCREAS), new Driver(0.60, TP53))),
      Map.entry("breast", List.of(new Driver(0.35, PIK3CA), new Driver(0.30, TP53))),
      Map.entry("ovarian", List.of(new Driver(0.90, TP53))),
      Map.entry("prostate", List.of(new Driver(0.15, TP53),
          new Driver(0.10, spots("SPOP", "p.F133V", 0.5, "p.W131G", 0.5)))),
      Map.entry("colorectal", List.of(
          new Driver(0.75, spots("APC", "p.R1450*", 0.35, "p.R876*", 0.25, "p.Q1367*", 0.2, "p.R1114*", 0.2)),
          new Driver(0.42, KRAS_COLON), new Driver(0.55, TP53), new Driver(0.18, PIK3CA),
          new Driver(0.10, spots("BRAF", "p.V600E", 1.0)))),
      Map.entry("esophageal", List.of(new Driver(0.80, TP53), new Driver(0.08, PIK3CA))),
      Map.entry("glioblastoma", List.of(new Driver(0.30, TP53), new Driver(0.10, PIK3CA),
          new Driver(0.06, spots("IDH1", "p.R132H", 1.0)))),
      Map.entry("melanoma", List.of(new Driver(0.50, spots("BRAF", "p.V600E", 0.85, "p.V600K", 0.15)),
          new Driver(0.25, spots("NRAS", "p.Q61R", 0.5, "p.Q61K", 0.35, "p.Q61L", 0.15)), new Driver(0.15, TP53))),
      Map.entry("lung", List.of(new Driver(0.30, KRAS_LUNG), new Driver(0.50, TP53),
          new Driver(0.15, spots("EGFR", "p.L858R", 0.55, "p.E746_A750del", 0.45)))),
      Map.entry("bladder", List.of(new Driver(0.45, TP53), new Driver(0.20, PIK3CA),
          new Driver(0.15, spots("FGFR3", "p.S249C", 0.7, "p.Y375C", 0.3)))),
      Map.entry("liver", List.of(new Driver(0.30, spots("TP53", "p.R249S", 0.5, "p.R273H", 0.25, "p.R248Q", 0.25)),
          new Driver(0.25, spots("CTNNB1", "p.T41A", 0.4, "p.S45P", 0.3, "p.D32G", 0.3)))),
      Map.entry("gastric", List.of(new Driver(0.50, TP53), new Driver(0.10, PIK3CA),
          new Driver(0.08, spots("KRAS", "p.G12D", 0.6, "p.G13D", 0.4)))),
      Map.entry("kidney", List.of(new Driver(0.05, TP53))));

  /** How much of a type's tumour DNA reaches the blood, relative to most types (blood-brain barrier; RCC). */
  static final Map<String, Double> SHEDDING = Map.of("glioblastoma", 0.1, "kidney", 0.3);

  /** Clonal haematopoiesis variants, weighted as in CH cohorts (DNMT3A and TET2 most, then ASXL1, ...). */
  static final List<Hotspot> CHIP = List.of(
      new Hotspot("DNMT3A", "p.R882H", 0.20), new Hotspot("DNMT3A", "p.R882C", 0.12),
      new Hotspot("DNMT3A", "p.R736H", 0.06), new Hotspot("DNMT3A", "p.R635W", 0.05),
      new Hotspot("TET2", "p.R1216*", 0.08), new Hotspot("TET2", "p.Q1034*", 0.07),
      new Hotspot("TET2", "p.R1404*", 0.07), new Hotspot("ASXL1", "p.G646Wfs*12", 0.12),
      new Hotspot("TP53", "p.R248W", 0.04), new Hotspot("TP53", "p.R273H", 0.03),
      new Hotspot("JAK2", "p.V617F", 0.10), new Hotspot("SF3B1", "p.K700E", 0.06));

  private final CohortDesign d;

  VariantSimulator(CohortDesign design) {
    this.d = design;
  }

  private static List<Hotspot> spots(String gene, Object... changeWeight) {
    List<Hotspot> out = new ArrayList<>();
    for (int i = 0; i < changeWeight.length; i += 2) {
      out.add(new Hotspot(gene, (String) changeWeight[i], (Double) changeWeight[i + 1]));
    }
    return List.copyOf(out);
  }

  /** P(a detectable CH clone) at {@code age}: 0.02 + 0.25 / (1 + exp(-(age - 70) / 7)). */
  static double chipProbability(int age) {
    return 0.02 + 0.25 / (1 + Math.exp(-(age - 70) / 7.0));
  }

  /** Every planted variant of the sample (tumour and CH), called or not, in a fixed order. */
  List<Call> simulate(SampleInfo s) {
    SplittableRandom sr = Samplers.rng(d.args.seed(), CohortDesign.STREAM_VARIANTS, s.index());
    int depth = (int) Math.max(300, Math.round(DEPTH_MEDIAN * Math.exp(Samplers.normal(sr, 0, DEPTH_SD_LN))));
    List<Call> out = new ArrayList<>();
    if (!s.healthy()) {
      String type = d.cancerTypeName(s.cancer());
      List<Hotspot> tumour = tumour(s, type);
      boolean sheds = sr.nextDouble() < P_SHED[s.stage()];
      double tumourVaf = VAF_MEDIAN[s.stage()] * SHEDDING.getOrDefault(type, 1.0)
          * Math.exp(Samplers.normal(sr, 0, VAF_SD_LN));
      for (Hotspot h : tumour) {
        double vaf = sheds ? Math.min(0.6, tumourVaf * Samplers.uniform(sr, 0.6, 1.0)) : 0;
        out.add(call(sr, h, "tumour", vaf, depth));
      }
    }
    SplittableRandom cr = Samplers.rng(d.args.seed(), CohortDesign.STREAM_CHIP, s.subjectNumber());
    if (cr.nextDouble() < chipProbability(s.age())) {
      int n = cr.nextDouble() < 0.2 ? 2 : 1;
      double[] w = CHIP.stream().mapToDouble(Hotspot::weight).toArray();
      int first = -1;
      for (int k = 0; k < n; k++) {
        int i = Samplers.categorical(cr, w);
        double vaf = Math.min(0.3, CHIP_VAF_MEDIAN * Math.exp(Samplers.normal(cr, 0, CHIP_VAF_SD_LN)));
        if (i == first || tumourHas(out, CHIP.get(i))) continue; // one row per (sample, variant)
        first = i;
        out.add(call(sr, CHIP.get(i), "chip", vaf, depth));
      }
    }
    return out;
  }

  /** The tumour's hotspots: one per driver gene it carries, from the subject's stream. */
  private List<Hotspot> tumour(SampleInfo s, String type) {
    SplittableRandom tr = Samplers.rng(d.args.seed(), CohortDesign.STREAM_TUMOUR_GENOTYPE, s.subjectNumber());
    List<Hotspot> out = new ArrayList<>();
    for (Driver g : DRIVERS.getOrDefault(type, List.of())) {
      double u = tr.nextDouble();
      double[] w = g.hotspots().stream().mapToDouble(Hotspot::weight).toArray();
      int i = Samplers.categorical(tr, w);
      if (u < g.frequency()) out.add(g.hotspots().get(i));
    }
    return out;
  }

  private static boolean tumourHas(List<Call> calls, Hotspot h) {
    for (Call c : calls) if (c.gene().equals(h.gene()) && c.change().equals(h.change())) return true;
    return false;
  }

  private static Call call(SplittableRandom r, Hotspot h, String origin, double vaf, int depth) {
    int alt = Math.min(depth, Samplers.poisson(r, depth * vaf));
    return new Call(h.gene(), h.change(), origin, vaf, alt, depth, alt >= MIN_ALT_READS);
  }
}
