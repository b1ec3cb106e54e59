import io.pgmux.testcontainers.PgMuxContainer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The README's Testcontainers example, compiled against the published artifacts (pgmux-testcontainers'
 * ReadmeExampleIT runs it).
 */
class ContainerExample {
  static void readmeExample() throws SQLException {
    // README-BEGIN
try (Network network = Network.newNetwork();
    PostgreSQLContainer acme = new PostgreSQLContainer("postgres:17").withNetwork(network).withNetworkAliases("acme-db");
    PostgreSQLContainer globex = new PostgreSQLContainer("postgres:15").withNetwork(network).withNetworkAliases("globex-db");
    PgMuxContainer mux = new PgMuxContainer().withNetwork(network)
        .withRoute("acme", acme)          // as acme's user, to its database
        .withRoute("globex", globex)) {
  mux.start();                          // starts acme and globex first
  try (Connection c = DriverManager.getConnection(mux.getJdbcUrl("acme"), "acme", acme.getPassword())) {
    // a session on acme's database, as acme's user
  }
}
    // README-END
  }
}
