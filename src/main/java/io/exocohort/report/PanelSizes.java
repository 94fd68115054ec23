package io.exocohort.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The panel-size curve of a {@code train --panel-sizes} run read back from its {@code model_runs.metrics}: the keys
 * {@code panel.<k>.cv_auc} and {@code panel.<k>.cv_sens_at_99} (out-of-fold AUC and sensitivity at 99% specificity
 * with each fold's model on the k features selected most often in that fold) as one point per size, by size.
 */
final class PanelSizes {
  private static final Pattern KEY = Pattern.compile("panel\\.(\\d{1,9})\\.(cv_auc|cv_sens_at_99)");

  /** One panel size with its out-of-fold figures (NaN: not recorded). */
  record Point(int size, double auc, double sensitivity) {}

  private PanelSizes() {}

  /**
   * The points of every size that has either figure, by increasing size (numeric, not lexicographic: 5 before 10);
   * other keys are ignored, a null value reads as NaN. Empty when the run has no panel-size curve.
   */
  static List<Point> of(Map<String, Double> metrics) {
    Map<Integer, double[]> by = new TreeMap<>();
    for (var e : metrics.entrySet()) {
      Matcher m = KEY.matcher(e.getKey());
      if (!m.matches()) continue;
      double[] v = by.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new double[] {Double.NaN, Double.NaN});
      v[m.group(2).equals("cv_auc") ? 0 : 1] = e.getValue() == null ? Double.NaN : e.getValue();
    }
    List<Point> out = new ArrayList<>();
    by.forEach((k, v) -> out.add(new Point(k, v[0], v[1])));
    return out;
  }
}
