package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.pgmux.test.Backends;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;

/** The journal records what pgjdbc runs against a real PostgreSQL, one entry per statement. */
@ExtendWith(Backends.Resolver.class)
class StatementJournalIT {
  private Tenants tenants;

  @BeforeEach
  void start(Backends backends) {
    tenants = new Tenants(backends.current(), true);
  }

  @AfterEach
  void stop() throws Exception {
    tenants.close();
  }

  private Connection connect(String user, String... properties) throws SQLException {
    Connection c = tenants.connect(user, properties);
    tenants.journal.clear(); // whatever the driver ran while connecting
    return c;
  }

  @Test
  void simpleProtocolStatementsWithTagsRowsAndStatus() throws Exception {
    try (Connection c = connect("alice", "preferQueryMode=simple"); Statement s = c.createStatement()) {
      s.execute("INSERT INTO invoices VALUES (1, 10), (2, 20)");
      s.executeQuery("SELECT * FROM invoices").close();
      s.execute("BEGIN; UPDATE invoices SET amount = 0 WHERE id = 1; COMMIT");
    }
    assertThat(tenants.journal.ofUser("alice"))
        .extracting(ExecutedStatement::sql, ExecutedStatement::command, ExecutedStatement::rows,
            ExecutedStatement::transactionStatus)
        .containsExactly(
            tuple("INSERT INTO invoices VALUES (1, 10), (2, 20)", "INSERT", 2L, TransactionStatus.IDLE),
            tuple("SELECT * FROM invoices", "SELECT", 2L, TransactionStatus.IDLE),
            tuple("BEGIN", "BEGIN", -1L, TransactionStatus.IN_TRANSACTION),
            tuple("UPDATE invoices SET amount = 0 WHERE id = 1", "UPDATE", 1L, TransactionStatus.IN_TRANSACTION),
            tuple("COMMIT", "COMMIT", -1L, TransactionStatus.IDLE));
    ExecutedStatement first = tenants.journal.all().get(0);
    assertThat(first.database()).isEqualTo("tenant_a");
    assertThat(first.parameters()).isNull();
  }

  @Test
  void extendedProtocolUnnamedThenNamedStatementsWithParameters() throws Exception {
    try (Connection c = connect("alice");
        PreparedStatement insert = c.prepareStatement("INSERT INTO invoices VALUES (?, ?)")) {
      // prepareThreshold 5: four runs on the unnamed statement, then a named one.
      for (int i = 1; i <= 7; i++) {
        insert.setInt(1, i);
        insert.setInt(2, i * 10);
        insert.executeUpdate();
      }
    }
    assertThat(tenants.journal.all())
        .extracting(ExecutedStatement::sql, ExecutedStatement::command, ExecutedStatement::rows)
        .containsOnly(tuple("INSERT INTO invoices VALUES ($1, $2)", "INSERT", 1L))
        .hasSize(7);
    assertThat(tenants.journal.all().get(6).parameters()).isEqualTo(Arrays.asList("7", "70"));
  }

  @Test
  void pipelinedBatchesAreMatchedInOrder() throws Exception {
    try (Connection c = connect("alice");
        PreparedStatement insert = c.prepareStatement("INSERT INTO invoices VALUES (?, ?)")) {
      for (int i = 1; i <= 5; i++) {
        insert.setInt(1, i);
        insert.setInt(2, 1);
        insert.addBatch();
      }
      insert.executeBatch();
    }
    assertThat(tenants.journal.all()).hasSize(5).allMatch(s -> s.rows() == 1 && !s.failed());
    assertThat(tenants.journal.all()).extracting(s -> s.parameters().get(0))
        .containsExactly("1", "2", "3", "4", "5");
  }

  @Test
  void aFailureInABatchRecordsTheFailedStatementAndNotTheSkippedOnes() throws Exception {
    try (Connection c = connect("alice");
        PreparedStatement insert = c.prepareStatement("INSERT INTO invoices VALUES (?, ?)")) {
      for (int id : new int[] {1, 2, 2, 3}) {
        insert.setInt(1, id);
        insert.setInt(2, 1);
        insert.addBatch();
      }
      assertThatThrownBy(insert::executeBatch).isInstanceOf(SQLException.class);
    }
    assertThat(tenants.journal.all())
        .extracting(ExecutedStatement::sqlState)
        .containsExactly(null, null, "23505");
    assertThat(tenants.invoices("alice")).isZero(); // one implicit transaction, rolled back
  }

  @Test
  void rewrittenBatchedInsertsAreOneStatementPerChunk() throws Exception {
    try (Connection c = connect("alice", "reWriteBatchedInserts=true");
        PreparedStatement insert = c.prepareStatement("insert into invoices values (?, ?)")) {
      for (int i = 1; i <= 10; i++) {
        insert.setInt(1, i);
        insert.setInt(2, 1);
        insert.addBatch();
      }
      insert.executeBatch();
    }
    assertThat(tenants.journal.all()).allMatch(s -> s.matches("insert into invoices values%"));
    assertThat(tenants.journal.all().stream().mapToLong(ExecutedStatement::rows).sum()).isEqualTo(10);
    assertThat(tenants.journal.all().size()).isLessThan(10);
  }

  @Test
  void copyInAndOut() throws Exception {
    try (Connection c = connect("alice")) {
      var copy = c.unwrap(PGConnection.class).getCopyAPI();
      long in = copy.copyIn("COPY invoices FROM STDIN", new StringReader("1\t10\n2\t20\n3\t30\n"));
      assertThat(in).isEqualTo(3);
      var out = new java.io.StringWriter();
      copy.copyOut("COPY invoices TO STDOUT", out);
    }
    assertThat(tenants.journal.all())
        .extracting(ExecutedStatement::sql, ExecutedStatement::command, ExecutedStatement::rows)
        .containsExactly(
            tuple("COPY invoices FROM STDIN", "COPY", 3L),
            tuple("COPY invoices TO STDOUT", "COPY", 3L));
  }

  @Test
  void aFailedTransactionBlockIsRecordedAsPostgreSqlReportsIt() throws Exception {
    try (Connection c = connect("alice")) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("INSERT INTO invoices VALUES (1, 1)");
        assertThatThrownBy(() -> s.execute("INSERT INTO invoices VALUES (1, 1)"))
            .isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> s.execute("SELECT 1")).isInstanceOfSatisfying(SQLException.class,
            e -> assertThat(e.getSQLState()).isEqualTo("25P02"));
      }
      c.rollback();
    }
    assertThat(tenants.journal.all())
        .extracting(ExecutedStatement::sql, ExecutedStatement::sqlState, ExecutedStatement::transactionStatus)
        .containsExactly(
            tuple("BEGIN", null, TransactionStatus.IN_TRANSACTION),
            tuple("INSERT INTO invoices VALUES (1, 1)", null, TransactionStatus.IN_TRANSACTION),
            tuple("INSERT INTO invoices VALUES (1, 1)", "23505", TransactionStatus.FAILED),
            tuple("SELECT 1", "25P02", TransactionStatus.FAILED),
            tuple("ROLLBACK", null, TransactionStatus.IDLE));
  }

  @Test
  void readsPerUserAndPerBackend() throws Exception {
    try (Connection a = connect("alice"); Connection b = connect("bob")) {
      a.createStatement().execute("SELECT 'a'");
      b.createStatement().execute("SELECT 'b'");
    }
    assertThat(tenants.journal.ofUser("alice")).extracting(ExecutedStatement::sql).containsExactly("SELECT 'a'");
    assertThat(tenants.journal.ofUser("bob")).extracting(ExecutedStatement::sql).containsExactly("SELECT 'b'");
    BackendConfig server = tenants.postgres.backend();
    assertThat(tenants.journal.onBackend(server)).hasSize(2);
    assertThat(tenants.journal.onBackend(server.withDatabase("tenant_b")))
        .extracting(ExecutedStatement::user).containsExactly("bob");
    try (Connection a = connect("alice"); ResultSet rs = a.createStatement().executeQuery("SELECT 1")) {
      rs.next();
    }
    assertThat(tenants.journal.all()).hasSize(1);
  }
}
