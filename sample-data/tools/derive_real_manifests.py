#!/usr/bin/env python3
"""Derives the manifest.tsv files of the two real cohorts under sample-data/ from their source label files in
/work/shared/realdata (see each cohort's README.md). Counts files are copied unchanged.

GBM (Phenotype.tsv): sample_id = subject_id = Sample (one sample per person); cancer_type GBM -> glioblastoma,
Glioma -> Glioma, Control -> Control (the source's words, resolved by the alias table); sex, age as given;
idh_status from Mut.: W -> wildtype, M -> mutant, NA -> empty.
GSE197020 (labels.tsv): sample_id = subject_id = sample; cancer_type breast_cancer -> Breast Cancer,
control -> control.
exosomePurity (no label file: the group is the file a column is in): sample_id = subject_id = the column name as
R wrote it (SRR1917326.count); cancer_cellline_derived_exosomes{1,2,3}.csv -> "cancer cell line EV" (series 1-3 in
a `series` column), healthy_cellline_derived_exosomes.csv -> "healthy cell line EV"; cancer_serum_cpm_exosomes.csv
-> "colorectal cancer" (its own manifest: the serum cohort). The two cell-line names are resolved by the overlay
sample-data/exosomepurity/cancer_types.tsv (ingest --cancer-types).

Usage: python3 sample-data/tools/derive_real_manifests.py [REALDATA_DIR]
"""
import csv
import sys
from pathlib import Path

SRC = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/realdata")
OUT = Path(__file__).resolve().parents[1]


def rows(path):
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, [v.strip() for v in line.split("\t")])) for line in lines[1:] if line.strip()]


def write(path, header, records):
    with open(path, "w", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for r in records:
            f.write("\t".join(r) + "\n")


def main():
    gbm_type = {"GBM": "glioblastoma", "Glioma": "Glioma", "Control": "Control"}
    idh = {"W": "wildtype", "M": "mutant", "NA": ""}
    gbm = [(r["Sample"], r["Sample"], gbm_type[r["Type"]], r["Sex"], r["Age"], idh[r["Mut."]])
           for r in rows(SRC / "gbm_serum_exosomal_mirna" / "Phenotype.tsv")]
    write(OUT / "gbm_exosomal_mirna" / "manifest.tsv",
          ["sample_id", "subject_id", "cancer_type", "sex", "age", "idh_status"], gbm)
    gse_type = {"breast_cancer": "Breast Cancer", "control": "control"}
    gse = [(r["sample"], r["sample"], gse_type[r["label"]])
           for r in rows(SRC / "gse197020_breast_circulating_mirna" / "labels.tsv")]
    write(OUT / "gse197020_breast" / "manifest.tsv", ["sample_id", "subject_id", "cancer_type"], gse)
    epur = SRC / "exosomepurity"
    cell = []
    for series, name in ((1, "cancer_cellline_derived_exosomes1.csv"), (2, "cancer_cellline_derived_exosomes2.csv"),
                         (3, "cancer_cellline_derived_exosomes3.csv"), ("healthy", "healthy_cellline_derived_exosomes.csv")):
        group = "healthy cell line EV" if series == "healthy" else "cancer cell line EV"
        cell += [(c, c, group, str(series)) for c in sample_columns(epur / name)]
    write(OUT / "exosomepurity" / "manifest_cell_lines.tsv", ["sample_id", "subject_id", "cancer_type", "series"], cell)
    serum = [(c, c, "colorectal cancer") for c in sample_columns(epur / "cancer_serum_cpm_exosomes.csv")]
    write(OUT / "exosomepurity" / "manifest_crc_serum.tsv", ["sample_id", "subject_id", "cancer_type"], serum)


def sample_columns(path):
    """The sample columns of an R write.csv count file: every header cell but the row-name and gene_id ones."""
    header = next(csv.reader(open(path, newline="")))
    return [c for c in header if c not in ("", "gene_id")]


if __name__ == "__main__":
    main()
