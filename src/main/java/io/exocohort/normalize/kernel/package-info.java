/**
 * Plain-Java statistics kernels of normalisation, no Spark: each reproduces a function of edgeR, limma or sva
 * (the class documentation names it) and is tested against golden values from R
 * ({@code src/test/resources/golden/normalize/}).
 *
 * <p>Every kernel is split into what Spark can hand it: per-sample functions on one sample's values (a few
 * thousand numbers), per-feature or per-(batch, feature) functions on aggregated sums, and driver functions on
 * per-sample or per-feature summaries. The matrix methods ({@link io.exocohort.normalize.kernel.NormFactors},
 * {@code FilterByExpr.keep}, {@code LogCpm.logCpm(double[][], ...)},
 * {@code QuantileNormalization.normalizeQuantiles}, {@code ComBat.combat}) compose those same pieces on an
 * in-memory matrix; they exist for tests and small cohorts.
 *
 * <ul>
 *   <li>{@link io.exocohort.normalize.kernel.UpperQuartile}: per-sample upper quartile, TMM reference choice,
 *       upper-quartile factors</li>
 *   <li>{@link io.exocohort.normalize.kernel.TmmFactors}: per-sample TMM factor, geometric-mean scaling</li>
 *   <li>{@link io.exocohort.normalize.kernel.NormFactors}: {@code calcNormFactors} composed (matrix)</li>
 *   <li>{@link io.exocohort.normalize.kernel.FilterByExpr}: driver thresholds + per-feature predicate</li>
 *   <li>{@link io.exocohort.normalize.kernel.LogCpm}: per-value {@code cpm(log = TRUE, prior.count = 2)}</li>
 *   <li>{@link io.exocohort.normalize.kernel.QuantileNormalization}: {@code normalizeQuantiles} as per-sample
 *       arrays, an array sum and a per-sample mapping</li>
 *   <li>{@link io.exocohort.normalize.kernel.ProteinNormalization}: log2, median centring</li>
 *   <li>{@link io.exocohort.normalize.kernel.DownshiftImputation}: Perseus-style imputation, keyed draws</li>
 *   <li>{@link io.exocohort.normalize.kernel.ComBat}: {@code sva::ComBat} on sufficient statistics</li>
 *   <li>{@link io.exocohort.normalize.kernel.RNumerics}: R's quantile, median, rank, approx, log2</li>
 * </ul>
 */
package io.exocohort.normalize.kernel;
