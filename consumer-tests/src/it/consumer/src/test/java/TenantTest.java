import static org.assertj.core.api.Assertions.assertThat;
import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Route;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

@PgMux(routes = {@Route(user = "alice", backend = "tenant_a"), @Route(user = "bob", backend = "tenant_b")})
class TenantTest {
  @Test void eachTenantHasItsOwnServer(PgMuxProxy mux) throws SQLException {
    try (var alice = DriverManager.getConnection(mux.jdbcUrl("alice"));
        var bob = DriverManager.getConnection(mux.jdbcUrl("bob"))) {
      alice.createStatement().execute("CREATE TABLE orders (id int)");
      assertThat(bob.getMetaData().getTables(null, null, "orders", null).next()).isFalse();
    }
  }
}
