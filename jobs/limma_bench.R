# limma on the matrix jobs/bench de exported (DeBench.limma): times lmFit + contrasts.fit + eBayes + topTable for
# the same default contrasts exocohort de runs (every cancer type vs healthy, and vs all other cancers), inside R,
# excluding the time to read the files. Prints "limma_seconds <elapsed>".
# Usage: Rscript jobs/limma_bench.R DIR   (DIR holds matrix.bin, features.txt, groups.txt)
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
suppressPackageStartupMessages(library(limma))
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])),
  "limma_contrasts.R"))
features <- readLines(file.path(dir, "features.txt"))
groups <- readLines(file.path(dir, "groups.txt"))
n <- length(groups)
f <- length(features)
con <- file(file.path(dir, "matrix.bin"), "rb")
x <- readBin(con, "double", n = f * n, size = 8, endian = "little")
close(con)
y <- matrix(x, nrow = f, ncol = n, dimnames = list(features, NULL))
g <- factor(make.names(groups))
t <- system.time({
  design <- model.matrix(~ 0 + g)
  colnames(design) <- levels(g)
  fit <- lmFit(y, design)
  cm <- makeContrasts(contrasts = exo_contrasts(levels(g)), levels = design)
  fit2 <- eBayes(contrasts.fit(fit, cm))
  tables <- lapply(seq_len(ncol(cm)), function(j) topTable(fit2, coef = j, number = Inf, sort.by = "none"))
})
cat(sprintf("limma_seconds %.3f\n", t[["elapsed"]]))
cat(sprintf("limma_features %d samples %d contrasts %d\n", f, n, ncol(cm)))
