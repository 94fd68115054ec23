package io.exocohort.generate;

/**
 * One row of {@code truth.csv}: an effect the generator planted. {@code group} (the file's {@code cancer_type}
 * column) names the samples it applies to: a cancer type for kind literature / random; the level of the manifest
 * column for kind sex (F), biofluid (serum, urine; plasma is the reference), site and batch; empty for the
 * per-sample conditions listed in {@code truth_samples.csv} (hemolysis, contamination, poor_ev). Disease effects
 * have one row per stage with the stage-scaled log2 fold change. A repeated cohort adds kind post_vs_pre: the
 * change of a cancer type's post samples against its pre samples (stage "post").
 */
record PlantedEffect(String modality, String feature, String group, String stage, double log2fc, String kind) {
  static final String MIRNA = "mirna";
  static final String PROTEIN = "protein";
}
