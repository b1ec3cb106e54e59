package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.testkit.engine.EventConditions.container;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.EventConditions.event;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.message;

import io.pgmux.BackendConfig;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Templates prepared once, fresh clones per test or class, servers shared between classes. */
class RefreshIT {
  private static final String SCHEMA = "classpath:refresh/tenant-schema.sql";
  private static EmbeddedPostgres external;

  @BeforeAll
  static void startExternalServer() throws Exception {
    external = EmbeddedPostgres.builder().setRegisterShutdownHook(false).start();
  }

  @AfterAll
  static void stopExternalServer() throws Exception {
    external.close();
  }

  @Test
  void dataWrittenInOneTestIsGoneInTheNext() {
    EngineKit.run(EachTest.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
  }

  @Test
  void migrationsRunOncePerJvmAndLaterClassesReuseTheServers() {
    COUNTED_RUNS.set(0);
    EngineKit.run(CountedA.class).testEvents().assertStatistics(stats -> stats.succeeded(1));
    EngineKit.run(CountedB.class).testEvents().assertStatistics(stats -> stats.succeeded(1));
    assertThat(COUNTED_RUNS).hasValue(1);
    assertThat(PORTS.get(CountedB.class)).isEqualTo(PORTS.get(CountedA.class));
  }

  @Test
  void parallelClassesWithTheSameTenantsStayIsolated() {
    EngineKit.run(
            Map.of(
                "junit.jupiter.execution.parallel.enabled", "true",
                "junit.jupiter.execution.parallel.mode.classes.default", "concurrent",
                "junit.jupiter.execution.parallel.config.strategy", "fixed",
                "junit.jupiter.execution.parallel.config.fixed.parallelism", "2"),
            ParallelA.class,
            ParallelB.class)
        .testEvents()
        .assertStatistics(stats -> stats.started(2).succeeded(2));
  }

  @Test
  void nestedClassesGetFreshDatabasesWithEachClass() {
    EngineKit.run(EachClass.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
  }

  @Test
  void theBuilderRefreshesBeforeEachTestAndNestedTestsToo() {
    EngineKit.run(BuilderEachTest.class).testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));
  }

  @Test
  void fieldBackendsGetClonesUnderTheirOwnNamesAndNothingIsLeftThere() throws SQLException {
    EngineKit.run(FieldBackend.class).testEvents().assertStatistics(stats -> stats.started(2).succeeded(2));
    try (Connection c = external.getPostgresDatabase().getConnection()) {
      assertThat(count(c, "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgmux%'")).isZero();
    }
  }

  @Test
  void aFailingMigrationFailsTheClassWithTheScriptsMessage() {
    EngineKit.run(BrokenTemplate.class)
        .allEvents()
        .assertThatEvents()
        .haveExactly(
            1,
            event(
                container(BrokenTemplate.class),
                finishedWithFailure(message(m -> m.contains("refresh/broken.sql")
                    && m.contains("relation \"no_such_table\" does not exist")))));
  }

  // Fixtures, run only through the test kit.

  static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  static String single(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }

  /** Writes in the first test, finds the template's state again in the second. */
  abstract static class WritesThenChecks {
    static Connection leftOpen;

    @Test
    @Order(1)
    void writes(PgMuxProxy mux) throws SQLException {
      leftOpen = DriverManager.getConnection(mux.jdbcUrl("alice"));
      leftOpen.createStatement().execute("DELETE FROM entity_29; CREATE TABLE scratch (id int)");
      try (Connection bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
        bob.createStatement().execute("DELETE FROM customer_note");
      }
    }

    @Test
    @Order(2)
    void findsTheTemplateAgain(PgMuxProxy mux) throws SQLException {
      assertThatThrownBy(() -> leftOpen.createStatement().execute("SELECT 1")).isInstanceOf(SQLException.class);
      try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"));
          Connection bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
        assertThat(count(alice, "SELECT count(*) FROM entity_29")).isEqualTo(200);
        assertThat(count(alice, "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'")).isZero();
        assertThat(count(bob, "SELECT count(*) FROM customer_note")).isEqualTo(1);
        assertThat(single(alice, "SELECT current_user || '/' || current_database()")).isEqualTo("alice/alice");
      }
    }
  }

  @PgMux(
      refresh = Refresh.EACH_TEST,
      routes = {
        @Route(user = "alice", backend = "tenant_a", template = SCHEMA),
        @Route(user = "bob", backend = "tenant_b", template = "classpath:refresh/bob.sql")
      })
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class EachTest extends WritesThenChecks {}

  static final AtomicInteger COUNTED_RUNS = new AtomicInteger();
  static final Migration COUNTED =
      c -> {
        COUNTED_RUNS.incrementAndGet();
        c.createStatement().execute("CREATE TABLE counted (id int)");
      };
  static final Map<Class<?>, Integer> PORTS = new ConcurrentHashMap<>();

  abstract static class Counted {
    @Test
    void seesTheTemplate(PgMuxProxy proxy) throws SQLException {
      PORTS.put(getClass(), proxy.backend("tenant_c").port());
      try (Connection c = DriverManager.getConnection(proxy.jdbcUrl("carol"))) {
        assertThat(count(c, "SELECT count(*) FROM counted")).isZero();
        c.createStatement().execute("INSERT INTO counted VALUES (1)");
      }
    }
  }

  static class CountedA extends Counted {
    @RegisterExtension
    static PgMuxExtension mux = PgMuxExtension.builder().route("carol", "tenant_c").template("carol", COUNTED).build();
  }

  static class CountedB extends Counted {
    @RegisterExtension
    static PgMuxExtension mux = PgMuxExtension.builder().route("carol", "tenant_c").template("carol", COUNTED).build();
  }

  static final CyclicBarrier BOTH_RUNNING = new CyclicBarrier(2);

  abstract static class ParallelTenant {
    @Test
    void seesOnlyItsOwnRows(PgMuxProxy mux) throws Exception {
      String me = getClass().getSimpleName();
      try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
        alice.createStatement().execute("INSERT INTO customer (name, email) VALUES ('" + me + "', '" + me + "@x')");
        BOTH_RUNNING.await(60, TimeUnit.SECONDS);
        assertThat(count(alice, "SELECT count(*) FROM customer WHERE name LIKE 'Parallel%'")).isEqualTo(1);
        assertThat(single(alice, "SELECT name FROM customer WHERE name LIKE 'Parallel%'")).isEqualTo(me);
      }
    }
  }

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a", template = SCHEMA))
  static class ParallelA extends ParallelTenant {}

  @PgMux(routes = @Route(user = "alice", backend = "tenant_a", template = SCHEMA))
  static class ParallelB extends ParallelTenant {}

  @PgMux(refresh = Refresh.EACH_CLASS, routes = @Route(user = "alice", backend = "tenant_a", template = SCHEMA))
  static class EachClass {
    @Test
    void writes(PgMuxProxy mux) throws SQLException {
      try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
        alice.createStatement().execute("DELETE FROM entity_29");
      }
    }

    @Nested
    class Inner {
      @Test
      void startsClean(PgMuxProxy mux) throws SQLException {
        try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
          assertThat(count(alice, "SELECT count(*) FROM entity_29")).isEqualTo(200);
        }
      }
    }
  }

  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class BuilderEachTest extends WritesThenChecks {
    @RegisterExtension
    static PgMuxExtension mux =
        PgMuxExtension.builder()
            .route("alice", "tenant_a")
            .route("bob", "tenant_b")
            .template("alice", SCHEMA)
            .template("bob", "classpath:refresh/bob.sql")
            .refresh(Refresh.EACH_TEST)
            .build();

    @Nested
    class Inner {
      @Test
      void startsClean(PgMuxProxy mux) throws SQLException {
        try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
          assertThat(count(alice, "SELECT count(*) FROM entity_29")).isEqualTo(200);
        }
      }
    }
  }

  @PgMux(refresh = Refresh.EACH_TEST, routes = @Route(user = "dave", backend = "given", database = "app", template = SCHEMA))
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class FieldBackend {
    @PgMuxBackend("given")
    static BackendConfig given = BackendConfig.of("127.0.0.1", external.getPort()).withUser("postgres");

    @Test
    @Order(1)
    void writes(PgMuxProxy mux) throws SQLException {
      try (Connection dave = DriverManager.getConnection(mux.jdbcUrl("dave"))) {
        assertThat(single(dave, "SELECT current_user")).isEqualTo("postgres");
        dave.createStatement().execute("DELETE FROM entity_29");
      }
    }

    @Test
    @Order(2)
    void findsTheTemplateAgain(PgMuxProxy mux) throws SQLException {
      try (Connection dave = DriverManager.getConnection(mux.jdbcUrl("dave"))) {
        assertThat(count(dave, "SELECT count(*) FROM entity_29")).isEqualTo(200);
        assertThat(single(dave, "SELECT current_database()")).startsWith("pgmux_");
      }
    }
  }

  @PgMux(routes = @Route(user = "erin", backend = "tenant_a", template = "classpath:refresh/broken.sql"))
  static class BrokenTemplate {
    @Test
    void never() {}
  }
}
