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

  @Test
  void aRetriedWriteInsideAnotherIsTriedOnceAndTheOuterOneRetries() {
    AtomicInteger outer = new AtomicInteger();
    AtomicInteger inner = new AtomicInteger();
    int v = DeltaRetry.run("samples", () -> {
      outer.incrementAndGet();
      return DeltaRetry.run("samples", () -> {
        if (inner.incrementAndGet() < 3) throw new ConcurrentModificationException("x");
        return 5;
      }, 6, 1);
    }, 6, 1);
    assertEquals(5, v);
    assertEquals(3, outer.get(), "each conflict goes back to the outer step");
    assertEquals(3, inner.get());
    // and the thread is out of the retried write afterwards: a new one retries by itself again
    AtomicInteger alone = new AtomicInteger();
    DeltaRetry.run("samples", () -> {
      if (alone.incrementAndGet() < 2) throw new ConcurrentModificationException("x");
      return 1;
    }, 6, 1);
    assertEquals(2, alone.get());
  }
}
