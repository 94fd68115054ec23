package io.exocohort.deconv;

import static org.apache.spark.sql.functions.col;

import io.exocohort.common.BadInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The profiles of some labels of one reference, on the driver (reference sets are tens to hundreds of profiles): the
 * miRs every one of them has, their values as delivered and each profile's total over all its miRs (the CPM library
 * size). Refuses, in one line each, a reference or label that is not there, a label with fewer than two profiles and a
 * profile whose values are all equal (constant: nothing to compare).
 */
final class ReferenceSet {
  final String reference;
  final List<String> labels;
  /** Per profile, in (label order, profile id) order. */
  final String[] profiles;
  final int[] labelOf;
  /** The miRs every profile has, sorted. */
  final String[] features;
  /** values[feature][profile], as delivered. */
  final double[][] values;
  /** Per profile, the sum of its values over all its miRs. */
  final double[] totals;

  private ReferenceSet(String reference, List<String> labels, String[] profiles, int[] labelOf, String[] features,
      double[][] values, double[] totals) {
    this.reference = reference;
    this.labels = labels;
    this.profiles = profiles;
    this.labelOf = labelOf;
    this.features = features;
    this.values = values;
    this.totals = totals;
  }

  /** The profiles of {@code labels} of {@code reference} from the rows of {@code reference_profiles}. */
  static ReferenceSet load(Dataset<Row> table, String reference, List<String> labels) {
    List<Row> rows = table.filter(col("reference").equalTo(reference))
        .select("profile_id", "label", "feature", "value").collectAsList();
    if (rows.isEmpty()) {
      throw new BadInputException("reference '" + reference + "' is not in reference_profiles: load it with ingest "
          + "--reference " + reference + " --mirna FILE --manifest FILE");
    }
    Map<String, String> labelOfProfile = new TreeMap<>();
    Map<String, Map<String, Double>> byProfile = new HashMap<>();
    for (Row r : rows) {
      labelOfProfile.put(r.getString(0), r.getString(1));
      byProfile.computeIfAbsent(r.getString(0), p -> new HashMap<>()).put(r.getString(2), r.getDouble(3));
    }
    Map<String, List<String>> perLabel = new LinkedHashMap<>();
    for (String l : labels) perLabel.put(l, new ArrayList<>());
    for (Map.Entry<String, String> e : labelOfProfile.entrySet()) {
      if (perLabel.containsKey(e.getValue())) perLabel.get(e.getValue()).add(e.getKey());
    }
    for (Map.Entry<String, List<String>> e : perLabel.entrySet()) {
      if (e.getValue().isEmpty()) {
        throw new BadInputException("reference '" + reference + "' has no profile labelled '" + e.getKey()
            + "' (labels: " + String.join(", ", new TreeSet<>(labelOfProfile.values())) + ")");
      }
      if (e.getValue().size() < 2) {
        throw new BadInputException("reference group '" + e.getKey() + "' of '" + reference + "' has one profile ("
            + e.getValue().get(0) + "): a group's median profile needs at least 2");
      }
    }
    List<String> profiles = new ArrayList<>();
    List<Integer> lab = new ArrayList<>();
    for (int k = 0; k < labels.size(); k++) {
      for (String p : perLabel.get(labels.get(k))) {
        profiles.add(p);
        lab.add(k);
      }
    }
    TreeSet<String> common = null;
    for (String p : profiles) {
      if (common == null) common = new TreeSet<>(byProfile.get(p).keySet());
      else common.retainAll(byProfile.get(p).keySet());
    }
    String[] features = common.toArray(new String[0]);
    if (features.length < 2) {
      throw new BadInputException("the profiles of " + labels + " in reference '" + reference + "' share "
          + features.length + " miR(s)");
    }
    double[][] values = new double[features.length][profiles.size()];
    double[] totals = new double[profiles.size()];
    for (int j = 0; j < profiles.size(); j++) {
      Map<String, Double> v = byProfile.get(profiles.get(j));
      for (double x : v.values()) totals[j] += x;
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < features.length; i++) {
        values[i][j] = v.get(features[i]);
        min = Math.min(min, values[i][j]);
        max = Math.max(max, values[i][j]);
      }
      if (!(max > min) || !(totals[j] > 0)) {
        throw new BadInputException("reference profile '" + profiles.get(j) + "' (" + labels.get(lab.get(j)) + ") of '"
            + reference + "' is constant: " + (totals[j] > 0 ? "every shared miR has " + min : "no counts"));
      }
    }
    return new ReferenceSet(reference, List.copyOf(labels), profiles.toArray(new String[0]),
        lab.stream().mapToInt(Integer::intValue).toArray(), features, values, totals);
  }

  /** Index of each feature. */
  Map<String, Integer> featureIndex() {
    Map<String, Integer> m = new HashMap<>();
    for (int i = 0; i < features.length; i++) m.put(features[i], i);
    return m;
  }
}
