package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Passwords pass through the proxy to the backend, with and without a rewritten user. */
@ExtendWith(Backends.Resolver.class)
class AuthenticationIT {
  private StaticRouter router;
  private ProxyServer proxy;

  @BeforeEach
  void startProxy(Backends backends) {
    BackendConfig current = backends.current().backend();
    BackendConfig old = backends.old().backend();
    router =
        new StaticRouter()
            .put("scram_user", current)
            .put("md5_user", current)
            .put("clear_user", old)
            .put("tenant_scram", current.withUser("scram_user"))
            .put("tenant_clear", old.withUser("clear_user"))
            .put("tenant_md5", current.withUser("md5_user"))
            .put("tenant_app", current.withUser("postgres").withDatabase("app"));
    proxy = new ProxyServer("127.0.0.1:0", router).start();
  }

  @AfterEach
  void stopProxy() {
    proxy.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"scram_user", "md5_user", "clear_user"})
  void passesEveryPasswordMethodThrough(String user) throws SQLException {
    try (Connection c = Jdbc.connect(proxy, user, PASSWORD)) {
      assertThat(Jdbc.queryString(c, "SELECT current_user")).isEqualTo(user);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"scram", "clear"})
  void rewrittenUserLogsInWithTheBackendUsersPassword(String method) throws SQLException {
    try (Connection c = Jdbc.connect(proxy, "tenant_" + method, PASSWORD)) {
      assertThat(Jdbc.queryString(c, "SELECT current_user")).isEqualTo(method + "_user");
    }
    assertThat(proxy.stats().sessions()).isEqualTo(1);
  }

  @Test
  void rewritesTheDatabase() throws SQLException {
    try (Connection c = Jdbc.connect(proxy, "tenant_app", "")) {
      assertThat(Jdbc.queryString(c, "SELECT current_database()")).isEqualTo("app");
      assertThat(Jdbc.queryString(c, "SELECT current_user")).isEqualTo("postgres");
    }
  }

  @Test
  void md5CannotSurviveARewrittenUser() {
    // The client salts the MD5 hash with its own user name; the backend expects md5_user's salt.
    assertThatThrownBy(() -> Jdbc.connect(proxy, "tenant_md5", PASSWORD))
        .isInstanceOfSatisfying(
            SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scram_user", "md5_user", "clear_user"})
  void wrongPasswordGetsTheBackendsError(String user) {
    assertThatThrownBy(() -> Jdbc.connect(proxy, user, "wrong"))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("28P01");
              assertThat(e.getMessage()).contains("password authentication failed");
            });
  }
}
