package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The README's example (the README's JUnit 5 section, with the class renamed), so it is known to work;
 * ReadmeTest checks that the two stay the same.
 */
@ExtendWith(NoLeftovers.class)
// README-BEGIN
@PgMux(routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "bob", backend = "tenant_b")})
class ReadmeExampleIT {
  @Test void eachTenantHasItsOwnServer(PgMuxProxy mux) throws SQLException {
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"));
        var bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
      alice.createStatement().execute("CREATE TABLE orders (id int)");
      assertThat(bob.getMetaData().getTables(null, null, "orders", null).next()).isFalse();
    }
  }
}
// README-END
