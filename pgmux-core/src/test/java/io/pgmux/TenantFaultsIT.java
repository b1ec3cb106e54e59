package io.pgmux;

import static io.pgmux.test.SqlErrors.assertFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import java.io.StringReader;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;

/**
 * Each fault kind, through pgjdbc against a real PostgreSQL: the client sees what PostgreSQL
 * would send, the session stays in PostgreSQL's state, and the other tenant is never touched.
 */
@ExtendWith(Backends.Resolver.class)
class TenantFaultsIT {
  private Tenants tenants;
  private Connection bob;

  @BeforeEach
  void start(Backends backends) throws SQLException {
    tenants = new Tenants(backends.current(), false);
    bob = tenants.connect("bob");
  }

  @AfterEach
  void bobIsUntouched() throws Exception {
    try (Statement s = bob.createStatement()) {
      s.execute("INSERT INTO invoices VALUES (1000, 1)");
      s.execute("DELETE FROM invoices WHERE id = 1000");
    }
    bob.close();
    assertThat(tenants.journal.ofUser("bob")).noneMatch(ExecutedStatement::failed);
    tenants.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"preferQueryMode=simple", "preferQueryMode=extended", "prepareThreshold=1"})
  void aFailedStatementFailsTheBlockUntilRollbackAsPostgreSqlWould(String mode) throws Exception {
    FaultHandle fault = tenants.faults.add("alice",
        Fault.failStatements("insert into invoices%", "40001").withMessage("could not serialize access").times(1));
    try (Connection c = tenants.connect("alice", mode)) {
      c.setAutoCommit(false);
      try (PreparedStatement insert = c.prepareStatement("INSERT INTO invoices VALUES (?, 1)");
          Statement s = c.createStatement()) {
        s.execute("SELECT 1");
        insert.setInt(1, 1);
        assertThatThrownBy(insert::executeUpdate).isInstanceOfSatisfying(SQLException.class, e -> {
          assertThat(e.getSQLState()).isEqualTo("40001");
          assertThat(e.getMessage()).isEqualTo("ERROR: could not serialize access");
        });
        assertFails(() -> s.execute("SELECT 1"), "25P02");
        c.rollback();
        // The retry runs: the fault was for one statement, and named statements still work.
        for (int id = 1; id <= 3; id++) {
          insert.setInt(1, id);
          assertThat(insert.executeUpdate()).isEqualTo(1);
        }
        c.commit();
      }
    }
    assertThat(fault.fired()).isEqualTo(1);
    assertThat(tenants.invoices("alice")).isEqualTo(3);
    assertThat(tenants.journal.ofUser("alice"))
        .filteredOn(s -> s.matches("insert into invoices%"))
        .extracting(ExecutedStatement::sqlState, ExecutedStatement::transactionStatus)
        .containsExactly(
            tuple("40001", TransactionStatus.FAILED),
            tuple(null, TransactionStatus.IN_TRANSACTION),
            tuple(null, TransactionStatus.IN_TRANSACTION),
            tuple(null, TransactionStatus.IN_TRANSACTION));
  }

  private record BatchOutcome(int[] updateCounts, String sqlState, long rows) {}

  private BatchOutcome batch(int... ids) throws Exception {
    try (Connection c = tenants.connect("alice"); Statement s = c.createStatement()) {
      for (int id : ids) {
        s.addBatch("insert into invoices values (" + id + ", 1)");
      }
      BatchUpdateException e = org.junit.jupiter.api.Assertions.assertThrows(BatchUpdateException.class, s::executeBatch);
      long rows = tenants.invoices("alice");
      s.execute("DELETE FROM invoices");
      return new BatchOutcome(e.getUpdateCounts(), e.getSQLState(), rows);
    }
  }

  @Test
  void aFailureInAPipelinedBatchEndsItAsARealErrorWould() throws Exception {
    FaultHandle fault =
        tenants.faults.add("alice", Fault.failStatements("insert into invoices values (3,%", "23505").times(1));
    BatchOutcome injected = batch(1, 2, 3, 4);
    BatchOutcome real = batch(1, 2, 1, 4); // the third repeats the first: a real duplicate key
    assertThat(fault.fired()).isEqualTo(1);
    assertThat(injected.sqlState()).isEqualTo("23505");
    assertThat(injected).usingRecursiveComparison().isEqualTo(real);
    assertThat(injected.rows()).isZero(); // one implicit transaction, rolled back
  }

  @Test
  void aRewrittenBatchFailsAsOneStatementAndTheRetrySucceeds() throws Exception {
    tenants.faults.add("alice", Fault.failStatements("insert into invoices%", "40001").times(1));
    try (Connection c = tenants.connect("alice", "reWriteBatchedInserts=true");
        PreparedStatement insert = c.prepareStatement("insert into invoices values (?, ?)")) {
      for (int attempt = 0; attempt < 2; attempt++) {
        for (int i = 1; i <= 10; i++) {
          insert.setInt(1, i);
          insert.setInt(2, i);
          insert.addBatch();
        }
        if (attempt == 0) {
          assertFails(insert::executeBatch, "40001");
          assertThat(tenants.invoices("alice")).isZero();
        } else {
          insert.executeBatch();
        }
      }
    }
    assertThat(tenants.invoices("alice")).isEqualTo(10);
  }

  @Test
  void copyFailsToStartAndTheSessionGoesOn() throws Exception {
    tenants.faults.add("alice", Fault.failStatements("copy invoices from stdin", "57014").times(1));
    try (Connection c = tenants.connect("alice")) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      assertFails(
          () -> copy.copyIn("COPY invoices FROM STDIN", new StringReader("1\t1\n")), "57014");
      assertThat(copy.copyIn("COPY invoices FROM STDIN", new StringReader("1\t1\n2\t2\n"))).isEqualTo(2);
    }
    assertThat(tenants.journal.ofUser("alice"))
        .filteredOn(s -> s.matches("copy%"))
        .extracting(ExecutedStatement::sqlState, ExecutedStatement::rows)
        .containsExactly(tuple("57014", -1L), tuple(null, 2L));
  }

  @Test
  void refusesLoginsWithTheChosenErrorUntilRemoved() throws Exception {
    FaultHandle fault = tenants.faults.add("alice", Fault.refuseLogins("53300", "sorry, too many clients already"));
    assertFails(() -> tenants.connect("alice").close(), "53300", "sorry, too many clients already");
    tenants.connect("bob").close();
    fault.close();
    tenants.connect("alice").close();
    assertThat(fault.fired()).isEqualTo(1);
  }

  @Test
  void latencyDelaysEachStatement() throws Exception {
    try (Connection c = tenants.connect("alice"); Statement s = c.createStatement()) {
      tenants.faults.add("alice", Fault.latency(Duration.ofMillis(300)));
      long start = System.nanoTime();
      s.execute("SELECT 1");
      s.execute("SELECT 2");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    }
  }

  @Test
  void bandwidthCapSlowsBigResults() throws Exception {
    try (Connection c = tenants.connect("alice"); Statement s = c.createStatement()) {
      tenants.faults.add("alice", Fault.bandwidth(20_000));
      long start = System.nanoTime();
      try (ResultSet rs = s.executeQuery("SELECT repeat('x', 40000)")) {
        rs.next();
        assertThat(rs.getString(1)).hasSize(40_000);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }
  }

  @Test
  void stallHoldsTheSessionUntilRemoved() throws Exception {
    try (Connection c = tenants.connect("alice"); Statement s = c.createStatement()) {
      FaultHandle stall = tenants.faults.add("alice", Fault.stall());
      CompletableFuture<String> query = CompletableFuture.supplyAsync(() -> {
        try (ResultSet rs = s.executeQuery("SELECT 'through'")) {
          rs.next();
          return rs.getString(1);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      });
      Await.until("the query is held", Duration.ofSeconds(10), () -> stall.fired() > 0);
      assertThatThrownBy(() -> query.get(300, TimeUnit.MILLISECONDS))
          .isInstanceOf(java.util.concurrent.TimeoutException.class);
      stall.close();
      assertThat(query.get(10, TimeUnit.SECONDS)).isEqualTo("through");
    }
  }

  @Test
  void aStallTripsTheClientsSocketTimeout() throws Exception {
    try (Connection c = tenants.connect("alice", "socketTimeout=1"); Statement s = c.createStatement()) {
      tenants.faults.add("alice", Fault.stall());
      assertFails(() -> s.execute("SELECT 1"), "08006");
    }
  }

  @Test
  void terminatesLiveSessionsAsPgTerminateBackendDoes() throws Exception {
    try (Connection c = tenants.connect("alice"); Statement s = c.createStatement()) {
      s.execute("SELECT 1");
      FaultHandle fault = tenants.faults.add("alice", Fault.terminateSessions());
      assertThat(fault.fired()).isEqualTo(1);
      assertFails(
          () -> s.execute("SELECT 1"),
          "57P01",
          "terminating connection due to administrator command");
    }
    tenants.connect("alice").close(); // new sessions are let in
  }

  @Test
  void cutsConnectionsAfterNStatements() throws Exception {
    try (Connection c = tenants.connect("alice"); Statement s = c.createStatement()) {
      // After connecting: pgjdbc's own SET application_name would count too.
      tenants.faults.add("alice", Fault.terminateSessions().afterStatements(2).byCuttingConnections());
      s.execute("SELECT 1");
      s.execute("SELECT 2");
      assertFails(() -> s.execute("SELECT 3"), "08006");
    }
  }

  @Test
  void dropsTheClientAfterTheBackendCommitted() throws Exception {
    tenants.faults.add("alice", Fault.dropAfterCommit());
    try (Connection c = tenants.connect("alice")) {
      c.setAutoCommit(false);
      c.createStatement().execute("INSERT INTO invoices VALUES (1, 1)");
      assertFails(c::commit, "08006");
    }
    assertThat(tenants.invoices("alice")).isEqualTo(1); // the commit happened
    assertThat(tenants.journal.ofUser("alice")).last()
        .extracting(ExecutedStatement::command, ExecutedStatement::transactionStatus)
        .containsExactly("COMMIT", TransactionStatus.IDLE);
  }
}
