package io.exocohort.catalog;

import org.apache.spark.sql.SparkSession;

/**
 * A lake's names in the session catalog: its tables and the analysts' {@link Views}, in the database the lake
 * was opened with. Registration writes catalog entries only (no file of the lake): read-only commands register
 * so that {@code SELECT ... FROM exocohort.samples} works in a fresh embedded session, and writing jobs
 * register again after they succeed, so that tables they created are named in the same session.
 */
public final class LakeCatalog {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LakeCatalog.class);

  private LakeCatalog() {}

  /** Opens the lake (read-only) and registers its tables and views. */
  public static Lake open(SparkSession spark, String root, String database) {
    Lake lake = Lake.open(spark, root, database);
    register(lake);
    return lake;
  }

  /**
   * Opens an existing lake for a read-only command ({@code sql}, {@code runs}, {@code history}, {@code check}) and
   * registers its names: a lake folder that does not exist is refused in one line (exit 2), and nothing is created.
   */
  public static Lake openExisting(SparkSession spark, String root, String database) {
    Lake lake = Lake.open(spark, root, database);
    if (!lake.folderExists()) {
      throw new io.exocohort.common.BadInputException("no lake at " + root + " (no such folder: check --lake)");
    }
    register(lake);
    for (Modality m : Modality.values()) {
      if (lake.hasPreMatrixTable(m)) {
        LOG.warn("lake {} was written before the expression matrices: {} is a long table the jobs no longer read; "
            + "run jobs/exocohort upgrade --lake {}", lake.root(), m.view(), lake.root());
      }
    }
    return lake;
  }

  /** Registers every existing table of the lake and the views whose sources exist. */
  public static void register(Lake lake) {
    lake.registerTables();
    Views.refresh(lake);
  }
}
