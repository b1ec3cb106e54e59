package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.DroppingAddress;
import io.pgmux.test.Jdbc;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The proxy's own limits on the way to a backend: places per backend, and the TCP connect. */
@ExtendWith(Backends.Resolver.class)
class BackendConnectIT {

  @Test
  void perBackendLimitIs53300AndCountsEachBackendApart(Backends backends) throws Exception {
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", backends.router()).withMaxConnectionsPerBackend(1).start()) {
      try (Connection first = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
        assertThatThrownBy(() -> Jdbc.connect(proxy, "md5_user", PASSWORD))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("53300");
                  assertThat(e.getMessage())
                      .contains(
                          "pgmux: too many connections to backend "
                              + backends.current().backend().address()
                              + " (the limit is 1)");
                });
        // The other backend has its own place.
        try (Connection other = Jdbc.connect(proxy, "clear_user", PASSWORD)) {
          assertThat(Jdbc.queryString(other, "SELECT 1")).isEqualTo("1");
        }
        assertThat(Jdbc.queryString(first, "SELECT 1")).isEqualTo("1");
      }
      // A session that ends gives its place back.
      Await.noConnections(proxy);
      try (Connection again = Jdbc.connect(proxy, "md5_user", PASSWORD)) {
        assertThat(Jdbc.queryString(again, "SELECT current_user")).isEqualTo("md5_user");
      }
    }
  }

  @Test
  void backendWhoseSynsAreDroppedIs08001AtTheConnectTimeout() throws Exception {
    try (DroppingAddress dropping = DroppingAddress.create()) {
      String host = dropping.localAddress();
      // The address really swallows connects: neither accepted nor refused within a second.
      try (Socket probe = new Socket()) {
        assertThatThrownBy(() -> probe.connect(new InetSocketAddress(host, 5432), 1_000))
            .isInstanceOf(SocketTimeoutException.class);
      }
      Router router = r -> BackendConfig.of(host, 5432);
      try (ProxyServer proxy =
          new ProxyServer("127.0.0.1:0", router)
              .withConnectTimeout(Duration.ofMillis(500))
              .withStartupTimeout(Duration.ofSeconds(30))
              .start()) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Jdbc.connect(proxy, "alice", PASSWORD))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("08001");
                  assertThat(e.getMessage())
                      .contains(
                          "pgmux: backend "
                              + host
                              + ":5432 did not accept the connection within 500 ms");
                });
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(500)).isLessThan(Duration.ofSeconds(5));
        Await.noConnections(proxy);
      }
    }
  }
}
