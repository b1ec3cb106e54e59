package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.SessionInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two tenants on two embedded servers, a rewriting route, injection everywhere, nesting. */
@ExtendWith(NoLeftovers.class)
@PgMux(
    routes = {
      @Route(user = "alice", backend = "tenant_a"),
      @Route(user = "bob", backend = "tenant_b"),
      @Route(user = "bob_admin", backend = "tenant_b", backendUser = "postgres", database = "reports")
    })
class TenantIsolationIT {
  static PgMuxProxy fromBeforeAll;
  final PgMuxProxy fromConstructor;
  PgMuxProxy fromBeforeEach;

  TenantIsolationIT(PgMuxProxy mux) {
    this.fromConstructor = mux;
  }

  @BeforeAll
  static void createAliceTable(PgMuxProxy mux) throws SQLException {
    fromBeforeAll = mux;
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      alice.createStatement().execute("CREATE TABLE secrets (owner text)");
      alice.createStatement().execute("INSERT INTO secrets VALUES ('alice')");
    }
  }

  @BeforeEach
  void remember(PgMuxProxy mux) {
    fromBeforeEach = mux;
  }

  @Test
  void everyInjectionPointGetsTheSameProxy(PgMuxProxy mux) {
    assertThat(mux).isSameAs(fromBeforeAll).isSameAs(fromConstructor).isSameAs(fromBeforeEach);
    assertThat(mux.host()).isEqualTo("127.0.0.1");
    assertThat(mux.port()).isPositive();
    assertThat(mux.jdbcUrl("alice"))
        .isEqualTo("jdbc:postgresql://127.0.0.1:" + mux.port() + "/alice?user=alice");
    assertThat(mux.jdbcUrl("bob_admin")).endsWith("/reports?user=bob_admin");
  }

  @Test
  void aTableMadeByAliceIsInvisibleToBob(PgMuxProxy mux) throws SQLException {
    try (Connection bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
      assertThatThrownBy(() -> bob.createStatement().executeQuery("SELECT * FROM secrets"))
          .hasMessageContaining("\"secrets\" does not exist");
      assertThat(single(bob, "SELECT current_user")).isEqualTo("bob");
    }
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      assertThat(single(alice, "SELECT owner FROM secrets")).isEqualTo("alice");
    }
    assertThat(mux.backend("tenant_a").port()).isNotEqualTo(mux.backend("tenant_b").port());
  }

  @Test
  void aRewritingRouteLogsInAsTheBackendUserToItsDatabase(PgMuxProxy mux) throws SQLException {
    try (Connection admin = DriverManager.getConnection(mux.jdbcUrl("bob_admin", "anything"))) {
      assertThat(single(admin, "SELECT current_user")).isEqualTo("postgres");
      assertThat(single(admin, "SELECT current_database()")).isEqualTo("reports");
    }
    SessionInfo session =
        mux.sessions("tenant_b").stream().filter(s -> s.user().equals("bob_admin")).findFirst().orElseThrow();
    assertThat(session.database()).isEqualTo("anything");
    assertThat(session.backendUser()).isEqualTo("postgres");
    assertThat(session.backendDatabase()).isEqualTo("reports");
  }

  @Test
  void sessionsTellWhoWentWhere(PgMuxProxy mux) throws SQLException {
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      assertThat(alice.isValid(10)).isTrue();
      assertThat(mux.sessions()).anySatisfy(s -> assertThat(s.user()).isEqualTo("alice"));
    }
    assertThat(mux.sessions("tenant_a")).allSatisfy(s -> assertThat(s.user()).isEqualTo("alice"));
    assertThat(mux.sessions("tenant_b")).noneSatisfy(s -> assertThat(s.user()).isEqualTo("alice"));
    assertThat(mux.stats().sessions()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void routesChangeAtRunTime(PgMuxProxy mux) throws SQLException {
    mux.route("carol", "tenant_a");
    try (Connection carol = DriverManager.getConnection(mux.jdbcUrl("carol"))) {
      assertThat(single(carol, "SELECT current_user")).isEqualTo("carol");
      assertThat(single(carol, "SELECT count(*) FROM pg_tables WHERE tablename = 'secrets'"))
          .isEqualTo("0"); // carol has her own database on alice's server
    }
    mux.route("carol", mux.backend("tenant_b").withUser("bob").withDatabase("bob"));
    try (Connection carol = DriverManager.getConnection(mux.jdbcUrl("carol", "x"))) {
      assertThat(single(carol, "SELECT current_user")).isEqualTo("bob");
    }
    mux.removeRoute("carol");
    assertThat(mux.routes()).doesNotContainKey("carol");
    assertThatThrownBy(() -> mux.jdbcUrl("carol"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user \"carol\" has no route");
    assertThatThrownBy(() -> DriverManager.getConnection(mux.jdbcUrl("carol", "carol")).close())
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28000"));
    assertThatThrownBy(() -> mux.route("dave", "tenant_z"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown backend \"tenant_z\"")
        .hasMessageContaining("[tenant_a, tenant_b]");
  }

  @Nested
  class NestedTests {
    @Test
    void shareTheEnclosingProxy(PgMuxProxy mux) throws SQLException {
      assertThat(mux).isSameAs(fromBeforeAll);
      try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
        assertThat(single(alice, "SELECT owner FROM secrets")).isEqualTo("alice");
      }
    }

    @Nested
    class EvenDeeper {
      @Test
      void stillTheSameProxy(PgMuxProxy mux) {
        assertThat(mux).isSameAs(fromBeforeAll);
      }
    }
  }

  static String single(Connection connection, String sql) throws SQLException {
    try (ResultSet rows = connection.createStatement().executeQuery(sql)) {
      assertThat(rows.next()).isTrue();
      return rows.getString(1);
    }
  }
}
