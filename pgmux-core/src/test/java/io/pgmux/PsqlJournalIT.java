package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.pgmux.test.Backends;
import io.pgmux.test.Psql;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** psql (libpq) through the journal and a fault: what its user sees and what is recorded. */
@ExtendWith(Backends.Resolver.class)
class PsqlJournalIT {
  private Tenants tenants;

  @BeforeEach
  void start(Backends backends) {
    tenants = new Tenants(backends.current(), false);
  }

  @AfterEach
  void stop() {
    tenants.close();
  }

  private Psql.Result psql(String user, String sql) throws Exception {
    return Psql.run(
        "host=127.0.0.1 port=" + tenants.proxy.port() + " user=" + user + " dbname=" + Tenants.database(user)
            + " sslmode=disable",
        "",
        sql);
  }

  @Test
  void aMultiStatementQueryIsOneEntryPerStatement() throws Exception {
    Psql.Result result = psql("alice", "BEGIN; INSERT INTO invoices VALUES (1, 5); SELECT count(*) FROM invoices; COMMIT");
    assertThat(result.exitCode()).isZero();
    assertThat(tenants.journal.ofUser("alice"))
        .extracting(ExecutedStatement::sql, ExecutedStatement::command, ExecutedStatement::transactionStatus)
        .containsExactly(
            tuple("BEGIN", "BEGIN", TransactionStatus.IN_TRANSACTION),
            tuple("INSERT INTO invoices VALUES (1, 5)", "INSERT", TransactionStatus.IN_TRANSACTION),
            tuple("SELECT count(*) FROM invoices", "SELECT", TransactionStatus.IN_TRANSACTION),
            tuple("COMMIT", "COMMIT", TransactionStatus.IDLE));
  }

  @Test
  void anInjectedErrorLooksLikePostgreSqlsOwnWithoutTheBlockBehindIt() throws Exception {
    tenants.faults.add("alice", Fault.failStatements("insert into invoices%", "40001")
        .withMessage("could not serialize access due to concurrent update"));
    Psql.Result result = psql("alice", "INSERT INTO invoices VALUES (1, 5)");
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.err().strip()).isEqualTo("ERROR:  could not serialize access due to concurrent update");
    Psql.Result bob = psql("bob", "INSERT INTO invoices VALUES (1, 5)");
    assertThat(bob.exitCode()).isZero();
  }
}
