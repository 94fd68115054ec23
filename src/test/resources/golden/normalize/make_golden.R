# Golden values for the normalisation kernels (io.exocohort.normalize.kernel).
#
# Run from this folder:   Rscript make_golden.R
# Reference versions used: see golden_versions.txt (written by this script).
#
# Inputs (committed fixtures):
#   gbm_counts.tsv, gbm_groups.tsv   real cohort (see README.md for provenance)
# Inputs generated here with a fixed seed (and committed):
#   synthetic_counts.tsv, synthetic_samples.tsv, synthetic_protein_log2.tsv
# Outputs (one set per cohort, prefix gbm_ or synthetic_):
#   <c>_tmm_factors.tsv        calcNormFactors(counts) default (TMM), all features
#   <c>_uq_factors.tsv         calcNormFactors(counts, method="upperquartile")
#   <c>_uq_reference.tsv       per-sample f75 of edgeR:::.calcFactorQuantile and the TMM reference column
#   <c>_filter_keep.tsv        filterByExpr(counts, group=group) with edgeR defaults
#   <c>_kept_tmm_factors.tsv   TMM on y[keep, , keep.lib.sizes=FALSE]
#   <c>_logcpm.tsv             cpm(y, log=TRUE, prior.count=2) on that TMM-normalised DGEList
#   gbm_logcpm_quantile.tsv    limma::normalizeQuantiles(gbm_logcpm) (many ties: zero counts)
#   synthetic_combat.tsv       sva::ComBat(synthetic_logcpm, batch, mod=model.matrix(~group))
#   synthetic_protein_quantile.tsv  limma::normalizeQuantiles(protein log2 with NAs)
#   synthetic_protein_combat.tsv    sva::ComBat(protein log2 with NAs, batch, mod=model.matrix(~group))
#   synthetic_protein_combat_meanonly.tsv  the same with mean.only = TRUE, first 40 proteins
#   edge_tmm.tsv, edge_quantile7.tsv, edge_log2.tsv   small cases: edgeR:::.calcFactorTMM on short vectors,
#                              quantile type 7, log2 bit for bit
# Numbers are written with 15 significant digits when that reads back as the same double, else 17
# (sprintf("%.17g")); missing values as NA.

suppressPackageStartupMessages({
  library(edgeR)
  library(limma)
  library(sva)
})

# shortest of 15 or 17 significant digits that reads back as the same double
fmt <- function(x) {
  s <- sprintf("%.15g", x)
  long <- !is.na(x) & suppressWarnings(as.numeric(s)) != x
  s[long] <- sprintf("%.17g", x[long])
  s[is.nan(x)] <- "NaN"
  s[is.na(x) & !is.nan(x)] <- "NA"
  s
}

write_matrix <- function(m, file) {
  out <- cbind(feature = rownames(m), apply(m, 2, fmt))
  colnames(out) <- c("feature", colnames(m))
  write.table(out, file, sep = "\t", quote = FALSE, row.names = FALSE)
}

write_vector <- function(names, values, value_name, file) {
  out <- data.frame(names, if (is.numeric(values)) fmt(values) else values, stringsAsFactors = FALSE)
  colnames(out) <- c(if (value_name == "keep") "feature" else "sample", value_name)
  write.table(out, file, sep = "\t", quote = FALSE, row.names = FALSE)
}

read_matrix <- function(file) {
  d <- read.delim(file, check.names = FALSE, stringsAsFactors = FALSE, na.strings = "NA")
  m <- as.matrix(d[, -1])
  rownames(m) <- d[[1]]
  storage.mode(m) <- "double"
  m
}

# ---------------------------------------------------------------- synthetic cohort (fixed seed)
set.seed(20240611)
n_s <- 60
n_f <- 250
samples <- data.frame(
  sample = sprintf("S%02d", seq_len(n_s)),
  group = rep(c("control", "cancerA", "cancerB"), length.out = n_s),
  batch = rep(c("b1", "b2", "b3"), each = n_s / 3),
  stringsAsFactors = FALSE)
# library sizes spanning 10x, shuffled over samples
lib <- round(exp(seq(log(2e4), log(2e5), length.out = n_s)))[sample(n_s)]
base <- rgamma(n_f, shape = 0.4, scale = 1)
base <- base / sum(base)
logfc <- matrix(0, n_f, 3, dimnames = list(NULL, c("control", "cancerA", "cancerB")))
logfc[sample(n_f, 25), "cancerA"] <- rnorm(25, 0, 1.2)
logfc[sample(n_f, 25), "cancerB"] <- rnorm(25, 0, 1.2)
batchfx <- matrix(rnorm(n_f * 3, 0, 0.35), n_f, 3, dimnames = list(NULL, c("b1", "b2", "b3")))
batchfx[, "b2"] <- batchfx[, "b2"] + 0.4
mu <- sapply(seq_len(n_s), function(j) {
  lib[j] * base * exp(logfc[, samples$group[j]] + batchfx[, samples$batch[j]])
})
counts <- matrix(rnbinom(n_f * n_s, mu = mu, size = 8), n_f, n_s)
# all-zero features
counts[c(5, 50, 100, 150, 200), ] <- 0
# duplicated features: exact ties in M and A
counts[11, ] <- counts[10, ]
counts[21, ] <- counts[20, ]
counts[31, ] <- counts[30, ]
# a feature seen in one sample only, and a feature with a single count per sample
counts[40, ] <- 0
counts[40, 7] <- 25
counts[41, ] <- 1
rownames(counts) <- sprintf("miR-syn-%03d", seq_len(n_f))
colnames(counts) <- samples$sample
storage.mode(counts) <- "double"
write_matrix(counts, "synthetic_counts.tsv")
write.table(samples, "synthetic_samples.tsv", sep = "\t", quote = FALSE, row.names = FALSE)

# protein-like log2 intensities with missing-not-at-random NAs (and a few at random)
n_p <- 100
prot_mean <- runif(n_p, 19, 31)
sample_shift <- rnorm(n_s, 0, 0.5)
prot_batch <- matrix(rnorm(n_p * 3, 0, 0.3), n_p, 3, dimnames = list(NULL, c("b1", "b2", "b3")))
prot_group <- matrix(0, n_p, 3, dimnames = list(NULL, c("control", "cancerA", "cancerB")))
prot_group[sample(n_p, 20), "cancerA"] <- rnorm(20, 0, 1)
prot <- sapply(seq_len(n_s), function(j) {
  prot_mean + sample_shift[j] + prot_batch[, samples$batch[j]] + prot_group[, samples$group[j]] +
    rnorm(n_p, 0, 0.6)
})
p_missing <- plogis((22 - prot) * 2) + 0.03
prot[matrix(runif(n_p * n_s), n_p, n_s) < p_missing] <- NA
# keep at least 2 observed values in every (protein, batch, group) cell so that ComBat's per-feature fit
# on the observed values is defined
for (i in seq_len(n_p)) for (b in c("b1", "b2", "b3")) for (g in c("control", "cancerA", "cancerB")) {
  cols <- which(samples$batch == b & samples$group == g)
  miss <- cols[is.na(prot[i, cols])]
  while (sum(!is.na(prot[i, cols])) < 2) {
    k <- miss[1]; miss <- miss[-1]
    prot[i, k] <- prot_mean[i] + sample_shift[k] + rnorm(1, 0, 0.6)
  }
}
prot <- round(prot, 3)
# a protein constant within batch b2 (ComBat leaves such features unadjusted), with ties
prot[7, samples$batch == "b2"] <- 25
# ties across features within samples
prot[9, ] <- prot[8, ]
rownames(prot) <- sprintf("P%05d", seq_len(n_p))
colnames(prot) <- samples$sample
write_matrix(prot, "synthetic_protein_log2.tsv")

# ---------------------------------------------------------------- the reference computations
run_counts <- function(prefix, counts, group) {
  f75 <- edgeR:::.calcFactorQuantile(data = counts[rowSums(counts > 0) > 0, , drop = FALSE],
                                    lib.size = colSums(counts), p = 0.75)
  ref <- which.min(abs(f75 - mean(f75)))
  write.table(data.frame(sample = colnames(counts), f75 = fmt(f75),
                         is_reference = seq_along(f75) == ref),
              paste0(prefix, "_uq_reference.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)

  write_vector(colnames(counts), calcNormFactors(counts), "norm_factor", paste0(prefix, "_tmm_factors.tsv"))
  write_vector(colnames(counts), calcNormFactors(counts, method = "upperquartile"), "norm_factor",
               paste0(prefix, "_uq_factors.tsv"))

  keep <- filterByExpr(counts, group = group)
  write_vector(rownames(counts), ifelse(keep, "TRUE", "FALSE"), "keep", paste0(prefix, "_filter_keep.tsv"))

  y <- DGEList(counts = counts, group = group)
  y <- y[keep, , keep.lib.sizes = FALSE]
  y <- calcNormFactors(y)
  write_vector(colnames(counts), y$samples$norm.factors, "norm_factor",
               paste0(prefix, "_kept_tmm_factors.tsv"))
  logcpm <- cpm(y, log = TRUE, prior.count = 2)
  write_matrix(logcpm, paste0(prefix, "_logcpm.tsv"))
  invisible(logcpm)
}

gbm <- read_matrix("gbm_counts.tsv")
gbm_groups <- read.delim("gbm_groups.tsv", stringsAsFactors = FALSE)
stopifnot(identical(gbm_groups$sample, colnames(gbm)))
gbm_logcpm <- run_counts("gbm", gbm, gbm_groups$group)
write_matrix(normalizeQuantiles(gbm_logcpm), "gbm_logcpm_quantile.tsv")

syn <- read_matrix("synthetic_counts.tsv")
syn_samples <- read.delim("synthetic_samples.tsv", stringsAsFactors = FALSE)
stopifnot(identical(syn_samples$sample, colnames(syn)))
syn_logcpm <- run_counts("synthetic", syn, syn_samples$group)

mod <- model.matrix(~group, data = syn_samples)
combat <- ComBat(dat = syn_logcpm, batch = syn_samples$batch, mod = mod, par.prior = TRUE, mean.only = FALSE)
write_matrix(combat, "synthetic_combat.tsv")

prot <- read_matrix("synthetic_protein_log2.tsv")
write_matrix(normalizeQuantiles(prot), "synthetic_protein_quantile.tsv")
prot_combat <- ComBat(dat = prot, batch = syn_samples$batch, mod = mod, par.prior = TRUE, mean.only = FALSE)
write_matrix(prot_combat, "synthetic_protein_combat.tsv")
# the mean-only model (sva's mean.only = TRUE; also what sva switches to when a batch has one sample)
prot_combat_mo <- ComBat(dat = prot[1:40, ], batch = syn_samples$batch, mod = mod, par.prior = TRUE,
                         mean.only = TRUE)
write_matrix(prot_combat_mo, "synthetic_protein_combat_meanonly.tsv")

# ---------------------------------------------------------------- small edge cases
# edge_tmm.tsv: edgeR:::.calcFactorTMM on short vectors (ties in M and A, trim boundaries, no overlap, weights off)
edge <- list(
  list("ties_in_M", c(10, 20, 30, 40, 50, 60, 70, 80, 90, 100), c(5, 10, 15, 20, 25, 30, 35, 40, 45, 100), NULL, NULL, 0.3, 0.05, TRUE),
  list("ties_in_A", c(1, 2, 3, 4, 2, 1, 8, 9, 10, 3), c(2, 1, 4, 3, 1, 2, 9, 8, 3, 10), NULL, NULL, 0.3, 0.05, TRUE),
  list("with_zeros", c(0, 5, 7, 0, 12, 3, 3, 3, 100, 40, 1, 0), c(4, 0, 6, 0, 10, 3, 4, 2, 80, 50, 1, 9), NULL, NULL, 0.3, 0.05, TRUE),
  list("unweighted", c(0, 5, 7, 0, 12, 3, 3, 3, 100, 40, 1, 0), c(4, 0, 6, 0, 10, 3, 4, 2, 80, 50, 1, 9), NULL, NULL, 0.3, 0.05, FALSE),
  list("given_libs", c(3, 5, 7, 11, 13, 17, 19, 23), c(2, 9, 4, 12, 10, 20, 15, 30), 500, 800, 0.3, 0.05, TRUE),
  list("heavy_trim", c(3, 5, 7, 11, 13, 17, 19, 23, 29, 31), c(2, 9, 4, 12, 10, 20, 15, 30, 21, 40), NULL, NULL, 0.45, 0.2, TRUE),
  list("no_overlap", c(0, 0, 3, 4), c(5, 6, 0, 0), NULL, NULL, 0.3, 0.05, TRUE),
  list("identical", c(3, 0, 8, 1), c(3, 0, 8, 1), NULL, NULL, 0.3, 0.05, TRUE),
  list("empty_trim", c(1, 2), c(2, 1), NULL, NULL, 0.5, 0.05, TRUE))
edge_rows <- do.call(rbind, lapply(edge, function(e) {
  f <- suppressWarnings(edgeR:::.calcFactorTMM(obs = e[[2]], ref = e[[3]], libsize.obs = e[[4]], libsize.ref = e[[5]],
                                               logratioTrim = e[[6]], sumTrim = e[[7]], doWeighting = e[[8]]))
  data.frame(case = e[[1]], obs = paste(e[[2]], collapse = ","), ref = paste(e[[3]], collapse = ","),
             lib_obs = fmt(if (is.null(e[[4]])) sum(e[[2]]) else e[[4]]),
             lib_ref = fmt(if (is.null(e[[5]])) sum(e[[3]]) else e[[5]]),
             logratio_trim = e[[6]], sum_trim = e[[7]], do_weighting = e[[8]], factor = fmt(f))
}))
write.table(edge_rows, "edge_tmm.tsv", sep = "\t", quote = FALSE, row.names = FALSE)

# edge_quantile7.tsv: stats::quantile(x, p) (type 7)
qcases <- list(c(0, 0, 0, 1), c(3, 1, 2), c(5), c(1, 2, 3, 4, 5, 6, 7, 8), c(0, 0, 7, 7, 7, 9, 100), c(2.5, -1, 1e6, 3))
qrows <- do.call(rbind, lapply(qcases, function(x) do.call(rbind, lapply(c(0, 0.1, 0.25, 0.5, 0.75, 0.9, 1), function(p)
  data.frame(x = paste(x, collapse = ","), p = p, quantile = fmt(unname(quantile(x, p))))))))
write.table(qrows, "edge_quantile7.tsv", sep = "\t", quote = FALSE, row.names = FALSE)

# edge_log2.tsv: base::log2 (C's log2), bit for bit as hex, on the kind of arguments TMM forms
lx <- c(outer(1:40, c(1234567, 98765, 31), "/"), (1:200) / 7, 2^(-3:5), 1 + 2^-52, 0.1, 1e-300, 1e300,
        exp(rnorm(700, 0, 8)), runif(300, 0.7, 1.4))
write.table(data.frame(x = sprintf("%a", lx), log2 = sprintf("%a", log2(lx))), "edge_log2.tsv",
            sep = "\t", quote = FALSE, row.names = FALSE)

writeLines(c(R.version.string,
             paste("edgeR", packageVersion("edgeR")),
             paste("limma", packageVersion("limma")),
             paste("sva", packageVersion("sva"))),
           "golden_versions.txt")
