package io.exocohort.model.kernel;

/**
 * The DNA features as CancerSEEK builds them (Cohen et al., Science 2018: each mutation's allele fraction
 * normalised by its distribution in the normal plasmas of the training set, then the highest per sample), per gene:
 * a variant's score is {@code z = (af - mean) / max(sd, minSd)}, with {@code mean} and {@code sd} (population SD)
 * its allele fraction over the healthy reference samples (0 where a reference sample does not carry it); a gene's
 * feature is the largest score of the sample's variants in it, floored at 0 (a variant at or below its healthy
 * level, or none, is no evidence). A variant common in healthy blood (clonal haematopoiesis: DNMT3A R882H, JAK2
 * V617F) needs a far higher fraction to score than a tumour hotspot never seen in the healthy. Pure functions.
 */
public final class DnaScores {
  private DnaScores() {}

  /** Allele fractions below this are the assay's noise: the SD a variant never seen in the healthy gets (0.1%). */
  public static final double MIN_SD = 0.001;

  /**
   * Each variant's healthy mean and population SD from the reference samples' sums.
   *
   * @param n reference samples (sequenced)
   * @param sum per variant, the sum of its allele fraction over them
   * @param sumSq per variant, the sum of its squares
   * @return {@code {mean, sd}}, zeros when {@code n == 0}
   */
  public static double[][] moments(long n, double[] sum, double[] sumSq) {
    double[] mean = new double[sum.length];
    double[] sd = new double[sum.length];
    if (n == 0) return new double[][] {mean, sd};
    for (int v = 0; v < sum.length; v++) {
      mean[v] = sum[v] / n;
      sd[v] = Math.sqrt(Math.max(0, sumSq[v] / n - mean[v] * mean[v]));
    }
    return new double[][] {mean, sd};
  }

  /**
   * Writes the gene scores into {@code out}: every slot of {@code genes} (the distinct values of {@code geneSlots})
   * is set to 0, then to the largest {@code (af - mean) / max(sd, minSd)} of the sample's variants
   * ({@code variants[k]} at {@code fractions[k]}; variant v's gene is slot {@code geneSlots[v]}) in that gene.
   */
  public static void geneScores(double[] out, int[] variants, double[] fractions, int[] genes, int[] geneSlots,
      double[] mean, double[] sd, double minSd) {
    for (int g : genes) out[g] = 0;
    for (int k = 0; k < variants.length; k++) {
      int v = variants[k];
      double z = (fractions[k] - mean[v]) / Math.max(sd[v], minSd);
      int g = geneSlots[v];
      if (z > out[g]) out[g] = z;
    }
  }
}
