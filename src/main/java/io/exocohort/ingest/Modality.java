package io.exocohort.ingest;

import io.exocohort.catalog.TableDef;
import io.exocohort.catalog.Tables;

/** The measurement kinds a cohort delivers, and the table each lands in. */
public enum Modality {
  MIRNA("mirna", Tables.MIRNA_COUNTS, "count"),
  PROTEIN("protein", Tables.PROTEIN_ABUNDANCE, "intensity"),
  /** DNA variant calls ({@link VariantFile}): not a count file; its value column is the allele fraction. */
  VARIANTS("variants", Tables.DNA_VARIANTS, "allele_fraction");

  public final String key;
  public final TableDef table;
  public final String valueColumn;

  Modality(String key, TableDef table, String valueColumn) {
    this.key = key;
    this.table = table;
    this.valueColumn = valueColumn;
  }
}
