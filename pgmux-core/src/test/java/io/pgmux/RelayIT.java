package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestTls;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.copy.CopyManager;

/** Everything after startup is relayed unchanged: bulk COPY, extended protocol, notifications. */
@ExtendWith(Backends.Resolver.class)
class RelayIT {
  private static final int COPY_ROWS = 400_000; // ~40 MB of text each way

  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withTls(TestTls.rsa()).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  private Connection connect(String user, String sslmode) throws Exception {
    Properties properties = new Properties();
    properties.setProperty("sslmode", sslmode);
    return Jdbc.connect(proxy, user, PASSWORD, "postgres", properties);
  }

  /** A line of COPY text, about a hundred bytes. */
  private static String row(int i) {
    return i + "\t" + "row-" + i + "-" + "x".repeat(80 + i % 17) + "\n";
  }

  @ParameterizedTest
  @ValueSource(strings = {"disable", "require"})
  void copiesTensOfMegabytesBothWays(String sslmode) throws Exception {
    try (Connection c = connect("scram_user", sslmode)) {
      c.createStatement().execute("CREATE TEMP TABLE bulk (id int, payload text)");
      CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
      MessageDigest sent = MessageDigest.getInstance("SHA-256");
      long inBytes =
          copy.copyIn(
              "COPY bulk FROM STDIN",
              new InputStream() {
                private int next;
                private byte[] line = new byte[0];
                private int at;

                @Override
                public int read() {
                  byte[] one = new byte[1];
                  return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) {
                  if (at == line.length) {
                    if (next == COPY_ROWS) {
                      return -1;
                    }
                    line = row(next++).getBytes(StandardCharsets.UTF_8);
                    sent.update(line);
                    at = 0;
                  }
                  int n = Math.min(len, line.length - at);
                  System.arraycopy(line, at, b, off, n);
                  at += n;
                  return n;
                }
              });
      assertThat(inBytes).isEqualTo(COPY_ROWS);

      MessageDigest received = MessageDigest.getInstance("SHA-256");
      long[] outBytes = new long[1];
      copy.copyOut(
          "COPY (SELECT * FROM bulk ORDER BY id) TO STDOUT",
          new OutputStream() {
            @Override
            public void write(int b) {
              write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) {
              received.update(b, off, len);
              outBytes[0] += len;
            }
          });
      assertThat(outBytes[0]).isGreaterThan(35_000_000L);
      assertThat(HexFormat.of().formatHex(received.digest()))
          .isEqualTo(HexFormat.of().formatHex(sent.digest()));
    }
    assertThat(proxy.stats().bytesFromBackends()).isGreaterThan(35_000_000L);
    assertThat(proxy.stats().bytesFromClients()).isGreaterThan(35_000_000L);
  }

  @ParameterizedTest
  @ValueSource(strings = {"disable", "require"})
  void relaysLargeResultsAndTheExtendedProtocol(String sslmode) throws Exception {
    try (Connection c = connect("clear_user", sslmode);
        PreparedStatement p =
            c.prepareStatement("SELECT i, repeat(md5(i::text), ?) FROM generate_series(1, ?) i")) {
      for (int round = 0; round < 6; round++) { // pgjdbc switches to a server-side statement at 5
        p.setInt(1, 20);
        p.setInt(2, 20_000);
        long rows = 0;
        long chars = 0;
        try (ResultSet rs = p.executeQuery()) {
          while (rs.next()) {
            rows++;
            chars += rs.getString(2).length();
          }
        }
        assertThat(rows).isEqualTo(20_000);
        assertThat(chars).isEqualTo(20_000L * 32 * 20);
      }
    }
  }

  @Test
  void relaysListenAndNotifyBetweenSessions() throws Exception {
    try (Connection listener = connect("scram_user", "require");
        Connection notifier = connect("scram_user", "disable")) {
      listener.createStatement().execute("LISTEN tenant_events");
      notifier.createStatement().execute("NOTIFY tenant_events, 'hello'");
      PGNotification[] notifications =
          listener.unwrap(PGConnection.class).getNotifications((int) TimeUnit.SECONDS.toMillis(10));
      assertThat(notifications).isNotNull().hasSize(1);
      assertThat(notifications[0].getParameter()).isEqualTo("hello");
    }
  }

  @Test
  void relaysErrorsAndKeepsTheSessionUsable() throws Exception {
    try (Connection c = connect("scram_user", "disable"); Statement s = c.createStatement()) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.execute("SELECT 1/0"))
          .hasMessageContaining("division by zero");
      assertThat(Jdbc.queryString(c, "SELECT 'still here'")).isEqualTo("still here");
    }
  }
}
