package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestTls;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.core.QueryExecutor;
import org.postgresql.core.QueryExecutorBase;
import org.postgresql.jdbc.PgConnection;

/**
 * A CancelRequest sent inside TLS, as libpq 17's cancel API sends it with {@code sslmode=require},
 * reaches the backend. pgjdbc sends cancels in plaintext, so a raw TLS client sends them, with the
 * key of a raw session or of a pgjdbc one.
 */
@ExtendWith(Backends.Resolver.class)
class TlsCancelIT {
  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withTls(TestTls.rsa()).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  @ParameterizedTest(name = "protocol 3.{0}")
  @ValueSource(ints = {0, 2})
  void cancelInsideTlsStopsTheQuery(int minor) throws Exception {
    try (RawClient session = new RawClient(proxy.port()).login(minor, "postgres", "postgres")) {
      session.query("SELECT pg_sleep(30)");
      RawClient.Message error = session.cancelUntilEnded(this::sendCancelOverTls);
      assertThat(error).as("the query was cancelled").isNotNull();
      assertThat(error.fields().get('C')).isEqualTo("57014");
    }
    assertThat(proxy.stats().cancelsForwarded()).isPositive();
  }

  @Test
  void cancelInsideTlsStopsAPgjdbcQuery() throws Exception {
    Properties tls = new Properties();
    tls.setProperty("sslmode", "require");
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", tls);
        Statement statement = c.createStatement()) {
      byte[] cancelRequest = cancelRequestOf(c);
      CompletableFuture<SQLException> query =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  statement.execute("SELECT pg_sleep(30)");
                  return null;
                } catch (SQLException e) {
                  return e;
                }
              });
      long start = System.nanoTime();
      // A cancel that arrives before the query runs is a no-op, as in PostgreSQL: repeat it.
      while (!query.isDone() && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
        sendCancelOverTls(cancelRequest);
        try {
          query.get(200, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
          // still sleeping; cancel again
        }
      }
      SQLException cancelled = query.get(1, TimeUnit.SECONDS);
      assertThat((Throwable) cancelled).as("the query was cancelled").isNotNull();
      assertThat(cancelled.getSQLState()).isEqualTo("57014");
      assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
    }
  }

  /**
   * Builds the CancelRequest pgjdbc would send for {@code c}. pgjdbc keeps the secret key to
   * itself (it sends cancels in plaintext, never inside TLS), so it is read from the pinned
   * driver's field.
   */
  private static byte[] cancelRequestOf(Connection c) throws Exception {
    QueryExecutor executor = c.unwrap(PgConnection.class).getQueryExecutor();
    Field field = QueryExecutorBase.class.getDeclaredField("cancelKey");
    field.setAccessible(true);
    byte[] key = (byte[]) field.get(executor);
    return ByteBuffer.allocate(12 + key.length)
        .putInt(12 + key.length)
        .putInt(80877102)
        .putInt(executor.getBackendPID())
        .put(key)
        .array();
  }

  /** SSLRequest, a TLS handshake, then the CancelRequest as the first message inside TLS. */
  private void sendCancelOverTls(byte[] cancelRequest) throws IOException {
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 5_000);
      plain.setSoTimeout(5_000);
      plain.getOutputStream().write(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
      assertThat(plain.getInputStream().read()).isEqualTo('S');
      try (SSLSocket tls =
          (SSLSocket)
              TestTls.clientContext()
                  .getSocketFactory()
                  .createSocket(plain, "localhost", proxy.port(), true)) {
        tls.startHandshake();
        tls.getOutputStream().write(cancelRequest);
        tls.getOutputStream().flush();
        // The proxy answers nothing and closes; how it closes TLS is not what this test checks.
        try {
          assertThat(tls.getInputStream().read()).isEqualTo(-1);
        } catch (IOException e) {
          // an abrupt close also ends the exchange
        }
      }
    }
  }
}
