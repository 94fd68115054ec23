package io.exocohort.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The tasks' classes and labels on in-memory samples (no lake). */
class TasksTest {
  static final StructType META = new StructType().add("cohort", DataTypes.StringType)
      .add("sample_id", DataTypes.StringType).add("subject_key", DataTypes.StringType)
      .add("cancer_type", DataTypes.StringType).add("stage", DataTypes.StringType);
  static final List<String> TYPES = List.of("adenoma", "breast", "healthy", "pancreatic");
  static final Set<String> NON_CANCER = Set.of("adenoma");

  /** Two samples of each group: healthy, breast, pancreatic and adenoma (premalignant). */
  static Dataset<Row> meta(SparkSession spark) {
    List<Row> rows = new ArrayList<>();
    int i = 0;
    for (String t : TYPES) {
      for (int r = 0; r < 2; r++, i++) {
        rows.add(RowFactory.create("c", "S" + i, "k" + i, t, t.equals("healthy") ? null : "I"));
      }
    }
    return spark.createDataFrame(rows, META);
  }

  /** sample_id -> label of the labelled rows. */
  static Map<String, Double> labels(Dataset<Row> labelled) {
    Map<String, Double> m = new TreeMap<>();
    for (Row r : labelled.select("sample_id", "label").collectAsList()) m.put(r.getString(0), r.getDouble(1));
    return m;
  }

  @Test
  void parseAcceptsTheThreeFormsOnly() {
    assertEquals("detect", Tasks.parse(" Detect "));
    assertEquals("breast_vs_healthy", Tasks.parse("breast_vs_healthy"));
    BadInputException e = assertThrows(BadInputException.class, () -> Tasks.parse("prognosis"));
    assertEquals("--task must be detect, origin or <cancer_type>_vs_healthy, not 'prognosis'", e.getMessage());
  }

  @Test
  void detectIsAnyCancerAgainstHealthyWithoutPremalignant(SparkSession spark) {
    Tasks.Task t = Tasks.of("detect", TYPES, NON_CANCER, List.of("c"));
    assertArrayEquals(new String[] {"healthy", "cancer"}, t.classes());
    // S0, S1 adenoma left out; S2, S3 breast; S4, S5 healthy; S6, S7 pancreatic
    assertEquals(Map.of("S2", 1.0, "S3", 1.0, "S4", 0.0, "S5", 0.0, "S6", 1.0, "S7", 1.0),
        labels(Tasks.labelled(meta(spark), t, NON_CANCER)));
  }

  @Test
  void originLabelsTheCancersInSortedOrder(SparkSession spark) {
    Tasks.Task t = Tasks.of("origin", TYPES, NON_CANCER, List.of("c"));
    assertArrayEquals(new String[] {"breast", "pancreatic"}, t.classes());
    Dataset<Row> l = Tasks.labelled(meta(spark), t, NON_CANCER);
    assertEquals(Map.of("S2", 0.0, "S3", 0.0, "S6", 1.0, "S7", 1.0), labels(l));
    assertEquals(List.of("breast|I", "pancreatic|I"), l.select("stratum").distinct().orderBy("stratum")
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    // the class names invert the labels
    assertEquals(List.of("breast", "breast", "pancreatic", "pancreatic"), l.orderBy("sample_id")
        .select(Tasks.className(t.classes())).as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  @Test
  void oneTypeAgainstHealthyKeepsOnlyThoseTwo(SparkSession spark) {
    Tasks.Task t = Tasks.of("adenoma_vs_healthy", TYPES, NON_CANCER, List.of("c"));
    assertArrayEquals(new String[] {"healthy", "adenoma"}, t.classes());
    assertEquals(Map.of("S0", 1.0, "S1", 1.0, "S4", 0.0, "S5", 0.0),
        labels(Tasks.labelled(meta(spark), t, NON_CANCER)));
  }

  @Test
  void aMissingTypeOrASingleClassIsBadInput() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> Tasks.of("glioma_vs_healthy", TYPES, NON_CANCER, List.of("c")));
    assertEquals("--task glioma_vs_healthy: no usable glioma samples in [c] (cancer types: adenoma, breast, "
        + "healthy, pancreatic)", e.getMessage());
    e = assertThrows(BadInputException.class,
        () -> Tasks.of("origin", List.of("breast", "healthy"), Set.of(), List.of("c")));
    assertTrue(e.getMessage().startsWith("--task origin: need at least 2 classes, found breast"), e.getMessage());
  }
}
