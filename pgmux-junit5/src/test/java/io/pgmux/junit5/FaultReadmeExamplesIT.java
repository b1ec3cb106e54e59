package io.pgmux.junit5;

import static io.pgmux.junit5.assertj.PgMuxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgmux.Fault;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The README's example of each fault and of the journal assertions, as shown there (each method
 * between the markers is one code block, in order), run against real PostgreSQL.
 */
@PgMux(routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "bob", backend = "tenant_b")})
class FaultReadmeExamplesIT {

  // README-BEGIN
  @Test void aFullServerRefusesLogins(PgMuxProxy mux) {
    try (var full = mux.faults().add("alice", Fault.refuseLogins("53300", "sorry, too many clients already"))) {
      var e = assertThrows(SQLException.class, () -> DriverManager.getConnection(mux.jdbcUrl("alice")));
      assertThat(e.getSQLState()).isEqualTo("53300");
      assertThat(full.fired()).isEqualTo(1);
    } // removed: alice logs in again; bob was never refused
  }
  // README-END

  // README-BEGIN
  @Test void latencyDelaysEachStatement(PgMuxProxy mux) throws SQLException {
    mux.faults().add("alice", Fault.latency(Duration.ofMillis(200)).withJitter(Duration.ofMillis(50)));
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      long start = System.nanoTime();
      alice.createStatement().execute("SELECT 1");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
    }
  }
  // README-END

  // README-BEGIN
  @Test void bandwidthSlowsBigResults(PgMuxProxy mux) throws SQLException {
    mux.faults().add("alice", Fault.bandwidth(50_000)); // bytes per second, each way
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      long start = System.nanoTime();
      alice.createStatement().execute("SELECT repeat('x', 25000)"); // half a second's worth
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }
  }
  // README-END

  // README-BEGIN
  @Test void anInjectedErrorFailsTheTransactionBlock(PgMuxProxy mux) throws SQLException {
    mux.faults().add("alice", Fault.failStatements("update stock%", "40P01").withMessage("deadlock detected"));
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice")); var s = alice.createStatement()) {
      s.execute("CREATE TABLE stock (item int, count int)");
      alice.setAutoCommit(false);
      assertThat(assertThrows(SQLException.class, () -> s.execute("UPDATE stock SET count = 0")).getMessage()).contains("deadlock detected");
      assertThat(assertThrows(SQLException.class, () -> s.execute("SELECT 1")).getSQLState()).isEqualTo("25P02");
      alice.rollback(); // as after a real deadlock
    }
  }
  // README-END

  // README-BEGIN
  @Test void terminatedSessionsSeeWhatPgTerminateBackendSends(PgMuxProxy mux) throws SQLException {
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      mux.faults().add("alice", Fault.terminateSessions()); // or .afterStatements(n), .byCuttingConnections()
      var e = assertThrows(SQLException.class, () -> alice.createStatement().execute("SELECT 1"));
      assertThat(e.getSQLState()).isEqualTo("57P01"); // 08006 when the connection is cut
    }
    DriverManager.getConnection(mux.jdbcUrl("alice")).close(); // new logins go on
  }
  // README-END

  // README-BEGIN
  @Test void aCommitWhoseAnswerIsLostStillCommitted(PgMuxProxy mux) throws SQLException {
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice")); var s = alice.createStatement()) {
      s.execute("CREATE TABLE payments (id int)");
      mux.faults().add("alice", Fault.dropAfterCommit());
      alice.setAutoCommit(false);
      s.execute("INSERT INTO payments VALUES (1)");
      assertThat(assertThrows(SQLException.class, alice::commit).getSQLState()).isEqualTo("08006");
    }
    assertThat(mux).tenant("alice").executedExactly(1).statementsMatching("commit").hasNoErrors();
  }
  // README-END

  // README-BEGIN
  @Test void aStallTripsTheSocketTimeout(PgMuxProxy mux) throws SQLException {
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice") + "&socketTimeout=1")) {
      var stall = mux.faults().add("alice", Fault.stall()); // until closed: then the session goes on
      var e = assertThrows(SQLException.class, () -> alice.createStatement().execute("SELECT 1"));
      assertThat(e.getSQLState()).isEqualTo("08006"); // pgjdbc gave up after 1 s
      assertThat(stall.fired()).isPositive();
    }
  }
  // README-END

  // README-BEGIN
  @Test void whoRanWhatWhere(PgMuxProxy mux) throws SQLException {
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      alice.createStatement().execute("CREATE TABLE notes (id int); INSERT INTO notes VALUES (1), (2)");
    }
    assertThat(mux).tenant("alice").executedExactly(3).statements() // pgjdbc's SET application_name too
        .executedExactly(1).statementsMatching("insert into notes%")
        .executedNoStatementsMatching("delete%").hasNoErrors();
    assertThat(mux).tenant("bob").executedNothing();
    assertThat(mux).backend("tenant_b").receivedNothingFrom("alice");
    assertThat(mux).hasNoErrors(); // every tenant; statements() narrows to all of them as well
  }
  // README-END
}
