/**
 * Plain-Java statistics kernels of differential expression: no Spark, small arrays in, numbers out. Spark
 * aggregates per-feature sufficient statistics in one pass; the driver (or a task holding one feature) calls
 * these kernels per feature and then once per modality and contrast over the features' arrays. Each class
 * names the reference it reproduces; the tests check them against limma 3.54 and scipy 1.10 golden values
 * ({@code src/test/resources/golden/de/}).
 *
 * <h2>limma path (moderated t)</h2>
 * <pre>
 * LinearModel model = LinearModel.of("grouphealthy", "groupcrc", ..., "age", "sexM");   // once per design
 *     // optional: .centred(shifts, onesColumns) when Spark sums centred columns / values
 * FeatureFit fit = model.fit(new FeatureSums(n, sumY, sumYY, xty, xtx, yShift));           // per feature
 * ContrastSet contrasts = ContrastSet.limma(names, weights, model.designCovariance(xtxAllSamples));
 * ContrastSet.Estimate e = contrasts.estimate(fit, k);            // logFC and stdev.unscaled, per feature
 * EmpiricalBayes eb = EmpiricalBayes.fit(sigma2[], dfResidual[], aveExpr[], trend);       // per modality
 * EmpiricalBayes.TopTable tt = eb.test(logFC[], stdevUnscaled[]); // per contrast: t, P, adj.P (BH), B
 * </pre>
 *
 * <h2>voom path (counts: log-CPM with precision weights, then the weighted limma path)</h2>
 * <pre>
 * double e = Voom.logCpm(count, libSize * normFactor);                       // per entry
 * FeatureFit fit = model.fit(sums of e, shared X'X);                           // unweighted, per feature
 * Voom trend = Voom.trend(amean[], sigma[], allZero[], Voom.meanLog2LibSize(lib[]));   // lowess, once
 * double w = trend.weight(Voom.fittedValue(fit.coefficients(), x_i), lib_i);  // per entry
 * FeatureFit wfit = model.fit(FeatureSums.builder(p, c).add(x_i, e, w)...build()); // X'WX per feature
 * ContrastSet.limma(names, weights, model.designCovariance(unweighted X'X)); EmpiricalBayes as above
 * </pre>
 *
 * <h2>Repeated measures (limma's block + correlation: duplicateCorrelation, lmFit(block, correlation))</h2>
 * <pre>
 * BlockCorrelation bc = BlockCorrelation.of(designRows, subjectIds);   // shared: n x p doubles, n ints; Serializable
 * double a = bc.atanhCorrelation(y, weightsOrNull);   // per feature, its whole vector: statmod REML, clipped, atanh
 * double rho = BlockCorrelation.consensus(a[]);       // driver: tanh(15% trimmed mean)
 * BlockGls gls = BlockGls.of(designRows, subjectIds, rho);            // shared; Serializable
 * FeatureFit fit = model.fit(gls.sums(y, weightsOrNull, yShift));     // per feature: whitened sums, GLS fit
 * ContrastSet.limma(names, weights, model.designCovariance(gls.designGram())); EmpiricalBayes as above
 * </pre>
 * voom with block: its first fit is {@code model.fit(gls.sums(e))} with the round's correlation, and {@link
 * Voom#trend} / {@link Voom#weight} take that fit's Amean, sigma and coefficients (limma's two-round recipe: voom,
 * duplicateCorrelation(v), voom(block, correlation), duplicateCorrelation(v), lmFit(v, block, correlation)).
 *
 * <h2>Classical tests</h2>
 * <pre>
 * WelchTTest.test(GroupSums x, GroupSums y); OneWayAnova.test(GroupSums... groups);     // per-group n, sum, sum^2
 * RankSummary s = new RankScan(G).add(v, g)...finish();            // one ascending scan per feature
 * MannWhitneyU.test(s, int[] x, int[] y); KruskalWallis.test(s);   // any contrast, no re-sorting
 * BenjaminiHochberg.adjust(p[]);                                   // per (modality, contrast, method)
 * </pre>
 */
package io.exocohort.de.kernel;
