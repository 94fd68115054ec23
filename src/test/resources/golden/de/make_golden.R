# Golden values for io.exocohort.de.kernel: limma (lmFit, contrasts.fit, eBayes, topTable; voom with edgeR's TMM
# on counts; duplicateCorrelation and lmFit(block, correlation) on repeated measures, with statmod's REML),
# stats::lowess and approxfun, and splines::ns.
#
# Usage, from this folder:
#   Rscript make_golden.R                      # read the committed fixtures, write the outputs (limma_*.csv,
#                                              # voom_*.csv, block_*.csv, lowess_cases.csv, ...)
#   Rscript make_golden.R --fixtures REALDIR   # first (re)build the fixtures: the GSE197020 log-CPM and counts
#                                              # matrices from REALDIR (the folder holding GSE197020.txt and
#                                              # labels.tsv) and the synthetic cohorts (set.seed), then the outputs
# Written with R 4.2.2, limma 3.54.1, edgeR 3.40.2, statmod 1.5.0. Numbers are written with up to 17 significant digits, so
# a reader gets the very doubles R computed.
suppressPackageStartupMessages({
  library(limma)
  library(edgeR)
  library(splines)
})

args <- commandArgs(trailingOnly = TRUE)
# shortest of 15, 16 or 17 significant digits that reads back as the same double
num <- function(x) {
  s <- sprintf("%.15g", x)
  for (d in 16:17) {
    bad <- is.finite(x) & suppressWarnings(as.numeric(s)) != x
    s[bad] <- sprintf(paste0("%.", d, "g"), x[bad])
  }
  s
}

write_num_csv <- function(df, file) {
  for (k in names(df)) if (is.double(df[[k]])) df[[k]] <- num(df[[k]])
  write.csv(df, file, row.names = FALSE, quote = FALSE)
}

# Matrix fixtures: one row per feature, one column per sample; missing values written as NA.
write_matrix <- function(m, file, digits) {
  out <- data.frame(feature = rownames(m), check.names = FALSE, stringsAsFactors = FALSE)
  fm <- matrix(ifelse(is.na(m), "NA", formatC(m, format = "f", digits = digits)), nrow(m))
  out <- cbind(out, as.data.frame(fm, stringsAsFactors = FALSE))
  names(out) <- c("feature", colnames(m))
  write.csv(out, file, row.names = FALSE, quote = FALSE)
}

read_matrix <- function(file) {
  d <- read.csv(file, check.names = FALSE, stringsAsFactors = FALSE, na.strings = "NA")
  m <- as.matrix(d[, -1])
  rownames(m) <- d$feature
  storage.mode(m) <- "double"
  m
}

# ---------------------------------------------------------------------------------------------------------
# Fixtures
# ---------------------------------------------------------------------------------------------------------
build_fixtures <- function(realdir) {
  # Real cohort: GSE197020 counts -> filterByExpr (group = label) -> cpm(log = TRUE, prior.count = 2) on the
  # kept miRs with library sizes recomputed over them (no TMM); the first 300 kept miRs, all 96 samples.
  counts <- read.delim(file.path(realdir, "GSE197020.txt"), check.names = FALSE, stringsAsFactors = FALSE)
  m <- as.matrix(counts[, -1]); rownames(m) <- counts[[1]]
  labels <- read.delim(file.path(realdir, "labels.tsv"), stringsAsFactors = FALSE)
  group <- labels$label[match(colnames(m), labels$sample)]
  stopifnot(!anyNA(group))
  y <- DGEList(m, group = group)
  keep <- filterByExpr(y, group = group)
  y <- y[keep, , keep.lib.sizes = FALSE]
  logcpm <- cpm(y, log = TRUE, prior.count = 2)
  logcpm <- logcpm[seq_len(min(300, nrow(logcpm))), ]
  write_matrix(logcpm, "gse197020_logcpm.csv", 6)
  # the same miRs' raw counts (integers), for voom
  write_matrix(y$counts[rownames(logcpm), ], "gse197020_counts.csv", 0)
  write.csv(data.frame(sample = colnames(m), group = group), "gse197020_samples.csv",
            row.names = FALSE, quote = FALSE)
  cat("GSE197020: kept", sum(keep), "of", length(keep), "miRs; fixture has", nrow(logcpm), "\n")

  # Synthetic cohort: 120 samples, healthy + 3 cancers, age (older in cancers) and sex.
  set.seed(20240611)
  groups <- c("healthy", "crc", "lung", "pdac")
  n <- 120
  group <- factor(sample(rep(groups, c(36, 28, 28, 28))), levels = groups)
  age <- round(ifelse(group == "healthy", rnorm(n, 54, 9), rnorm(n, 64, 8)))
  sex <- factor(sample(c("F", "M"), n, replace = TRUE), levels = c("F", "M"))
  samples <- data.frame(sample = sprintf("S%03d", seq_len(n)), group = group, age = age, sex = sex)
  write.csv(samples, "synth_samples.csv", row.names = FALSE, quote = FALSE)

  nf <- 200
  effects <- function(nf) {
    eff <- matrix(0, nf, 4, dimnames = list(NULL, groups))
    for (g in 2:4) {
      idx <- (g - 2) * 15 + 1:15
      eff[idx, g] <- sample(c(-1, 1), 15, replace = TRUE) * runif(15, 0.8, 2)
    }
    eff[46:55, 2:4] <- 1
    eff
  }
  gi <- as.integer(group)
  male <- as.numeric(sex == "M")

  # miRNA-like log expression, complete: a mean-variance trend and scaled-inverse-chi-square variances.
  mu <- runif(nf, 2, 14)
  s2 <- 0.25 * (1 + 3 * exp(-(mu - 2) / 2)) * 6 / rchisq(nf, 6)
  eff <- effects(nf)
  b_age <- rnorm(nf, 0, 0.01)
  b_sex <- ifelse(seq_len(nf) %in% 56:70, 0.3, 0)
  x <- mu + eff[, gi] + outer(b_age, age - 60) + outer(b_sex, male) +
    matrix(rnorm(nf * n), nf) * sqrt(s2)
  # features 181-200 on a coarse grid (many ties for the rank tests)
  x[181:200, ] <- round(x[181:200, ] * 2) / 2
  rownames(x) <- sprintf("miR-%03d", seq_len(nf))
  colnames(x) <- samples$sample
  write_matrix(x, "synth_mirna.csv", 4)

  # protein-like log2 intensity with value-dependent missingness (left censoring + a little at random)
  mu <- runif(nf, 18, 30)
  s2 <- 0.36 * 8 / rchisq(nf, 8)
  eff <- effects(nf)
  b_age <- rnorm(nf, 0, 0.02)
  b_sex <- ifelse(seq_len(nf) %in% 56:70, 0.5, 0)
  p <- mu + eff[, gi] + outer(b_age, age - 60) + outer(b_sex, male) +
    matrix(rnorm(nf * n), nf) * sqrt(s2)
  p <- round(p, 2)
  miss <- matrix(runif(nf * n), nf) < plogis((19.5 - p) * 1.5) | matrix(runif(nf * n), nf) < 0.02
  p[miss] <- NA
  # special features: a cancer group entirely missing (rank-deficient per-feature design, NA contrasts)
  p[195, group == "pdac"] <- NA
  p[196, group == "lung"] <- NA
  # exactly as many observations as coefficients (df.residual 0): 2 healthy (F, M), 2 crc (F, F), 1 lung, 1 pdac
  pick <- c(which(group == "healthy" & sex == "F")[1], which(group == "healthy" & sex == "M")[1],
            which(group == "crc" & sex == "F")[1:2], which(group == "lung")[1], which(group == "pdac")[1])
  p[197, ] <- NA
  p[197, pick] <- round(mu[197] + rnorm(6), 2)
  # two residual df: two more observations
  pick2 <- c(pick, which(group == "lung")[2], which(group == "pdac")[2])
  p[198, ] <- NA
  p[198, pick2] <- round(mu[198] + rnorm(8), 2)
  rownames(p) <- sprintf("P%03d", seq_len(nf))
  colnames(p) <- samples$sample
  write_matrix(p, "synth_protein.csv", 2)
  cat("synthetic protein: ", round(mean(is.na(p)) * 100, 1), "% missing\n")

  # homoscedastic: 60 features with one common variance, so that fitFDist finds no excess spread and
  # df.prior = Inf with and without trend (seed chosen for that)
  set.seed(2)
  nh <- 60
  h <- runif(nh, 4, 12) + matrix(rnorm(nh * n), nh) * 0.5
  h[1:4, group == "crc"] <- h[1:4, group == "crc"] + 1
  rownames(h) <- sprintf("H%02d", seq_len(nh))
  colnames(h) <- samples$sample
  write_matrix(h, "synth_homoscedastic.csv", 2)

  build_synth_counts(samples)
  build_synth_repeated()
}

# Synthetic counts for voom on the synthetic cohort's samples (its own seed: the fixtures above are unchanged).
# 200 miR-like features, negative binomial: baseline abundance log-uniform over 5.5 orders of magnitude,
# dispersion log-normal around 0.1, library sizes 2e5-1e6 (5x); planted log2 effects as the log-scale cohorts
# (features 1-15 crc, 16-30 lung, 31-45 pdac, 46-55 all cancers, sex on 56-70, small age effects); features
# 191-195 zero-inflated (60% of samples zero), 196-199 sparse (each expressed in one to four samples),
# 200 all zero (voom leaves it out of the trend).
build_synth_counts <- function(samples) {
  set.seed(20240613)
  groups <- c("healthy", "crc", "lung", "pdac")
  gi <- match(samples$group, groups)
  male <- as.numeric(samples$sex == "M")
  n <- nrow(samples)
  nf <- 200
  lib <- exp(runif(n, log(2e5), log(1e6)))
  abundance <- 10^runif(nf, -0.5, 5)
  eff <- matrix(0, nf, 4)
  for (g in 2:4) {
    idx <- (g - 2) * 15 + 1:15
    eff[idx, g] <- sample(c(-1, 1), 15, replace = TRUE) * runif(15, 0.8, 2)
  }
  eff[46:55, 2:4] <- 1
  b_age <- rnorm(nf, 0, 0.01)
  b_sex <- ifelse(seq_len(nf) %in% 56:70, 0.5, 0)
  lfc <- eff[, gi] + outer(b_age, samples$age - 60) + outer(b_sex, male)
  mu <- outer(abundance / sum(abundance), lib) * 2^lfc
  dispersion <- exp(rnorm(nf, log(0.1), 0.6))
  counts <- matrix(rnbinom(nf * n, mu = mu, size = 1 / dispersion), nf)
  counts[191:195, ][matrix(runif(5 * n), 5) < 0.6] <- 0
  for (k in 196:199) {
    counts[k, ] <- 0
    counts[k, sample(n, k - 195)] <- rnbinom(k - 195, mu = 20, size = 2) + 1
  }
  counts[200, ] <- 0
  rownames(counts) <- sprintf("cmiR-%03d", seq_len(nf))
  colnames(counts) <- samples$sample
  write_matrix(counts, "synth_counts.csv", 0)
  cat("synthetic counts: library sizes", range(colSums(counts)), "; zeros", round(mean(counts == 0) * 100, 1),
      "%\n")
}

# Repeated-measures counts for duplicateCorrelation and lmFit(block, correlation) (its own seed: the fixtures
# above are unchanged). 60 subjects (20 healthy, 20 crc, 20 glioblastoma), each keeping its group, age and sex;
# 16 cancer subjects (8 crc, 8 glioblastoma) give a pre and a post sample set (one or two samples each), the others
# one to four baseline ("pre") samples; 160 samples in shuffled order. 150 miR-like features, negative binomial
# (dispersion log-normal around 0.15) with a subject random effect: each feature and subject gets its own
# N(0, 0.4^2) on the natural log scale, multiplied into the mean of all that subject's samples (limma's consensus
# correlation about 0.4). Planted log2 effects: 1-12 crc, 13-24 glioblastoma, 25-30 both cancers (1), 31-38 a
# post-vs-pre change (1-1.5, either sign) in the post samples, sex on 39-46 (0.5), small age effects. Three
# features for the bounds of duplicateCorrelation: rmiR-148 has within-subject anti-correlated noise (N(0, 1) per
# sample minus its subject's mean, dispersion 1e-3: a correlation below limma's lower clip 1 / (1 - 4) + 0.01),
# rmiR-149 a large subject effect (SD 1) at high counts with dispersion 1e-4 (above the 0.99 clip), rmiR-150 no
# subject effect.
build_synth_repeated <- function() {
  set.seed(20240617)
  ns <- 60
  groups <- c("healthy", "crc", "glioblastoma")
  sgroup <- sample(rep(groups, each = 20))
  sage <- round(ifelse(sgroup == "healthy", rnorm(ns, 55, 9), rnorm(ns, 63, 9)))
  ssex <- sample(c("F", "M"), ns, replace = TRUE)
  subject <- sprintf("P%02d", seq_len(ns))
  paired <- c(sample(which(sgroup == "crc"), 8), sample(which(sgroup == "glioblastoma"), 8))
  rows <- list()
  for (s in seq_len(ns)) {
    if (s %in% paired) {
      tp <- c(rep("pre", sample(1:2, 1)), rep("post", sample(1:2, 1)))
    } else {
      tp <- rep("pre", sample(1:4, 1, prob = c(0.25, 0.3, 0.25, 0.2)))
    }
    rows[[s]] <- data.frame(subject = subject[s], group = sgroup[s], timepoint = tp, age = sage[s], sex = ssex[s],
                            stringsAsFactors = FALSE)
  }
  smp <- do.call(rbind, rows)
  smp <- smp[sample(nrow(smp)), ]
  n <- nrow(smp)
  smp <- cbind(sample = sprintf("R%03d", seq_len(n)), smp, stringsAsFactors = FALSE)
  write.csv(smp, "synth_repeated_samples.csv", row.names = FALSE, quote = FALSE)

  nf <- 150
  lib <- exp(runif(n, log(3e5), log(1.5e6)))
  abundance <- 10^runif(nf, 0, 4.5)
  gi <- match(smp$group, groups)
  eff <- matrix(0, nf, 3)
  eff[1:12, 2] <- sample(c(-1, 1), 12, TRUE) * runif(12, 0.8, 2)
  eff[13:24, 3] <- sample(c(-1, 1), 12, TRUE) * runif(12, 0.8, 2)
  eff[25:30, 2:3] <- 1
  post <- as.numeric(smp$timepoint == "post")
  b_post <- rep(0, nf)
  b_post[31:38] <- sample(c(-1, 1), 8, TRUE) * runif(8, 1, 1.5)
  b_age <- rnorm(nf, 0, 0.01)
  b_sex <- ifelse(seq_len(nf) %in% 39:46, 0.5, 0)
  lfc <- eff[, gi] + outer(b_post, post) + outer(b_age, smp$age - 60) + outer(b_sex, as.numeric(smp$sex == "M"))
  si <- match(smp$subject, subject)
  u <- matrix(rnorm(nf * ns, 0, 0.4), nf)[, si]
  dispersion <- exp(rnorm(nf, log(0.15), 0.5))
  # the bound cases
  noise <- rnorm(n, 0, 1)
  abundance[148] <- 10^3
  u[148, ] <- noise - ave(noise, smp$subject)
  dispersion[148] <- 1e-3
  abundance[149] <- 10^3.5
  u[149, ] <- rnorm(ns, 0, 1)[si]
  dispersion[149] <- 1e-4
  u[150, ] <- 0
  mu <- outer(abundance / sum(abundance), lib) * 2^lfc * exp(u)
  counts <- matrix(rnbinom(nf * n, mu = mu, size = 1 / dispersion), nf)
  rownames(counts) <- sprintf("rmiR-%03d", seq_len(nf))
  colnames(counts) <- smp$sample
  write_matrix(counts, "synth_repeated_counts.csv", 0)
  cat("synthetic repeated: ", n, "samples of", ns, "subjects; library sizes", range(colSums(counts)), "\n")
}

# The tumour-EV fraction of the synthetic cohort's samples (issue 19: de --covariates tumour_ev_fraction), its own
# seed: what a deconvolve run would give, higher in the cancers (Beta(2, 30) in healthy, mean 0.06; Beta(3, 17) in
# the cancers, mean 0.15), 4 decimals; four samples (one per group) have none (NA: no deconvolve run covered them,
# so de leaves them out of the design). Built with --fixtures, or when the file is missing.
build_synth_ev_fractions <- function() {
  s <- read.csv("synth_samples.csv", stringsAsFactors = FALSE)
  set.seed(20240701)
  f <- ifelse(s$group == "healthy", rbeta(nrow(s), 2, 30), rbeta(nrow(s), 3, 17))
  f <- round(f, 4)
  for (g in c("healthy", "crc", "lung", "pdac")) f[which(s$group == g)[1]] <- NA
  write.csv(data.frame(sample = s$sample, tumour_ev_fraction = ifelse(is.na(f), "NA", sprintf("%.4f", f))),
            "synth_ev_fractions.csv", row.names = FALSE, quote = FALSE)
}

if (length(args) >= 2 && args[1] == "--fixtures") build_fixtures(args[2])
if (!file.exists("synth_ev_fractions.csv") || (length(args) >= 2 && args[1] == "--fixtures")) {
  build_synth_ev_fractions()
}

# ---------------------------------------------------------------------------------------------------------
# limma on the fixtures
# ---------------------------------------------------------------------------------------------------------
datasets <- list()
# The synthetic cohort's contrasts on a design with its group columns: "X vs healthy" and "X vs other cancers" =
# beta_X - mean(beta of the other cancer groups), equal weights
synth_contrasts <- function(design) {
  makeContrasts(
    crc_vs_healthy = groupcrc - grouphealthy,
    lung_vs_healthy = grouplung - grouphealthy,
    pdac_vs_healthy = grouppdac - grouphealthy,
    crc_vs_other_cancers = groupcrc - (grouplung + grouppdac) / 2,
    lung_vs_other_cancers = grouplung - (groupcrc + grouppdac) / 2,
    pdac_vs_other_cancers = grouppdac - (groupcrc + grouplung) / 2,
    levels = design)
}
{
  m <- read_matrix("gse197020_logcpm.csv")
  s <- read.csv("gse197020_samples.csv", stringsAsFactors = FALSE)
  stopifnot(identical(s$sample, colnames(m)))
  group <- factor(s$group, levels = c("control", "breast_cancer"))
  design <- model.matrix(~0 + group)
  cm <- makeContrasts(breast_cancer_vs_control = groupbreast_cancer - groupcontrol, levels = design)
  datasets$gse197020 <- list(m = m, design = design, cm = cm)
}
{
  s <- read.csv("synth_samples.csv", stringsAsFactors = FALSE)
  group <- factor(s$group, levels = c("healthy", "crc", "lung", "pdac"))
  sex <- factor(s$sex, levels = c("F", "M"))
  age <- s$age
  design <- model.matrix(~0 + group + age + sex)
  cm <- synth_contrasts(design)
  for (name in c("synth_mirna", "synth_protein", "synth_homoscedastic")) {
    m <- read_matrix(paste0(name, ".csv"))
    stopifnot(identical(s$sample, colnames(m)))
    datasets[[name]] <- list(m = m, design = design, cm = cm)
  }
}

# synth_evfraction: the synthetic miRs with the tumour-EV fraction as a covariate (de --covariates
# age,tumour_ev_fraction): model.matrix(~0 + group + age + tumour_ev_fraction) over the 116 samples that have a
# fraction (the four without one are left out, as de leaves them out), the synthetic contrasts.
{
  s <- read.csv("synth_samples.csv", stringsAsFactors = FALSE)
  ev <- read.csv("synth_ev_fractions.csv", stringsAsFactors = FALSE, na.strings = "NA")
  stopifnot(identical(s$sample, ev$sample))
  keep <- !is.na(ev$tumour_ev_fraction)
  s <- s[keep, ]
  group <- factor(s$group, levels = c("healthy", "crc", "lung", "pdac"))
  age <- s$age
  tumour_ev_fraction <- ev$tumour_ev_fraction[keep]
  design <- model.matrix(~0 + group + age + tumour_ev_fraction)
  cm <- synth_contrasts(design)
  m <- read_matrix("synth_mirna.csv")[, s$sample]
  datasets$synth_evfraction <- list(m = m, design = design, cm = cm)
}

fit_rows <- list(); feature_rows <- list(); contrast_rows <- list(); summary_rows <- list()
for (ds in names(datasets)) {
  d <- datasets[[ds]]
  fit <- suppressWarnings(lmFit(d$m, d$design))
  # the per-feature linear model (coefficients of the design, before contrasts)
  # (wide: coef_<column> and su_<column> per design column)
  w <- data.frame(dataset = ds, feature = rownames(d$m), stringsAsFactors = FALSE)
  for (j in seq_len(ncol(d$design))) w[[paste0("coef_", colnames(d$design)[j])]] <- fit$coefficients[, j]
  for (j in seq_len(ncol(d$design))) w[[paste0("su_", colnames(d$design)[j])]] <- fit$stdev.unscaled[, j]
  fit_rows[[ds]] <- w
  fit2 <- contrasts.fit(fit, d$cm)
  for (trend in c(FALSE, TRUE)) {
    eb <- suppressWarnings(eBayes(fit2, trend = trend))
    s2prior <- rep_len(eb$s2.prior, nrow(d$m))
    feature_rows[[length(feature_rows) + 1]] <- data.frame(
      dataset = ds, trend = trend, feature = rownames(d$m), AveExpr = eb$Amean, sigma = eb$sigma,
      df_residual = eb$df.residual, s2_prior = s2prior, df_prior = eb$df.prior, s2_post = eb$s2.post,
      df_total = eb$df.total, stringsAsFactors = FALSE)
    for (j in seq_len(ncol(d$cm))) {
      tt <- topTable(eb, coef = j, number = Inf, sort.by = "none")
      stopifnot(identical(rownames(tt), rownames(d$m)))
      contrast_rows[[length(contrast_rows) + 1]] <- data.frame(
        dataset = ds, trend = trend, contrast = colnames(d$cm)[j], feature = rownames(tt),
        logFC = tt$logFC, stdev_unscaled = eb$stdev.unscaled[, j], t = tt$t,
        P.Value = tt$P.Value, adj.P.Val = tt$adj.P.Val, B = tt$B, stringsAsFactors = FALSE)
      summary_rows[[length(summary_rows) + 1]] <- data.frame(
        dataset = ds, trend = trend, contrast = colnames(d$cm)[j], df_prior = eb$df.prior,
        var_prior = eb$var.prior[j], df_pooled = sum(eb$df.residual), stringsAsFactors = FALSE)
    }
  }
}
# treat (McCarthy and Smyth 2009): moderated t-tests of |logFC| > lfc, topTreat per contrast. Not on synth_protein:
# limma 3.54.1's treat stops on a non-estimable (NA) coefficient ("NAs are not allowed in subscripted assignments"),
# which P195 and P196 have; exocohort gives those NaN, as eBayes does. Two thresholds (the fc = 1.2 default and 1)
# and two contrasts per synthetic cohort keep the file small (none for synth_evfraction: its covariate is what it checks).
treat_rows <- list()
for (ds in setdiff(names(datasets), c("synth_protein", "synth_evfraction"))) {
  d <- datasets[[ds]]
  fit2 <- contrasts.fit(suppressWarnings(lmFit(d$m, d$design)), d$cm)
  for (trend in c(FALSE, TRUE)) for (lfc in c(log2(1.2), 1)) {
    tr <- suppressWarnings(treat(fit2, lfc = lfc, trend = trend))
    for (j in intersect(seq_len(ncol(d$cm)), c(1, 4))) { # one "vs healthy" and one "vs other cancers" contrast
      tt <- topTreat(tr, coef = j, number = Inf, sort.by = "none")
      stopifnot(identical(rownames(tt), rownames(d$m)))
      treat_rows[[length(treat_rows) + 1]] <- data.frame(
        dataset = ds, trend = trend, lfc = lfc, contrast = colnames(d$cm)[j], feature = rownames(tt),
        logFC = tt$logFC, t = tt$t, P.Value = tt$P.Value, adj.P.Val = tt$adj.P.Val, df_total = tr$df.total,
        stringsAsFactors = FALSE)
    }
  }
}
for (ds in names(fit_rows)) write_num_csv(fit_rows[[ds]], paste0("limma_fit_", ds, ".csv"))
write_num_csv(do.call(rbind, feature_rows), "limma_features.csv")
write_num_csv(do.call(rbind, contrast_rows), "limma_contrasts.csv")
write_num_csv(do.call(rbind, summary_rows), "limma_summary.csv")
write_num_csv(do.call(rbind, treat_rows), "limma_treat.csv")

# The contrasts written as a matrix (rows = design columns), for the Java test.
cm_rows <- list()
for (ds in names(datasets)) {
  cm <- datasets[[ds]]$cm
  for (j in seq_len(ncol(cm))) for (i in seq_len(nrow(cm))) {
    cm_rows[[length(cm_rows) + 1]] <- data.frame(dataset = ds, contrast = colnames(cm)[j],
                                                 coef = rownames(cm)[i], weight = cm[i, j])
  }
}
write_num_csv(do.call(rbind, cm_rows), "contrasts.csv")

# ---------------------------------------------------------------------------------------------------------
# splines::ns as fitFDist(trend = TRUE) builds it: ns(Amean, df, intercept = TRUE), and predict() outside
# ---------------------------------------------------------------------------------------------------------
ns_rows <- list()
ns_case <- function(name, x, df, newx) {
  b <- ns(x, df = df, intercept = TRUE)
  pb <- predict(b, newx = newx)
  # the basis at every 7th point (and the extremes) of x, and predict() at newx
  keep <- sort(unique(c(seq(1, length(x), by = 7), which.min(x), which.max(x))))
  for (set in list(list("fit", keep, b[keep, , drop = FALSE], x[keep]),
                   list("predict", seq_along(newx), pb, newx))) {
    v <- set[[3]]
    for (j in seq_len(ncol(v))) {
      ns_rows[[length(ns_rows) + 1]] <<- data.frame(case = name, df = df, part = set[[1]], i = set[[2]],
                                                   x = set[[4]], column = j, value = as.vector(v[, j]))
    }
  }
}
a <- rowMeans(datasets$gse197020$m)
for (df in 2:4) ns_case("gse197020_amean", a, df, c(min(a) - 1.5, min(a), median(a), max(a), max(a) + 2))
set.seed(7)
ns_case("ties", c(rep(1, 10), rep(2, 5), 3:12, rep(12, 3)), 4, c(0, 1, 2.5, 12, 13))
write_num_csv(do.call(rbind, ns_rows), "ns_basis.csv")

# trigammaInverse on a range of values
ti <- c(1e-8, 1e-6, 2e-6, 1e-3, 0.01, 0.05, 0.1, 0.3, 1, 2, 10, 1e3, 1e6, 2e7)
write_num_csv(data.frame(x = ti, y = limma:::trigammaInverse(ti)), "trigamma_inverse.csv")
# digamma, trigamma, psigamma(deriv = 2)
px <- c(1e-7, 0.01, 0.25, 0.5, 1, 1.4616321449683623, 2.5, 7.25, 9.99, 10, 47, 49, 50.5, 300, 1e4, 1e7)
write_num_csv(data.frame(x = px, digamma = digamma(px), trigamma = trigamma(px), tetragamma = psigamma(px, 2)),
              "polygamma.csv")

# t distribution: two-sided p, log upper tail, and qt back from the log tail on another df (as tmixture)
grid <- expand.grid(t = c(0, 0.3, 1.7, 4, 9.5, 25, 60, -2.5), df = c(1.5, 4, 17.3, 94, 1000, 22800, 3e6))
grid$p_two_sided <- 2 * pt(-abs(grid$t), grid$df)
grid$log_upper <- pt(grid$t, grid$df, lower.tail = FALSE, log.p = TRUE)
grid$q_log_upper_df50 <- qt(grid$log_upper, 50, lower.tail = FALSE, log.p = TRUE)
grid$q_half_p <- qt(grid$p_two_sided / 2, grid$df, lower.tail = FALSE)
write_num_csv(grid, "t_distribution.csv")

# ---------------------------------------------------------------------------------------------------------
# voom (limma 3.54.1) on the counts fixtures, TMM norm factors: E, weights, the lowess trend, the weighted lmFit,
# contrasts.fit and eBayes (trend FALSE and TRUE) / topTable
# ---------------------------------------------------------------------------------------------------------
# a matrix with every value written by num() (17 significant digits when needed)
write_num_matrix <- function(m, file) {
  out <- data.frame(feature = rownames(m), check.names = FALSE, stringsAsFactors = FALSE)
  fm <- matrix(num(m), nrow(m))
  out <- cbind(out, as.data.frame(fm, stringsAsFactors = FALSE))
  names(out) <- c("feature", colnames(m))
  write.csv(out, file, row.names = FALSE, quote = FALSE)
}
voom_sets <- list(
  gse197020 = list(counts = "gse197020_counts.csv", design = datasets$gse197020$design, cm = datasets$gse197020$cm),
  synth_counts = list(counts = "synth_counts.csv", design = datasets$synth_mirna$design, cm = datasets$synth_mirna$cm))
lib_rows <- list(); line_rows <- list(); xy_rows <- list(); vfeature_rows <- list(); vcontrast_rows <- list()
vsummary_rows <- list()
for (ds in names(voom_sets)) {
  d <- voom_sets[[ds]]
  counts <- read_matrix(d$counts)
  stopifnot(nrow(d$design) == ncol(counts))
  dge <- calcNormFactors(DGEList(counts), method = "TMM")
  lib_rows[[ds]] <- data.frame(dataset = ds, sample = colnames(counts), lib_size = dge$samples$lib.size,
                               norm_factor = dge$samples$norm.factors, stringsAsFactors = FALSE)
  v <- voom(dge, d$design, save.plot = TRUE)
  w <- v$weights
  dimnames(w) <- dimnames(v$E)
  write_num_matrix(v$E, paste0("voom_E_", ds, ".csv"))
  write_num_matrix(w, paste0("voom_weights_", ds, ".csv"))
  line_rows[[ds]] <- data.frame(dataset = ds, x = v$voom.line$x, y = v$voom.line$y)
  allzero <- rowSums(counts) == 0
  sx <- rep(NA_real_, nrow(counts)); sy <- sx
  sx[!allzero] <- v$voom.xy$x; sy[!allzero] <- v$voom.xy$y
  xy_rows[[ds]] <- data.frame(dataset = ds, feature = rownames(counts), sx = sx, sy = sy, stringsAsFactors = FALSE)

  fit <- lmFit(v, d$design)
  f <- data.frame(feature = rownames(counts), stringsAsFactors = FALSE)
  for (j in seq_len(ncol(d$design))) f[[paste0("coef_", colnames(d$design)[j])]] <- fit$coefficients[, j]
  for (j in seq_len(ncol(d$design))) f[[paste0("su_", colnames(d$design)[j])]] <- fit$stdev.unscaled[, j]
  f$sigma <- fit$sigma; f$df_residual <- fit$df.residual; f$Amean <- fit$Amean
  write_num_csv(f, paste0("voom_fit_", ds, ".csv"))

  fit2 <- contrasts.fit(fit, d$cm)
  for (trend in c(FALSE, TRUE)) {
    eb <- eBayes(fit2, trend = trend)
    vfeature_rows[[length(vfeature_rows) + 1]] <- data.frame(
      dataset = ds, trend = trend, feature = rownames(counts), s2_prior = rep_len(eb$s2.prior, nrow(counts)),
      df_prior = eb$df.prior, s2_post = eb$s2.post, df_total = eb$df.total, stringsAsFactors = FALSE)
    for (j in seq_len(ncol(d$cm))) {
      tt <- topTable(eb, coef = j, number = Inf, sort.by = "none")
      stopifnot(identical(rownames(tt), rownames(counts)))
      vcontrast_rows[[length(vcontrast_rows) + 1]] <- data.frame(
        dataset = ds, trend = trend, contrast = colnames(d$cm)[j], feature = rownames(tt), logFC = tt$logFC,
        stdev_unscaled = eb$stdev.unscaled[, j], AveExpr = tt$AveExpr, t = tt$t, P.Value = tt$P.Value,
        adj.P.Val = tt$adj.P.Val, B = tt$B, stringsAsFactors = FALSE)
      vsummary_rows[[length(vsummary_rows) + 1]] <- data.frame(
        dataset = ds, trend = trend, contrast = colnames(d$cm)[j], df_prior = eb$df.prior,
        var_prior = eb$var.prior[j], df_pooled = sum(eb$df.residual), stringsAsFactors = FALSE)
    }
  }
}
write_num_csv(do.call(rbind, lib_rows), "voom_libs.csv")
write_num_csv(do.call(rbind, line_rows), "voom_line.csv")
write_num_csv(do.call(rbind, xy_rows), "voom_xy.csv")
write_num_csv(do.call(rbind, vfeature_rows), "voom_features.csv")
write_num_csv(do.call(rbind, vcontrast_rows), "voom_contrasts.csv")
write_num_csv(do.call(rbind, vsummary_rows), "voom_summary.csv")

# ---------------------------------------------------------------------------------------------------------
# stats::lowess (C clowess) on edge cases: input in the given order (part "in"), R's output (sorted x and the
# smoothed y, part "out")
# ---------------------------------------------------------------------------------------------------------
lowess_rows <- list()
lowess_case <- function(name, x, y, f = 2 / 3, iter = 3L, delta = 0.01 * diff(range(x))) {
  l <- lowess(x, y, f = f, iter = iter, delta = delta)
  for (part in list(list("in", x, y), list("out", l$x, l$y))) {
    lowess_rows[[length(lowess_rows) + 1]] <<- data.frame(
      case = name, f = f, iter = iter, delta = delta, part = part[[1]], i = seq_along(part[[2]]),
      x = part[[2]], y = part[[3]], stringsAsFactors = FALSE)
  }
}
set.seed(17)
lowess_case("n1", 3, 5)
lowess_case("n2", c(2, 1), c(1, 4))
lowess_case("n3", c(1, 3, 2), c(2, 7, 1))
lowess_case("n3_span1", c(1, 3, 2), c(2, 7, 1), f = 1)
lowess_case("constant_y", 1:12 + 0, rep(2.5, 12))
lowess_case("constant_x", rep(4, 7), c(1, 3, 2, 5, 4, 4, 9))
xt <- sample(rep(c(1, 2, 2.5, 4, 7), c(4, 6, 1, 5, 4)))
lowess_case("ties_x", xt, sin(xt) + rnorm(length(xt), 0, 0.3))
lowess_case("ties_x_small_f", xt, xt^2 / 10 + rnorm(length(xt), 0, 0.5), f = 0.2)
xs <- sort(runif(40, 0, 10))
lowess_case("line_outliers", xs, replace(2 * xs + 1, c(5, 20, 33), c(30, -10, 50)), f = 0.5)
lowess_case("exact_line", 1:25 + 0, 3 * (1:25) - 2, f = 0.5)
# more than half of the residuals exactly 0, the others not: 6 * median |residual| = 0 < 1e-7 * mean |residual|,
# the robustness iterations stop after the first pass
lowess_case("early_stop", 1:20 + 0, replace(rep(0, 20), 10, 1), f = 0.3)
# a cluster of wild points: after the first pass their robustness weights are all 0, so their neighbourhoods have
# no weight and keep their own y
xr <- c(1:20, seq(40, 42, 0.5))
lowess_case("robust_zero_weights", xr, c(sin(1:20 / 3) + rnorm(20, 0, 0.1), 0, 100, -100, 100, -100), f = 0.2)
lowess_case("iter0", xs, cos(xs) + rnorm(40, 0, 0.2), iter = 0L)
xd <- runif(300, 0, 20)
yd <- sqrt(1 + 4 * exp(-xd / 3)) + rnorm(300, 0, 0.1)
lowess_case("delta_default_300", xd, yd, f = 0.5)
lowess_case("delta_large", xd, yd, f = 0.3, delta = 1.3)
lowess_case("delta_zero", xs, sin(xs) + rnorm(40, 0, 0.2), delta = 0)
lowess_case("span_over_1", xs, log1p(xs) + rnorm(40, 0, 0.1), f = 1.7)
write_num_csv(do.call(rbind, lowess_rows), "lowess_cases.csv")
# approxfun(rule = 2, ties = list("ordered", mean)) as voom interpolates its line: tied x averaged, ends held
ax <- c(0.5, 1, 1, 1, 2.25, 3, 3, 4.5, 6)
ay <- c(1.9, 1.7, 1.6, 1.45, 1.2, 1.1, 1.02, 0.9, 0.85)
av <- c(-3, 0.5, 0.75, 1, 1.5, 2.25, 2.9, 3, 3.1, 4.5, 5.999, 6, 7, NaN)
af <- approxfun(ax, ay, rule = 2, ties = list("ordered", mean))
write_num_csv(rbind(data.frame(part = "line", x = ax, y = ay), data.frame(part = "eval", x = av, y = af(av))),
              "approxfun_ties.csv")

# ---------------------------------------------------------------------------------------------------------
# Repeated measures (limma 3.54.1, statmod 1.5.0): duplicateCorrelation(block = subject) and lmFit(block,
# correlation), contrasts.fit, eBayes (trend FALSE and TRUE), topTable on synth_repeated_counts with TMM
#   logcpm: cpm(dge, log = TRUE, prior.count = 2) -> duplicateCorrelation -> lmFit(block, correlation)
#   voom:   limma's two rounds: voom -> duplicateCorrelation(v) -> voom(block, correlation) ->
#           duplicateCorrelation(v) -> lmFit(v, block, correlation)
# Design ~0 + cell + age + sex, cell = group.timepoint in healthy.pre, crc.pre, crc.post, glioblastoma.pre,
# glioblastoma.post (healthy subjects give baseline samples only); the contrasts compare baseline groups and a
# cancer's post with its pre samples (paired through the subject block).
# ---------------------------------------------------------------------------------------------------------
{
  smp <- read.csv("synth_repeated_samples.csv", stringsAsFactors = FALSE)
  counts <- read_matrix("synth_repeated_counts.csv")
  stopifnot(identical(smp$sample, colnames(counts)))
  cell <- factor(paste(smp$group, smp$timepoint, sep = "."),
                 levels = c("healthy.pre", "crc.pre", "crc.post", "glioblastoma.pre", "glioblastoma.post"))
  sex <- factor(smp$sex, levels = c("F", "M"))
  age <- smp$age
  design <- model.matrix(~0 + cell + age + sex)
  subject <- smp$subject
  cm <- makeContrasts(
    crc_vs_healthy = cellcrc.pre - cellhealthy.pre,
    glioblastoma_vs_healthy = cellglioblastoma.pre - cellhealthy.pre,
    crc_post_vs_pre = cellcrc.post - cellcrc.pre,
    glioblastoma_post_vs_pre = cellglioblastoma.post - cellglioblastoma.pre,
    levels = design)
  write_num_csv(do.call(rbind, lapply(seq_len(ncol(cm)), function(j) data.frame(
    contrast = colnames(cm)[j], coef = rownames(cm), weight = cm[, j]))), "block_contrast_weights.csv")
  dge <- calcNormFactors(DGEList(counts), method = "TMM")
  write_num_csv(data.frame(sample = colnames(counts), lib_size = dge$samples$lib.size,
                           norm_factor = dge$samples$norm.factors), "block_libs.csv")

  cor_rows <- list(); consensus_rows <- list(); bfeature_rows <- list(); bcontrast_rows <- list()
  bsummary_rows <- list(); cov_rows <- list()
  add_correlation <- function(step, dc) {
    cor_rows[[step]] <<- data.frame(step = step, feature = rownames(counts), atanh_correlation = dc$atanh.correlations)
    consensus_rows[[step]] <<- data.frame(step = step, consensus_correlation = dc$consensus.correlation)
  }
  add_fit <- function(recipe, fit) {
    f <- data.frame(feature = rownames(counts), stringsAsFactors = FALSE)
    for (j in seq_len(ncol(design))) f[[paste0("coef_", colnames(design)[j])]] <- fit$coefficients[, j]
    for (j in seq_len(ncol(design))) f[[paste0("su_", colnames(design)[j])]] <- fit$stdev.unscaled[, j]
    f$sigma <- fit$sigma; f$df_residual <- fit$df.residual; f$Amean <- fit$Amean
    write_num_csv(f, paste0("block_fit_", recipe, ".csv"))
    cc <- fit$cov.coefficients
    cov_rows[[recipe]] <<- data.frame(recipe = recipe, row = rep(rownames(cc), ncol(cc)),
                                      column = rep(colnames(cc), each = nrow(cc)), value = as.vector(cc))
    fit2 <- contrasts.fit(fit, cm)
    for (trend in c(FALSE, TRUE)) {
      eb <- eBayes(fit2, trend = trend)
      bfeature_rows[[length(bfeature_rows) + 1]] <<- data.frame(
        recipe = recipe, trend = trend, feature = rownames(counts), s2_prior = rep_len(eb$s2.prior, nrow(counts)),
        df_prior = eb$df.prior, s2_post = eb$s2.post, df_total = eb$df.total, stringsAsFactors = FALSE)
      for (j in seq_len(ncol(cm))) {
        tt <- topTable(eb, coef = j, number = Inf, sort.by = "none")
        stopifnot(identical(rownames(tt), rownames(counts)))
        bcontrast_rows[[length(bcontrast_rows) + 1]] <<- data.frame(
          recipe = recipe, trend = trend, contrast = colnames(cm)[j], feature = rownames(tt), logFC = tt$logFC,
          stdev_unscaled = eb$stdev.unscaled[, j], AveExpr = tt$AveExpr, t = tt$t, P.Value = tt$P.Value,
          adj.P.Val = tt$adj.P.Val, B = tt$B, stringsAsFactors = FALSE)
        bsummary_rows[[length(bsummary_rows) + 1]] <<- data.frame(
          recipe = recipe, trend = trend, contrast = colnames(cm)[j], df_prior = eb$df.prior,
          var_prior = eb$var.prior[j], df_pooled = sum(eb$df.residual), stringsAsFactors = FALSE)
      }
    }
  }

  # (a) log-CPM without weights
  logcpm <- cpm(dge, log = TRUE, prior.count = 2)
  dc <- duplicateCorrelation(logcpm, design, block = subject)
  add_correlation("logcpm", dc)
  add_fit("logcpm", lmFit(logcpm, design, block = subject, correlation = dc$consensus.correlation))

  # (b) voom, limma's two rounds
  v <- voom(dge, design)
  dc <- duplicateCorrelation(v, design, block = subject)
  add_correlation("voom_round1", dc)
  v <- voom(dge, design, block = subject, correlation = dc$consensus.correlation)
  w <- v$weights
  dimnames(w) <- dimnames(v$E)
  write_num_matrix(w, "block_voom_weights.csv")
  dc <- duplicateCorrelation(v, design, block = subject)
  add_correlation("voom_round2", dc)
  add_fit("voom", lmFit(v, design, block = subject, correlation = dc$consensus.correlation))

  # (c) missing values with weights: the log-CPM values with 5% set to NA at random and every crc.post value of
  # rmiR-001 missing (a coefficient not estimable for it), the second voom's weights; duplicateCorrelation and
  # lmFit(block, correlation, weights) fit each feature on its observed samples
  set.seed(20240623)
  em <- logcpm
  em[matrix(runif(length(em)), nrow(em)) < 0.05] <- NA
  em[1, cell == "crc.post"] <- NA
  miss <- which(is.na(em), arr.ind = TRUE)
  miss <- miss[order(miss[, 1], miss[, 2]), ]
  write.csv(data.frame(feature = rownames(em)[miss[, 1]], sample = colnames(em)[miss[, 2]]), "block_missing.csv",
            row.names = FALSE, quote = FALSE)
  dc <- duplicateCorrelation(em, design, block = subject, weights = w)
  add_correlation("missing", dc)
  add_fit("missing", suppressWarnings(lmFit(em, design, block = subject, correlation = dc$consensus.correlation,
                                            weights = w)))

  write_num_csv(do.call(rbind, cor_rows), "block_correlation.csv")
  write_num_csv(do.call(rbind, consensus_rows), "block_consensus.csv")
  write_num_csv(do.call(rbind, cov_rows), "block_cov_coefficients.csv")
  write_num_csv(do.call(rbind, bfeature_rows), "block_features.csv")
  write_num_csv(do.call(rbind, bcontrast_rows), "block_contrasts.csv")
  write_num_csv(do.call(rbind, bsummary_rows), "block_summary.csv")
}

# statmod's REML (mixedModel2Fit, as duplicateCorrelation calls it) on 360 small random problems, to reach every
# branch: three layouts (A: 12 samples in blocks of 1, 1, 2, 2, 3, 3, intercept + covariate; B: 10 samples in two
# blocks of 5, one non-zero eigenvalue, so statmod keeps its least-squares fit; C: 16 samples in blocks of 2, 2, 2,
# 2, 4, 4 nested in two groups, group + covariate), 60 rows each with block SD 0, 0.3, 1 or 3 and residual SD 0.1
# or 1; every 7th row with within-block anti-correlated noise, every 11th with an outlier, every 5th with two missing
# values; unweighted and with random weights. Per row: statmod's variance components, duplicateCorrelation's
# atanh correlation and consensus, and glmgam.fit's path from its trace (iterations, damping increases).
{
  set.seed(20240621)
  layouts <- list(
    A = list(block = c(1, 2, 3, 3, 4, 4, 5, 5, 5, 6, 6, 6), design = cbind(1, round(rnorm(12), 2))),
    B = list(block = rep(1:2, each = 5), design = cbind(1, round(rnorm(10), 2))),
    C = list(block = c(1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6),
             design = cbind(rep(c(1, 0), each = 8), rep(c(0, 1), each = 8), round(rnorm(16), 2))))
  reml_path <- function(y, X, Z, w) {
    out <- capture.output(s <- tryCatch(suppressWarnings(statmod::mixedModel2Fit(
      y, X, Z, w, only.varcomp = TRUE, maxit = 20, trace = TRUE)$varcomp), error = function(e) c(NA, NA)))
    c(s, sum(grepl("^Iter", out)) - 1, sum(grepl("^Damping", out)))
  }
  lay_rows <- list(); case_rows <- list(); res_rows <- list()
  for (L in names(layouts)) {
    lay <- layouts[[L]]
    n <- nrow(lay$design)
    nb <- max(lay$block)
    d <- matrix(NA_real_, n, 3)
    d[, seq_len(ncol(lay$design))] <- lay$design
    lay_rows[[L]] <- data.frame(layout = L, sample = seq_len(n), block = lay$block, d1 = d[, 1], d2 = d[, 2],
                                d3 = d[, 3])
    ncase <- 60
    M <- matrix(0, ncase, n)
    W <- matrix(runif(ncase * n, 0.2, 3), ncase, n)
    for (k in seq_len(ncase)) {
      sb <- sample(c(0, 0.3, 1, 3), 1)
      se <- sample(c(0.1, 1), 1)
      y <- drop(lay$design %*% rnorm(ncol(lay$design))) + rnorm(nb, 0, sb)[lay$block] + rnorm(n, 0, se)
      if (k %% 7 == 0) {
        e <- rnorm(n, 0, 2)
        y <- y + e - ave(e, lay$block)
      }
      if (k %% 11 == 0) y[sample(n, 1)] <- y[1] + 20
      if (k %% 5 == 0) y[sample(n, 2)] <- NA
      M[k, ] <- round(y, 3)
      case_rows[[length(case_rows) + 1]] <- data.frame(layout = L, case = k, sample = seq_len(n), y = M[k, ],
                                                       w = W[k, ])
    }
    for (weighted in c(FALSE, TRUE)) {
      dc <- if (weighted) duplicateCorrelation(M, lay$design, block = lay$block, weights = W) else
        duplicateCorrelation(M, lay$design, block = lay$block)
      for (k in seq_len(ncase)) {
        o <- is.finite(M[k, ])
        Z <- model.matrix(~0 + factor(lay$block[o]))
        r <- reml_path(M[k, o], lay$design[o, , drop = FALSE], Z, if (weighted) W[k, o] else NULL)
        res_rows[[length(res_rows) + 1]] <- data.frame(
          layout = L, case = k, weighted = weighted, s2_resid = r[1], s2_block = r[2],
          atanh_correlation = dc$atanh.correlations[k], consensus = dc$consensus.correlation, iterations = r[3],
          damping = r[4])
      }
    }
  }
  write_num_csv(do.call(rbind, lay_rows), "block_reml_layouts.csv")
  write_num_csv(do.call(rbind, case_rows), "block_reml_cases.csv")
  write_num_csv(do.call(rbind, res_rows), "block_reml_results.csv")
}
cat("done\n")
