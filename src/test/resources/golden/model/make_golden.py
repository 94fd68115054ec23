#!/usr/bin/python3
"""Golden values for io.exocohort.model (run from this folder with /usr/bin/python3: sklearn 1.2.1, numpy 1.24).

1. Fixed score vectors (metric_scores.csv, multiclass_probs.csv) and what scikit-learn / numpy say of them:
   ROC AUC, average precision, Brier, calibration_curve, threshold and sensitivity at specificity
   (numpy.quantile(method="inverted_cdf")), the seeded bootstrap interval (SplitMix64 index stream, numpy
   percentiles), top-k accuracy, confusion matrix and per-class recall.
2. A logistic-regression fixture (lr_fixture.csv) with subject-grouped, stratified folds dealt by the keyed hash
   io.exocohort.model.Folds uses, and scikit-learn's out-of-fold probabilities for elastic-net logistic
   regression with the same folds and the same objective as Spark MLlib's (lr_sklearn.csv, lr_summary.csv).
3. Stability selection (stability_fixture.csv): Poisson(1) bootstrap weights per sample key (FNV-1a of the key
   seeding a SplitMix64 stream, inverse-CDF draws), f_classif on each resample (rows repeated by their weight),
   SelectKBest's top k (F descending, ties by index), the selection frequency of every feature
   (stability_values.csv) and the first samples' weights (stability_weights.csv).
4. DNA gene scores (dna_samples.csv, dna_calls.csv): each variant's allele-fraction mean and population SD over the
   sequenced healthy samples (0 where not carried; dna_moments.csv), and each sample's gene score, the largest
   (af - mean) / max(sd, 0.001) of its variants in the gene floored at 0, NaN when not sequenced (dna_scores.csv).
"""
import csv
import hashlib

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.feature_selection import f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (average_precision_score, brier_score_loss, confusion_matrix, recall_score,
                             roc_auc_score, top_k_accuracy_score)

SPECS = [0.95, 0.99, 0.995]
BOOT_REPS = 200
BOOT_SEED = 42
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def index(self, n):
        return self.next() % n


def threshold(controls, s):
    return float(np.quantile(np.asarray(controls), s, method="inverted_cdf"))


def sens_at_spec(cases, controls, s):
    return float(np.mean(np.asarray(cases) > threshold(controls, s)))


def bootstrap(cases, controls, s, reps, seed):
    rng = SplitMix64(seed)
    stats = []
    for _ in range(reps):
        rc = [cases[rng.index(len(cases))] for _ in range(len(cases))]
        r0 = [controls[rng.index(len(controls))] for _ in range(len(controls))]
        stats.append(sens_at_spec(rc, r0, s))
    lo, hi = np.percentile(np.asarray(stats), [2.5, 97.5])
    return float(lo), float(hi)


def binary_sets():
    rng = np.random.default_rng(20261127)
    sets = {}
    # continuous probabilities, moderate separation
    n1, n0 = 150, 400
    y = np.r_[np.ones(n1, int), np.zeros(n0, int)]
    z = np.r_[rng.normal(1.2, 1, n1), rng.normal(0, 1, n0)]
    sets["continuous"] = (1 / (1 + np.exp(-(z - 1.5))), y)
    # heavy ties (scores on a grid)
    n1, n0 = 60, 90
    y = np.r_[np.ones(n1, int), np.zeros(n0, int)]
    s = np.r_[rng.integers(3, 11, n1), rng.integers(0, 8, n0)] / 10.0
    sets["ties"] = (s, y)
    # unbalanced, few cases, many controls (screening-like)
    n1, n0 = 25, 1000
    y = np.r_[np.ones(n1, int), np.zeros(n0, int)]
    z = np.r_[rng.normal(2.0, 1, n1), rng.normal(0, 1, n0)]
    sets["screening"] = (1 / (1 + np.exp(-(z - 3))), y)
    for k in sets:  # shuffle the order so the kernel cannot rely on it
        p = rng.permutation(len(sets[k][1]))
        sets[k] = (sets[k][0][p], sets[k][1][p])
    return sets


def write(name, header, rows):
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def metrics_golden():
    sets = binary_sets()
    write("metric_scores.csv", ["set", "score", "label"],
          [[k, repr(float(s)), int(y)] for k, (ss, yy) in sets.items() for s, y in zip(ss, yy)])
    values = []
    rel = []
    for k, (s, y) in sets.items():
        cases = [float(v) for v in s[y == 1]]
        controls = [float(v) for v in s[y == 0]]
        values.append([k, "roc_auc", "", repr(float(roc_auc_score(y, s)))])
        values.append([k, "average_precision", "", repr(float(average_precision_score(y, s)))])
        values.append([k, "brier", "", repr(float(brier_score_loss(y, s)))])
        for sp in SPECS:
            values.append([k, "threshold", repr(sp), repr(threshold(controls, sp))])
            values.append([k, "sensitivity", repr(sp), repr(sens_at_spec(cases, controls, sp))])
            lo, hi = bootstrap(cases, controls, sp, BOOT_REPS, BOOT_SEED)
            values.append([k, "boot_low", repr(sp), repr(lo)])
            values.append([k, "boot_high", repr(sp), repr(hi)])
        prob_true, prob_pred = calibration_curve(y, s, n_bins=10, strategy="uniform")
        for t, p in zip(prob_true, prob_pred):
            rel.append([k, repr(float(p)), repr(float(t))])
    write("metric_values.csv", ["set", "metric", "specificity", "value"], values)
    write("reliability.csv", ["set", "mean_predicted", "observed_fraction"], rel)

    # multiclass: 4 classes, probabilities from a softmax, some exact ties
    rng = np.random.default_rng(7)
    n, k = 160, 4
    y = rng.integers(0, k, n)
    logits = rng.normal(0, 1, (n, k))
    logits[np.arange(n), y] += 1.0
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    p[:8] = np.round(p[:8] * 4) / 4  # ties in a few rows
    write("multiclass_probs.csv", ["label"] + [f"p{j}" for j in range(k)],
          [[int(y[i])] + [repr(float(v)) for v in p[i]] for i in range(n)])
    pred = np.argsort(p, axis=1, kind="mergesort")[:, ::-1][:, 0]
    cm = confusion_matrix(y, pred, labels=list(range(k)))
    rec = recall_score(y, pred, labels=list(range(k)), average=None)
    mv = [["top1", "", repr(float(top_k_accuracy_score(y, p, k=1, labels=list(range(k)))))],
          ["top2", "", repr(float(top_k_accuracy_score(y, p, k=2, labels=list(range(k)))))]]
    mv += [["recall", str(c), repr(float(rec[c]))] for c in range(k)]
    mv += [["confusion", f"{a}:{b}", str(int(cm[a, b]))] for a in range(k) for b in range(k)]
    write("multiclass_values.csv", ["metric", "index", "value"], mv)


# --- logistic regression fixture -------------------------------------------------------------------------
FOLDS = 5
FOLD_SEED = 11
REG = 0.05          # MLlib regParam (lambda)
ENET = 0.5          # MLlib elasticNetParam (alpha)


def deal_folds(subjects, strata, k, seed):
    """io.exocohort.model.Folds: per stratum, subjects ordered by sha256("fold:<seed>:<subject>"), dealt in turn."""
    per = {}
    for s, st in zip(subjects, strata):
        per[s] = min(per.get(s, st), st)
    fold = {}
    for st in sorted(set(per.values())):
        subs = [s for s in per if per[s] == st]
        subs.sort(key=lambda s: (hashlib.sha256(f"fold:{seed}:{s}".encode()).hexdigest(), s))
        for r, s in enumerate(subs):
            fold[s] = r % k
    return fold


def lr_golden():
    rng = np.random.default_rng(5)
    n_subjects = 220
    types = rng.choice(["healthy", "pancreatic", "breast"], n_subjects, p=[0.5, 0.25, 0.25])
    stages = np.where(types == "healthy", "", rng.choice(["I", "II", "III", "IV"], n_subjects))
    rows = []
    for i in range(n_subjects):
        reps = 2 if i % 11 == 0 else 1
        for r in range(reps):
            rows.append((f"S{i:03d}{r}", f"subj{i:03d}", types[i], stages[i]))
    n, p = len(rows), 30
    y = np.array([0 if t == "healthy" else 1 for _, _, t, _ in rows])
    scale = rng.uniform(0.5, 3, p)
    x = rng.normal(0, 1, (n, p)) * scale + rng.normal(5, 2, p)
    for j in range(5):
        x[:, j] += 0.4 * y * scale[j] * (j + 1) / 3
    subjects = [r[1] for r in rows]
    strata = [f"{t}|{st}" for _, _, t, st in rows]
    fold_of = deal_folds(subjects, strata, FOLDS, FOLD_SEED)
    folds = np.array([fold_of[s] for s in subjects])
    oof = np.zeros(n)
    for f in range(FOLDS):
        tr, te = folds != f, folds == f
        mu = x[tr].mean(axis=0)
        sd = x[tr].std(axis=0, ddof=1)  # MLlib standardises with the sample standard deviation
        m = LogisticRegression(penalty="elasticnet", solver="saga", l1_ratio=ENET, C=1.0 / (REG * tr.sum()),
                               max_iter=200000, tol=1e-10)
        m.fit((x[tr] - mu) / sd, y[tr])
        oof[te] = m.predict_proba((x[te] - mu) / sd)[:, 1]
    write("lr_fixture.csv", ["sample_id", "subject_key", "cancer_type", "stage", "label"] + [f"f{j:02d}" for j in range(p)],
          [[rows[i][0], rows[i][1], rows[i][2], rows[i][3], int(y[i])] + [repr(float(v)) for v in x[i]]
           for i in range(n)])
    write("lr_sklearn.csv", ["sample_id", "fold", "probability"],
          [[rows[i][0], int(folds[i]), repr(float(oof[i]))] for i in range(n)])
    cases, controls = oof[y == 1], oof[y == 0]
    summ = [["folds", FOLDS], ["fold_seed", FOLD_SEED], ["reg_param", REG], ["elastic_net_param", ENET],
            ["roc_auc", repr(float(roc_auc_score(y, oof)))]]
    summ += [[f"sensitivity_{sp}", repr(sens_at_spec(cases, controls, sp))] for sp in SPECS]
    write("lr_summary.csv", ["name", "value"], summ)


# --- screening figures (issue 18, point 3) ---------------------------------------------------------------
PREVALENCES = [0.001, 0.005, 0.01, 0.05]


def ppv(se, sp, prev):
    return se * prev / (se * prev + (1 - sp) * (1 - prev))


def npv(se, sp, prev):
    return sp * (1 - prev) / (sp * (1 - prev) + (1 - se) * prev)


def rates(cases, controls, t):
    """sensitivity and specificity from sklearn's confusion matrix of the calls score > t"""
    y = np.r_[np.ones(len(cases), int), np.zeros(len(controls), int)]
    pred = (np.r_[cases, controls] > t).astype(int)
    tn, fp, fn, tp = confusion_matrix(y, pred, labels=[0, 1]).ravel()
    return tp / (tp + fn), tn / (tn + fp)


def screening_golden():
    sets = binary_sets()
    rows = []
    for k in ["screening", "continuous"]:
        s, y = sets[k]
        cases = np.asarray([float(v) for v in s[y == 1]])
        controls = np.asarray([float(v) for v in s[y == 0]])
        t = threshold(list(controls), 0.99)
        se, sp = rates(cases, controls, t)
        for prev in PREVALENCES:
            rng = SplitMix64(BOOT_SEED)
            b = {"sensitivity": [], "specificity": [], "ppv": [], "npv": []}
            for _ in range(BOOT_REPS):
                rc = cases[[rng.index(len(cases)) for _ in range(len(cases))]]
                r0 = controls[[rng.index(len(controls)) for _ in range(len(controls))]]
                bse, bsp = rates(rc, r0, t)
                b["sensitivity"].append(bse)
                b["specificity"].append(bsp)
                b["ppv"].append(ppv(bse, bsp, prev))
                b["npv"].append(npv(bse, bsp, prev))
            est = {"sensitivity": se, "specificity": sp, "ppv": ppv(se, sp, prev), "npv": npv(se, sp, prev)}
            for m in ["sensitivity", "specificity", "ppv", "npv"]:
                lo, hi = np.percentile(np.asarray(b[m]), [2.5, 97.5])
                rows.append([k, repr(t), repr(prev), m, repr(float(est[m])), repr(float(lo)), repr(float(hi))])
        # sensitivity of a subgroup of the cases (every third case: a "stage"), its own stream (seed 7)
        for g in range(3):
            sub = cases[g::3]
            rng = SplitMix64(7)
            stats = []
            for _ in range(BOOT_REPS):
                rc = sub[[rng.index(len(sub)) for _ in range(len(sub))]]
                stats.append(float(np.mean(rc > t)))
            lo, hi = np.percentile(np.asarray(stats), [2.5, 97.5])
            rows.append([k, repr(t), "", f"subgroup{g}", repr(float(np.mean(sub > t))), repr(float(lo)),
                         repr(float(hi))])
    write("screening_values.csv", ["set", "threshold", "prevalence", "metric", "estimate", "low", "high"], rows)

    # two stages: a detection score for each sample of the multiclass fixture, the origin accuracy among the
    # detected ones (top-1, top-2 of the origin probabilities, sklearn's tie order)
    probs = np.loadtxt("multiclass_probs.csv", delimiter=",", skiprows=1)
    label = probs[:, 0].astype(int)
    p = probs[:, 1:]
    rng = np.random.default_rng(18)
    detect = rng.normal(0, 1, len(label)) + 0.5 * (p[np.arange(len(label)), label] > 0.4)
    write("screening_detect.csv", ["detect"], [[repr(float(v))] for v in detect])
    out = []
    for t in [-0.5, 0.0, 0.8]:
        keep = detect > t
        for kk in [1, 2]:
            acc = top_k_accuracy_score(label[keep], p[keep], k=kk, labels=list(range(p.shape[1])))
            out.append([repr(t), str(kk), str(int(keep.sum())), repr(float(acc))])
    write("screening_origin.csv", ["threshold", "k", "detected", "accuracy"], out)

# --- stability selection -----------------------------------------------------------------------------------
STAB_SEED = 7
STAB_RESAMPLES = 50
EXP_MINUS_ONE = 0.36787944117144233  # the literal io.exocohort.model.kernel.StabilitySelection uses


def key_hash(key):
    """FNV-1a, 64-bit, of the key's UTF-8 bytes."""
    h = 0xcbf29ce484222325
    for b in key.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001b3) & MASK
    return h


def poisson_weights(seed, key, resamples):
    rng = SplitMix64(key_hash(key) ^ ((seed * 0x9E3779B97F4A7C15) & MASK))
    out = []
    for _ in range(resamples):
        u = (rng.next() >> 11) * 2.0 ** -53
        k, p = 0, EXP_MINUS_ONE
        cdf = p
        while u >= cdf and k < 40:
            k += 1
            p /= k
            cdf += p
        out.append(k)
    return out


def top_k(f, k):
    """SelectKBest order: F descending, ties by the lower index, NaN last."""
    key = np.where(np.isnan(f), -np.inf, f)
    return np.lexsort((np.arange(len(f)), -key))[:k]


def stability_set(name, x, y, keys, k):
    w = np.array([poisson_weights(STAB_SEED, key, STAB_RESAMPLES) for key in keys])  # n x B
    count = np.zeros(x.shape[1], int)
    f0 = None
    for b in range(STAB_RESAMPLES):
        rows = np.repeat(np.arange(len(y)), w[:, b])
        f, _ = f_classif(x[rows], y[rows])
        if b == 0:
            f0 = f
        count[top_k(f, k)] += 1
    f_all, _ = f_classif(x, y)
    values = [[name, j, int(count[j]), repr(float(count[j] / STAB_RESAMPLES)), repr(float(f_all[j])),
               repr(float(f0[j]))] for j in range(x.shape[1])]
    weights = [[name, keys[i]] + [int(v) for v in w[i, :10]] for i in range(5)]
    return values, weights


def stability_golden():
    rng = np.random.default_rng(31)
    fixture, values, weights = [], [], []
    for name, n, p, classes, k in [("binary", 120, 40, 2, 8), ("three_class", 90, 25, 3, 5)]:
        y = rng.integers(0, classes, n)
        x = rng.normal(0, 1, (n, p)) + rng.normal(6, 2, p)
        for j in range(6):  # graded planted effects on the first features, the rest noise
            x[:, j] += (0.9 - 0.12 * j) * (y == 1) - (0.3 * (y == 2) if classes > 2 else 0)
        x[:, p - 1] = 3.0  # a constant feature: F is NaN, never selected
        keys = [f"synth:{name}{i:04d}" for i in range(n)]
        for i in range(n):
            fixture.append([name, keys[i], int(y[i]), k] + [repr(float(v)) for v in x[i]]
                           + [""] * (40 - p))
        v, w = stability_set(name, x, y, keys, k)
        values += v
        weights += w
    write("stability_fixture.csv", ["set", "key", "label", "k"] + [f"f{j:02d}" for j in range(40)], fixture)
    write("stability_values.csv", ["set", "feature", "count", "frequency", "f_train", "f_resample0"], values)
    write("stability_weights.csv", ["set", "key"] + [f"w{b}" for b in range(10)], weights)


DNA_VARIANTS = ["DNMT3A *", "DNMT3A p.R882H", "KRAS *", "KRAS p.G12D", "KRAS p.G12V", "TP53 *", "TP53 p.R273H"]
DNA_GENE_SLOT = [0, 0, 1, 1, 1, 2, 2]  # feature slots 0..2 are the genes DNMT3A, KRAS, TP53; 3..4 two miRs
DNA_MIN_SD = 0.001


def dna_golden():
    rng = np.random.default_rng(17)
    n, nv = 60, len(DNA_VARIANTS)
    label = np.array([0] * 30 + [1] * 30)
    sequenced = np.ones(n, dtype=bool)
    sequenced[[3, 17, 40, 55]] = False
    # carrier probabilities per variant for healthy / cancer: CH variants in both, tumour hotspots in cancers
    p_carry = {0: [0.0, 0.25, 0.0, 0.02, 0.0, 0.0, 0.15], 1: [0.05, 0.25, 0.1, 0.35, 0.25, 0.1, 0.3]}
    af = np.zeros((n, nv))
    samples, calls = [], []
    for i in range(n):
        x = [repr(float(v)) for v in rng.normal(8, 1, 2)]
        for v in range(nv):
            if rng.random() < p_carry[label[i]][v]:
                af[i, v] = float(np.exp(rng.normal(np.log(0.01), 0.7)))
                if sequenced[i]:
                    calls.append([f"S{i:02d}", v, repr(af[i, v])])
        samples.append([f"S{i:02d}", int(label[i]), int(sequenced[i])] + x)
    ref = (label == 0) & sequenced
    mean = af[ref].mean(axis=0)
    sd = af[ref].std(axis=0, ddof=0)
    moments = [[DNA_VARIANTS[v], v, DNA_GENE_SLOT[v], repr(float(mean[v])), repr(float(sd[v]))] for v in range(nv)]
    scores = []
    for i in range(n):
        for g in range(3):
            if not sequenced[i]:
                scores.append([f"S{i:02d}", g, "NaN"])
                continue
            z = [(af[i, v] - mean[v]) / max(sd[v], DNA_MIN_SD) for v in range(nv)
                 if DNA_GENE_SLOT[v] == g and af[i, v] > 0]
            scores.append([f"S{i:02d}", g, repr(float(max([0.0] + z)))])
    write("dna_samples.csv", ["sample", "label", "sequenced", "mir0", "mir1"], samples)
    write("dna_calls.csv", ["sample", "variant", "allele_fraction"], calls)
    write("dna_moments.csv", ["variant", "index", "gene_slot", "mean", "sd"], moments)
    write("dna_scores.csv", ["sample", "gene_slot", "score"], scores)


if __name__ == "__main__":
    metrics_golden()
    lr_golden()
    screening_golden()
    stability_golden()
    dna_golden()
