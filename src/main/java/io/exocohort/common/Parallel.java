package io.exocohort.common;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Independent driver-side tasks (each a few small Spark jobs on its own table) run a few at a time in daemon
 * threads, waited for all: a failed run's restores ({@code RunScope}), the tests' table summaries.
 */
public final class Parallel {
  private Parallel() {}

  /** What one task gave: its value, or the error it threw (then {@code value} is null). */
  public record Outcome<T>(T value, Throwable error) {}

  /**
   * Runs every task, at most {@code threads} at a time, and returns their outcomes in the tasks' order once all
   * have ended: a failing task does not stop the others. Interrupted while waiting, it returns the outcomes so
   * far, the rest marked with the {@link InterruptedException}, and keeps the thread's interrupt flag.
   */
  public static <T> List<Outcome<T>> all(List<Callable<T>> tasks, int threads, String threadName) {
    List<Outcome<T>> out = new ArrayList<>();
    if (tasks.isEmpty()) return out;
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, tasks.size()), r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (Callable<T> task : tasks) futures.add(pool.submit(task));
      for (Future<T> f : futures) {
        try {
          out.add(new Outcome<>(f.get(), null));
        } catch (ExecutionException e) {
          out.add(new Outcome<>(null, e.getCause()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          while (out.size() < tasks.size()) out.add(new Outcome<>(null, e));
          return out;
        }
      }
      return out;
    } finally {
      pool.shutdown();
    }
  }

  /**
   * Runs {@code side} (a small write: mostly Delta commit latency on the driver) in a second driver thread while
   * {@code main} (a large write) runs in this one, and returns {@code main}'s result. It waits for both, so that
   * a side commit that lands is in the run's scope before a failure restores the tables; the first failure is
   * rethrown.
   */
  public static <T> T beside(Runnable side, java.util.function.Supplier<T> main) {
    java.util.concurrent.CompletableFuture<Void> f = java.util.concurrent.CompletableFuture.runAsync(side);
    T out;
    try {
      out = main.get();
    } catch (Throwable e) { // also SparkException, which Spark throws undeclared
      try {
        f.join();
      } catch (java.util.concurrent.CompletionException failed) {
        e.addSuppressed(failed.getCause() == null ? failed : failed.getCause());
      }
      throw e;
    }
    try {
      f.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof RuntimeException re) throw re;
      if (e.getCause() instanceof Error er) throw er;
      throw e;
    }
    return out;
  }
}
