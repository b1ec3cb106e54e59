package io.pgmux.samples.tenants;

import static io.pgmux.junit5.assertj.PgMuxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.ExecutedStatement;
import io.pgmux.Fault;
import io.pgmux.FaultHandle;
import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Refresh;
import io.pgmux.junit5.Route;
import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resilience code of {@link InvoiceService}, proven by making PostgreSQL fail for one tenant
 * through pgMux: serialization failures, a connection lost after COMMIT, and neither reaching
 * the other tenant. Each tenant has its own server, its database a fresh clone of the migrated
 * schema in each test.
 */
@PgMux(refresh = Refresh.EACH_TEST, routes = {
    @Route(user = "alice", backend = "tenant_a", database = "app", template = "flyway:classpath:db/tenant"),
    @Route(user = "bob", backend = "tenant_b", database = "app", template = "flyway:classpath:db/tenant")})
class InvoiceServiceIT {
  private static final String INSERTS = "insert into invoice %";
  private static final int MAX_ATTEMPTS = 5;

  private PgMuxProxy mux;
  private TenantDatabases databases;
  private InvoiceService invoices;

  @BeforeEach
  void connect(PgMuxProxy mux) {
    this.mux = mux;
    // As in production: one URL, a pool per tenant. New pools per test, since each test has
    // fresh databases.
    databases = new TenantDatabases("jdbc:postgresql://" + mux.host() + ":" + mux.port() + "/app",
        Map.of("alice", "", "bob", ""));
    invoices = new InvoiceService(databases, new BigDecimal("1000.00"), MAX_ATTEMPTS);
  }

  @AfterEach
  void closePools() {
    databases.close();
  }

  @Test
  void serializationFailuresAreRetriedUntilTheInvoiceIsWritten() throws SQLException {
    FaultHandle conflicts = mux.faults().add("alice", Fault.failStatements(INSERTS, "40001").times(2));

    UUID key = UUID.randomUUID();

    Invoice invoice = invoices.create("alice", key, "Wile E. Coyote", new BigDecimal("99.90"));

    assertThat(conflicts.fired()).isEqualTo(2);
    assertThat(invoices.find("alice", key)).contains(invoice);
    // The whole transaction ran three times; the first two inserts failed as PostgreSQL fails them.
    assertThat(mux).tenant("alice").executedExactly(3).statementsMatching(INSERTS);
    assertThat(mux.journal().ofUser("alice")).filteredOn(s -> s.matches(INSERTS))
        .extracting(ExecutedStatement::sqlState).containsExactly("40001", "40001", null);
  }

  @Test
  void theServiceGivesUpAfterItsRetryBudgetAndWritesNothing() throws SQLException {
    FaultHandle conflicts = mux.faults().add("alice", Fault.failStatements(INSERTS, "40001").times(10));
    UUID key = UUID.randomUUID();

    assertThatThrownBy(() -> invoices.create("alice", key, "Wile E. Coyote", new BigDecimal("99.90")))
        .isInstanceOf(SQLTransactionRollbackException.class)
        .hasMessage("invoice " + key + " of tenant alice not created: 5 attempts failed, the last with"
            + " SQLSTATE 40001 (ERROR: pgmux: injected fault (SQLSTATE 40001))")
        .hasCauseInstanceOf(SQLException.class);

    assertThat(conflicts.fired()).isEqualTo(MAX_ATTEMPTS);
    assertThat(mux).tenant("alice").executedExactly(MAX_ATTEMPTS).statementsMatching(INSERTS);
    assertThat(invoices.find("alice", key)).isEmpty();
    assertThat(new InvoiceRepository(databases).findAll("alice")).isEmpty();
  }

  @Test
  void aConnectionLostAfterCommitFindsTheInvoiceInsteadOfWritingItTwice() throws SQLException {
    FaultHandle drop = mux.faults().add("alice", Fault.dropAfterCommit());

    Invoice invoice = invoices.create("alice", UUID.randomUUID(), "Road Runner", new BigDecimal("5.50"));

    assertThat(drop.fired()).isEqualTo(1); // the client saw its connection break after COMMIT
    assertThat(new InvoiceRepository(databases).findAll("alice")).containsExactly(invoice);
    // Written once, committed once, and found by its key rather than inserted again.
    assertThat(mux).tenant("alice").executedExactly(1).statementsMatching(INSERTS);
    assertThat(mux).tenant("alice").executedExactly(1).statementsMatching("commit");
    assertThat(mux).tenant("alice").executedExactly(1).statementsMatching("select % where idempotency_key = %");
    assertThat(mux).tenant("alice").hasNoErrors();
  }

  @Test
  void aSerializationFailureAtCommitRedoesTheWholeTransaction() throws SQLException {
    // PostgreSQL reports many serializable conflicts only at COMMIT; a failed COMMIT commits
    // nothing, so the whole transaction is redone.
    FaultHandle conflict = mux.faults().add("alice", Fault.failStatements("commit", "40001").times(1));

    Invoice invoice = invoices.create("alice", UUID.randomUUID(), "Road Runner", new BigDecimal("5.50"));

    assertThat(conflict.fired()).isEqualTo(1);
    assertThat(new InvoiceRepository(databases).findAll("alice")).containsExactly(invoice);
    assertThat(mux).tenant("alice").executedExactly(2).statementsMatching(INSERTS);
  }

  @Test
  void aRepeatedRequestReturnsTheInvoiceItCreated() throws SQLException {
    UUID key = UUID.randomUUID();
    Invoice first = invoices.create("alice", key, "Road Runner", new BigDecimal("5.50"));

    assertThat(invoices.create("alice", key, "Road Runner", new BigDecimal("5.50"))).isEqualTo(first);
    assertThat(new InvoiceRepository(databases).findAll("alice")).containsExactly(first);
  }

  @Test
  void anInvoiceOverTheCreditLimitIsRefusedAndNotRetried() throws SQLException {
    invoices.create("alice", UUID.randomUUID(), "Wile E. Coyote", new BigDecimal("900.00"));

    assertThatThrownBy(() -> invoices.create("alice", UUID.randomUUID(), "Wile E. Coyote", new BigDecimal("200.00")))
        .isInstanceOf(InvoiceService.CreditLimitExceededException.class)
        .hasMessage("customer Wile E. Coyote would owe 1100.00, over the credit limit of 1000.00");
    assertThat(invoices.create("alice", UUID.randomUUID(), "Road Runner", new BigDecimal("200.00"))).isNotNull();
    assertThat(mux).tenant("alice").executedExactly(3).statementsMatching(INSERTS);
  }

  @Test
  void faultsOnOneTenantNeverReachAnother() throws SQLException {
    FaultHandle conflicts = mux.faults().add("alice", Fault.failStatements(INSERTS, "40001"));
    FaultHandle drop = mux.faults().add("alice", Fault.dropAfterCommit());

    Invoice bobs = invoices.create("bob", UUID.randomUUID(), "Hank Scorpio", new BigDecimal("1000.00"));
    assertThatThrownBy(() -> invoices.create("alice", UUID.randomUUID(), "Wile E. Coyote", BigDecimal.TEN))
        .isInstanceOf(SQLTransactionRollbackException.class);

    // Bob's statements went through untouched, and the faults acted on alice's only.
    assertThat(conflicts.fired()).isEqualTo(MAX_ATTEMPTS);
    assertThat(drop.fired()).isZero();
    assertThat(new InvoiceRepository(databases).findAll("bob")).containsExactly(bobs);
    assertThat(mux).tenant("bob").hasNoErrors().executedExactly(1).statementsMatching(INSERTS);
    assertThat(mux).backend("tenant_b").receivedNothingFrom("alice");
    assertThat(mux).backend("tenant_a").receivedNothingFrom("bob");
  }
}
