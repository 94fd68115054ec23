package io.exocohort.catalog;

/**
 * One commit a job made to a table of the lake: the version it created and the rows it inserted, updated and
 * wrote in total (inserted + updated for a MERGE; every row of the new files for an append or a partition
 * rewrite), and the rows the write read from its source. A MERGE that changed nothing made no commit:
 * {@link #none}.
 */
public record Commit(String table, long version, long rowsInserted, long rowsUpdated, long rowsWritten,
    long sourceRows) {

  /** No commit: the table stayed at {@code version}. */
  public static Commit none(String table, long version) {
    return new Commit(table, version, 0, 0, 0, 0);
  }

  /** A commit that only added rows (append, overwrite, partition rewrite). */
  static Commit written(String table, long version, long rows) {
    return new Commit(table, version, rows, 0, rows, rows);
  }
}
