package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The proxy logs sessions, never what authenticates them. */
@ExtendWith(Backends.Resolver.class)
class LoggingIT {
  private static final String SECRET = "Sw0rdf1sh-Never-Logged";

  @Test
  void passwordsNeverReachTheLogEvenAtTheFinestLevel(Backends backends) throws Exception {
    backends.current().execute(
        "DROP ROLE IF EXISTS secretive",
        "CREATE ROLE secretive LOGIN PASSWORD '" + SECRET + "'");
    Logger logger = Logger.getLogger("io.pgmux");
    Level before = logger.getLevel();
    List<String> lines = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            lines.add(record.getMessage() + " " + record.getParameters() + " " + record.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    capture.setLevel(Level.ALL);
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", r -> backends.current().backend().withUser("clear_user"))
            .withTls(TestTls.rsa())
            .start()) {
      // Cleartext: the password crosses the proxy as plain bytes in a PasswordMessage.
      try (Connection c = Jdbc.connect(proxy, "anyone", io.pgmux.test.TestPostgres.PASSWORD)) {
        Jdbc.queryString(c, "SELECT 1");
      }
      assertThatThrownBy(() -> Jdbc.connect(proxy, "anyone", SECRET)).hasMessageContaining("password");
      Properties tls = new Properties();
      tls.setProperty("sslmode", "require");
      assertThatThrownBy(() -> Jdbc.connect(proxy, "anyone", SECRET, "postgres", tls))
          .hasMessageContaining("password");
    } finally {
      logger.removeHandler(capture);
      logger.setLevel(before);
    }
    assertThat(lines).isNotEmpty();
    assertThat(lines).noneMatch(line -> line.contains(SECRET));
    assertThat(lines).noneMatch(line -> line.contains(io.pgmux.test.TestPostgres.PASSWORD));
  }

  @Test
  void proxySideAuthenticationLogsNoSecretEither(Backends backends) throws Exception {
    String clientSecret = "Client-" + SECRET;
    Logger logger = Logger.getLogger("io.pgmux");
    Level before = logger.getLevel();
    List<String> lines = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            lines.add(record.getMessage() + " " + java.util.Arrays.toString(record.getParameters()) + " " + record.getThrown());
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    capture.setLevel(Level.ALL);
    logger.setLevel(Level.ALL);
    logger.addHandler(capture);
    List<String> seen = new CopyOnWriteArrayList<>();
    StaticRouter router =
        new StaticRouter()
            .put(
                "cleartext",
                backends.current().backend().withUser("clear_user")
                    .withPassword(io.pgmux.test.TestPostgres.PASSWORD.toCharArray())
                    .withClientAuth(ClientAuth.password(clientSecret.toCharArray())))
            .put(
                "wrong_backend_password",
                backends.current().backend().withUser("scram_user")
                    .withPassword(SECRET.toCharArray())
                    .withClientAuth(ClientAuth.md5(clientSecret.toCharArray())));
    try (ProxyServer proxy =
        new ProxyServer("127.0.0.1:0", router)
            .withListener(
                new ProxyListener() {
                  @Override
                  public void sessionStarted(SessionInfo info) {
                    seen.add(info.toString());
                  }

                  @Override
                  public void clientRefused(RouteRequest request, String sqlState, String message) {
                    seen.add(request + " " + sqlState + " " + message);
                  }
                })
            .start()) {
      try (Connection c = Jdbc.connect(proxy, "cleartext", clientSecret)) {
        Jdbc.queryString(c, "SELECT 1");
      }
      assertThatThrownBy(() -> Jdbc.connect(proxy, "cleartext", SECRET))
          .hasMessageContaining("password authentication failed for user \"cleartext\"");
      assertThatThrownBy(() -> Jdbc.connect(proxy, "wrong_backend_password", clientSecret))
          .hasMessageContaining("password authentication failed for user \"scram_user\"");
      seen.add(router.toString());
      seen.add(proxy.sessions().toString());
    } finally {
      logger.removeHandler(capture);
      logger.setLevel(before);
    }
    assertThat(lines).isNotEmpty();
    assertThat(seen).isNotEmpty();
    for (List<String> texts : List.of(lines, seen)) {
      assertThat(texts).noneMatch(line -> line.contains(SECRET));
      assertThat(texts).noneMatch(line -> line.contains(io.pgmux.test.TestPostgres.PASSWORD));
    }
  }
}
