package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fallback route of {@link StaticRouter}: users without a route of their own. */
@ExtendWith(Backends.Resolver.class)
class FallbackRouteIT {
  private static final String ROLE = "created_at_run_time";

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
    backends.current().execute("DROP ROLE IF EXISTS " + ROLE);
  }

  @Test
  void aRoleCreatedAtRunTimeLogsInAsItselfToItsDatabaseThroughTheFallback() throws SQLException {
    router.withFallback(backends.current().backend());
    backends.current().execute(
        "DROP ROLE IF EXISTS " + ROLE,
        "SET password_encryption = 'scram-sha-256'",
        // Any role but the fixture's scram_user is trusted by its pg_hba.conf; the password is
        // still what pgjdbc sends if asked.
        "CREATE ROLE " + ROLE + " LOGIN PASSWORD '" + TestPostgres.PASSWORD + "'");
    try (Connection c = Jdbc.connect(proxy, ROLE, TestPostgres.PASSWORD, "app", new Properties())) {
      assertThat(Jdbc.queryString(c, "SELECT current_user || ' ' || current_database()"))
          .isEqualTo(ROLE + " app");
      assertThat(Jdbc.queryString(c, "SHOW server_version_num")).startsWith("18");
    }
    assertThat(proxy.stats().refused()).isZero();
  }

  @Test
  void aUserWithARouteKeepsItAndTheFallbackMayRewriteUserAndDatabase() throws SQLException {
    router.withFallback(backends.current().backend().withUser("scram_user").withDatabase("app"));
    try (Connection routed = Jdbc.connect(proxy, "clear_user", TestPostgres.PASSWORD);
        Connection unrouted = Jdbc.connect(proxy, "nobody_in_particular", TestPostgres.PASSWORD)) {
      assertThat(Jdbc.queryString(routed, "SHOW server_version_num")).startsWith("14");
      assertThat(Jdbc.queryString(unrouted, "SELECT current_user || ' ' || current_database()"))
          .isEqualTo("scram_user app");
      assertThat(proxy.sessions())
          .extracting(SessionInfo::user, SessionInfo::backendUser)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("clear_user", "clear_user"),
              org.assertj.core.groups.Tuple.tuple("nobody_in_particular", "scram_user"));
    }
  }

  @Test
  void withoutAFallbackAnUnroutedUserIsRefusedWith28000() {
    router.withFallback(backends.current().backend());
    router.withFallback(null);
    assertThat(router.fallback()).isNull();
    assertThatThrownBy(() -> Jdbc.connect(proxy, "nobody_in_particular", "x"))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("28000");
              assertThat(e.getMessage()).contains("pgmux: no route for user \"nobody_in_particular\"");
            });
  }
}
