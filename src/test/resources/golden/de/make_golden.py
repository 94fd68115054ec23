"""Golden values for io.exocohort.de.kernel from scipy and statsmodels.

Usage, from this folder, with the system interpreter:  /usr/bin/python3 make_golden.py
Reads the committed fixtures (gse197020_logcpm.csv, synth_mirna.csv, synth_protein.csv and their sample
tables) and writes scipy_pairwise.csv and scipy_groups.csv. Written with scipy 1.10.1, statsmodels 0.13.5,
numpy 1.24.2. Numbers are written with repr (shortest string that reads back as the same double).

Per feature, missing values (NA) are dropped first: a feature's observed values are what the Spark side
sees (the long table has no row for a missing value).

scipy_pairwise.csv, one row per (dataset, contrast, feature), x = the first group, y = the second:
  mannwhitneyu(x, y, method="asymptotic", use_continuity=True, alternative="two-sided"): U (U1, for x),
  AUC = U / (n1 n2), mwu_p; ttest_ind(x, y, equal_var=False): welch_t, welch_df (Welch-Satterthwaite, as
  scipy's _unequal_var_ttest_denom, NaN df replaced by 1), welch_p; *_bh = multipletests(method="fdr_bh")
  over the features of that dataset and contrast with a p-value (NaN p-values left out and left NaN).
  Contrasts: gse197020 breast_cancer vs control; synthetic: X vs healthy and X vs all other cancer samples
  pooled, X in crc, lung, pdac. A side with no value gives NaN everywhere (scipy refuses empty samples).
scipy_groups.csv, one row per (dataset, feature): kruskal(*groups) and f_oneway(*groups) over the groups
  that have at least one observed value (n_groups of them), with BH over features.
"""
import csv
import math

import numpy as np
import scipy
import statsmodels
from scipy import stats
from statsmodels.stats.multitest import multipletests


def read_matrix(path):
    with open(path) as f:
        r = csv.reader(f)
        header = next(r)
        feats, rows = [], []
        for row in r:
            feats.append(row[0])
            rows.append([float("nan") if v == "NA" else float(v) for v in row[1:]])
    return header[1:], feats, np.array(rows)


def read_table(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def fmt(x):
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    return repr(x)


def bh(p):
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="fdr_bh")[1]
    return out


def pairwise(x, y):
    n1, n2 = len(x), len(y)
    if n1 == 0 or n2 == 0:
        return dict(n1=n1, n2=n2, U=np.nan, AUC=np.nan, mwu_p=np.nan, welch_t=np.nan, welch_df=np.nan,
                    welch_p=np.nan)
    mw = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True, alternative="two-sided")
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tt = stats.ttest_ind(x, y, equal_var=False)
            v1, v2 = np.var(x, ddof=1), np.var(y, ddof=1)
            vn1, vn2 = v1 / n1, v2 / n2
            df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1))
            if np.isnan(df):
                df = 1.0
    return dict(n1=n1, n2=n2, U=mw.statistic, AUC=mw.statistic / (n1 * n2), mwu_p=mw.pvalue,
                welch_t=tt.statistic, welch_df=df, welch_p=tt.pvalue)


def main():
    datasets = []
    s = read_table("gse197020_samples.csv")
    samples, feats, m = read_matrix("gse197020_logcpm.csv")
    assert samples == [r["sample"] for r in s]
    groups = np.array([r["group"] for r in s])
    datasets.append(("gse197020", feats, m, groups, ["control", "breast_cancer"],
                     [("breast_cancer_vs_control", ["breast_cancer"], ["control"])]))
    s = read_table("synth_samples.csv")
    groups = np.array([r["group"] for r in s])
    cancers = ["crc", "lung", "pdac"]
    contrasts = [(c + "_vs_healthy", [c], ["healthy"]) for c in cancers] + \
                [(c + "_vs_other_cancers", [c], [o for o in cancers if o != c]) for c in cancers]
    for name in ["synth_mirna", "synth_protein"]:
        samples, feats, m = read_matrix(name + ".csv")
        assert samples == [r["sample"] for r in s]
        datasets.append((name, feats, m, groups, ["healthy"] + cancers, contrasts))

    pair_rows, group_rows = [], []
    for name, feats, m, groups, levels, cons in datasets:
        for cname, a, b in cons:
            rows = []
            for i, f in enumerate(feats):
                v = m[i]
                ok = ~np.isnan(v)
                x = v[ok & np.isin(groups, a)]
                y = v[ok & np.isin(groups, b)]
                r = dict(dataset=name, contrast=cname, feature=f)
                r.update(pairwise(x, y))
                rows.append(r)
            for key in ["mwu_p", "welch_p"]:
                adj = bh([r[key] for r in rows])
                for r, q in zip(rows, adj):
                    r[key + "_bh"] = q
            pair_rows.extend(rows)
        rows = []
        for i, f in enumerate(feats):
            v = m[i]
            ok = ~np.isnan(v)
            samples = [v[ok & (groups == g)] for g in levels]
            samples = [x for x in samples if len(x) > 0]
            kw = stats.kruskal(*samples)
            an = stats.f_oneway(*samples)
            rows.append(dict(dataset=name, feature=f, n_groups=len(samples), kruskal_H=kw.statistic,
                             kruskal_p=kw.pvalue, anova_F=an.statistic, anova_p=an.pvalue))
        for key in ["kruskal_p", "anova_p"]:
            adj = bh([r[key] for r in rows])
            for r, q in zip(rows, adj):
                r[key + "_bh"] = q
        group_rows.extend(rows)

    def write(path, rows, cols):
        with open(path, "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(cols)
            for r in rows:
                w.writerow([r[c] if isinstance(r[c], str) else
                            (str(r[c]) if isinstance(r[c], (int, np.integer)) else fmt(r[c])) for c in cols])

    write("scipy_pairwise.csv", pair_rows,
          ["dataset", "contrast", "feature", "n1", "n2", "U", "AUC", "mwu_p", "mwu_p_bh", "welch_t", "welch_df",
           "welch_p", "welch_p_bh"])
    write("scipy_groups.csv", group_rows,
          ["dataset", "feature", "n_groups", "kruskal_H", "kruskal_p", "kruskal_p_bh", "anova_F", "anova_p",
           "anova_p_bh"])
    print("scipy", scipy.__version__, "statsmodels", statsmodels.__version__, "numpy", np.__version__,
          "pairwise rows", len(pair_rows), "group rows", len(group_rows))


if __name__ == "__main__":
    main()
