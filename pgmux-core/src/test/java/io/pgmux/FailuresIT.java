package io.pgmux;

import static io.pgmux.test.SqlErrors.assertFails;
import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every way routing or connecting can fail ends in a clear ErrorResponse with its SQLSTATE. */
@ExtendWith(Backends.Resolver.class)
class FailuresIT {

  private static void assertRefused(ProxyServer proxy, String user, String sqlState, String message) {
    assertFails(() -> Jdbc.connect(proxy, user, PASSWORD), sqlState, message);
  }

  @Test
  void backendDownIs08001() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Router router = r -> BackendConfig.of("127.0.0.1", closedPort);
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).start()) {
      assertRefused(proxy, "alice", "08001", "pgmux: cannot connect to backend 127.0.0.1:" + closedPort);
    }
  }

  @Test
  void unresolvableBackendIs08001() {
    Router router = r -> BackendConfig.of("no-such-host.invalid", 5432);
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).start()) {
      assertRefused(proxy, "alice", "08001", "cannot resolve backend host \"no-such-host.invalid\"");
    }
  }

  @Test
  void backendThatNeverAcceptsIs08001AtTheConnectTimeout() throws Exception {
    // A listening socket whose backlog is full never completes further connections... on most
    // kernels it does, so use an address that drops packets instead: none is reachable here.
    // A server socket that accepts but never answers covers the startup timeout instead.
    try (ServerSocket silent = new ServerSocket(0)) {
      Router router = r -> BackendConfig.of("127.0.0.1", silent.getLocalPort());
      try (ProxyServer proxy =
          new ProxyServer("127.0.0.1:0", router).withStartupTimeout(Duration.ofSeconds(1)).start()) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Jdbc.connect(proxy, "alice", PASSWORD))
            .isInstanceOf(SQLException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void routerThatThrowsIs08004AndTheCauseStaysInTheLog() {
    Router router =
        r -> {
          throw new IllegalStateException("tenant directory unavailable");
        };
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).start()) {
      SQLException e =
          assertFails(
              () -> Jdbc.connect(proxy, "alice", PASSWORD),
              "08004",
              "pgmux: routing user \"alice\" failed");
      assertThat(e.getMessage()).doesNotContain("tenant directory");
    }
  }

  @Test
  void routerThatHangsIs08004AtTheRouteTimeout() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    Router router =
        r -> {
          try {
            new CountDownLatch(1).await();
          } catch (InterruptedException e) {
            interrupted.countDown();
            throw e;
          }
          return null;
        };
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router).withRouteTimeout(Duration.ofMillis(300)).start()) {
      assertRefused(proxy, "alice", "08004", "pgmux: router did not answer within 300 ms");
      assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("router call interrupted").isTrue();
    }
  }

  @Test
  void tooManyConnectionsIs53300(Backends backends) throws Exception {
    Router router = r -> backends.current().backend();
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router).withMaxConnections(2).start()) {
      try (Connection first = Jdbc.connect(proxy, "scram_user", PASSWORD);
          Connection second = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
        assertRefused(proxy, "scram_user", "53300", "pgmux: too many connections (the limit is 2)");
      }
      // Closing frees the places.
      Await.noConnections(proxy);
      try (Connection again = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
        assertThat(Jdbc.queryString(again, "SELECT 1")).isEqualTo("1");
      }
    }
  }

  @Test
  void closingTellsClientsInStartupWhy57P01(Backends backends) throws Exception {
    ProxyServer proxy = new ProxyServer("127.0.0.1:0", r -> backends.current().backend()).start();
    try (RawClient raw = new RawClient(proxy.port())) {
      // Wait until the proxy has taken the connection, then stop it.
      Await.someConnection(proxy);
      proxy.close();
      assertThat(raw.readErrorOrClose()).isEqualTo("57P01");
    }
  }

  @Test
  void listenerSeesSessionsAndRefusals(Backends backends) throws Exception {
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch ended = new CountDownLatch(1);
    ProxyListener listener =
        new ProxyListener() {
          @Override
          public void sessionStarted(SessionInfo session) {
            events.add("started " + session.user() + " -> " + session.backendUser());
          }

          @Override
          public void sessionEnded(SessionInfo session) {
            events.add("ended " + session.user() + " " + (session.bytesFromBackend() > 0));
            ended.countDown();
          }

          @Override
          public void clientRefused(RouteRequest request, String sqlState, String message) {
            events.add("refused " + request.user() + " " + sqlState);
          }
        };
    StaticRouter router =
        new StaticRouter().put("tenant", backends.current().backend().withUser("scram_user"));
    try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).withListener(listener).start()) {
      try (Connection c = Jdbc.connect(proxy, "tenant", PASSWORD)) {
        assertThat(proxy.sessions())
            .singleElement()
            .satisfies(
                s -> {
                  assertThat(s.user()).isEqualTo("tenant");
                  assertThat(s.backendUser()).isEqualTo("scram_user");
                  assertThat(s.backend()).isEqualTo(backends.current().backend().withUser("scram_user"));
                });
      }
      assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
      assertRefused(proxy, "nobody", "28000", "no route");
    }
    assertThat(events).containsExactly("started tenant -> scram_user", "ended tenant true", "refused nobody 28000");
  }
}
