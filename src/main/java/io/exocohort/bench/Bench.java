package io.exocohort.bench;

import java.lang.management.ManagementFactory;
import java.util.function.Supplier;

/** Timing and peak-heap measurement for the benchmark commands (never used by tests). */
public final class Bench {
  private Bench() {}

  /**
   * A measured phase: wall seconds, the CPU seconds of this JVM (all threads: on a shared machine, the figure
   * that moves least with other load) and the peak heap used during it (bytes, summed over heap pools).
   */
  public record Measure<T>(String name, double seconds, double cpuSeconds, long peakHeapBytes, T value) {
    public double peakHeapMb() {
      return peakHeapBytes / (1024.0 * 1024.0);
    }
  }

  /**
   * Runs {@code work}, timing it; the peak is the largest total heap in use seen by a 20 ms sampler (live
   * data plus garbage not yet collected: an upper bound of what the phase needs).
   */
  public static <T> Measure<T> measure(String name, Supplier<T> work) {
    System.gc();
    java.util.concurrent.atomic.AtomicLong peak = new java.util.concurrent.atomic.AtomicLong();
    java.lang.management.MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "heap-sampler");
    sampler.setDaemon(true);
    sampler.start();
    long c0 = cpuNanos();
    long t0 = System.nanoTime();
    T v = work.get();
    double s = (System.nanoTime() - t0) / 1e9;
    double cpu = (cpuNanos() - c0) / 1e9;
    sampler.interrupt();
    return new Measure<>(name, s, cpu, peak.get(), v);
  }

  /** CPU time of this JVM so far (nanoseconds), or 0 where the platform does not say. */
  static long cpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : 0L;
  }

  public static long maxHeapBytes() {
    return Runtime.getRuntime().maxMemory();
  }
}
