package io.exocohort.common;

/** The process exit codes every subcommand keeps. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The job ran and failed (a bug, a cluster or storage failure). */
  public static final int FAILURE = 1;
  /** Bad usage or bad input: the user can fix it; one line on stderr says what and where. */
  public static final int BAD_INPUT = 2;
  /**
   * The given {@code --run-id} is already recorded in {@code job_runs} as succeeded: nothing was read, written or
   * recorded (one line on stderr says so). A scheduler re-running a finished stage under its run id may take it as
   * done; the Airflow DAG does.
   */
  public static final int ALREADY_RECORDED = 3;

  private ExitCodes() {}
}
