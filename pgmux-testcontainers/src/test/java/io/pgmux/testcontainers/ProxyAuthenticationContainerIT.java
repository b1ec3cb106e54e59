package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** The proxy in its container authenticates clients itself and logs in with the backend's password. */
@ExtendWith(DockerRequired.class)
class ProxyAuthenticationContainerIT {

  @Test
  void clientsUseTheirOwnPasswordNotTheBackends() throws Exception {
    try (Network network = Network.newNetwork();
        PostgreSQLContainer db =
            new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("db");
        PgMuxContainer mux =
            new PgMuxContainer(TestImages.jre())
                .withNetwork(network)
                .withRoute("alice", db)
                .withProxyAuthentication("alice", "alice-own-secret")) {
      mux.start();
      try (Connection c = DriverManager.getConnection(mux.getJdbcUrl("alice"), "alice", "alice-own-secret");
          ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(db.getUsername());
      }
      assertThatThrownBy(() -> DriverManager.getConnection(mux.getJdbcUrl("alice"), "alice", db.getPassword()))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
      assertThat(String.join(" ", mux.getCommandParts())).doesNotContain("alice-own-secret");
    }
  }

  @Test
  void needsARouteFirst() {
    try (PgMuxContainer mux = new PgMuxContainer(TestImages.jre())) {
      assertThatThrownBy(() -> mux.withProxyAuthentication("bob", "x"))
          .hasMessage("pgmux: user \"bob\" has no route: call withRoute before withProxyAuthentication");
    }
  }
}
