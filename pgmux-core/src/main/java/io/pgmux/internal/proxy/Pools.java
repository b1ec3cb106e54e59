package io.pgmux.internal.proxy;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** The proxy's thread pools: daemon threads (the proxy runs inside users' JVMs) that time out. */
final class Pools {
  private Pools() {}

  /**
   * A fixed-size pool of daemon threads that end after 30 s without work.
   *
   * @param queue tasks that may wait for a thread, or 0 for no bound; beyond it {@code execute}
   *     throws {@link java.util.concurrent.RejectedExecutionException}
   */
  static ThreadPoolExecutor daemonPool(String namePrefix, int threads, int queue) {
    AtomicInteger ids = new AtomicInteger();
    BlockingQueue<Runnable> tasks =
        queue > 0 ? new ArrayBlockingQueue<>(queue) : new LinkedBlockingQueue<>();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            tasks,
            task -> {
              Thread thread = new Thread(task, namePrefix + ids.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
