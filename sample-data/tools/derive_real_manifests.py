#!/usr/bin/env python3
"""Derives the manifest.tsv files of the two real cohorts under sample-data/ from their source label files in
/work/shared/realdata (see each cohort's README.md). Counts files are copied unchanged.

GBM (Phenotype.tsv): sample_id = subject_id = Sample (one sample per person); cancer_type GBM -> glioblastoma,
Glioma -> Glioma, Control -> Control (the source's words, resolved by the alias table); sex, age as given;
idh_status from Mut.: W -> wildtype, M -> mutant, NA -> empty.
GSE197020 (labels.tsv): sample_id = subject_id = sample; cancer_type breast_cancer -> Breast Cancer,
control -> control.

Usage: python3 sample-data/tools/derive_real_manifests.py [REALDATA_DIR]
"""
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


if __name__ == "__main__":
    main()
