package io.exocohort.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

/** The runner's one-line error: wrappers without a message of their own give way to the cause that has one. */
class JobRunnerTest {
  @Test
  void anEmptyOrWrapperMessageGivesTheInnermostMeaningfulCause() {
    IllegalArgumentException cause = new IllegalArgumentException("degrees of freedom (0)");
    // what train ended with: Spark's ThreadUtils.awaitResult wraps the fold's failure
    SparkException spark = new SparkException("Exception thrown in awaitResult: ", cause);
    assertEquals("degrees of freedom (0)", JobRunner.oneLine(spark));
    assertEquals(ExitCodes.FAILURE, JobRunner.exitCode(spark));
    // a wrapper whose message is its cause's toString(), around an empty-message wrapper
    assertEquals("degrees of freedom (0)", JobRunner.oneLine(new ExecutionException(new RuntimeException("",
        cause))));
    assertEquals("degrees of freedom (0)", JobRunner.oneLine(new RuntimeException((String) null, spark)));
    // the innermost meaningful one, not the first: the middle has only a wrapper message
    assertEquals("disk full", JobRunner.oneLine(new RuntimeException("Job aborted:",
        new RuntimeException("", new java.io.IOException("disk full")))));
  }

  @Test
  void aMeaningfulOuterMessageIsKeptAndNothingMeaningfulGivesTheRoot() {
    assertEquals("cannot save the model to /x", JobRunner.oneLine(new java.io.UncheckedIOException(
        "cannot save the model to /x", new java.io.IOException("Permission denied"))));
    assertEquals("java.lang.NullPointerException", JobRunner.oneLine(new SparkException(
        "Exception thrown in awaitResult: ", new NullPointerException())));
    assertEquals("first line", JobRunner.oneLine(new IllegalStateException("first line\nsecond")));
    // bad input anywhere in the chain still wins, and keeps exit 2
    SparkException wrapped = new SparkException("Exception thrown in awaitResult: ", new BadInputException("bad"));
    assertEquals("bad", JobRunner.oneLine(wrapped));
    assertEquals(ExitCodes.BAD_INPUT, JobRunner.exitCode(wrapped));
    // a run id recorded as succeeded before is bad input of its own kind: exit 3, the same one line
    AlreadyRecordedException done = new AlreadyRecordedException("--run-id qc-1 is already recorded");
    assertEquals(ExitCodes.ALREADY_RECORDED, JobRunner.exitCode(new SparkException("wrapped", done)));
    assertEquals("--run-id qc-1 is already recorded", JobRunner.oneLine(done));
  }

  @Test
  void aSparkParseErrorStartingWithALineBreakKeepsItsFirstLine() {
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> org.apache.spark.sql.catalyst.parser.CatalystSqlParser$.MODULE$.parsePlan("SELEC x"));
    String line = JobRunner.oneLine(e);
    org.junit.jupiter.api.Assertions.assertTrue(line.startsWith("[PARSE_SYNTAX_ERROR]"), line);
    assertEquals(ExitCodes.BAD_INPUT, JobRunner.exitCode(e));
  }
}
