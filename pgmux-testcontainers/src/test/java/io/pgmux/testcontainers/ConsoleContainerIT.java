package io.pgmux.testcontainers;

import static io.pgmux.junit5.assertj.PgMuxAssertions.assertThat;
import static io.pgmux.test.SqlErrors.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.ExecutedStatement;
import io.pgmux.Fault;
import io.pgmux.FaultHandle;
import io.pgmux.SessionInfo;
import io.pgmux.TransactionStatus;
import io.pgmux.test.Await;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Routes, sessions, the journal and faults of a running PgMuxContainer, through its admin
 * console: the in-JVM proxy's run-time API, over the network. One proxy and two backends (of two
 * PostgreSQL versions, to tell them apart) serve every test; each test puts back what it changed.
 */
@ExtendWith(DockerRequired.class)
class ConsoleContainerIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static Network network;
  private static PostgreSQLContainer v17;
  private static PostgreSQLContainer v15;
  private static PgMuxContainer mux;
  private static final List<String> proxyLog = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    network = Network.newNetwork();
    v17 = new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("v17-db");
    v15 = new PostgreSQLContainer(TestImages.postgres15()).withNetwork(network).withNetworkAliases("v15-db");
    mux = new PgMuxContainer(TestImages.jre())
        .withNetwork(network)
        .withRoute("alice", v17)
        .withRoute("bob", v15)
        .withJournal(500)
        .withLogConsumer(frame -> proxyLog.add(frame.getUtf8String()));
    mux.start();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {mux, v17, v15, network}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  @BeforeEach
  void cleanSlate() {
    // Sessions of the test before may still be ending in the proxy: they would count here.
    Await.until("the sessions of the test before have ended", WAIT, () -> mux.sessions().isEmpty());
    mux.journal().clear();
  }

  @AfterEach
  void putBack() {
    mux.faults().clear();
    mux.route("alice", v17);
  }

  /** Both backends have the same user and password, so any tenant logs in to either. */
  private static Connection connect(String user) throws SQLException {
    return DriverManager.getConnection(mux.getJdbcUrl(user), user, v17.getPassword());
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String major(Connection c) throws SQLException {
    return query(c, "SHOW server_version_num").substring(0, 2);
  }

  @Test
  void aRouteChangedAtRunTimeTakesNewSessionsOnly() throws SQLException {
    try (Connection before = connect("alice")) {
      assertThat(major(before)).isEqualTo("17");
      mux.route("alice", v15);
      assertThat(mux.routes().get("alice"))
          .extracting(b -> b.host(), b -> b.port(), b -> b.user(), b -> b.database())
          .containsExactly("v15-db", PostgreSQLContainer.POSTGRESQL_PORT, v15.getUsername(), v15.getDatabaseName());
      try (Connection after = connect("alice")) {
        assertThat(major(after)).isEqualTo("15");
      }
      assertThat(major(before)).as("the live session stays").isEqualTo("17");
    }
  }

  @Test
  void aRemovedRouteRefusesWith28000() throws SQLException {
    mux.route("carol", v17, null, null);
    try (Connection c = connect("carol")) {
      assertThat(query(c, "SELECT current_user")).isEqualTo(v17.getUsername());
      mux.removeRoute("carol");
      assertThat(query(c, "SELECT 'still open'")).isEqualTo("still open");
    }
    assertThat(mux.routes()).containsOnlyKeys("alice", "bob");
    assertFails(
        () -> DriverManager.getConnection(mux.getJdbcUrl("alice").replace("user=alice", "user=carol"), "carol", "x"),
        "28000");
    assertThatThrownBy(() -> mux.removeRoute("carol"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pgmux: user \"carol\" has no route");
  }

  @Test
  void sessionsListsTheLiveOnes() throws SQLException {
    Connection first = connect("alice");
    try (Connection second = connect("alice"); Connection other = connect("bob")) {
      List<SessionInfo> alices = mux.sessions(v17); // alice's route
      assertThat(alices).hasSize(2).allSatisfy(s -> {
        assertThat(s.isOpen()).isTrue();
        assertThat(s.backend().host()).isEqualTo("v17-db");
        assertThat(s.backend().port()).isEqualTo(PostgreSQLContainer.POSTGRESQL_PORT);
        assertThat(s.backendUser()).isEqualTo(v17.getUsername());
        assertThat(s.backendDatabase()).isEqualTo(v17.getDatabaseName());
        assertThat(s.tls()).isFalse();
        assertThat(s.bytesFromBackend()).isPositive();
      });
      assertThat(alices.get(0).id()).isLessThan(alices.get(1).id());
      assertThat(mux.sessions()).extracting(SessionInfo::user).contains("alice", "alice", "bob");
      first.close();
      Await.until("alice's first session is gone", WAIT, () -> mux.sessions(v17).size() == 1);
    } finally {
      first.close();
    }
    assertThat(mux.stats().sessions()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void theJournalHoldsWhatEachTenantRan() throws SQLException {
    try (Connection alice = connect("alice"); Connection bob = connect("bob")) {
      query(alice, "SELECT 'journal probe'");
      query(bob, "SELECT 'bob''s own'");
    }
    // Recorded when the proxy has the backend's answer: as the client gets it, not after.
    Await.until("both statements are in the journal", WAIT, () -> mux.journal().all().stream()
        .filter(s -> s.matches("select 'journal probe'") || s.matches("select 'bob''s own'")).count() == 2);
    List<ExecutedStatement> ofAlice = mux.journal().ofUser("alice");
    assertThat(ofAlice).filteredOn(s -> s.matches("select 'journal probe'")).singleElement().satisfies(s -> {
      assertThat(s.command()).isEqualTo("SELECT");
      assertThat(s.rows()).isEqualTo(1);
      assertThat(s.failed()).isFalse();
      assertThat(s.backend().host()).isEqualTo("v17-db");
      assertThat(s.backendDatabase()).isEqualTo(v17.getDatabaseName());
      assertThat(s.transactionStatus()).isEqualTo(TransactionStatus.IDLE);
      assertThat(s.startedAt()).isNotNull();
    });
    assertThat(mux.journal()).tenant("alice").executedNoStatementsMatching("%bob''s own%");
    assertThat(mux.journal()).tenant("bob").executedExactly(1).statementsMatching("select 'bob''s own'");
    assertThat(mux.journal()).backend(mux.backend(v15)).receivedNothingFrom("alice");
    assertThat(mux.journal().all()).containsAll(ofAlice).hasSizeGreaterThan(ofAlice.size());
    assertThat(mux.journal().capacity()).isEqualTo(500);
    assertThat(mux.journal().dropped()).isZero();
    mux.journal().clear();
    assertThat(mux.journal().all()).isEmpty();
  }

  @Test
  void aFaultFailsTheNextStatementOnceAndLeavesOtherTenantsAlone() throws SQLException {
    try (FaultHandle fault =
            mux.faults().add("alice", Fault.failStatements("select 'fault probe'", "40001").times(1));
        Connection alice = connect("alice");
        Connection bob = connect("bob")) {
      assertThat(mux.faults().active()).containsExactly(fault);
      assertThat(query(bob, "SELECT 'fault probe'")).isEqualTo("fault probe");
      assertFails(
          () -> query(alice, "SELECT 'fault probe'"),
          "40001",
          "pgmux: injected fault (SQLSTATE 40001)");
      assertThat(fault.fired()).isEqualTo(1);
      assertThat(fault.isActive()).isFalse();
      assertThat(query(alice, "SELECT 'fault probe'")).isEqualTo("fault probe");
      assertThat(mux.faults().active()).isEmpty();
    }
    assertThat(mux.journal()).tenant("alice").executedExactly(2).statementsMatching("select 'fault probe'");
    assertThat(mux.journal()).tenant("bob").hasNoErrors();
  }

  @Test
  void terminatingSessionsEndsThemWith57P01() throws SQLException {
    try (Connection alice = connect("alice"); Connection bob = connect("bob")) {
      FaultHandle terminate = mux.faults().add("alice", Fault.terminateSessions());
      assertFails(() -> query(alice, "SELECT 1"), "57P01");
      assertThat(terminate.fired()).isEqualTo(1);
      assertThat(terminate.isActive()).isFalse();
      terminate.close(); // already used up: nothing to drop, and no error
      assertThat(query(bob, "SELECT 'bob goes on'")).isEqualTo("bob goes on");
    }
    try (Connection again = connect("alice")) {
      assertThat(query(again, "SELECT 'new session'")).isEqualTo("new session");
    }
  }

  @Test
  void aClosedFaultActsNoMore() throws SQLException {
    FaultHandle fault = mux.faults().add("bob", Fault.failStatements("select 'closed probe'", "57014"));
    try (Connection bob = connect("bob")) {
      assertThatThrownBy(() -> query(bob, "SELECT 'closed probe'")).isInstanceOf(SQLException.class);
      assertThat(fault.isActive()).isTrue();
      fault.close();
      fault.close();
      assertThat(fault.isActive()).isFalse();
      assertThat(fault.fired()).isEqualTo(1);
      assertThat(query(bob, "SELECT 'closed probe'")).isEqualTo("closed probe");
    }
  }

  @Test
  void theAdminPasswordStaysSecret() {
    String password = mux.getEnvMap().get("PGMUX_ADMIN_PASSWORD");
    assertThat(password).hasSizeGreaterThanOrEqualTo(32);
    assertThat(mux.toString()).doesNotContain(password).contains("alice", "bob");
    assertThat(String.join("", mux.getCommandParts())).doesNotContain(password);
    mux.stats(); // the console has logged in by now
    assertThat(String.join("", proxyLog)).doesNotContain(password);
    assertFails(
        () -> DriverManager.getConnection(
            mux.getJdbcUrl(PgMuxContainer.ADMIN_USER, PgMuxContainer.ADMIN_DATABASE), PgMuxContainer.ADMIN_USER, "wrong"),
        "28P01");
  }

  /** The README's run-time example; {@link ReadmeTest} checks that the README shows this code. */
  @Test
  void readmeRunTimeExample() throws SQLException {
    // README-BEGIN
mux.route("alice", v15);                   // alice's new sessions go to v15
try (FaultHandle conflict = mux.faults().add("alice", Fault.failStatements("select 42", "40001").times(1));
    Connection c = DriverManager.getConnection(mux.getJdbcUrl("alice"), "alice", v15.getPassword())) {
  assertThatThrownBy(() -> c.createStatement().execute("SELECT 42")).hasMessageContaining("40001");
  c.createStatement().execute("SELECT 42"); // the retry succeeds
  assertThat(conflict.fired()).isEqualTo(1);
  assertThat(mux.sessions(v15)).extracting(SessionInfo::user).containsExactly("alice");
}
assertThat(mux.journal()).tenant("alice").executedExactly(2).statementsMatching("select 42");
    // README-END
  }
}
