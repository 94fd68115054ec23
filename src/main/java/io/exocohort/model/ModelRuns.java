package io.exocohort.model;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The {@code model_runs} row of a train run and the parameters it records (plain Java): what was asked (task,
 * modality, model, folds, seed, ...), what was fitted (the feature index and the selected features, the
 * threshold) and the clinical report of the cross-validation and the hold-out.
 */
public final class ModelRuns {
  private ModelRuns() {}

  /**
   * What a train run fitted: the pipeline's report, its threshold (binary), the features it uses and, with
   * selection by stability, its panel (else null).
   */
  public record Fitted(ModelMetrics.Report report, Double threshold, Double thresholdSpecificity,
      List<String> selected, List<PanelFeature> panel) {
    public Fitted(ModelMetrics.Report report, Double threshold, Double thresholdSpecificity, List<String> selected) {
      this(report, threshold, thresholdSpecificity, selected, null);
    }
  }

  /** A feature of a stable panel ({@code model_runs.panel}); means and direction for binary tasks only. */
  public record PanelFeature(String feature, int rank, double selectionFrequency, Double meanCases,
      Double meanControls, String direction) {
    Row row() {
      return RowFactory.create(feature, rank, selectionFrequency, meanCases, meanControls, direction);
    }
  }

  /**
   * The panel of a fitted stability selector: its features in rank order with their selection frequency and, for
   * two classes, the mean of each class (1 = cases) and the direction in cases.
   */
  public static List<PanelFeature> panel(StabilitySelectorModel m, String[] index, int classes) {
    List<PanelFeature> out = new java.util.ArrayList<>();
    int[] sel = m.getSelected();
    for (int i = 0; i < sel.length; i++) {
      Double cases = classes == 2 ? m.classMean(1, i) : null;
      Double controls = classes == 2 ? m.classMean(0, i) : null;
      String dir = cases == null ? null : cases > controls ? "up" : cases < controls ? "down" : "none";
      out.add(new PanelFeature(index[sel[i]], i + 1, m.getFrequency()[i], cases, controls, dir));
    }
    return out;
  }

  /**
   * The parameters recorded in {@code model_runs.params} and {@code job_runs.parameters}.
   *
   * @param top features selected per fold ({@code featureCount}: all)
   */
  public static Map<String, String> parameters(TrainJob.Args a, String task, String modality,
      ModelTraining.Kind kind, int top, int featureCount, List<String> cohorts) {
    TrainJob.Validation v = a.validation();
    Map<String, String> params = new LinkedHashMap<>();
    params.put("cohorts", String.join(",", cohorts));
    params.put("task", task);
    params.put("modality", modality);
    params.put("model", kind.label());
    params.put("features", String.valueOf(top));
    params.put("folds", String.valueOf(v.folds()));
    params.put("seed", String.valueOf(v.seed()));
    params.put("holdout_fraction", String.valueOf(v.holdoutFraction()));
    params.put("threshold_specificity", String.valueOf(v.thresholdSpecificity()));
    params.put("bootstrap_replicates", String.valueOf(v.bootstrapReplicates()));
    params.put("include_failed", String.valueOf(a.includeFailed()));
    params.put("selection", top < featureCount ? "UnivariateFeatureSelector(ANOVA F, top " + top + ") in each fold"
        : "none");
    TrainJob.Panels panels = a.panels();
    if (panels.threshold() != null) {
      params.put("selection", "stability selection in each fold: features in the ANOVA F top " + top + " of at least "
          + panels.threshold() + " of " + panels.resamples() + " Poisson bootstrap resamples");
      params.put("stability_threshold", String.valueOf(panels.threshold()));
    }
    if (panels.any()) params.put("stability_resamples", String.valueOf(panels.resamples()));
    if (!panels.sizes().isEmpty()) {
      params.put("panel_sizes", String.join(",", panels.sizes().stream().map(String::valueOf).toList()));
    }
    params.put("imputation", "feature mean of the training rows (VectorMeanImputer)");
    ModelTraining.Hyper h = a.method().hyper();
    switch (kind) {
      case LOGISTIC -> {
        params.put("reg_param", String.valueOf(h.regParam()));
        params.put("elastic_net_param", String.valueOf(h.elasticNet()));
        params.put("max_iter", String.valueOf(h.maxIter()));
        params.put("standardization", "true");
      }
      case FOREST -> {
        params.put("num_trees", String.valueOf(h.trees()));
        params.put("max_depth", String.valueOf(h.maxDepth()));
      }
      case GBT -> {
        params.put("max_iter", String.valueOf(h.gbtIter()));
        params.put("max_depth", String.valueOf(Math.min(h.maxDepth(), 4)));
        params.put("step_size", String.valueOf(h.gbtStep()));
      }
    }
    return params;
  }

  /** The row of {@code model_runs} (its declared schema's order). */
  public static Row row(String modelId, Tasks.Task task, Map<String, String> params, List<String> index,
      Fitted fit, Map<String, Long> sampleCounts, Map<String, Long> inputs, String modelPath, Instant started) {
    ModelMetrics.Report r = fit.report();
    return RowFactory.create(modelId, task.name(), params.get("modality"), params.get("model"),
        seq(List.of(task.classes())), CollectionConverters.asScala(params), seq(index), seq(fit.selected()),
        fit.threshold(), task.binary() ? fit.thresholdSpecificity() : null, CollectionConverters.asScala(r.metrics),
        seq(r.groups.stream().map(g -> RowFactory.create(g.set(), g.by(), g.group(), g.nCases(), g.detected(),
            g.sensitivity())).toList()),
        seq(r.reliability.stream().map(b -> RowFactory.create(b.set(), b.bin(), b.low(), b.high(), b.n(),
            b.meanPredicted(), b.observedFraction())).toList()),
        seq(r.confusion.stream().map(c -> RowFactory.create(c.set(), c.truth(), c.predicted(), c.n())).toList()),
        seq(r.roc.stream().map(c -> RowFactory.create(c.set(), c.threshold(), c.fpr(), c.tpr())).toList()),
        CollectionConverters.asScala(sampleCounts), CollectionConverters.asScala(inputs), modelPath,
        Timestamp.from(started), Timestamp.from(Instant.now()),
        fit.panel() == null ? null : seq(fit.panel().stream().map(PanelFeature::row).toList()));
  }

  private static <T> scala.collection.immutable.Seq<T> seq(List<T> l) {
    return CollectionConverters.asScala(l).toList();
  }
}
