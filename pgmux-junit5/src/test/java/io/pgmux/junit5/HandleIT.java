package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import io.pgmux.SessionInfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a test does through its {@link PgMuxProxy} stays in that test (routes, the session view),
 * and what the handle offers besides URLs: data sources, direct backend access, init scripts.
 * Tests run in a fixed order, so that later ones see what earlier ones left.
 */
@ExtendWith(NoLeftovers.class)
@PgMux(
    routes = {
      @Route(user = "alice", backend = "tenant_a"),
      @Route(user = "bob", backend = "tenant_a"),
      @Route(user = "globex", backend = "tenant_a", database = "globex_db")
    },
    init = "/io/pgmux/junit5/handle-init.sql")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HandleIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static Map<String, BackendConfig> declared;

  @Test
  @Order(1)
  void aTestChangesRoutes(PgMuxProxy mux) throws SQLException {
    declared = mux.routes();
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      assertThat(single(alice, "SELECT current_user")).isEqualTo("alice");
    }
    mux.awaitSessionsEnded("alice", WAIT); // the next test's view begins after it
    mux.removeRoute("alice");
    mux.route("bob", BackendConfig.of("127.0.0.1", 1));
    mux.route("zed", "tenant_a");
    assertThat(mux.routes()).containsOnlyKeys("bob", "globex", "zed");
  }

  @Test
  @Order(2)
  void theNextTestFindsTheDeclaredRoutesAndOnlyItsOwnSessions(PgMuxProxy mux) throws SQLException {
    assertThat(mux.routes()).isEqualTo(declared);
    assertThat(mux.sessions()).isEmpty(); // the first test waited for its session's end
    try (Connection bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
      assertThat(single(bob, "SELECT current_user")).isEqualTo("bob");
      assertThat(mux.sessions()).singleElement().satisfies(s -> assertThat(s.isOpen()).isTrue());
    }
  }

  @Test
  @Order(3)
  void restoringARouteKeepsItsRewrite(PgMuxProxy mux) throws SQLException {
    mux.removeRoute("globex");
    mux.route("globex", "tenant_a"); // by name: no rewrite, so database "globex"
    assertThat(mux.routes().get("globex").database()).isNull();

    mux.resetRoute("globex");
    assertThat(mux.routes().get("globex").database()).isEqualTo("globex_db");
    try (Connection globex = DriverManager.getConnection(mux.jdbcUrl("globex"))) {
      assertThat(single(globex, "SELECT current_database()")).isEqualTo("globex_db");
    }
    // A session the proxy has not yet seen end would belong to the next test's view too.
    mux.awaitSessionsEnded("globex", WAIT);
    mux.removeRoute("alice");
    mux.resetRoutes();
    assertThat(mux.routes()).isEqualTo(declared);
    assertThatThrownBy(() -> mux.resetRoute("zed"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user \"zed\" has no declared route");
  }

  @Test
  @Order(4)
  void endedSessionsHaveTheirEndAndFinalByteCounts(PgMuxProxy mux) throws SQLException {
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      assertThat(single(alice, "SELECT repeat('x', 10000)")).hasSize(10000);
    }
    List<SessionInfo> ended = mux.awaitSessionsEnded("alice", WAIT);
    assertThat(ended).singleElement().satisfies(s -> {
      assertThat(s.isOpen()).isFalse();
      assertThat(s.endedAt()).isAfterOrEqualTo(s.startedAt());
      assertThat(s.bytesFromBackend()).isGreaterThan(10000);
      assertThat(s.bytesFromClient()).isGreaterThan(0);
    });
    assertThat(mux.sessions()).isEqualTo(ended);
  }

  @Test
  @Order(5)
  void waitingForSessionsThatStayOpenFailsNamingThem(PgMuxProxy mux) throws SQLException {
    try (Connection bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
      assertThatThrownBy(() -> mux.awaitSessionsEnded("bob", Duration.ofMillis(200)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageStartingWith("pgmux: 1 session(s) of user \"bob\" still open after 200 ms");
    }
  }

  @Test
  @Order(6)
  void urlsOnlyForRoutedUsers(PgMuxProxy mux) {
    assertThatThrownBy(() -> mux.jdbcUrl("mallory"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user \"mallory\" has no route")
        .hasMessageContaining("[alice, bob, globex]");
    assertThat(mux.jdbcUrl("mallory", "x")).contains("user=mallory"); // to test refusals
  }

  @Test
  @Order(7)
  void dataSourceAndDirectSuperuserAccess(PgMuxProxy mux) throws SQLException {
    try (Connection alice = mux.dataSource("alice").getConnection()) {
      assertThat(single(alice, "SELECT current_user")).isEqualTo("alice");
    }
    try (Connection direct = DriverManager.getConnection(mux.backendJdbcUrl("tenant_a"))) {
      assertThat(single(direct, "SELECT current_user || ' ' || current_database()"))
          .isEqualTo("postgres postgres");
      assertThat(single(direct, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
          .isEqualTo("t");
    }
    assertThat(mux.sessions()).extracting(SessionInfo::user).containsExactly("alice");
  }

  @Test
  @Order(8)
  void initScriptsRanBeforeTheRoutesDatabasesWereCreated(PgMuxProxy mux) throws SQLException {
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"));
        Connection globex = DriverManager.getConnection(mux.jdbcUrl("globex"))) {
      assertThat(single(alice, "SELECT note FROM seeded")).isEqualTo("from the init script");
      assertThat(single(globex, "SELECT answer()")).isEqualTo("42");
      assertThat(single(alice, "SELECT count(*) FROM pg_roles WHERE rolname = 'reporting'"))
          .isEqualTo("1");
    }
  }

  @Test
  @Order(9)
  void connectionsLogNothingByDefault(PgMuxProxy mux) throws SQLException {
    Logger pgmux = Logger.getLogger("io.pgmux");
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Handler capture =
        new Handler() {
          @Override
          public void publish(LogRecord record) {
            records.add(record);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    pgmux.addHandler(capture);
    try {
      try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
        assertThat(single(alice, "SELECT 1")).isEqualTo("1");
      }
      mux.awaitSessionsEnded("alice", WAIT);
    } finally {
      pgmux.removeHandler(capture);
    }
    assertThat(records).extracting(LogRecord::getMessage).isEmpty();
  }

  private static String single(Connection connection, String sql) throws SQLException {
    try (ResultSet rows = connection.createStatement().executeQuery(sql)) {
      assertThat(rows.next()).isTrue();
      return rows.getString(1);
    }
  }
}
