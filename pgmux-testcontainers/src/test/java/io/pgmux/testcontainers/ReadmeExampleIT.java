package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The README's Testcontainers example, run. {@link ReadmeTest} checks that the README shows this
 * code, with public image names for {@link TestImages} and without the lines marked "not in
 * README".
 */
@ExtendWith(DockerRequired.class)
class ReadmeExampleIT {
  @Test
  void readmeExample() throws SQLException {
    // README-BEGIN
try (Network network = Network.newNetwork();
    PostgreSQLContainer acme = new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("acme-db");
    PostgreSQLContainer globex = new PostgreSQLContainer(TestImages.postgres15()).withNetwork(network).withNetworkAliases("globex-db");
    PgMuxContainer mux = new PgMuxContainer(TestImages.jre()).withNetwork(network)
        .withRoute("acme", acme)          // as acme's user, to its database
        .withRoute("globex", globex)) {
  mux.start();                          // starts acme and globex first
  try (Connection c = DriverManager.getConnection(mux.getJdbcUrl("acme"), "acme", acme.getPassword())) {
    // a session on acme's database, as acme's user
    assertThat(whoAndWhere(c)).isEqualTo(acme.getUsername() + "@" + acme.getDatabaseName()); // not in README
  }
  assertThat(globex.isRunning()).isTrue(); // not in README
}
    // README-END
  }

  private static String whoAndWhere(Connection c) throws SQLException {
    try (ResultSet rows =
        c.createStatement().executeQuery("SELECT current_user || '@' || current_database()")) {
      rows.next();
      return rows.getString(1);
    }
  }
}
