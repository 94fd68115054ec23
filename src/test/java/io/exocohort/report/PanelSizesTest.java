package io.exocohort.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The panel-size curve read back from {@code model_runs.metrics}, and its chart. */
class PanelSizesTest {
  @Test
  void readsEverySizeInNumericOrderAndIgnoresOtherKeys() {
    Map<String, Double> m = new HashMap<>();
    m.put("panel.20.cv_auc", 0.91);
    m.put("panel.20.cv_sens_at_99", 0.40);
    m.put("panel.5.cv_auc", 0.80);
    m.put("panel.5.cv_sens_at_99", 0.25);
    m.put("panel.100.cv_auc", 0.93);
    m.put("panel.10.cv_sens_at_99", null); // recorded without a value: NaN
    m.put("panel.10.cv_auc", 0.85);
    m.put("cv.roc_auc", 0.9);
    m.put("panel.x.cv_auc", 0.5);
    m.put("panel.7.cv_brier", 0.1);
    List<PanelSizes.Point> p = PanelSizes.of(m);
    assertEquals(List.of(5, 10, 20, 100), p.stream().map(PanelSizes.Point::size).toList());
    assertEquals(new PanelSizes.Point(5, 0.80, 0.25), p.get(0));
    assertEquals(new PanelSizes.Point(20, 0.91, 0.40), p.get(2));
    assertTrue(Double.isNaN(p.get(1).sensitivity()) && p.get(1).auc() == 0.85, p.toString());
    assertTrue(Double.isNaN(p.get(3).sensitivity()) && p.get(3).auc() == 0.93, p.toString());
    assertEquals(List.of(), PanelSizes.of(Map.of("cv.roc_auc", 0.9)));
  }

  @Test
  void drawsTheCurveOnALogAxis() throws Exception {
    byte[] png = Charts.panelSizes("Panel size", List.of(new PanelSizes.Point(5, 0.8, 0.2),
        new PanelSizes.Point(50, 0.9, Double.NaN), new PanelSizes.Point(200, 0.92, 0.5)));
    var img = ImageIO.read(new ByteArrayInputStream(png));
    assertEquals(560, img.getWidth());
    assertEquals(380, img.getHeight());
    assertEquals("0.800", ScreeningSection.fmt(0.8));
    assertEquals("-", ScreeningSection.fmt(Double.NaN));
  }
}
