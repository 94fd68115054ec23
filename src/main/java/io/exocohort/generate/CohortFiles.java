package io.exocohort.generate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The small files of a generated cohort: manifest, truth, truth_samples and generation.json. */
final class CohortFiles {
  static final List<Column> MANIFEST_COLUMNS = List.of(
      Column.required("sample_id", Column.Type.STRING),
      Column.required("subject_id", Column.Type.STRING),
      Column.required("cancer_type", Column.Type.STRING),
      Column.optional("stage", Column.Type.STRING),
      Column.required("sex", Column.Type.STRING),
      Column.required("age", Column.Type.INT),
      Column.required("biofluid", Column.Type.STRING),
      Column.required("isolation_method", Column.Type.STRING),
      Column.required("batch", Column.Type.STRING),
      Column.required("site", Column.Type.STRING),
      Column.required("collection_date", Column.Type.DATE),
      Column.required("particle_concentration", Column.Type.SCI3),
      Column.required("particle_size_nm", Column.Type.DECIMAL1),
      Column.optional("hospital_ref", Column.Type.STRING));

  static final List<Column> TRUTH_COLUMNS = List.of(
      Column.required("modality", Column.Type.STRING),
      Column.required("feature", Column.Type.STRING),
      Column.optional("cancer_type", Column.Type.STRING),
      Column.optional("stage", Column.Type.STRING),
      Column.required("log2fc", Column.Type.DECIMAL4),
      Column.required("kind", Column.Type.STRING));

  /** The four columns asked for, then two more flags (low_depth, poor_ev) for QC tests. */
  static final List<Column> TRUTH_SAMPLE_COLUMNS = List.of(
      Column.required("sample_id", Column.Type.STRING),
      Column.required("hemolysed", Column.Type.STRING),
      Column.required("contaminated", Column.Type.STRING),
      Column.required("library_size", Column.Type.INT),
      Column.required("low_depth", Column.Type.STRING),
      Column.required("poor_ev", Column.Type.STRING));

  /** {@code dna_variants.tsv}: the called variants, in exocohort's variants header (ingest --variants). */
  static final List<Column> VARIANT_COLUMNS = List.of(
      Column.required("sample_id", Column.Type.STRING),
      Column.required("gene", Column.Type.STRING),
      Column.required("protein_change", Column.Type.STRING),
      Column.required("allele_fraction", Column.Type.STRING),
      Column.required("alt_reads", Column.Type.INT),
      Column.required("depth", Column.Type.INT));

  /** {@code truth_variants.csv}: every planted variant, called or not, with its origin and true fraction. */
  static final List<Column> TRUTH_VARIANT_COLUMNS = List.of(
      Column.required("sample_id", Column.Type.STRING),
      Column.required("gene", Column.Type.STRING),
      Column.required("protein_change", Column.Type.STRING),
      Column.required("origin", Column.Type.STRING),
      Column.required("true_allele_fraction", Column.Type.STRING),
      Column.required("alt_reads", Column.Type.INT),
      Column.required("depth", Column.Type.INT),
      Column.required("called", Column.Type.STRING));

  static final String VARIANTS_TRUTH = "truth_variants.csv";

  private CohortFiles() {}

  /** The variants file's name: always tab-separated (the MAF convention), gzipped with {@code --gzip}. */
  static String variantsFile(GenerateArgs a) {
    return "dna_variants.tsv" + (a.gzip() ? ".gz" : "");
  }

  /**
   * Writes the called variants ({@link #VARIANT_COLUMNS}) and the truth of every planted one; returns {calls, planted}.
   */
  static long[] writeVariants(CohortDesign d, Path file, Path truthFile) throws IOException {
    VariantSimulator sim = new VariantSimulator(d);
    try (RowSink calls = RowSink.open(GenerateArgs.Format.TSV, d.args.gzip(), file, VARIANT_COLUMNS);
        RowSink truth = RowSink.open(GenerateArgs.Format.CSV, false, truthFile, TRUTH_VARIANT_COLUMNS)) {
      for (SampleInfo s : d.samples) {
        for (VariantSimulator.Call c : sim.simulate(s)) {
          if (c.called()) {
            calls.str(s.sampleId());
            calls.str(c.gene());
            calls.str(c.change());
            calls.str(String.format(Locale.ROOT, "%.5f", (double) c.altReads() / c.depth()));
            calls.i32(c.altReads());
            calls.i32(c.depth());
            calls.endRow();
          }
          truth.str(s.sampleId());
          truth.str(c.gene());
          truth.str(c.change());
          truth.str(c.origin());
          truth.str(String.format(Locale.ROOT, "%.5f", c.trueFraction()));
          truth.i32(c.altReads());
          truth.i32(c.depth());
          truth.str(Boolean.toString(c.called()));
          truth.endRow();
        }
      }
      return new long[] {calls.rows(), truth.rows()};
    }
  }

  static long writeManifest(CohortDesign d, Path file) throws IOException {
    GenerateArgs a = d.args;
    List<Column> columns = MANIFEST_COLUMNS;
    if (a.repeats().on()) {
      columns = new java.util.ArrayList<>(MANIFEST_COLUMNS);
      columns.add(Column.required("timepoint", Column.Type.STRING));
    }
    try (RowSink sink = RowSink.open(a.format(), a.gzip(), file, columns)) {
      for (SampleInfo s : d.samples) {
        sink.str(s.sampleId());
        sink.str(s.subjectId());
        sink.str(d.cancerTypeName(s.cancer()));
        sink.str(s.stage() < 0 ? "" : CancerTypes.STAGES[s.stage()]);
        sink.str(String.valueOf(s.sex()));
        sink.i32(s.age());
        sink.str(CohortDesign.BIOFLUIDS[s.biofluid()]);
        sink.str(CohortDesign.ISOLATION_METHODS[s.isolation()]);
        sink.str(CohortDesign.batchName(s.batch()));
        sink.str(CohortDesign.siteName(s.site()));
        sink.date(s.collectionDate());
        sink.dbl(s.particleConcentration());
        sink.dbl(s.particleSizeNm());
        sink.str(s.hospitalRef());
        if (a.repeats().on()) sink.str(s.timepoint());
        sink.endRow();
      }
      return sink.rows();
    }
  }

  static long writeTruth(CohortDesign d, Path file) throws IOException {
    try (RowSink sink = RowSink.open(GenerateArgs.Format.CSV, false, file, TRUTH_COLUMNS)) {
      for (PlantedEffect e : d.truth) {
        sink.str(e.modality());
        sink.str(e.feature());
        sink.str(e.group());
        sink.str(e.stage());
        sink.dbl(e.log2fc());
        sink.str(e.kind());
        sink.endRow();
      }
      return sink.rows();
    }
  }

  static long writeTruthSamples(CohortDesign d, Path file) throws IOException {
    try (RowSink sink = RowSink.open(GenerateArgs.Format.CSV, false, file, TRUTH_SAMPLE_COLUMNS)) {
      for (SampleInfo s : d.samples) {
        sink.str(s.sampleId());
        sink.str(Boolean.toString(s.hemolysed()));
        sink.str(Boolean.toString(s.contaminated()));
        sink.i32((int) Math.min(Integer.MAX_VALUE, s.depth()));
        sink.str(Boolean.toString(s.lowDepth()));
        sink.str(Boolean.toString(s.poorEv()));
        sink.endRow();
      }
      return sink.rows();
    }
  }

  /** The file names of one run. */
  record Names(String manifest, String mirna, String protein, String truth, String truthSamples, String json) {
    static Names of(GenerateArgs a) {
      String ext = a.format().extension + (a.gzip() ? ".gz" : "");
      return new Names("manifest." + ext, "mirna_counts." + ext, "protein_intensities." + ext, "truth.csv",
          "truth_samples.csv", "generation.json");
    }
  }

  /** The model of the variants in generation.json (see {@link VariantSimulator}). */
  private static final String VARIANTS_MODEL = ",\n    \"dna_variants\": \"tumour hotspots per cancer type "
      + "(pancreatic KRAS 90%, colorectal APC/KRAS/TP53, ...), shed with P 0.25/0.40/0.60/0.80/0.92 by stage 0-IV at "
      + "allele fractions log-normal around 0.3%/0.5%/0.8%/2%/5% (sd 1.0 ln); clonal haematopoiesis (DNMT3A, TET2, "
      + "ASXL1, TP53, JAK2, SF3B1) in anyone with P 0.02 + 0.25 / (1 + exp(-(age - 70) / 7)) at about 1% (sd 0.5 ln); "
      + "depth log-normal around 3000, alt reads Poisson, called with 4 or more\"";

  /** generation.json: the parameters, the files and what was planted. No timestamps: reruns are identical. */
  static void writeGenerationJson(CohortDesign d, Names names, Path file) throws IOException {
    GenerateArgs a = d.args;
    int[] groups = d.cancerCounts();
    StringBuilder counts = new StringBuilder();
    counts.append("      \"").append(CancerTypes.HEALTHY).append("\": ").append(groups[0]);
    for (int c = 0; c < d.cancerTypes.size(); c++) {
      counts.append(",\n      \"").append(d.cancerTypes.get(c).name()).append("\": ").append(groups[c + 1]);
    }
    long kinds = d.truth.stream().map(PlantedEffect::kind).distinct().count();
    String json = String.format(Locale.ROOT, """
        {
          "generator": "exocohort generate",
          "description": "Synthetic exosome liquid-biopsy cohort: small-RNA-seq miRNA counts and EV proteomics \
        intensities with planted disease, stage, batch, site, biofluid, haemolysis and contamination effects. \
        Same parameters give byte-identical files.",
          "command": "%s",
          "parameters": {
            "samples": %d,
            "mirnas": %d,
            "proteins": %d,
            "cancer_types": %d,
            "seed": %d,
            "format": "%s",
            "layout": "%s",
            "gzip": %s,
            "cohort": %s%s
          },
          "files": {
            "manifest": "%s",
            "mirna_counts": "%s",
            "protein_intensities": "%s",
            "truth": "%s",
            "truth_samples": "%s"%s
          },
          "counts": {
            "samples": %d,
            "subjects": %d,
            "sites": %d,
            "batches": %d,
            "hemolysed": %d,
            "contaminated": %d,
            "poor_ev": %d,
            "low_depth": %d,
            "planted_effects": %d,
            "planted_effect_kinds": %d,
            "by_cancer_type": {
        %s
            }
          },
          "model": {
            "mirna_counts": "negative binomial: Poisson(depth * share * Gamma(1/phi, phi)), phi = %.2f + %.2f / \
        sqrt(baseline CPM); shares renormalised over the 2600-miR pool after effects",
            "library_size": "log-normal, median about %.0fk reads, sd %.2f log10, batch shift sd 0.12 log10; \
        4%% low-depth samples 1e4-5e4 reads; urine x0.3",
            "stage_scale": "0: 0.35, I: 0.5, II: 0.75, III: 0.9, IV: 1.0 (times a per-sample tumour factor U(0.5, 1.5))",
            "hemolysis": "%.1f%% of blood samples; erythrocyte miRs up by severity U(1.5, 3.5) log2 x weight",
            "proteins": "log-normal around per-protein log10 intensity 4-9; censored below a per-sample detection \
        limit (log10 N(5.0, 0.2)) plus 1.5%% missing at random",
            "particles": "log-normal, median about 5e9/mL for healthy plasma by ultracentrifugation, about 2x in \
        cancer; isolation method and biofluid yields"%s
          }
        }
        """,
        a.commandLine(), a.samples(), a.mirnas(), a.proteins(), a.cancerTypes(), a.seed(), a.format().extension,
        a.layout().label(), a.gzip(), a.cohort() == null ? "null" : "\"" + a.cohort() + "\"",
        a.variants() ? ",\n    \"variants\": true" : "",
        names.manifest(), names.mirna(), names.protein(), names.truth(), names.truthSamples(),
        a.variants() ? ",\n    \"dna_variants\": \"" + variantsFile(a) + "\",\n    \"truth_variants\": \""
            + VARIANTS_TRUTH + "\"" : "",
        a.samples(), d.subjectCount(), d.sites, d.batches, d.hemolysedCount(),
        d.samples.stream().filter(SampleInfo::contaminated).count(),
        d.samples.stream().filter(SampleInfo::poorEv).count(),
        d.samples.stream().filter(SampleInfo::lowDepth).count(),
        d.truth.size(), kinds, counts, CohortDesign.PHI0, CohortDesign.PHI1,
        Samplers.exp10(CohortDesign.DEPTH_MEDIAN_LOG10) / 1000, CohortDesign.DEPTH_SD_LOG10,
        100 * CohortDesign.HEMOLYSIS_PROBABILITY, a.variants() ? VARIANTS_MODEL : "");
    Files.writeString(file, json, StandardCharsets.UTF_8);
  }
}
