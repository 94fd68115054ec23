"""scanpy's Wilcoxon rank test on exocohort's normalised miRNA matrix (jobs/bench-e2e, issue 16 point 5).

Runs in the throwaway virtualenv jobs/bench-e2e makes (pip install scanpy); scanpy is never a test dependency.

  python scanpy_e2e.py export EXPR.csv GROUPS.csv OUT.h5ad
      (untimed) the long log-CPM rows exported from the lake (sample_id, feature, value) and the samples'
      groups (sample_id, cancer_type) to an AnnData file (samples x features, obs cancer_type): what a Python
      user would hold.
  python scanpy_e2e.py rank IN.h5ad REFERENCE
      (timed by the caller as a whole process) reads the .h5ad and runs
      sc.tl.rank_genes_groups(adata, "cancer_type", method="wilcoxon", reference=REFERENCE); prints
      scanpy_import_read_seconds, scanpy_rank_seconds and what it computed.
"""
import sys
import time


def export(expr_csv, groups_csv, out):
    import anndata
    import numpy as np
    import pandas as pd

    long = pd.read_csv(expr_csv, dtype={"sample_id": str, "feature": str, "value": np.float64})
    wide = long.pivot(index="sample_id", columns="feature", values="value")
    groups = pd.read_csv(groups_csv, dtype=str).set_index("sample_id")
    if set(wide.index) != set(groups.index):
        raise SystemExit(f"export: the matrix has {len(wide.index)} samples, the groups file {len(groups.index)}; "
                         "they should be the same samples")
    wide = wide.loc[groups.index]
    if wide.isna().any().any():
        raise SystemExit("export: the matrix has missing values")
    obs = pd.DataFrame({"cancer_type": pd.Categorical(groups["cancer_type"])}, index=wide.index)
    adata = anndata.AnnData(X=wide.to_numpy(dtype=np.float64), obs=obs,
                            var=pd.DataFrame(index=wide.columns))
    adata.write_h5ad(out)
    print(f"export {adata.n_obs} samples x {adata.n_vars} features to {out}")


def rank(h5ad, reference):
    t0 = time.perf_counter()
    import scanpy as sc
    adata = sc.read_h5ad(h5ad)
    t1 = time.perf_counter()
    sc.tl.rank_genes_groups(adata, "cancer_type", method="wilcoxon", reference=reference)
    t2 = time.perf_counter()
    groups = list(adata.uns["rank_genes_groups"]["names"].dtype.names)
    print(f"scanpy_import_read_seconds {t1 - t0:.3f}")
    print(f"scanpy_rank_seconds {t2 - t1:.3f}")
    print(f"scanpy_samples {adata.n_obs} features {adata.n_vars} comparisons {len(groups)} "
          f"reference {reference}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "export":
        export(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "rank":
        rank(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
