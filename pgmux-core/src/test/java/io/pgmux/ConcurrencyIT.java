package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Backends.Resolver.class)
class ConcurrencyIT {
  private static final int SESSIONS = 200;

  @Test
  void servesTwoHundredConcurrentSessionsOnTwoBackends(Backends backends) throws Exception {
    StaticRouter router = backends.router();
    ExecutorService clients = Executors.newFixedThreadPool(SESSIONS);
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).withEventLoops(2).start()) {
      CountDownLatch allOpen = new CountDownLatch(SESSIONS);
      CountDownLatch release = new CountDownLatch(1);
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < SESSIONS; i++) {
        String user = i % 2 == 0 ? "scram_user" : "clear_user";
        results.add(
            clients.submit(
                () -> {
                  try (Connection c = Jdbc.connect(proxy, user, PASSWORD)) {
                    String version = Jdbc.queryString(c, "SHOW server_version_num");
                    allOpen.countDown();
                    if (!release.await(60, TimeUnit.SECONDS)) {
                      throw new IllegalStateException("never released");
                    }
                    return user + "=" + version.substring(0, 2) + ":" + Jdbc.queryString(c, "SELECT current_user");
                  }
                }));
      }
      assertThat(allOpen.await(60, TimeUnit.SECONDS)).as("all sessions open").isTrue();
      assertThat(proxy.sessions()).hasSize(SESSIONS);
      assertThat(proxy.stats().active()).isEqualTo(SESSIONS);
      release.countDown();
      for (Future<String> result : results) {
        String line = result.get(60, TimeUnit.SECONDS);
        assertThat(line).isIn("scram_user=18:scram_user", "clear_user=14:clear_user");
      }
      assertThat(proxy.stats().sessions()).isEqualTo(SESSIONS);
    } finally {
      clients.shutdownNow();
      assertThat(clients.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }
  }
}
