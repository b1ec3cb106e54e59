package io.pgmux.junit5.assertj;

import static io.pgmux.junit5.assertj.PgMuxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.Fault;
import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Route;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The journal and faults through {@code @PgMux}: assertions on who ran what where, with failure
 * messages that show it, and a clean slate for every test.
 */
@PgMux(routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "bob", backend = "tenant_b")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JournalAssertionsIT {

  @BeforeAll
  static void createTables(PgMuxProxy mux) throws SQLException {
    for (String user : new String[] {"alice", "bob"}) {
      try (Connection c = DriverManager.getConnection(mux.jdbcUrl(user))) {
        c.createStatement().execute("CREATE TABLE invoices (id int PRIMARY KEY)");
      }
    }
  }

  private static void insertInvoices(PgMuxProxy mux, String user, int... ids) throws SQLException {
    try (Connection c = DriverManager.getConnection(mux.jdbcUrl(user));
        PreparedStatement insert = c.prepareStatement("insert into invoices values (?)")) {
      for (int id : ids) {
        insert.setInt(1, id);
        insert.executeUpdate();
      }
    }
  }

  @Test
  @Order(1)
  void countsATenantsStatementsAndWhereTheyRan(PgMuxProxy mux) throws SQLException {
    insertInvoices(mux, "alice", 1, 2, 3);
    assertThat(mux).tenant("alice").executedExactly(3).statementsMatching("insert into invoices%");
    assertThat(mux).tenant("bob").executedNothing();
    assertThat(mux).backend("tenant_b").receivedNothingFrom("alice");
    assertThat(mux).backend("tenant_a").executedExactly(3).statementsMatching("INSERT INTO invoices VALUES ($1)");
    assertThat(mux).hasNoErrors();
    assertThat(mux.journal().ofUser("alice"))
        .filteredOn(s -> s.matches("insert%"))
        .extracting(s -> s.parameters().get(0))
        .containsExactly("1", "2", "3");
  }

  @Test
  @Order(2)
  void failuresListWhatRan(PgMuxProxy mux) throws SQLException {
    insertInvoices(mux, "bob", 7);
    assertThatThrownBy(
            () -> assertThat(mux).tenant("bob").executedExactly(2).statementsMatching("insert into invoices%"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Expected tenant \"bob\" to have run 2 statement(s) matching \"insert into invoices%\", but it ran 1")
        .hasMessageContaining("bob #")
        .hasMessageContaining("insert into invoices values ($1)  -> INSERT 1");
    assertThatThrownBy(() -> assertThat(mux).backend("tenant_b").receivedNothingFrom("bob"))
        .hasMessageContaining("Expected backend \"tenant_b\" to have received nothing from \"bob\"");
  }

  @Test
  @Order(3)
  void aFaultTurnsIntoAnErrorTheAssertionsReport(PgMuxProxy mux) throws SQLException {
    mux.faults().add("alice", Fault.failStatements("insert into invoices%", "40001"));
    assertThatThrownBy(() -> insertInvoices(mux, "alice", 10))
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("40001"));
    insertInvoices(mux, "bob", 10);
    assertThatThrownBy(() -> assertThat(mux).tenant("alice").hasNoErrors())
        .hasMessageContaining("-> ERROR 40001 pgmux: injected fault (SQLSTATE 40001)");
    assertThat(mux).tenant("bob").hasNoErrors();
  }

  @Test
  @Order(4)
  void theJournalAndFaultsStartEmptyInEachTest(PgMuxProxy mux) throws SQLException {
    assertThat(mux.journal().all()).isEmpty();
    assertThat(mux.faults().active()).isEmpty();
    insertInvoices(mux, "alice", 11); // the previous test's fault is gone
    assertThat(mux).tenant("alice").executedExactly(1).statementsMatching("insert%");
  }

  @Test
  @Order(5)
  void anyJournalTakesTheSameAssertions(PgMuxProxy mux) throws SQLException {
    insertInvoices(mux, "bob", 20, 21);
    assertThat(mux.journal()).tenant("bob").executedExactly(2).statementsMatching("insert into invoices%");
    assertThat(mux.journal()).backend(mux.backend("tenant_a")).receivedNothingFrom("bob");
    assertThat(mux.journal()).hasNoErrors();
    assertThatThrownBy(() -> assertThat(mux.journal()).backend(mux.backend("tenant_b")).executedNothing())
        .hasMessageContaining("Expected backend " + mux.backend("tenant_b").address() + " to have run no statement, but it ran 3")
        .hasMessageContaining("bob #");
  }
}
