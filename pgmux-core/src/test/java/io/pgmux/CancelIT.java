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
                  awaitActiveQuery(c);
                  statement.cancel();
                } catch (SQLException | InterruptedException e) {
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

  /** Waits (bounded) until the backend of {@code c} is running a query. */
  private void awaitActiveQuery(Connection c) throws SQLException, InterruptedException {
    // A second session on the same backend watches pg_stat_activity for the sleeping query.
    String user = c.getMetaData().getUserName();
    try (Connection watcher = Jdbc.connect(proxy, user, PASSWORD)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        String count =
            Jdbc.queryString(
                watcher,
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'");
        if (!count.equals("0")) {
          return;
        }
        Thread.onSpinWait();
      }
      throw new IllegalStateException("the query never started");
    }
  }

  @Test
  void cancelsWithTheLongKeysOfProtocol32() throws Exception {
    try (RawClient session = new RawClient(proxy.port()).login(2, "postgres", "postgres")) {
      assertThat(session.secretKey()).hasSizeGreaterThan(4); // PostgreSQL 18 issues 32 bytes in 3.2
      session.query("SELECT pg_sleep(30)");
      long start = System.nanoTime();
      // Repeat until the query is running: a cancel that arrives first is a no-op, as in PostgreSQL.
      RawClient.Message error = null;
      session.socket().setSoTimeout(200);
      while (error == null && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
        try (RawClient cancel = new RawClient(proxy.port())) {
          cancel.send(session.cancelRequest());
          assertThat(cancel.readErrorOrClose()).isEqualTo("closed");
        }
        try {
          error = session.readUntilReady();
        } catch (java.net.SocketTimeoutException e) {
          // still sleeping; cancel again
        }
      }
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
