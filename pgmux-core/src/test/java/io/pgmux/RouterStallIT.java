package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A router that hangs, and ignores interrupts while it does, must not hold up cancel requests,
 * and logins beyond what the router can queue are refused at once.
 */
@ExtendWith(Backends.Resolver.class)
class RouterStallIT {
  private final CountDownLatch unstick = new CountDownLatch(1);
  private final AtomicInteger stuck = new AtomicInteger();
  private ProxyServer proxy;
  private BackendConfig backend;

  @BeforeEach
  void startProxy(Backends backends) {
    backend = backends.current().backend();
    StaticRouter routes = backends.router();
    Router router =
        request -> {
          if (request.user().equals("stuck")) {
            stuck.incrementAndGet();
            while (true) {
              try {
                unstick.await();
                return null;
              } catch (InterruptedException e) {
                // a stuck router that does not listen
              }
            }
          }
          return routes.route(request);
        };
    proxy =
        new ProxyServer("127.0.0.1:0", router)
            .withRouterThreads(1)
            .withRouteTimeout(Duration.ofSeconds(30))
            .start();
  }

  @AfterEach
  void stop() {
    unstick.countDown();
    proxy.close();
  }

  @Test
  void cancelsGoThroughWhileTheRouterIsStuck() throws Exception {
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD);
        Statement statement = c.createStatement()) {
      List<RawClient> waiting = new ArrayList<>();
      try {
        RawClient first = new RawClient(proxy.port());
        waiting.add(first);
        first.send(RawClient.startupMessage(0, "user", "stuck"));
        Await.until("the router is stuck", Duration.ofSeconds(10), () -> stuck.get() == 1);
        CompletableFuture<Void> cancelled =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    // Asked of the backend directly: the proxy's routing is what stalls here.
                    try (Connection watcher = DriverManager.getConnection(
                        "jdbc:postgresql://" + backend.host() + ":" + backend.port() + "/postgres", "postgres", "")) {
                      Jdbc.awaitActive(watcher, "SELECT pg_sleep(30)");
                    }
                    statement.cancel();
                  } catch (SQLException e) {
                    throw new IllegalStateException(e);
                  }
                });
        long start = System.nanoTime();
        assertThatThrownBy(() -> statement.execute("SELECT pg_sleep(30)"))
            .isInstanceOfSatisfying(
                SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        cancelled.get(5, TimeUnit.SECONDS);
      } finally {
        for (RawClient client : waiting) {
          client.close();
        }
      }
    }
  }

  @Test
  void loginsBeyondTheRouterQueueAreRefusedAtOnce() throws Exception {
    List<RawClient> waiting = new ArrayList<>();
    try {
      // One login holds the only router thread; the queue takes 16 per thread.
      for (int i = 0; i < 17; i++) {
        RawClient client = new RawClient(proxy.port());
        waiting.add(client);
        client.send(RawClient.startupMessage(0, "user", "stuck"));
        if (i == 0) {
          Await.until("the router is stuck", Duration.ofSeconds(10), () -> stuck.get() == 1);
        }
      }
      Await.until("17 logins wait", Duration.ofSeconds(10), () -> proxy.stats().active() == 17);
      long start = System.nanoTime();
      try (RawClient late = new RawClient(proxy.port())) {
        late.send(RawClient.startupMessage(0, "user", "stuck"));
        RawClient.Message error = late.read();
        assertThat(error.type()).isEqualTo('E');
        assertThat(error.fields().get('C')).isEqualTo("53300");
        assertThat(error.fields().get('M')).startsWith("pgmux: too many logins waiting for the router");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    } finally {
      for (RawClient client : waiting) {
        client.close();
      }
    }
  }


}
