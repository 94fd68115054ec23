# The default contrasts exocohort de runs, as limma contrast strings over a design `~ 0 + g` whose columns are the
# group levels: every cancer type vs healthy, and vs the mean of all other cancers. Sourced by jobs/limma_bench.R
# and jobs/limma_e2e.R.
exo_contrasts <- function(levels) {
  cancers <- setdiff(levels, "healthy")
  vs_healthy <- paste0(cancers, " - healthy")
  vs_others <- sapply(cancers, function(k) {
    others <- setdiff(cancers, k)
    paste0(k, " - (", paste(others, collapse = " + "), ")/", length(others))
  })
  c(vs_healthy, vs_others)
}
