package io.exocohort.catalog;

import java.util.Locale;

/** An assay stored as a matrix: its name, its matrix table, its sample index and the long view over both. */
public enum Modality {
  MIRNA("mirna", Tables.MIRNA_MATRIX, Tables.MIRNA_MATRIX_SAMPLES, "mirna_expression"),
  PROTEIN("protein", Tables.PROTEIN_MATRIX, Tables.PROTEIN_MATRIX_SAMPLES, "protein_expression");

  private final String label;
  private final TableDef matrix;
  private final TableDef samples;
  private final String view;

  Modality(String label, TableDef matrix, TableDef samples, String view) {
    this.label = label;
    this.matrix = matrix;
    this.samples = samples;
    this.view = view;
  }

  /** mirna or protein. */
  public String label() {
    return label;
  }

  /** One row per (cohort, block, feature) with the block's entries. */
  public TableDef matrix() {
    return matrix;
  }

  /** One row per (cohort, block) with the block's sample ids in entry order. */
  public TableDef samples() {
    return samples;
  }

  /** The analysts' long view: {@code cohort, sample_id, feature, value, ..., scale, norm_run_id}. */
  public String view() {
    return view;
  }

  /** Protein entries may be null (missing) and carry imputed flags. */
  public boolean protein() {
    return this == PROTEIN;
  }

  public static Modality of(String name) {
    for (Modality m : values()) if (m.label.equals(name.toLowerCase(Locale.ROOT))) return m;
    throw new IllegalArgumentException("no modality " + name);
  }
}
