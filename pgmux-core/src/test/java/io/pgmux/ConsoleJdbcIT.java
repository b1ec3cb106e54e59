package io.pgmux;

import static io.pgmux.test.SqlErrors.assertFails;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.Await;
import io.pgmux.test.Jdbc;
import io.pgmux.test.TestPostgres;
import io.pgmux.test.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin console driven by pgjdbc in simple query mode: every command, columns read by name
 * and type, errors that leave the session usable, and what the commands do to tenants' sessions.
 */
class ConsoleJdbcIT {
  static final String ADMIN = "admin";
  static final String ADMIN_PASSWORD = "console-Pa55";
  static TestPostgres postgres;

  StaticRouter router;
  ProxyServer proxy;
  Connection console;

  @BeforeAll
  static void startPostgres() {
    postgres = TestPostgres.current();
    Tenants.prepare(postgres);
  }

  @AfterAll
  static void stopPostgres() {
    postgres.close();
  }

  @BeforeEach
  void start() throws SQLException {
    router = Tenants.router(postgres);
    proxy =
        new ProxyServer("127.0.0.1:0", router)
            .withJournal(1000)
            .withAdminConsole(ADMIN, ClientAuth.scram(ADMIN_PASSWORD.toCharArray()))
            .start();
    console = console(proxy, "simple");
  }

  @AfterEach
  void stop() throws SQLException {
    console.close();
    proxy.close();
  }

  static Connection console(ProxyServer proxy, String mode) throws SQLException {
    Properties p = new Properties();
    if (mode != null) {
      p.setProperty("preferQueryMode", mode);
    }
    return Jdbc.connect(proxy, ADMIN, ADMIN_PASSWORD, "pgmux", p);
  }

  Connection tenant(String user) throws SQLException {
    return Jdbc.connect(proxy, user, "", Tenants.database(user), new Properties());
  }

  private List<List<Object>> rows(String sql, String... columns) throws SQLException {
    List<List<Object>> out = new ArrayList<>();
    try (Statement s = console.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (String c : columns) {
          row.add(rs.getObject(c));
        }
        out.add(row);
      }
    }
    return out;
  }

  private void run(String sql) throws SQLException {
    try (Statement s = console.createStatement()) {
      s.execute(sql);
    }
  }

  private void fails(String sql, String sqlState, String message) throws SQLException {
    assertFails(() -> run(sql), sqlState, message);
    // The session stays usable.
    assertThat(rows("SHOW HELP", "command")).isNotEmpty();
  }

  @Test
  void everyShowCommandAnswersTypedColumns() throws SQLException {
    try (Connection alice = tenant("alice")) {
      Jdbc.queryString(alice, "SELECT 'hello'");
      try (Statement s = console.createStatement()) {
        try (ResultSet rs = s.executeQuery("SHOW HELP")) {
          assertThat(rs.getMetaData().getColumnName(1)).isEqualTo("command");
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("command")).isEqualTo("SHOW HELP");
        }
        try (ResultSet rs = s.executeQuery("SHOW ROUTES")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("user")).isEqualTo("alice");
          assertThat(rs.getString("host")).isEqualTo(postgres.host());
          assertThat(rs.getLong("port")).isEqualTo(postgres.port());
          assertThat(rs.getString("database")).isEqualTo("tenant_a");
          assertThat(rs.getString("backend_user")).isNull();
          assertThat(rs.getString("tls")).isEqualTo("disable");
          assertThat(rs.getBoolean("proxy_auth")).isFalse();
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("user")).isEqualTo("bob");
          assertThat(rs.next()).isFalse();
        }
        try (ResultSet rs = s.executeQuery("SHOW SESSIONS")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong("id")).isPositive();
          assertThat(rs.getString("user")).isEqualTo("alice");
          assertThat(rs.getString("database")).isEqualTo("tenant_a");
          assertThat(rs.getLong("port")).isEqualTo(postgres.port());
          assertThat(rs.getString("backend_user")).isEqualTo("alice");
          assertThat(rs.getString("backend_database")).isEqualTo("tenant_a");
          assertThat(rs.getString("client_address")).startsWith("127.0.0.1:");
          assertThat(rs.getBoolean("tls")).isFalse();
          assertThat(rs.getString("started_at")).endsWith("Z");
          assertThat(rs.getLong("bytes_from_client")).isPositive();
          assertThat(rs.getLong("bytes_from_backend")).isPositive();
          assertThat(rs.getBoolean("paused")).isFalse();
          assertThat(rs.next()).as("the console's own session is not listed").isFalse();
        }
        try (ResultSet rs = s.executeQuery("SHOW STATS")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getLong("accepted")).isGreaterThanOrEqualTo(2);
          assertThat(rs.getLong("active")).isGreaterThanOrEqualTo(2);
          assertThat(rs.getLong("sessions")).isEqualTo(1);
          assertThat(rs.getLong("refused")).isZero();
          assertThat(rs.getLong("cancels_forwarded")).isZero();
          assertThat(rs.getLong("bytes_from_clients")).isPositive();
          assertThat(rs.getLong("bytes_from_backends")).isPositive();
          assertThat(rs.getLong("statements")).isPositive();
          assertThat(rs.getLong("statement_errors")).isZero();
          assertThat(rs.getLong("journal_dropped")).isZero();
        }
        try (ResultSet rs = s.executeQuery("SHOW STATEMENTS alice")) {
          List<String> sql = new ArrayList<>();
          while (rs.next()) {
            sql.add(rs.getString("sql"));
            assertThat(rs.getLong("id")).isPositive();
            assertThat(rs.getLong("session_id")).isPositive();
            assertThat(rs.getString("user")).isEqualTo("alice");
            assertThat(rs.getString("database")).isEqualTo("tenant_a");
            assertThat(rs.getLong("port")).isEqualTo(postgres.port());
            assertThat(rs.getString("backend_database")).isEqualTo("tenant_a");
            assertThat(rs.getString("transaction_status")).isEqualTo("IDLE");
            assertThat(rs.getString("started_at")).endsWith("Z");
            assertThat(rs.getLong("duration_us")).isNotNegative();
            assertThat(rs.getString("sqlstate")).isNull();
            assertThat(rs.getString("parameters")).isNull();
          }
          assertThat(sql).contains("SELECT 'hello'");
        }
        try (ResultSet rs = s.executeQuery("SHOW STATEMENTS bob")) {
          assertThat(rs.next()).isFalse();
        }
        assertThat(s.executeUpdate("CLEAR STATEMENTS")).isZero();
        try (ResultSet rs = s.executeQuery("SHOW STATEMENTS")) {
          assertThat(rs.next()).isFalse();
        }
        try (ResultSet rs = s.executeQuery("SHOW server_version")) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString("server_version")).isEqualTo("16.0 (pgMux console)");
        }
      }
    }
  }

  @Test
  void faultsAddedThroughTheConsoleAct() throws SQLException {
    List<List<Object>> added =
        rows("FAULT alice FAIL STATEMENTS LIKE 'select 40001%' SQLSTATE '40001' TIMES 1", "id", "description");
    long id = (Long) added.get(0).get(0);
    assertThat((String) added.get(0).get(1)).contains("40001");
    try (Connection alice = tenant("alice")) {
      assertFails(() -> Jdbc.queryString(alice, "SELECT 40001 + 0"), "40001");
      assertThat(Jdbc.queryString(alice, "SELECT 40001 + 0")).isEqualTo("40001");
    }
    try (Statement s = console.createStatement(); ResultSet rs = s.executeQuery("SHOW FAULTS")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getLong("id")).isEqualTo(id);
      assertThat(rs.getString("user")).isEqualTo("alice");
      assertThat(rs.getString("kind")).isEqualTo("fail_statements");
      assertThat(rs.getLong("fired")).isEqualTo(1);
      assertThat(rs.getBoolean("active")).isFalse();
      assertThat(rs.next()).isFalse();
    }
    // Every other kind, then removal.
    for (String fault : List.of(
        "REFUSE LOGINS SQLSTATE '53300' MESSAGE 'full'", "LATENCY '1ms' JITTER '1ms'",
        "BANDWIDTH 100000000", "TERMINATE SESSIONS AFTER 1000 STATEMENTS",
        "DROP AFTER COMMIT TIMES 1", "STALL")) {
      run("FAULT carol " + fault);
    }
    assertThat(rows("SHOW FAULTS", "kind").stream().map(r -> r.get(0)).toList())
        .containsExactly("fail_statements", "refuse_logins", "latency", "bandwidth",
            "terminate_sessions", "drop_after_commit", "stall");
    run("DROP FAULT " + id);
    fails("DROP FAULT " + id, "42704", "pgmux: fault " + id + " does not exist");
    try (Statement s = console.createStatement()) {
      s.execute("CLEAR FAULTS carol");
      assertThat(s.getUpdateCount()).isEqualTo(6);
    }
    assertThat(rows("SHOW FAULTS", "id")).isEmpty();
  }

  @Test
  void setRouteAppliesToNewSessionsAndDropRouteRefusesThem() throws SQLException {
    try (Connection live = tenant("alice")) {
      run("SET ROUTE alice = '" + postgres.host() + ":" + postgres.port() + "/tenant_b'");
      assertThat(Jdbc.queryString(live, "SELECT current_database()")).isEqualTo("tenant_a");
      try (Connection fresh = tenant("alice")) {
        assertThat(Jdbc.queryString(fresh, "SELECT current_database()")).isEqualTo("tenant_b");
      }
      assertThat(rows("SHOW ROUTES", "user", "database")).contains(List.of("alice", "tenant_b"));
    }
    run("SET ROUTE * = '" + postgres.host() + ":" + postgres.port() + "'");
    assertThat(rows("SHOW ROUTES", "user")).contains(List.of("*"));
    fails("SET ROUTE alice = 'nowhere'", "22023", "pgmux: route \"alice=nowhere\": backend \"nowhere\" is not HOST:PORT");
    fails("SET ROUTE alice = 'db:5432?sslmode=sometimes'", "22023", "sslmode");
    run("DROP ROUTE alice");
    run("SET ROUTE * = 'x:1'");
    run("DROP ROUTE bob");
    router.withFallback(null);
    assertFails(() -> tenant("alice"), "28000");
    fails("DROP ROUTE alice", "42704", "pgmux: user \"alice\" has no route");
  }

  @Test
  void pauseHoldsOneTenantWhileAnotherRunsAndResumeReleasesIt() throws Exception {
    try (Connection alice = tenant("alice"); Connection bob = tenant("bob")) {
      run("PAUSE alice");
      assertThat(rows("SHOW SESSIONS", "user", "paused"))
          .contains(List.of("alice", true), List.of("bob", false));
      baseline = 0;
      baseline = rows0("SHOW SESSIONS", "alice");
      CompletableFuture<String> held =
          CompletableFuture.supplyAsync(() -> {
            try {
              return Jdbc.queryString(alice, "SELECT 'after pause'");
            } catch (SQLException e) {
              throw new IllegalStateException(e);
            }
          });
      // Bob runs freely while alice's statement waits at the proxy.
      for (int i = 0; i < 3; i++) {
        assertThat(Jdbc.queryString(bob, "SELECT 'bob " + i + "'")).isEqualTo("bob " + i);
      }
      Await.until("alice's statement reaches the proxy", Duration.ofSeconds(10),
          () -> rows0("SHOW SESSIONS", "alice") > 0);
      assertThat(held).isNotDone();
      run("RESUME alice");
      assertThat(held.get(10, TimeUnit.SECONDS)).isEqualTo("after pause");
      run("RESUME alice"); // not paused: no error
    }
  }

  /** Bytes alice's session has sent beyond its login, as SHOW SESSIONS tells. */
  private long rows0(String sql, String user) {
    try {
      for (List<Object> row : rows(sql, "user", "bytes_from_client")) {
        if (row.get(0).equals(user)) {
          return (Long) row.get(1) - baseline;
        }
      }
      return 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private long baseline;

  @Test
  void killEndsTheTenantsLiveSessionsWith57P01() throws SQLException {
    try (Connection alice = tenant("alice"); Connection bob = tenant("bob")) {
      Jdbc.queryString(alice, "SELECT 1");
      try (Statement s = console.createStatement()) {
        s.execute("KILL alice");
        assertThat(s.getUpdateCount()).isEqualTo(1);
      }
      assertFails(() -> Jdbc.queryString(alice, "SELECT 1"), "57P01");
      assertThat(Jdbc.queryString(bob, "SELECT 'alive'")).isEqualTo("alive");
    }
  }

  @Test
  void badCommandsAnswerTheirSqlStateAndTheSessionGoesOn() throws SQLException {
    fails("FROB", "42601", "pgmux: syntax error at or near \"FROB\"");
    fails("SHOW ROUTES please", "42601", "pgmux: syntax error at or near \"please\"");
    fails("SELECT 1", "0A000", "pgmux: the admin console does not run SQL; try SHOW HELP");
    fails("DROP FAULT 99", "42704", "pgmux: fault 99 does not exist");
    fails("DROP ROUTE nobody", "42704", "pgmux: user \"nobody\" has no route");
    fails("FAULT alice LATENCY 'soon'", "22023", "duration \"soon\"");
    fails("RELOAD", "55000", "pgmux: no routes file to reload");
    fails("SHOW HELP; FROB; SHOW ROUTES", "42601", "FROB");
    // Session chatter pgjdbc and psql send is accepted.
    run("SET extra_float_digits = 3");
    run("BEGIN");
    run("COMMIT");
    run("RESET ALL");
    try (Statement s = console.createStatement()) {
      assertThat(s.execute("")).isFalse(); // EmptyQueryResponse
    }
  }

  @Test
  void journalOffAnswers55000() throws SQLException {
    try (ProxyServer plain =
            new ProxyServer("127.0.0.1:0", router)
                .withAdminConsole(ADMIN, ClientAuth.scram(ADMIN_PASSWORD.toCharArray()))
                .start();
        Connection c = console(plain, "simple");
        Statement s = c.createStatement()) {
      assertFails(
          () -> s.executeQuery("SHOW STATEMENTS"),
          "55000",
          "pgmux: the statement journal is off (start with --journal)");
      try (ResultSet rs = s.executeQuery("SHOW STATS")) {
        rs.next();
        assertThat(rs.getObject("statements")).isNull();
      }
    }
  }

  @Test
  void fixedRoutesAnswer0A000() throws SQLException {
    Router fixed = request -> postgres.backend();
    try (ProxyServer other =
            new ProxyServer("127.0.0.1:0", fixed)
                .withAdminConsole(ADMIN, ClientAuth.scram(ADMIN_PASSWORD.toCharArray()))
                .start();
        Connection c = console(other, "simple");
        Statement s = c.createStatement()) {
      assertFails(
          () -> s.executeQuery("SHOW ROUTES"), "0A000", "pgmux: routes are fixed: the router is ");
    }
  }

  @Test
  void extendedQueryModeGetsAClear0A000AndTheSessionGoesOn() throws SQLException {
    try (Connection extended = console(proxy, null)) {
      for (int i = 0; i < 2; i++) {
        assertFails(
            () -> Jdbc.queryString(extended, "SHOW HELP"),
            "0A000",
            "pgmux: the admin console speaks the simple query protocol only (preferQueryMode=simple)");
      }
      assertThat(extended.isClosed()).isFalse();
    }
  }

  @Test
  void reloadAppliesTheRoutesFileOrKeepsTheRoutesOnABadLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("routes.conf");
    String target = postgres.host() + ":" + postgres.port();
    Files.writeString(file, "alice=" + target + "/tenant_b\n");
    io.pgmux.internal.route.RoutesFile routesFile =
        new io.pgmux.internal.route.RoutesFile(file, new io.pgmux.internal.route.Routes(), router);
    try (ProxyServer reloading =
            new ProxyServer("127.0.0.1:0", router)
                .withAdminConsole(ADMIN, ClientAuth.scram(ADMIN_PASSWORD.toCharArray()))) {
      io.pgmux.internal.server.ServerOptions.of(reloading)
          .routesReload(() -> routesFile.reloadNow().describe());
      reloading.start();
      try (Connection c = console(reloading, "simple"); Statement s = c.createStatement()) {
        s.execute("RELOAD");
        assertThat(router.routes()).containsOnlyKeys("alice");
        assertThat(router.routes().get("alice").database()).isEqualTo("tenant_b");
        Files.writeString(file, "alice=" + target + "/tenant_a\n# comment\nbob=" + target + "x\n");
        assertFails(() -> s.execute("RELOAD"), "22023", "routes file " + file + " line 3:");
        assertThat(router.routes().get("alice").database()).as("old routes kept").isEqualTo("tenant_b");
        try (ResultSet rs = s.executeQuery("SHOW HELP")) {
          assertThat(rs.next()).isTrue();
        }
      }
    }
  }

  @Test
  void wrongAdminPasswordIs28P01AndReachesNoBackend() {
    long before = proxy.stats().sessions();
    assertFails(() -> Jdbc.connect(proxy, ADMIN, "wrong", "pgmux", new Properties()), "28P01");
    assertThat(proxy.stats().sessions()).isEqualTo(before);
    assertThat(proxy.sessions()).isEmpty();
  }

  @Test
  void aRoutedUserAskingForTheAdminDatabaseIs28000() {
    assertFails(
        () -> Jdbc.connect(proxy, "alice", "", "pgmux", new Properties()),
        "28000",
        "pgmux: user \"alice\" may not use the admin console");
  }

  @Test
  void withoutTheConsoleTheAdminDatabaseIsRoutedLikeAnyOther() throws SQLException {
    try (ProxyServer plain = new ProxyServer("127.0.0.1:0", router).start();
        Connection alice = Jdbc.connect(plain, "alice", "", "pgmux", new Properties())) {
      // alice's route names her database: the proxy routed her, no console answered.
      assertThat(Jdbc.queryString(alice, "SELECT current_database()")).isEqualTo("tenant_a");
      assertThat(plain.sessions()).hasSize(1);
    }
  }

  @Test
  void aPlainClientIsRefusedWhenTheListenerRequiresTls() {
    try (ProxyServer tls =
        new ProxyServer("127.0.0.1:0", router)
            .withTls(TestTls.rsa().required())
            .withAdminConsole(ADMIN, ClientAuth.scram(ADMIN_PASSWORD.toCharArray()))
            .start()) {
      assertFails(() -> console(tls, "simple"), "28000");
    }
  }
}
