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
 * BlockedModel.zeroCase(designRows, blockIds);        // limma's correlation-0 cases (singletons, blocks in design)
 * BlockedModel.Builder b = BlockedModel.builder(p, blocks);    // per task, reused: no allocation per value
 * BlockedModel.Sums s = b.reset(c).add(block_i, x_i, y_i, w_i)...build();   // per feature: sums by block size
 * double[] rho = BlockedModel.correlations(sums[]);   // driver: statmod REML per feature (NaN: skipped)
 * double r = BlockedModel.consensus(rho, maxBlockSize).correlation();      // tanh(15% trimmed mean of atanh)
 * FeatureFit fit = model.fit(BlockedModel.glsSums(s, r));                  // per feature: gls.series
 * ContrastSet.limma(names, weights, model.designCovariance(BlockedModel.designGram(rows, blocks, r)));
 * </pre>
 * voom with block: its first fit is {@code model.fit(BlockedModel.glsSums(s, r))} of the unweighted sums with the
 * round's correlation, and {@link Voom#trend} / {@link Voom#weight} take that fit's Amean, sigma and coefficients
 * (limma's two-round recipe: voom, duplicateCorrelation(v), voom(block, correlation), duplicateCorrelation(v),
 * lmFit(v, block, correlation)), the weighted rounds' sums built with the weights.
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
