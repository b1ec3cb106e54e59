package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** TLS terminated by the proxy in its container. */
@ExtendWith(DockerRequired.class)
class TlsContainerIT {

  @Test
  void requiresAndServesTls() throws Exception {
    try (Network network = Network.newNetwork();
        PostgreSQLContainer db =
            new PostgreSQLContainer(TestImages.postgres17()).withNetwork(network).withNetworkAliases("db");
        PgMuxContainer mux =
            new PgMuxContainer(TestImages.jre())
                .withNetwork(network)
                .withRoute("alice", db)
                .withTls(TestTls.file("rsa.crt"), TestTls.file("rsa-pkcs1.key"))
                .withTlsRequired()) {
      mux.start();
      String url = mux.getJdbcUrl("alice");
      assertThat(url).contains("sslmode=require");
      try (Connection c = DriverManager.getConnection(url, "alice", db.getPassword());
          ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo(db.getUsername());
      }
      // The admin console is reached over TLS too.
      assertThat(mux.stats().sessions()).isEqualTo(1);
      String verified = url.replace("sslmode=require", "sslmode=verify-ca&sslrootcert=" + TestTls.file("rsa.crt"));
      try (Connection c = DriverManager.getConnection(verified, "alice", db.getPassword())) {
        assertThat(c.isValid(5)).isTrue();
      }
      String plain = url.replace("sslmode=require", "sslmode=disable");
      assertThatThrownBy(() -> DriverManager.getConnection(plain, "alice", db.getPassword()))
          .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
    }
  }
}
