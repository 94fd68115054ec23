package io.exocohort.common;

import java.util.ConcurrentModificationException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bounded retries of a Delta write that lost a race with another writer. Delta's optimistic concurrency
 * control rejects a commit whose reads a concurrent commit invalidated ({@code ConcurrentAppendException},
 * {@code ProtocolChangedException} when two writers create one table, {@code MetadataChangedException}, ...; all
 * {@link ConcurrentModificationException}s) and nothing of the losing attempt becomes visible, so the write can
 * simply run again against the new snapshot. Two sessions creating one catalog entry at once are retried too.
 *
 * <p>After {@link #MAX_ATTEMPTS} attempts (randomised exponential back-off from 200 ms) the run fails with one
 * line naming the table and the competing-writer cause. A retried write inside another one on the same thread (a
 * job's step that reads and then writes through {@code RunScope}, whose writes retry themselves) is tried once: the
 * outer one retries the whole step.
 */
public final class DeltaRetry {
  private static final Logger LOG = LoggerFactory.getLogger(DeltaRetry.class);
  /** Attempts per write, the first included. */
  public static final int MAX_ATTEMPTS = 6;
  /** Whether this thread is inside a retried write (a nested one is tried once). */
  private static final ThreadLocal<Boolean> RETRYING = ThreadLocal.withInitial(() -> false);

  private DeltaRetry() {}

  /** Runs {@code write} (which must be safe to repeat: it commits once or not at all) with bounded retries. */
  public static <T> T run(String table, Supplier<T> write) {
    return run(table, write, MAX_ATTEMPTS, 200);
  }

  /** As {@link #run(String, Supplier)} with the number of attempts and the first back-off given. */
  public static <T> T run(String table, Supplier<T> write, int maxAttempts, long firstBackoffMillis) {
    if (RETRYING.get()) return write.get();
    RETRYING.set(true);
    try {
      return attempts(table, write, maxAttempts, firstBackoffMillis);
    } finally {
      RETRYING.set(false);
    }
  }

  private static <T> T attempts(String table, Supplier<T> write, int maxAttempts, long firstBackoffMillis) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (Exception e) { // AnalysisException (a checked exception) is thrown undeclared by Spark and Delta
        Throwable conflict = conflict(e);
        if (conflict == null) throw DeltaRetry.<RuntimeException>sneaky(e);
        if (attempt >= maxAttempts) {
          throw new ConcurrentWriteFailure("table " + table + ": gave up after " + attempt
              + " attempts, other writers kept committing conflicting changes (last: "
              + conflict.getClass().getSimpleName() + "); run the job again when they are done", e);
        }
        long sleep = Math.min(5_000L, firstBackoffMillis << (attempt - 1));
        sleep = sleep / 2 + ThreadLocalRandom.current().nextLong(sleep / 2 + 1);
        LOG.warn("table {}: concurrent writer ({}), attempt {} of {} again in {} ms", table,
            conflict.getClass().getSimpleName(), attempt + 1, maxAttempts, sleep);
        try {
          Thread.sleep(sleep);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw DeltaRetry.<RuntimeException>sneaky(e);
        }
      }
    }
  }

  /** Rethrows {@code e} as it is, checked or not. */
  @SuppressWarnings("unchecked")
  private static <E extends Throwable> E sneaky(Throwable e) throws E {
    throw (E) e;
  }

  /** Runs a write that returns nothing, with bounded retries. */
  public static void run(String table, Runnable write) {
    run(table, () -> {
      write.run();
      return null;
    });
  }

  /** The conflict in the cause chain that makes a retry worthwhile, or null. */
  static Throwable conflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConcurrentModificationException) return t;
      // two sessions registering or creating the same table at once: the loser sees it exists
      if (t instanceof org.apache.spark.sql.catalyst.analysis.TableAlreadyExistsException) return t;
      // another job is creating the table right now: its folder exists before its first commit does
      if (t.getMessage() != null && t.getMessage().contains("DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION")) return t;
      if (t.getCause() == t) break;
    }
    return null;
  }

  /** The retries ran out: other writers kept winning. */
  public static final class ConcurrentWriteFailure extends RuntimeException {
    public ConcurrentWriteFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
