package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Three PostgreSQL containers of two versions behind one PgMuxContainer. */
@ExtendWith(DockerRequired.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PgMuxContainerIT {
  private static Network network;
  private static PostgreSQLContainer acme;
  private static PostgreSQLContainer globex;
  private static PostgreSQLContainer initech;
  private static PgMuxContainer mux;
  private static final List<String> proxyLog = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    network = Network.newNetwork();
    acme = new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("acme-db");
    globex = new PostgreSQLContainer(TestImages.postgres15()).withNetwork(network).withNetworkAliases("globex-db")
        .withDatabaseName("globex").withUsername("globex_owner").withPassword("globex-secret");
    initech = new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("initech-db");
    mux = new PgMuxContainer(TestImages.jre())
        .withNetwork(network)
        .withRoute("acme", acme)
        .withRoute("globex", globex)
        .withRoute("initech", initech)
        .withLogConsumer(frame -> proxyLog.add(frame.getUtf8String()));
    mux.start();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {mux, acme, globex, initech, network}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private static String query(String user, String password, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(mux.getJdbcUrl(user), user, password);
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  @Order(1)
  void eachTenantLandsOnItsOwnContainer() throws Exception {
    acme.createConnection("").createStatement().execute("CREATE TABLE owner AS SELECT 'acme' AS name");
    initech.createConnection("").createStatement().execute("CREATE TABLE owner AS SELECT 'initech' AS name");

    assertThat(query("acme", acme.getPassword(), "SELECT name FROM owner")).isEqualTo("acme");
    assertThat(query("initech", initech.getPassword(), "SELECT name FROM owner")).isEqualTo("initech");
    assertThat(query("globex", "globex-secret", "SELECT current_user || '/' || current_database()"))
        .isEqualTo("globex_owner/globex");
    assertThat(query("globex", "globex-secret", "SHOW server_version_num")).startsWith("15");
    assertThat(query("acme", acme.getPassword(), "SHOW server_version_num")).startsWith("17");
    assertThat(String.join("", proxyLog)).contains("pgmux: listening on").contains("\"acme\"@");
  }

  @Test
  @Order(2)
  void unknownUsersAreRefused() {
    String url = mux.getJdbcUrl("acme").replace("user=acme", "user=mallory");
    assertThatThrownBy(() -> DriverManager.getConnection(url, "mallory", "x"))
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
  }

  @Test
  @Order(3)
  void aStoppedBackendFailsOnlyItsTenant() throws Exception {
    try (Connection acmeSession = DriverManager.getConnection(mux.getJdbcUrl("acme"), "acme", acme.getPassword())) {
      initech.stop();
      assertThatThrownBy(() -> query("initech", "test", "SELECT 1"))
          .isInstanceOfSatisfying(SQLException.class, e -> {
            assertThat(e.getSQLState()).isIn("08001", "08006");
            assertThat(e.getMessage()).contains("pgmux");
          });
      // The other tenants, and a session open all along, carry on.
      try (ResultSet rs = acmeSession.createStatement().executeQuery("SELECT 'still here'")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("still here");
      }
      assertThat(query("globex", "globex-secret", "SELECT 1")).isEqualTo("1");
    }
  }
}
