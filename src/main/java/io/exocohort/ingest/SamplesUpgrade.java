package io.exocohort.ingest;

import io.exocohort.catalog.Lake;
import io.exocohort.catalog.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegralType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a {@code samples} table written by an earlier exocohort to the declared schema before ingest writes to
 * it: {@code age} INT becomes DOUBLE by Delta type widening (the {@code typeWidening} table feature:
 * {@code delta.enableTypeWidening} then {@code ALTER COLUMN age TYPE DOUBLE}; no data file is rewritten, old
 * files are read as doubles), and the columns added since ({@code category}, {@code age_band}) are added, nullable,
 * at their declared places. Each step is a metadata-only commit, done once; a table already current is untouched.
 */
final class SamplesUpgrade {
  private static final Logger LOG = LoggerFactory.getLogger(SamplesUpgrade.class);

  private SamplesUpgrade() {}

  /** Upgrades the lake's samples table if it needs it; returns whether it did anything. */
  static boolean run(Lake lake) {
    if (!lake.exists(Tables.SAMPLES)) return false;
    StructType have = lake.read(Tables.SAMPLES).schema();
    String t = lake.qualified(Tables.SAMPLES);
    boolean changed = false;
    StructField age = field(have, "age");
    if (age != null && age.dataType() instanceof IntegralType) {
      // The type change of a column a CHECK constraint names is refused: the constraint is dropped around it and
      // added back as declared (re-checked on the table's rows).
      String constraint = "age_range";
      Map<String, String> props = lake.delta(Tables.SAMPLES).detail().select("properties").head().getJavaMap(0);
      boolean hasConstraint = props.containsKey("delta.constraints." + constraint);
      lake.spark().sql("ALTER TABLE " + t + " SET TBLPROPERTIES ('delta.enableTypeWidening' = 'true')");
      if (hasConstraint) lake.spark().sql("ALTER TABLE " + t + " DROP CONSTRAINT " + constraint);
      lake.spark().sql("ALTER TABLE " + t + " ALTER COLUMN age TYPE DOUBLE");
      lake.spark().sql("ALTER TABLE " + t + " ALTER COLUMN age COMMENT '" + comment("age") + "'");
      lake.spark().sql("ALTER TABLE " + t + " ADD CONSTRAINT " + constraint + " CHECK ("
          + Tables.SAMPLES.constraints().get(constraint) + ")");
      LOG.warn("samples: age widened from {} to DOUBLE (Delta type widening)", age.dataType().simpleString());
      changed = true;
    }
    List<String> add = new ArrayList<>();
    String previous = null;
    for (StructField f : Tables.SAMPLES.schema().fields()) {
      if (field(have, f.name()) == null) {
        if (!f.dataType().equals(DataTypes.StringType) || !f.nullable()) {
          throw new IllegalStateException("samples: cannot add column " + f.name() + " to an existing table");
        }
        add.add("`" + f.name() + "` STRING COMMENT '" + comment(f.name()) + "'"
            + (previous == null ? " FIRST" : " AFTER `" + previous + "`"));
      }
      previous = f.name();
    }
    if (!add.isEmpty()) {
      // one at a time: each AFTER names a column that exists by then
      for (String a : add) lake.spark().sql("ALTER TABLE " + t + " ADD COLUMNS (" + a + ")");
      LOG.warn("samples: added column(s) {}", add.stream().map(a -> a.substring(1, a.indexOf('`', 1))).toList());
      changed = true;
    }
    return changed;
  }

  private static StructField field(StructType s, String name) {
    for (StructField f : s.fields()) if (f.name().equals(name)) return f;
    return null;
  }

  private static String comment(String column) {
    return Tables.SAMPLES.schema().apply(column).getComment().get().replace("\\", "\\\\").replace("'", "\\'");
  }
}
