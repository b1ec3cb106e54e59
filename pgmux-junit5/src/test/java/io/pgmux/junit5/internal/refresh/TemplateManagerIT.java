package io.pgmux.junit5.internal.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import io.pgmux.test.Await;

/**
 * The template manager against real servers, PostgreSQL 18 and 14 (no STRATEGY clause), reached
 * only through superuser connections with a password, as a container would be.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TemplateManagerIT {
  private static final String SCHEMA = "classpath:refresh/tenant-schema.sql";
  private TestPostgres current;
  private TestPostgres old;

  @BeforeAll
  void start() {
    current = TestPostgres.current();
    old = System.getProperty("pgmux.test.oldPostgresJar") != null ? TestPostgres.old() : null;
  }

  @AfterAll
  void stop() {
    if (current != null) {
      current.close();
    }
    if (old != null) {
      old.close();
    }
  }

  Stream<TestPostgres> servers() {
    return old == null ? Stream.of(current) : Stream.of(current, old);
  }

  private static Admin admin(TestPostgres server) {
    return database ->
        DriverManager.getConnection(
            "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database, "postgres", "");
  }

  @ParameterizedTest(autoCloseArguments = false) // the servers outlive each test
  @MethodSource("servers")
  void clonesAreFreshCopiesOfATemplatePreparedOnce(TestPostgres server) throws Exception {
    AtomicInteger runs = new AtomicInteger();
    TemplateSource counting = new TemplateSource.Callback(c -> runs.incrementAndGet());
    try (TemplateManager manager = TemplateManager.open(admin(server), server.toString())) {
      List<TemplateSource> sources = List.of(TemplateSource.parse(SCHEMA), counting);
      var template = manager.template("tenant_one", sources, getClass().getClassLoader());
      assertThat(manager.template("tenant_one", sources, getClass().getClassLoader())).isEqualTo(template);
      assertThat(runs).hasValue(1);

      String first = manager.take(template);
      try (Connection c = connect(server, "tenant_one", first)) {
        assertThat(count(c, "SELECT count(*) FROM entity_29")).isEqualTo(200);
        assertThat(count(c, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = 'tenant_one'"))
            .isEqualTo(30);
        c.createStatement().execute("DELETE FROM entity_29");
      }
      String second = manager.take(template);
      assertThat(second).isNotEqualTo(first);
      try (Connection c = connect(server, "tenant_one", second)) {
        assertThat(count(c, "SELECT count(*) FROM entity_29")).isEqualTo(200);
      }
      assertThat(runs).hasValue(1);
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the servers outlive each test
  @MethodSource("servers")
  void endedSessionsAreGoneAndDroppedClonesDisappear(TestPostgres server) throws Exception {
    try (TemplateManager manager = TemplateManager.open(admin(server), server.toString())) {
      var template = manager.template("tenant_two", List.of(), getClass().getClassLoader());
      String database = manager.take(template);
      Connection open = connect(server, "tenant_two", database);
      long start = System.nanoTime();
      manager.endSessions(List.of(database));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
      assertThatThrownBy(() -> open.createStatement().execute("SELECT 1")).isInstanceOf(SQLException.class);
      open.close();

      manager.dropLater(List.of(database));
      Await.until("the clone is dropped", Duration.ofSeconds(10), () -> !exists(server, database));
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the servers outlive each test
  @MethodSource("servers")
  void closingDropsEverythingItCreated(TestPostgres server) throws Exception {
    List<String> names;
    try (TemplateManager manager = TemplateManager.open(admin(server), server.toString())) {
      var template = manager.template("tenant_three", List.of(), getClass().getClassLoader());
      names = List.of(template.name(), manager.take(template));
    }
    for (String name : names) {
      assertThat(exists(server, name)).as(name).isFalse();
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the servers outlive each test
  @MethodSource("servers")
  void aFailingScriptFailsWithTheServersMessage(TestPostgres server) throws Exception {
    try (TemplateManager manager = TemplateManager.open(admin(server), server.toString())) {
      List<TemplateSource> broken = List.of(TemplateSource.parse("classpath:refresh/broken.sql"));
      for (int attempt = 0; attempt < 2; attempt++) {
        assertThatThrownBy(() -> manager.template("tenant_four", broken, getClass().getClassLoader()))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("template \"classpath:refresh/broken.sql\" for user \"tenant_four\"")
            .hasMessageContaining("relation \"no_such_table\" does not exist");
      }
      assertThatThrownBy(
              () -> manager.template("tenant_four", List.of(TemplateSource.parse("classpath:refresh/missing.sql")),
                  getClass().getClassLoader()))
          .hasMessageContaining("no resource \"refresh/missing.sql\" on the test classpath");
    }
  }

  @ParameterizedTest(autoCloseArguments = false) // the servers outlive each test
  @MethodSource("servers")
  void flywayAndLiquibaseFillTemplates(TestPostgres server) throws Exception {
    try (TemplateManager manager = TemplateManager.open(admin(server), server.toString())) {
      var flyway = manager.template("tenant_flyway", List.of(TemplateSource.parse("flyway:classpath:refresh/flyway")),
          getClass().getClassLoader());
      try (Connection c = connect(server, "tenant_flyway", manager.take(flyway))) {
        assertThat(count(c, "SELECT count(*) FROM note")).isEqualTo(2);
        assertThat(count(c, "SELECT count(*) FROM flyway_schema_history WHERE success")).isEqualTo(2);
      }
      var liquibase = manager.template("tenant_liquibase",
          List.of(TemplateSource.parse("liquibase:refresh/liquibase/changelog.sql")), getClass().getClassLoader());
      try (Connection c = connect(server, "tenant_liquibase", manager.take(liquibase))) {
        assertThat(count(c, "SELECT count(*) FROM note WHERE body = 'from liquibase'")).isEqualTo(1);
        assertThat(count(c, "SELECT count(*) FROM pg_tables WHERE tablename = 'note' AND tableowner = 'tenant_liquibase'"))
            .isEqualTo(1);
      }
    }
  }

  private static Connection connect(TestPostgres server, String user, String database) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database, user, "");
  }

  private static boolean exists(TestPostgres server, String database) {
    try (Connection c = server.superuser();
        var s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      s.setString(1, database);
      try (ResultSet rows = s.executeQuery()) {
        return rows.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
