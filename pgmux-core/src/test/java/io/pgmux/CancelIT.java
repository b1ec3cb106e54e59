package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A cancel request opens a new connection carrying only a key; it must reach the right backend. */
@ExtendWith(Backends.Resolver.class)
class CancelIT {
  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withTls(TestTls.rsa()).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"scram_user:disable", "clear_user:disable", "scram_user:require"})
  void cancelsALongQueryWithinTwoSeconds(String userAndSslmode) throws Exception {
    String[] parts = userAndSslmode.split(":");
    Properties properties = new Properties();
    properties.setProperty("sslmode", parts[1]);
    try (Connection c = Jdbc.connect(proxy, parts[0], PASSWORD, "postgres", properties);
        Statement statement = c.createStatement()) {
      CompletableFuture<Void> cancelled =
          CompletableFuture.runAsync(
              () -> {
                try {
                  // A second session on the same backend watches for the sleeping query.
                  try (Connection watcher = Jdbc.connect(proxy, c.getMetaData().getUserName(), PASSWORD)) {
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
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      cancelled.get(5, TimeUnit.SECONDS);
      // The session survives its cancelled query.
      assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
    }
    assertThat(proxy.stats().cancelsForwarded()).isEqualTo(1);
  }

  @Test
  void cancelsWithTheLongKeysOfProtocol32() throws Exception {
    try (RawClient session = new RawClient(proxy.port()).login(2, "postgres", "postgres")) {
      assertThat(session.secretKey()).hasSizeGreaterThan(4); // PostgreSQL 18 issues 32 bytes in 3.2
      session.query("SELECT pg_sleep(30)");
      RawClient.Message error =
          session.cancelUntilEnded(proxy.port());
      assertThat(error).isNotNull();
      assertThat(error.fields().get('C')).isEqualTo("57014");
    }
  }

  @Test
  void unknownKeysAreDroppedSilently() throws Exception {
    try (RawClient cancel = new RawClient(proxy.port())) {
      cancel.send(new byte[] {0, 0, 0, 16, 0x04, (byte) 0xd2, 0x16, 0x2e, 0, 0, 0, 1, 1, 2, 3, 4});
      assertThat(cancel.readErrorOrClose()).isEqualTo("closed");
    }
    assertThat(proxy.stats().cancelsForwarded()).isZero();
  }
}
