package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Jdbc;
import io.pgmux.test.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TLS from the proxy to real PostgreSQL 18 and 15 servers with {@code ssl = on}. */
class BackendTlsIT {
  static TestPostgres pg18;
  static TestPostgres pg15;

  @BeforeAll
  static void start() {
    CompletableFuture<TestPostgres> v15 =
        CompletableFuture.supplyAsync(() -> TestPostgres.withTls(TestPostgres.V15, "rsa"));
    pg18 = TestPostgres.withTls(TestPostgres.CURRENT, "rsa");
    pg15 = v15.join();
  }

  @AfterAll
  static void stop() {
    for (TestPostgres server : new TestPostgres[] {pg18, pg15}) {
      if (server != null) {
        server.close();
      }
    }
  }

  static Connection direct(TestPostgres server, String sslmode) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "tls_user");
    p.setProperty("password", TestPostgres.PASSWORD);
    p.setProperty("sslmode", sslmode);
    return DriverManager.getConnection(
        "jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres", p);
  }

  @Test
  void fixtureServersAcceptTlsUserOnlyOverTls() throws SQLException {
    for (TestPostgres server : List.of(pg18, pg15)) {
      try (Connection c = direct(server, "require")) {
        assertThat(Jdbc.queryString(c, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
            .isEqualTo("true");
        assertThat(Jdbc.queryString(c, "SELECT current_setting('server_version_num')"))
            .startsWith(String.valueOf(server.majorVersion()));
      }
      assertThatThrownBy(() -> direct(server, "disable"))
          .isInstanceOf(SQLException.class)
          .extracting(e -> ((SQLException) e).getSQLState())
          .isEqualTo("28000");
    }
  }
}
