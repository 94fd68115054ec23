package io.exocohort.common;

/**
 * The given {@code --run-id} is already recorded in {@code job_runs} as succeeded: the job refused it before it read
 * or wrote anything. The runner prints the message as one line and exits with {@link ExitCodes#ALREADY_RECORDED}, so
 * that a scheduler's retry or backfill of a finished stage can tell "done before" from bad input.
 */
public class AlreadyRecordedException extends BadInputException {
  public AlreadyRecordedException(String message) {
    super(message);
  }
}
