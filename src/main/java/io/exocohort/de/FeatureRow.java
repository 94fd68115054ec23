package io.exocohort.de;

import java.io.Serializable;

/**
 * One matrix row as {@link DeStats} reads it (a bean, so that Spark decodes the entries straight into a
 * {@code double[]}, without a boxed value per entry): the block it belongs to ({@code cohort}, {@code block},
 * {@code normRunId}: the key of its sample index) and the feature's entries in the block's sample order, a
 * missing entry as NaN.
 */
public final class FeatureRow implements Serializable {
  private static final long serialVersionUID = 1L;
  private String cohort;
  private int block;
  private String normRunId;
  private String feature;
  private double[] entries;

  public String getCohort() {
    return cohort;
  }

  public void setCohort(String cohort) {
    this.cohort = cohort;
  }

  public int getBlock() {
    return block;
  }

  public void setBlock(int block) {
    this.block = block;
  }

  public String getNormRunId() {
    return normRunId;
  }

  public void setNormRunId(String normRunId) {
    this.normRunId = normRunId;
  }

  public String getFeature() {
    return feature;
  }

  public void setFeature(String feature) {
    this.feature = feature;
  }

  public double[] getEntries() {
    return entries;
  }

  public void setEntries(double[] entries) {
    this.entries = entries;
  }

  /** The key of this row's sample index (see {@link DeStats#blockKey}). */
  String blockKey() {
    return DeStats.blockKey(cohort, block, normRunId);
  }
}
