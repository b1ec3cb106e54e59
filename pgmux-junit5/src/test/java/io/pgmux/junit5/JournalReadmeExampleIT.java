package io.pgmux.junit5;

import static io.pgmux.junit5.assertj.PgMuxAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pgmux.Fault;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** The README's journal-and-faults example, as it is shown there. */
// README-BEGIN
@PgMux(routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "bob", backend = "tenant_b")})
class JournalReadmeExampleIT {
  @Test void aRetryGetsPastASerializationFailure(PgMuxProxy mux) throws SQLException {
    mux.faults().add("alice", Fault.failStatements("insert into invoices%", "40001").times(1));
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"))) {
      alice.createStatement().execute("CREATE TABLE invoices (id int)");
      var e = assertThrows(SQLException.class, () -> alice.createStatement().execute("INSERT INTO invoices VALUES (1)"));
      assertThat(e.getSQLState()).isEqualTo("40001");
      alice.createStatement().execute("INSERT INTO invoices VALUES (1)"); // the retry
    }
    assertThat(mux).tenant("alice").executedExactly(2).statementsMatching("insert into invoices%");
    assertThat(mux).backend("tenant_b").receivedNothingFrom("alice");
  }
}
// README-END
