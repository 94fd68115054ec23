package io.exocohort.generate;

import java.time.LocalDate;

/**
 * One generated sample: its manifest row and the hidden per-sample truth the simulator uses.
 *
 * @param cancer       index into the design's active cancer types, -1 for healthy
 * @param stage        0..4 (0, I .. IV), -1 for healthy
 * @param repeatOf     index of the first sample of the same subject, or -1
 * @param depth        expected miRNA reads over the whole 2,600-miR pool (the library size)
 * @param hemolysisLog2 log2 shift of miR-451a in a haemolysed sample (0 if not haemolysed)
 * @param tumourFactor per-sample multiplier of disease effects (shedding varies between tumours), 0 if healthy
 * @param plateletLog2 per-sample platelet-miR shift (pre-analytical nuisance, not a group effect)
 * @param subjectNumber the subject's number (its id is P + 7 digits of it): the seed of its random effect
 * @param timepoint    pre / post (cancer) or baseline / followup (healthy) in a repeated cohort, else null
 */
record SampleInfo(int index, String sampleId, String subjectId, int cancer, int stage, char sex, int age,
    int biofluid, int isolation, int batch, int site, LocalDate collectionDate, double particleConcentration,
    double particleSizeNm, String hospitalRef, int repeatOf, boolean hemolysed, double hemolysisLog2,
    boolean contaminated, boolean poorEv, boolean lowDepth, double depth, double tumourFactor,
    double plateletLog2, double proteinLoadingLog10, double proteinDetectionLimitLog10, int subjectNumber,
    String timepoint) {

  boolean healthy() {
    return cancer < 0;
  }
}
