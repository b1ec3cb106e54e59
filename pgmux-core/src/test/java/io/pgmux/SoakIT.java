package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestTls;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Sessions opening, querying, being cancelled and closing for a while, plain and TLS: no errors
 * for well-behaved clients, and memory and buffers back where they started.
 */
@ExtendWith(Backends.Resolver.class)
class SoakIT {
  private static final Duration DURATION = Duration.ofSeconds(Long.getLong("pgmux.soak.seconds", 120));
  private static final int WORKERS = 150;

  @Test
  void soak(Backends backends) throws Exception {
    StaticRouter router = backends.router();
    ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
    ScheduledExecutorService cancels = Executors.newScheduledThreadPool(4);
    LongAdder sessions = new LongAdder();
    LongAdder queries = new LongAdder();
    LongAdder cancelled = new LongAdder();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).withTls(TestTls.rsa()).start()) {
      long end = System.nanoTime() + DURATION.toNanos();
      List<Future<?>> runs = new ArrayList<>();
      for (int w = 0; w < WORKERS; w++) {
        long seed = w;
        runs.add(workers.submit(() -> {
          SplittableRandom random = new SplittableRandom(seed);
          while (System.nanoTime() < end) {
            String user = random.nextBoolean() ? "scram_user" : "clear_user";
            Properties properties = new Properties();
            properties.setProperty("sslmode", random.nextInt(3) == 0 ? "require" : "disable");
            try (Connection c = Jdbc.connect(proxy, user, PASSWORD, "postgres", properties);
                Statement s = c.createStatement()) {
              sessions.increment();
              for (int q = random.nextInt(1, 6); q > 0; q--) {
                if (random.nextInt(10) == 0) {
                  // A cancel is asynchronous in PostgreSQL too: one sent late may hit the next
                  // query on its connection. So it goes to the session's last query.
                  cancels.schedule(() -> { s.cancel(); return null; }, random.nextInt(5, 50), TimeUnit.MILLISECONDS);
                  try {
                    s.execute("SELECT pg_sleep(0.5)");
                  } catch (SQLException e) {
                    if (!"57014".equals(e.getSQLState())) {
                      throw e;
                    }
                    cancelled.increment();
                  }
                  queries.increment();
                  break;
                } else {
                  int rows = random.nextInt(1, 2_000);
                  String count = Jdbc.queryString(c,
                      "SELECT count(*) FROM (SELECT md5(i::text) FROM generate_series(1, " + rows + ") i) t");
                  if (!count.equals(String.valueOf(rows))) {
                    throw new IllegalStateException("wrong result " + count);
                  }
                }
                queries.increment();
              }
            } catch (Exception e) {
              errors.add(e.toString());
            }
          }
          return null;
        }));
      }
      // Live heap under the same load at a quarter and at three quarters of the run.
      long quarter = DURATION.toMillis() / 4;
      workers.awaitTermination(quarter, TimeUnit.MILLISECONDS); // the workers run on: a timed wait
      long heapEarly = liveHeap();
      workers.awaitTermination(2 * quarter, TimeUnit.MILLISECONDS);
      long heapLate = liveHeap();
      for (Future<?> run : runs) {
        run.get(DURATION.toSeconds() + 60, TimeUnit.SECONDS);
      }
      Await.noConnections(proxy);
      System.out.printf(
          "soak %d s, %d workers: %d sessions, %d queries, %d cancelled, %d errors, live heap %d -> %d KiB, stats %s%n",
          DURATION.toSeconds(), WORKERS, sessions.sum(), queries.sum(), cancelled.sum(), errors.size(),
          heapEarly / 1024, heapLate / 1024, proxy.stats());
      assertThat(heapLate).as("live heap late in the run").isLessThan(heapEarly + 32L * 1024 * 1024);
    } finally {
      workers.shutdownNow();
      cancels.shutdownNow();
    }
    assertThat(errors).as("errors of well-behaved clients").isEmpty();
    assertThat(sessions.sum()).isGreaterThan(WORKERS);
    assertThat(cancelled.sum()).isPositive();
    assertThat(BufferPool.liveBuffers()).isZero();
  }

  private static long liveHeap() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
