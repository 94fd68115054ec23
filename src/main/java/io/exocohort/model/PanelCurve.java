package io.exocohort.model;

import io.exocohort.catalog.RunScope;
import io.exocohort.common.Stage;
import io.exocohort.model.kernel.ClinicalMetrics;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The panel-size curve of {@code train --panel-sizes}: for each size k, the cross-validation is run again with each
 * fold's model on the k features selected most often over the bootstrap resamples of that fold's training rows
 * ({@link StabilitySelector} with {@code panelSize = k}; the fold's selection never sees the fold it is scored on,
 * nor the hold-out), and the out-of-fold scores give {@code panel.<k>.cv_auc} and {@code panel.<k>.cv_sens_at_99}
 * (sensitivity at 99% specificity on the out-of-fold controls). Only fold models are fitted (no final model per
 * size); the resamples of a fold are the same for every k (same seed, same rows), so the sizes are nested panels.
 */
final class PanelCurve {
  private static final Logger LOG = LoggerFactory.getLogger(PanelCurve.class);

  /** The specificity of the curve's sensitivity. */
  static final double SPEC = 0.99;

  private PanelCurve() {}

  static String aucKey(int k) {
    return "panel." + k + ".cv_auc";
  }

  static String sensKey(int k) {
    return "panel." + k + ".cv_sens_at_99";
  }

  /** Adds the curve's metrics for every size of {@code p} (none: nothing) to {@code metrics}. */
  static void run(RunScope s, ModelTraining.Spec spec, Dataset<Row> train, TrainJob.Validation v, TrainJob.Panels p,
      Map<String, Double> metrics) {
    if (p.sizes().isEmpty()) return;
    int[] sizes = p.sizes().stream().mapToInt(Integer::intValue).distinct().sorted().toArray();
    StringBuilder table = new StringBuilder("panel size   cv AUC   sens at 99% spec");
    try (Stage st = Stage.start(LOG, s.spark(), TrainJob.JOB, "panel-size curve " + Arrays.toString(sizes))) {
      for (int k : sizes) {
        ModelTraining.Spec sized = spec.withStability(new ModelTraining.Stability(p.resamples(),
            p.threshold() == null ? 1.0 : p.threshold(), k));
        ModelMetrics.Scored oof = ModelMetrics.Scored.collect(ModelTraining.outOfFold(train,
            ModelTraining.pipeline(sized), v.folds(), TrainJob.KEEP));
        double auc = ClinicalMetrics.rocAuc(oof.positive(), oof.label());
        double[][] split = oof.casesAndControls();
        double sens = ClinicalMetrics.sensitivityAtSpecificity(split[0], split[1], SPEC);
        metrics.put(aucKey(k), auc);
        metrics.put(sensKey(k), sens);
        table.append(String.format(Locale.ROOT, "%n  %10d   %6.3f   %6.3f", k, auc, sens));
      }
      st.done("{} sizes", sizes.length);
    }
    LOG.info("train: out-of-fold panel-size curve ({} resamples per fold)\n{}", p.resamples(), table);
  }
}
