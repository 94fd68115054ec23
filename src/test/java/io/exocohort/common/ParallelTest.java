package io.exocohort.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ParallelTest {
  @Test
  void everyTaskRunsAndOutcomesKeepTheTasksOrderWhenOneFails() {
    IllegalStateException boom = new IllegalStateException("boom");
    AtomicInteger ran = new AtomicInteger();
    List<Callable<Integer>> tasks = List.of(() -> {
      Thread.sleep(50); // ends after the others: order is the tasks', not completion's
      ran.incrementAndGet();
      return 1;
    }, () -> {
      ran.incrementAndGet();
      throw boom;
    }, () -> {
      ran.incrementAndGet();
      return 3;
    });
    List<Parallel.Outcome<Integer>> out = Parallel.all(tasks, 2, "t");
    assertEquals(3, ran.get());
    assertEquals(1, out.get(0).value());
    assertNull(out.get(0).error());
    assertSame(boom, out.get(1).error());
    assertNull(out.get(1).value());
    assertEquals(3, out.get(2).value());
  }

  @Test
  void atMostThreadsTasksRunAtOnce() throws Exception {
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(2);
    Callable<Integer> task = () -> {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      started.countDown();
      started.await(5, TimeUnit.SECONDS); // two meet here, so two do run at once
      Thread.sleep(20);
      running.decrementAndGet();
      return 0;
    };
    Parallel.all(List.of(task, task, task, task, task, task), 2, "t");
    assertEquals(2, most.get());
  }

  @Test
  void noTasksNoOutcomes() {
    assertEquals(List.of(), Parallel.all(List.<Callable<Integer>>of(), 4, "t"));
  }
}
