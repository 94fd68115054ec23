package io.exocohort.de;

import static org.apache.spark.sql.functions.col;

import io.exocohort.catalog.RunScope;
import io.exocohort.catalog.Tables;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;

/**
 * What voom needs beside the miR matrix: each sample's effective library size (library size x norm factor, from
 * {@code sample_normalization} of the normalize run that wrote the sample's matrix rows) and the prior count that
 * run's log-CPM added (from the matrix's {@code scale}), so that the counts come back from the stored log-CPM
 * ({@link DeStats.VoomScale}). Unusable, with the reason, when a run's values are not the log-CPM of counts (ComBat
 * adjusted them) or a sample has no library size. Normalize writes them into the sample index (each block's scale,
 * its samples' effective library sizes and the run's mean), which the passes collect anyway: no query of its own.
 * For blocks written before that, two small queries: the runs' scales (one column of the matrix, a row per feature
 * and block, without a shuffle) and their per-sample figures (one small row per sample).
 */
record VoomInputs(Map<String, double[]> bySample, String unusable) {
  private static final Pattern LOG_CPM = Pattern.compile("log2_cpm\\((\\w+), prior\\.count=([0-9.eE+-]+)\\)");

  /**
   * The library sizes and prior counts of the samples of {@code matrix} (already filtered to the cohorts): from
   * the sample index when every block of it carries them ({@link #fromIndex}), else from the matrix's scales and
   * {@code sample_normalization} (blocks written before the index held them).
   */
  static VoomInputs of(RunScope s, DeStats.Source matrix) {
    VoomInputs fromIndex = fromIndex(matrix.index());
    return fromIndex != null ? fromIndex : fromTables(s, matrix);
  }

  /**
   * From the sample index's rows alone (no query beyond the index the passes read anyway): each block's scale
   * gives the prior count, its {@code library_sizes} each sample's effective library size and
   * {@code mean_library_size} the run's mean, which scales the prior count as edgeR's {@code cpm} did. Null when
   * some block lacks them (written before normalize stored them there).
   */
  static VoomInputs fromIndex(List<Row> blocks) {
    if (blocks.isEmpty() || blocks.get(0).size() < 7) return null;
    for (Row r : blocks) {
      if (r.isNullAt(4) || r.isNullAt(5) || r.isNullAt(6) || r.getList(5).size() != r.getList(3).size()) return null;
    }
    Map<String, double[]> byKey = new HashMap<>();
    for (Row r : blocks) {
      Matcher mt = LOG_CPM.matcher(r.getString(4));
      if (!mt.matches()) return notLogCpm(r.getString(2), r.getString(4));
      double prior = Double.parseDouble(mt.group(2));
      double mean = r.getDouble(6);
      List<Object> ids = r.getList(3);
      List<Double> sizes = r.getList(5);
      for (int i = 0; i < ids.size(); i++) {
        double l = sizes.get(i) == null ? Double.NaN : sizes.get(i);
        if (!(l > 0) || Double.isInfinite(l)) return noLibrarySize(r, (String) ids.get(i));
        byKey.put(DeDesign.key(r.getString(0), (String) ids.get(i)), new double[] {l, prior * l / mean});
      }
    }
    return new VoomInputs(byKey, null);
  }

  private static VoomInputs notLogCpm(String run, String scale) {
    return new VoomInputs(Map.of(), "normalize run " + run + " wrote " + scale
        + ", not the log-CPM of counts (normalize without --batch-correction and put the batch in --covariates)");
  }

  private static VoomInputs noLibrarySize(Row block, String id) {
    return new VoomInputs(Map.of(), "sample " + id + " of cohort " + block.getString(0) + " has no library size "
        + "and norm factor in sample_normalization for normalize run " + block.getString(2));
  }

  /** From the matrix's scales and {@code sample_normalization}: two small queries. */
  private static VoomInputs fromTables(RunScope s, DeStats.Source matrix) {
    Map<String, Double> prior = new TreeMap<>();
    java.util.Set<List<String>> scales = new java.util.LinkedHashSet<>();
    for (Row r : matrix.table().select("norm_run_id", "scale").collectAsList()) {
      scales.add(List.of(r.getString(0), r.getString(1)));
    }
    for (List<String> r : scales) {
      Matcher mt = LOG_CPM.matcher(r.get(1));
      if (!mt.matches()) return notLogCpm(r.get(0), r.get(1));
      prior.put(r.get(0), Double.parseDouble(mt.group(2)));
    }
    if (prior.isEmpty()) return new VoomInputs(Map.of(), "no miR values");
    if (!s.has(Tables.SAMPLE_NORMALIZATION)) {
      return new VoomInputs(Map.of(), "the lake has no sample_normalization (library sizes)");
    }
    // every sample of those runs: the mean effective library size is over all of a run's samples, as edgeR's
    // cpm averages over every column of the DGEList it normalised
    List<Row> rows = s.read(Tables.SAMPLE_NORMALIZATION)
        .filter(col("modality").equalTo("mirna").and(col("norm_run_id").isin(prior.keySet().toArray())))
        .select("norm_run_id", "cohort", "sample_id", "library_size", "norm_factor").collectAsList();
    Map<String, double[]> sumN = new HashMap<>();
    List<Object[]> lib = new ArrayList<>();
    for (Row r : rows) {
      double l = r.isNullAt(3) || r.isNullAt(4) ? Double.NaN : r.getDouble(3) * r.getDouble(4);
      double[] a = sumN.computeIfAbsent(r.getString(0), k -> new double[2]);
      a[0] += l;
      a[1]++;
      lib.add(new Object[] {r.getString(0), DeDesign.key(r.getString(1), r.getString(2)), l});
    }
    Map<String, double[]> bySample = new HashMap<>();
    for (Object[] o : lib) {
      double[] a = sumN.get((String) o[0]);
      double l = (Double) o[2];
      double q = prior.get((String) o[0]) * l / (a[0] / a[1]);
      bySample.put((String) o[1] + '\u0000' + o[0], new double[] {l, q});
    }
    // each sample of the matrix index must have its figures (the index: one small row per block, read once)
    List<Row> blocks = matrix.index();
    for (Row r : blocks) {
      for (Object id : r.getList(3)) {
        double[] v = bySample.get(DeDesign.key(r.getString(0), (String) id) + '\u0000' + r.getString(2));
        if (v == null || !(v[0] > 0) || Double.isInfinite(v[0])) return noLibrarySize(r, (String) id);
      }
    }
    Map<String, double[]> byKey = new HashMap<>();
    for (Row r : blocks) {
      for (Object id : r.getList(3)) {
        String key = DeDesign.key(r.getString(0), (String) id);
        byKey.put(key, bySample.get(key + '\u0000' + r.getString(2)));
      }
    }
    return new VoomInputs(byKey, null);
  }

  /** Per design sample, in the design's sample order (that of {@link DeStats#byFeature}). */
  DeStats.VoomScale scale(DeDesign d) {
    int ns = d.rows.size();
    double[] a = new double[ns];
    double[] q = new double[ns];
    double[] lib = new double[ns];
    int i = 0;
    for (String key : d.rows.keySet()) {
      double[] v = bySample.get(key);
      double l = v == null ? Double.NaN : v[0];
      double pq = v == null ? Double.NaN : v[1];
      lib[i] = l;
      q[i] = pq;
      a[i] = (l + 2 * pq) / 1e6;
      i++;
    }
    return new DeStats.VoomScale(a, q, lib);
  }
}
