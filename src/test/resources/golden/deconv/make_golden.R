# Golden values for the deconvolution kernels (io.exocohort.deconv.kernel): exosomePurity's step 3.
#
# Run from this folder:   Rscript make_golden.R [path/to/shared/realdata/exosomepurity]
# Reference versions used: see golden_versions.txt (written by this script).
#
# Input fixture (committed; rebuilt from the shared real data when it is missing or a path is given):
#   exosomepurity_cpm.csv.gz   all 2,652 miRs x 94 EV libraries, CPM as the source files hold them (R's doubles
#                              written back with 15 or 17 significant digits): 38 colorectal-cancer serum, then
#                              25 cancer cell-line EV (series 1, 2, 3), then 31 healthy-cell EV
#   exosomepurity_samples.csv  sample, group (serum / cancer_cell / healthy_cell), source file
#   signature_48_mirs.txt      the method's 48 signature miRs (copied unchanged)
# Outputs:
#   quantile_target.csv        preprocessCore::normalize.quantiles.determine.target: the sorted mean quantiles
#   normalized_signature.csv   normalize.quantiles(all 2,652 x 94) on the 48 signature rows (before the log)
#   normalized_column_sums.csv per library, the sum over all 2,652 miRs of the normalised CPM and of log2(x + 1)
#   profiles.csv               per signature miR, the median of log2(normalised + 1) over the healthy-cell and over
#                              the cancer cell-line libraries (exosomePurity's reference profiles)
#   fractions.csv              per serum library, quadprog::solve.QP as exosomePurity calls it (Dmat = crossprod(X),
#                              X = cbind(healthy, cancer), dvec = t(X) y, bvec = c(-1, 1, 0, 0),
#                              Amat = t(rbind(-1, 1, diag(2))), meq = 0: sum <= 1, sum >= 1, w >= 0, no ridge),
#                              the weights and the root-mean-square residual sqrt(mean((X w - y)^2)) over the 48 miRs
# It also prints how far the fractions are from the method's published resultdata/03cancer_serum_purity/
# serum_putity.csv (published_serum_purity.csv here) and from solve.QP with the sum as one equality (meq = 1).

suppressPackageStartupMessages({
  library(preprocessCore)
  library(quadprog)
})

fmt <- function(x) {
  s <- sprintf("%.15g", x)
  long <- suppressWarnings(as.numeric(s)) != x
  s[long] <- sprintf("%.17g", x[long])
  s
}

write_csv <- function(df, file) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- fmt(df[[j]])
  write.table(df, file, sep = ",", quote = FALSE, row.names = FALSE)
}

# ---------------------------------------------------------------- the fixture from the shared real data
args <- commandArgs(trailingOnly = TRUE)
if (length(args) > 0 || !file.exists("exosomepurity_cpm.csv.gz")) {
  src <- if (length(args) > 0) args[1] else "../../../../../../shared/realdata/exosomepurity"
  read_cpm <- function(file) {
    d <- read.csv(file.path(src, file), check.names = FALSE, stringsAsFactors = FALSE)
    if ("gene_id" %in% names(d)) d <- d[, -1]  # serum and healthy files: a row number, then gene_id
    m <- as.matrix(d[, -1])
    rownames(m) <- d[[1]]
    storage.mode(m) <- "double"
    m
  }
  files <- c(serum = "cancer_serum_cpm_exosomes.csv",
             cancer_cell = "cancer_cellline_derived_cpm_exosomes1.csv",
             cancer_cell = "cancer_cellline_derived_cpm_exosomes2.csv",
             cancer_cell = "cancer_cellline_derived_cpm_exosomes3.csv",
             healthy_cell = "healthy_cellline_derived_cpm_exosomes.csv")
  parts <- lapply(files, read_cpm)
  genes <- rownames(parts[[1]])
  for (p in parts) stopifnot(identical(rownames(p), genes))  # exosomePurity merges on gene_id: all 2,652 common
  cpm <- do.call(cbind, parts)
  samples <- data.frame(sample = colnames(cpm),
                        group = rep(names(files), sapply(parts, ncol)),
                        file = rep(unname(files), sapply(parts, ncol)), stringsAsFactors = FALSE)
  stopifnot(!anyDuplicated(samples$sample), all(is.finite(cpm)))
  out <- data.frame(feature = genes, cpm, check.names = FALSE)
  con <- gzfile("exosomepurity_cpm.csv.gz", "w")
  write_csv(out, con)
  close(con)
  write.table(samples, "exosomepurity_samples.csv", sep = ",", quote = FALSE, row.names = FALSE)
}

# ---------------------------------------------------------------- the reference computations
d <- read.csv("exosomepurity_cpm.csv.gz", check.names = FALSE, stringsAsFactors = FALSE)
x <- as.matrix(d[, -1])
rownames(x) <- d$feature
samples <- read.csv("exosomepurity_samples.csv", stringsAsFactors = FALSE)
stopifnot(identical(colnames(x), samples$sample))
signature <- readLines("signature_48_mirs.txt")
stopifnot(length(signature) == 48, all(signature %in% rownames(x)))

# exosomePurity: normalize.quantiles over every miR common to serum and references, then log2(x + 1)
qn <- normalize.quantiles(x)
dimnames(qn) <- dimnames(x)
lg <- log2(qn + 1)
target <- normalize.quantiles.determine.target(x, target.length = nrow(x))
write_csv(data.frame(rank = seq_along(target), target = target), "quantile_target.csv")
write_csv(data.frame(feature = signature, qn[signature, ], check.names = FALSE), "normalized_signature.csv")
write_csv(data.frame(sample = colnames(x), normalized_sum = colSums(qn), log2_sum = colSums(lg)),
          "normalized_column_sums.csv")

cols <- function(g) samples$sample[samples$group == g]
healthy <- apply(lg[signature, cols("healthy_cell")], 1, median)
cancer <- apply(lg[signature, cols("cancer_cell")], 1, median)
write_csv(data.frame(feature = signature, healthy_cell = healthy, cancer_cell = cancer), "profiles.csv")

X <- cbind(healthy, cancer)
fit <- function(y, meq) {
  if (meq == 0) {
    solve.QP(Dmat = crossprod(X), dvec = as.vector(t(y) %*% X), Amat = t(rbind(-1, 1, diag(2))),
             bvec = c(-1, 1, 0, 0), meq = 0)$solution
  } else {
    solve.QP(Dmat = crossprod(X), dvec = as.vector(t(y) %*% X), Amat = t(rbind(1, diag(2))),
             bvec = c(1, 0, 0), meq = 1)$solution
  }
}
serum <- cols("serum")
w <- t(sapply(serum, function(s) fit(lg[signature, s], 0)))
w1 <- t(sapply(serum, function(s) fit(lg[signature, s], 1)))
rms <- sapply(seq_along(serum), function(i) sqrt(mean((X %*% w[i, ] - lg[signature, serum[i]])^2)))
write_csv(data.frame(sample = serum, healthy_cell = w[, 1], cancer_cell = w[, 2], rms_residual = rms),
          "fractions.csv")

published <- read.csv("published_serum_purity.csv", check.names = FALSE)[, -1]
stopifnot(identical(colnames(published), serum))
cat(sprintf("max |w - published serum_putity.csv| = %.3g\n", max(abs(t(as.matrix(published)) - w))))
cat(sprintf("max |w(meq = 0) - w(meq = 1)| = %.3g\n", max(abs(w - w1))))
cat(sprintf("cancer fraction: min %.4f median %.4f max %.4f\n", min(w[, 2]), median(w[, 2]), max(w[, 2])))


# ---------------------------------------------------------------- the derived signature (exosomePurity steps 1-2)
# Fixture: exosomepurity_counts.csv.gz, the raw miR counts of the same 25 cancer cell-line and 31 healthy-cell EV
# libraries (the count files beside the CPM files), written from the shared data when missing or a path is given.
suppressPackageStartupMessages({
  library(edgeR)
  library(limma)
})
if (length(args) > 0 || !file.exists("exosomepurity_counts.csv.gz")) {
  src <- if (length(args) > 0) args[1] else "../../../../../../shared/realdata/exosomepurity"
  read_counts <- function(file) {
    d <- read.csv(file.path(src, file), check.names = FALSE, stringsAsFactors = FALSE)
    if ("gene_id" %in% names(d)) d <- d[, -1]  # healthy file: a row number, then gene_id
    m <- as.matrix(d[, -1])
    rownames(m) <- d[[1]]
    storage.mode(m) <- "double"
    m
  }
  cfiles <- c("cancer_cellline_derived_exosomes1.csv", "cancer_cellline_derived_exosomes2.csv",
              "cancer_cellline_derived_exosomes3.csv", "healthy_cellline_derived_exosomes.csv")
  cparts <- lapply(cfiles, read_counts)
  for (p in cparts) stopifnot(identical(rownames(p), rownames(x)))
  cnt <- do.call(cbind, cparts)
  stopifnot(identical(colnames(cnt), samples$sample[samples$group != "serum"]), all(is.finite(cnt)), all(cnt >= 0))
  con <- gzfile("exosomepurity_counts.csv.gz", "w")
  write_csv(data.frame(feature = rownames(cnt), cnt, check.names = FALSE), con)
  close(con)
}
dc <- read.csv("exosomepurity_counts.csv.gz", check.names = FALSE, stringsAsFactors = FALSE)
cnt <- as.matrix(dc[, -1])
rownames(cnt) <- dc$feature
ref_group <- samples$group[match(colnames(cnt), samples$sample)]
grp <- factor(ifelse(ref_group == "cancer_cell", "case", "control"), levels = c("control", "case"))
y <- DGEList(cnt, group = grp)
keep <- filterByExpr(y, group = grp)
y <- y[keep, , keep.lib.sizes = FALSE]
y <- calcNormFactors(y)
lc <- cpm(y, log = TRUE, prior.count = 2)
fit <- eBayes(lmFit(lc, model.matrix(~grp)))
tt <- topTable(fit, coef = 2, n = Inf, sort.by = "none")
de <- tt$adj.P.Val < 0.01 & abs(tt$logFC) > 1
stability <- function(cols) {  # exosomePurity's fun_var: log2(CPM + 1), normalize.quantiles, var < 2, sum >= 20
  c <- cnt[, cols]
  q <- normalize.quantiles(log2(t(t(c) / colSums(c)) * 1e6 + 1))
  data.frame(var = apply(q, 1, var), sum = rowSums(q), row.names = rownames(cnt))
}
s0 <- stability(grp == "control")
s1 <- stability(grp == "case")
f <- rownames(tt)
stable <- s0[f, "var"] < 2 & s0[f, "sum"] >= 20 & s1[f, "var"] < 2 & s1[f, "sum"] >= 20
out <- data.frame(feature = f, logFC = tt$logFC, AveExpr = tt$AveExpr, t = tt$t, P.Value = tt$P.Value,
                  adj.P.Val = tt$adj.P.Val, var_control = s0[f, "var"], var_case = s1[f, "var"],
                  differential = de, signature = de & stable)
out <- out[order(out$P.Value, match(out$feature, rownames(cnt))), ]
write_csv(out, "signature_derived.csv")
derived <- out$feature[out$signature]

# fractions of the 38 sera with the derived signature, the rest of the chain as above
Xd <- cbind(apply(lg[derived, cols("healthy_cell")], 1, median), apply(lg[derived, cols("cancer_cell")], 1, median))
wd <- t(sapply(serum, function(s) solve.QP(Dmat = crossprod(Xd), dvec = as.vector(t(lg[derived, s]) %*% Xd),
                                          Amat = t(rbind(-1, 1, diag(2))), bvec = c(-1, 1, 0, 0), meq = 0)$solution))
rmsd <- sapply(seq_along(serum), function(i) sqrt(mean((Xd %*% wd[i, ] - lg[derived, serum[i]])^2)))
write_csv(data.frame(sample = serum, healthy_cell = wd[, 1], cancer_cell = wd[, 2], rms_residual = rmsd),
          "fractions_derived.csv")
# the same, with the reference CPM computed from the count files (a reference loaded from its raw counts, as
# deconvolve does): the healthy-cell CPM file is not exactly counts / colSums * 1e6 (up to 5e-7 relative, and ties
# differ), which moves the fractions by up to 2e-3
xc <- x
xc[, colnames(cnt)] <- t(t(cnt) / colSums(cnt)) * 1e6
lgc <- log2(normalize.quantiles(xc) + 1)
dimnames(lgc) <- dimnames(x)
Xc <- cbind(apply(lgc[derived, cols("healthy_cell")], 1, median), apply(lgc[derived, cols("cancer_cell")], 1, median))
wc <- t(sapply(serum, function(s) solve.QP(Dmat = crossprod(Xc), dvec = as.vector(t(lgc[derived, s]) %*% Xc),
                                          Amat = t(rbind(-1, 1, diag(2))), bvec = c(-1, 1, 0, 0), meq = 0)$solution))
rmsc <- sapply(seq_along(serum), function(i) sqrt(mean((Xc %*% wc[i, ] - lgc[derived, serum[i]])^2)))
write_csv(data.frame(sample = serum, healthy_cell = wc[, 1], cancer_cell = wc[, 2], rms_residual = rmsc),
          "fractions_derived_counts.csv")
write_csv(data.frame(filtered = sum(keep), differential = sum(de), signature = length(derived),
                     in_published = length(intersect(derived, signature)), pearson_r = cor(wd[, 2], w[, 2]),
                     mean_abs_difference = mean(abs(wd[, 2] - w[, 2]))), "signature_comparison.csv")
cat(sprintf("derived signature: %d miRs pass filterByExpr, %d differential, %d in the signature (%d of the published 48)\n",
            sum(keep), sum(de), length(derived), length(intersect(derived, signature))))
cat(sprintf("cancer fraction, derived vs given signature: Pearson r %.4f, mean |difference| %.4f\n",
            cor(wd[, 2], w[, 2]), mean(abs(wd[, 2] - w[, 2]))))
writeLines(c(R.version.string, paste("preprocessCore", packageVersion("preprocessCore")),
             paste("quadprog", packageVersion("quadprog")), paste("edgeR", packageVersion("edgeR")),
             paste("limma", packageVersion("limma"))), "golden_versions.txt")
