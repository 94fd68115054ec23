package io.exocohort.common;

/** The process exit codes every subcommand keeps. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The job ran and failed (a bug, a cluster or storage failure). */
  public static final int FAILURE = 1;
  /** Bad usage or bad input: the user can fix it; one line on stderr says what and where. */
  public static final int BAD_INPUT = 2;

  private ExitCodes() {}
}
