package io.pgmux.junit5;

import static io.pgmux.test.SqlErrors.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.BackendConfig;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Embedded servers with {@code scram-sha-256} and TLS on: tests connect as before, and the
 * sessions behind the proxy are TLS sessions the server authenticated with SCRAM.
 */
@PgMux(
    backendAuth = BackendAuth.SCRAM_SHA_256,
    backendTls = true,
    routes = {
      @Route(user = "alice", backend = "tenant_a"),
      @Route(user = "bob", backend = "tenant_a", backendUser = "bob_owner", database = "bobs")
    })
class BackendSecurityIT {
  /** Who the server says the session is, how it authenticated (PostgreSQL 16+), and whether it is TLS. */
  static final String WHO =
      "SELECT current_user || ' ' || system_user || ' '"
          + " || (SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid())";

  static String query(Connection c, String sql) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void sessionsAreTlsAndScramAuthenticatedBehindUnchangedUrls(PgMuxProxy mux) throws SQLException {
    try (Connection c = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      assertThat(query(c, WHO)).isEqualTo("alice scram-sha-256:alice true");
    }
    DataSource bob = mux.dataSource("bob");
    try (Connection c = bob.getConnection()) {
      assertThat(query(c, WHO)).isEqualTo("bob_owner scram-sha-256:bob_owner true");
      assertThat(query(c, "SELECT current_database()")).isEqualTo("bobs");
    }
  }

  @Test
  void theServerTakesTcpLoginsOverTlsWithScramOnly(PgMuxProxy mux) throws SQLException {
    try (Connection superuser = DriverManager.getConnection(mux.backendJdbcUrl("tenant_a"))) {
      assertThat(
              query(
                  superuser,
                  "SELECT string_agg(type || ' ' || array_to_string(user_name, ',') || ' ' || auth_method,"
                      + " '; ' ORDER BY line_number) FROM pg_hba_file_rules WHERE 'all' = ANY(database)"))
          .isEqualTo("local all trust; host postgres trust; hostssl all scram-sha-256");
    }
    BackendConfig server = mux.backend("tenant_a");
    String direct = "jdbc:postgresql://" + server.host() + ":" + server.port() + "/postgres";
    assertThat(server.tls().mode()).hasToString("verify-full");
    Properties wrong = new Properties();
    wrong.setProperty("user", "alice");
    wrong.setProperty("password", "not-the-password");
    wrong.setProperty("sslmode", "require");
    assertFails(() -> DriverManager.getConnection(direct, wrong), "28P01");
    String password = mux.jdbcUrl("alice").replaceAll(".*[?&]password=([^&]*).*", "$1");
    Properties plain = new Properties();
    plain.setProperty("user", "alice");
    plain.setProperty("password", password);
    plain.setProperty("sslmode", "disable");
    assertFails(() -> DriverManager.getConnection(direct, plain), "28000", "no encryption");
  }

  @Test
  void aWrongPasswordIsRefusedByTheProxy(PgMuxProxy mux) {
    String url = mux.jdbcUrl("alice").replaceAll("password=[^&]*", "password=wrong");
    assertFails(() -> DriverManager.getConnection(url), "28P01", "pgmux:");
  }
}
