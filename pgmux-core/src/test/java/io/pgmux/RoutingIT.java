package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(Backends.Resolver.class)
class RoutingIT {
  private Backends backends;
  private StaticRouter router;
  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    this.backends = backends;
    router = backends.router();
    proxy = new ProxyServer("127.0.0.1:0", router).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  @Test
  void routesEachUserToItsOwnServer() throws SQLException {
    try (Connection scram = Jdbc.connect(proxy, "scram_user", TestPostgres.PASSWORD);
        Connection clear = Jdbc.connect(proxy, "clear_user", TestPostgres.PASSWORD)) {
      assertThat(Jdbc.queryString(scram, "SHOW server_version_num")).startsWith("18");
      assertThat(Jdbc.queryString(clear, "SHOW server_version_num")).startsWith("14");
      assertThat(Jdbc.queryString(scram, "SELECT current_user")).isEqualTo("scram_user");
      assertThat(proxy.sessions())
          .extracting(SessionInfo::user)
          .containsExactly("scram_user", "clear_user");
    }
  }

  @Test
  void routeChangesApplyToTheNextClientAndSpareRunningSessions() throws SQLException {
    try (Connection before = Jdbc.connect(proxy, "scram_user", TestPostgres.PASSWORD)) {
      backends.old().execute("DROP ROLE IF EXISTS scram_user", "SET password_encryption = 'scram-sha-256'",
          "CREATE ROLE scram_user LOGIN PASSWORD '" + TestPostgres.PASSWORD + "'");
      router.put("scram_user", backends.old().backend());
      try (Connection after = Jdbc.connect(proxy, "scram_user", TestPostgres.PASSWORD)) {
        assertThat(Jdbc.queryString(after, "SHOW server_version_num")).startsWith("14");
      }
      assertThat(Jdbc.queryString(before, "SHOW server_version_num")).startsWith("18");
      router.remove("scram_user");
      assertThatThrownBy(() -> Jdbc.connect(proxy, "scram_user", TestPostgres.PASSWORD))
          .hasMessageContaining("no route");
    } finally {
      backends.old().execute("DROP ROLE IF EXISTS scram_user");
    }
  }

  @Test
  void refusesUnknownUserWith28000() {
    assertThatThrownBy(() -> Jdbc.connect(proxy, "mallory", "x"))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("28000");
              assertThat(e.getMessage()).contains("pgmux: no route for user \"mallory\"");
            });
  }
}
