package io.exocohort.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.exocohort.common.DeltaRetry;
import java.util.ConcurrentModificationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Conflicting commits are retried a bounded number of times, then fail with one line naming the table. */
class DeltaRetryTest {
  @Test
  void conflictsAreRetriedUntilTheWriteCommits() {
    AtomicInteger calls = new AtomicInteger();
    int v = DeltaRetry.run("samples", () -> {
      if (calls.incrementAndGet() < 3) throw new RuntimeException("wrapped", new ConcurrentModificationException("x"));
      return 7;
    }, 5, 1);
    assertEquals(7, v);
    assertEquals(3, calls.get());
  }

  @Test
  void retriesAreBoundedAndTheErrorIsClear() {
    AtomicInteger calls = new AtomicInteger();
    DeltaRetry.ConcurrentWriteFailure e = assertThrows(DeltaRetry.ConcurrentWriteFailure.class,
        () -> DeltaRetry.run("mirna_counts", () -> {
          calls.incrementAndGet();
          throw new ConcurrentModificationException("conflict");
        }, 4, 1));
    assertEquals(4, calls.get());
    assertTrue(e.getMessage().startsWith("table mirna_counts: gave up after 4 attempts"), e.getMessage());
    assertTrue(e.getMessage().lines().count() == 1);
  }

  @Test
  void otherFailuresAreNotRetried() {
    AtomicInteger calls = new AtomicInteger();
    IllegalStateException boom = new IllegalStateException("disk full");
    assertSame(boom, assertThrows(IllegalStateException.class, () -> DeltaRetry.run("samples", () -> {
      calls.incrementAndGet();
      throw boom;
    }, 4, 1)));
    assertEquals(1, calls.get());
  }
}
