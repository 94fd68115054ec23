package io.exocohort.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BoxAndWhiskerRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.statistics.BoxAndWhiskerItem;
import org.jfree.data.statistics.DefaultBoxAndWhiskerCategoryDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The report's plots (JFreeChart), each rendered to PNG bytes from small, already aggregated inputs: nothing here
 * sees per-sample data.
 */
public final class Charts {
  static {
    if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
  }

  static final Color UP = new Color(0xC0392B);
  static final Color DOWN = new Color(0x2471A3);
  static final Color NS = new Color(0x9AA0A6);
  static final Color WARN = new Color(0xE67E22);
  static final Color FAIL = new Color(0xC0392B);

  private Charts() {}

  /** One point of a volcano plot. */
  public record VolcanoPoint(String feature, double log2fc, double pvalue, double padj) {}

  /** A box: whiskers at the 5th and 95th percentiles (not min / max), n values. */
  public record Box(String group, double p05, double q1, double median, double q3, double p95, double mean, long n) {}

  /** A histogram bin [lo, hi) with its count. */
  public record Bin(double lo, double hi, long count) {}

  /**
   * Volcano plot: log2 fold change against -log10 p; significant (padj &lt; 0.05) up in red, down in blue, the
   * rest grey; the {@code labels} features with the smallest p are labelled.
   */
  public static byte[] volcano(String title, List<VolcanoPoint> points, int labels) {
    XYSeries up = new XYSeries("padj < 0.05, up");
    XYSeries down = new XYSeries("padj < 0.05, down");
    XYSeries ns = new XYSeries("not significant");
    double maxP = 0;
    for (VolcanoPoint p : points) {
      double y = -Math.log10(Math.max(p.pvalue(), 1e-300));
      boolean sig = p.padj() < 0.05;
      (sig ? (p.log2fc() > 0 ? up : down) : ns).add(p.log2fc(), y);
      if (sig) maxP = Math.max(maxP, p.pvalue());
    }
    XYSeriesCollection ds = new XYSeriesCollection();
    ds.addSeries(up);
    ds.addSeries(down);
    ds.addSeries(ns);
    JFreeChart c = ChartFactory.createScatterPlot(title, "log2 fold change", "-log10 p", ds,
        PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = c.getXYPlot();
    XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
    r.setSeriesPaint(0, UP);
    r.setSeriesPaint(1, DOWN);
    r.setSeriesPaint(2, NS);
    java.awt.Shape dot = new java.awt.geom.Ellipse2D.Double(-2, -2, 4, 4);
    for (int i = 0; i < 3; i++) r.setSeriesShape(i, dot);
    if (maxP > 0) plot.addRangeMarker(marker(-Math.log10(maxP), Color.DARK_GRAY, "FDR 5%"));
    plot.getDomainAxis().setLowerMargin(0.2);
    plot.getDomainAxis().setUpperMargin(0.2);
    plot.getRangeAxis().setUpperMargin(0.1);
    Font f = new Font(Font.SANS_SERIF, Font.PLAIN, 10);
    points.stream().sorted(java.util.Comparator.comparingDouble(VolcanoPoint::pvalue)).limit(labels).forEach(p -> {
      XYTextAnnotation a = new XYTextAnnotation(p.feature(), p.log2fc(), -Math.log10(Math.max(p.pvalue(), 1e-300)));
      a.setFont(f);
      a.setTextAnchor(p.log2fc() >= 0 ? TextAnchor.BOTTOM_LEFT : TextAnchor.BOTTOM_RIGHT);
      plot.addAnnotation(a);
    });
    return png(c, 640, 440);
  }

  /** Box plots of one feature per cancer type, from quartiles computed on the cluster. */
  public static byte[] boxes(String title, String valueLabel, List<Box> boxes) {
    return boxes(title, "cancer type (samples)", valueLabel, boxes);
  }

  /** Box plots of one value per group (labelled {@code groupLabel}), from quartiles computed on the cluster. */
  public static byte[] boxes(String title, String groupLabel, String valueLabel, List<Box> boxes) {
    DefaultBoxAndWhiskerCategoryDataset ds = new DefaultBoxAndWhiskerCategoryDataset();
    for (Box b : boxes) {
      ds.add(new BoxAndWhiskerItem(b.mean(), b.median(), b.q1(), b.q3(), b.p05(), b.p95(), b.p05(), b.p95(),
          List.of()), "value", b.group() + " (" + b.n() + ")");
    }
    JFreeChart c = ChartFactory.createBoxAndWhiskerChart(title, groupLabel, valueLabel, ds, false);
    CategoryPlot plot = c.getCategoryPlot();
    plot.getDomainAxis().setMaximumCategoryLabelWidthRatio(1.5f);
    plot.getDomainAxis().setCategoryLabelPositions(org.jfree.chart.axis.CategoryLabelPositions.UP_45);
    BoxAndWhiskerRenderer r = (BoxAndWhiskerRenderer) plot.getRenderer();
    r.setMeanVisible(false);
    r.setSeriesPaint(0, new Color(0x5DADE2));
    r.setMaxOutlierVisible(false);
    r.setMinOutlierVisible(false);
    return png(c, 460, 360);
  }

  /** ROC curves, one per model, with each model's operating point at 99% specificity marked. */
  public static byte[] roc(String title, java.util.Map<String, List<double[]>> curves,
      java.util.Map<String, double[]> operatingPoints) {
    XYSeriesCollection ds = new XYSeriesCollection();
    for (var e : curves.entrySet()) {
      XYSeries s = new XYSeries(e.getKey(), false, true);
      for (double[] p : e.getValue()) s.add(p[0], p[1]);
      ds.addSeries(s);
    }
    XYSeries chance = new XYSeries("chance");
    chance.add(0, 0);
    chance.add(1, 1);
    ds.addSeries(chance);
    int ops = ds.getSeriesCount();
    for (var e : operatingPoints.entrySet()) {
      XYSeries s = new XYSeries(e.getKey() + " at 99% specificity");
      s.add(e.getValue()[0], e.getValue()[1]);
      ds.addSeries(s);
    }
    JFreeChart c = ChartFactory.createXYLineChart(title, "1 - specificity (false positive rate)",
        "sensitivity (true positive rate)", ds, PlotOrientation.VERTICAL, true, false, false);
    XYPlot plot = c.getXYPlot();
    XYLineAndShapeRenderer r = (XYLineAndShapeRenderer) plot.getRenderer();
    r.setSeriesPaint(ops - 1, Color.LIGHT_GRAY);
    r.setSeriesStroke(ops - 1, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f,
        new float[] {4f, 4f}, 0f));
    for (int i = ops; i < ds.getSeriesCount(); i++) {
      r.setSeriesLinesVisible(i, false);
      r.setSeriesShapesVisible(i, true);
      r.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-5, -5, 10, 10));
      r.setSeriesPaint(i, Color.BLACK);
    }
    plot.addDomainMarker(marker(0.01, Color.DARK_GRAY, "99% specificity"));
    plot.getDomainAxis().setRange(0, 1);
    plot.getRangeAxis().setRange(0, 1.02);
    return png(c, 560, 440);
  }

  /** Sensitivity per stage (bars), one series per model. */
  public static byte[] sensitivityByStage(String title, DefaultCategoryDataset ds) {
    JFreeChart c = ChartFactory.createBarChart(title, "stage", "sensitivity (cancer samples called positive)", ds,
        PlotOrientation.VERTICAL, true, false, false);
    c.getCategoryPlot().getRangeAxis().setRange(0, 1);
    return png(c, 560, 360);
  }

  /** A figure with its interval, for {@link #estimates}. */
  public record Estimate(String label, double estimate, double low, double high) {}

  /**
   * Estimates with their intervals (a point and a vertical bar per group, in the given order), on a 0..1 axis: e.g.
   * sensitivity by stage with its bootstrap interval. A NaN bound draws the point alone.
   */
  public static byte[] estimates(String title, String xLabel, String yLabel, List<Estimate> es) {
    org.jfree.data.xy.YIntervalSeries s = new org.jfree.data.xy.YIntervalSeries("estimate (95% interval)");
    String[] labels = new String[es.size()];
    for (int i = 0; i < es.size(); i++) {
      Estimate e = es.get(i);
      labels[i] = e.label();
      if (Double.isNaN(e.estimate())) continue;
      s.add(i, e.estimate(), Double.isNaN(e.low()) ? e.estimate() : e.low(),
          Double.isNaN(e.high()) ? e.estimate() : e.high());
    }
    org.jfree.data.xy.YIntervalSeriesCollection ds = new org.jfree.data.xy.YIntervalSeriesCollection();
    ds.addSeries(s);
    org.jfree.chart.renderer.xy.XYErrorRenderer r = new org.jfree.chart.renderer.xy.XYErrorRenderer();
    r.setDrawXError(false);
    r.setDrawYError(true);
    r.setSeriesLinesVisible(0, false);
    r.setSeriesShape(0, new java.awt.geom.Ellipse2D.Double(-4, -4, 8, 8));
    r.setSeriesPaint(0, DOWN);
    r.setErrorPaint(Color.DARK_GRAY);
    org.jfree.chart.axis.SymbolAxis x = new org.jfree.chart.axis.SymbolAxis(xLabel, labels);
    x.setRange(-0.5, Math.max(0.5, labels.length - 0.5));
    org.jfree.chart.axis.NumberAxis y = new org.jfree.chart.axis.NumberAxis(yLabel);
    y.setRange(0, 1.02);
    JFreeChart c = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, new XYPlot(ds, x, y, r), true);
    return png(c, 560, 360);
  }

  /**
   * PPV and NPV against the prevalence of the screened population (a log axis from 1 in 10,000 to 1 in 5), from a
   * test's sensitivity and specificity, with the stated prevalence marked.
   */
  public static byte[] predictiveValues(String title, double sensitivity, double specificity, double prevalence) {
    XYSeries ppv = new XYSeries("PPV");
    XYSeries npv = new XYSeries("NPV");
    for (double lg = -4; lg <= Math.log10(0.2) + 1e-9; lg += 0.05) {
      double pi = Math.pow(10, lg);
      ppv.add(pi, io.exocohort.model.kernel.Screening.ppv(sensitivity, specificity, pi));
      npv.add(pi, io.exocohort.model.kernel.Screening.npv(sensitivity, specificity, pi));
    }
    XYSeriesCollection ds = new XYSeriesCollection();
    ds.addSeries(ppv);
    ds.addSeries(npv);
    org.jfree.chart.axis.LogAxis x = new org.jfree.chart.axis.LogAxis("prevalence of cancer in the screened population");
    x.setRange(1e-4, 0.2);
    org.jfree.chart.axis.NumberAxis y = new org.jfree.chart.axis.NumberAxis("predictive value");
    y.setRange(0, 1.02);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    r.setSeriesPaint(0, UP);
    r.setSeriesPaint(1, DOWN);
    XYPlot plot = new XYPlot(ds, x, y, r);
    plot.addDomainMarker(marker(prevalence, Color.DARK_GRAY, "stated prevalence"));
    return png(new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true), 560, 380);
  }

  /**
   * The panel-size curve: out-of-fold AUC and sensitivity at 99% specificity against the panel size, on a log axis
   * with a tick at each size, a point per size; a NaN figure is left out.
   */
  static byte[] panelSizes(String title, List<PanelSizes.Point> points) {
    XYSeries auc = new XYSeries("AUC (out-of-fold)");
    XYSeries sens = new XYSeries("sensitivity at 99% specificity (out-of-fold)");
    double lo = Double.MAX_VALUE;
    double hi = 0;
    for (PanelSizes.Point p : points) {
      if (!Double.isNaN(p.auc())) auc.add(p.size(), p.auc());
      if (!Double.isNaN(p.sensitivity())) sens.add(p.size(), p.sensitivity());
      lo = Math.min(lo, p.size());
      hi = Math.max(hi, p.size());
    }
    XYSeriesCollection ds = new XYSeriesCollection();
    ds.addSeries(auc);
    ds.addSeries(sens);
    List<org.jfree.chart.axis.NumberTick> ticks = points.stream().map(p -> new org.jfree.chart.axis.NumberTick(
        p.size(), String.valueOf(p.size()), TextAnchor.TOP_CENTER, TextAnchor.CENTER, 0.0)).toList();
    org.jfree.chart.axis.LogAxis x = new org.jfree.chart.axis.LogAxis("panel size (features, log scale)") {
      @Override
      public List<org.jfree.chart.axis.NumberTick> refreshTicks(java.awt.Graphics2D g2,
          org.jfree.chart.axis.AxisState state, java.awt.geom.Rectangle2D dataArea,
          org.jfree.chart.ui.RectangleEdge edge) {
        return ticks; // a tick (and grid line) at each size, not at powers of the base
      }
    };
    x.setRange(Math.max(0.5, lo / 1.4), Math.max(hi, 1) * 1.4);
    org.jfree.chart.axis.NumberAxis y = new org.jfree.chart.axis.NumberAxis("out-of-fold figure");
    y.setRange(0, 1.02);
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
    r.setSeriesPaint(0, DOWN);
    r.setSeriesPaint(1, UP);
    for (int i = 0; i < 2; i++) r.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-4, -4, 8, 8));
    XYPlot plot = new XYPlot(ds, x, y, r);
    return png(new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true), 560, 380);
  }

  /** Histogram from bins counted on the cluster, with warn and fail thresholds drawn (null = none). */
  public static byte[] histogram(String title, String xLabel, List<Bin> bins, Double warn, Double... fail) {
    XYIntervalSeries s = new XYIntervalSeries("samples");
    for (Bin b : bins) s.add((b.lo() + b.hi()) / 2, b.lo(), b.hi(), b.count(), 0, b.count());
    XYIntervalSeriesCollection ds = new XYIntervalSeriesCollection();
    ds.addSeries(s);
    JFreeChart c = ChartFactory.createXYBarChart(title, xLabel, false, "samples", ds, PlotOrientation.VERTICAL,
        false, false, false);
    XYPlot plot = c.getXYPlot();
    plot.getRenderer().setSeriesPaint(0, new Color(0x5DADE2));
    ((org.jfree.chart.renderer.xy.XYBarRenderer) plot.getRenderer()).setShadowVisible(false);
    ((org.jfree.chart.renderer.xy.XYBarRenderer) plot.getRenderer()).setBarPainter(
        new org.jfree.chart.renderer.xy.StandardXYBarPainter());
    if (warn != null) plot.addDomainMarker(marker(warn, WARN, "warn"));
    for (Double f : fail) if (f != null) plot.addDomainMarker(marker(f, FAIL, "fail"));
    return png(c, 420, 300);
  }

  private static ValueMarker marker(double v, Color color, String label) {
    ValueMarker m = new ValueMarker(v, color, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
        1f, new float[] {6f, 3f}, 0f));
    m.setLabel(label);
    m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    m.setLabelPaint(color);
    m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
    m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
    return m;
  }

  static byte[] png(JFreeChart c, int w, int h) {
    c.setBackgroundPaint(Color.WHITE);
    c.getPlot().setBackgroundPaint(Color.WHITE);
    if (c.getPlot() instanceof XYPlot xy) {
      xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
      xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
    } else if (c.getPlot() instanceof CategoryPlot cp) {
      cp.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }
    c.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
    BufferedImage img = c.createBufferedImage(w, h);
    try {
      return ChartUtils.encodeAsPNG(img);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
