# limma-R end to end, as an R user runs it on a count matrix (jobs/bench-e2e, issue 16 point 5): read a wide
# miRNA count file (feature, <sample_id>...), keep the samples listed in a groups file (sample_id, cancer_type:
# the samples exocohort normalize and de use, i.e. those that did not fail QC), filterByExpr (group = cancer
# type), calcNormFactors (TMM), voom, lmFit, contrasts.fit with the default contrasts exocohort de runs (every
# cancer type vs healthy, and vs all other cancers, as jobs/limma_bench.R), eBayes, topTable for each contrast.
# The caller times the whole Rscript process; this prints R's own timing of the read step and of the rest:
#   limma_e2e_read_seconds <s>
#   limma_e2e_rest_seconds <s>
#   limma_e2e_features <kept> of <all> samples <n> contrasts <k> results <rows>
# With a third argument OUT.csv, also writes every topTable row (contrast, feature, logFC, AveExpr, t, P.Value,
# adj.P.Val, B; contrasts named as exocohort names them) there, after the timings (jobs/bench-e2e compares them with
# exocohort's de_results in an untimed run).
# Usage: Rscript jobs/limma_e2e.R COUNTS.csv GROUPS.csv [OUT.csv]
args <- commandArgs(trailingOnly = TRUE)
if (!(length(args) %in% 2:3)) stop("usage: Rscript jobs/limma_e2e.R COUNTS.csv GROUPS.csv [OUT.csv]")
suppressPackageStartupMessages(library(edgeR))
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1])),
  "limma_contrasts.R"))

read_t <- system.time({
  # Column classes from the header: a careful base-R reader (read.csv guessing types is several times slower).
  header <- strsplit(readLines(args[1], n = 1), ",", fixed = TRUE)[[1]]
  counts <- as.matrix(read.csv(args[1], row.names = 1, check.names = FALSE,
    colClasses = c("character", rep("integer", length(header) - 1))))
  groups <- read.csv(args[2], colClasses = "character")
})

rest_t <- system.time({
  counts <- counts[, groups$sample_id, drop = FALSE]
  g <- factor(make.names(groups$cancer_type))
  y <- DGEList(counts = counts, group = g)
  keep <- filterByExpr(y, group = g)
  y <- y[keep, , keep.lib.sizes = FALSE]
  y <- calcNormFactors(y, method = "TMM")
  design <- model.matrix(~ 0 + g)
  colnames(design) <- levels(g)
  v <- voom(y, design)
  fit <- lmFit(v, design)
  cm <- makeContrasts(contrasts = exo_contrasts(levels(g)), levels = design)
  fit2 <- eBayes(contrasts.fit(fit, cm))
  tables <- lapply(seq_len(ncol(cm)), function(j) topTable(fit2, coef = j, number = Inf, sort.by = "none"))
})

cat(sprintf("limma_e2e_read_seconds %.3f\n", read_t[["elapsed"]]))
cat(sprintf("limma_e2e_rest_seconds %.3f\n", rest_t[["elapsed"]]))
cat(sprintf("limma_e2e_features %d of %d samples %d contrasts %d results %d\n", sum(keep), length(keep),
  ncol(counts), ncol(cm), sum(vapply(tables, nrow, 0L))))
if (length(args) == 3) {
  cancers <- setdiff(levels(g), "healthy")
  names <- c(paste0(cancers, "_vs_healthy"), paste0(cancers, "_vs_other_cancers"))
  out <- do.call(rbind, lapply(seq_along(tables), function(j) data.frame(contrast = names[j],
    feature = rownames(tables[[j]]), tables[[j]][, c("logFC", "AveExpr", "t", "P.Value", "adj.P.Val", "B")])))
  write.csv(out, args[3], row.names = FALSE, quote = FALSE)
}
