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

writeLines(c(R.version.string,
             paste("edgeR", packageVersion("edgeR")),
             paste("limma", packageVersion("limma")),
             paste("sva", packageVersion("sva"))),
           "golden_versions.txt")
