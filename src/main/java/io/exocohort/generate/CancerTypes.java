package io.exocohort.generate;

import java.util.List;

/**
 * The cohort's diagnostic groups: {@code healthy} and the cancer types in the order {@code --cancer-types} takes
 * them, with their prevalence among cancer samples, sex ratio, age and staging. Figures are rough
 * screening-cohort shapes (sex ratios and median ages after GLOBOCAN / SEER summaries), not estimates.
 */
final class CancerTypes {
  static final String HEALTHY = "healthy";
  /** Share of healthy controls among samples. */
  static final double HEALTHY_FRACTION = 0.35;
  static final String[] STAGES = {"0", "I", "II", "III", "IV"};
  /** Stage frequencies in a screening cohort: early stages more common. */
  static final double[] STAGE_FREQUENCY = {0.06, 0.34, 0.28, 0.20, 0.12};
  /** Multiplier of a disease effect's log2 fold change by stage: stage 0/I weaker than IV. */
  static final double[] STAGE_SCALE = {0.35, 0.5, 0.75, 0.9, 1.0};
  static final double HEALTHY_AGE_MEAN = 52;
  static final double HEALTHY_P_MALE = 0.48;

  /** One cancer type: relative prevalence among cancer samples, P(male), mean age; GBM is always grade/stage IV. */
  record Profile(String name, double prevalence, double pMale, double ageMean, boolean alwaysStageIV) {}

  static final List<Profile> ALL = List.of(
      new Profile("pancreatic", 1.0, 0.52, 67, false),
      new Profile("breast", 1.4, 0.01, 58, false),
      new Profile("ovarian", 0.8, 0.0, 61, false),
      new Profile("prostate", 1.2, 1.0, 67, false),
      new Profile("colorectal", 1.3, 0.55, 65, false),
      new Profile("esophageal", 0.7, 0.75, 66, false),
      new Profile("glioblastoma", 0.5, 0.60, 62, true),
      new Profile("melanoma", 0.7, 0.56, 60, false),
      new Profile("lung", 1.3, 0.55, 68, false),
      new Profile("bladder", 0.7, 0.75, 70, false),
      new Profile("liver", 0.7, 0.70, 63, false),
      new Profile("gastric", 0.8, 0.65, 67, false),
      new Profile("kidney", 0.7, 0.62, 63, false));

  private CancerTypes() {}

  static int max() {
    return ALL.size();
  }
}
