package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.ProxyServer;
import io.pgmux.StaticRouter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** Containers as backends of a proxy in the test's own JVM. */
@ExtendWith(DockerRequired.class)
class ContainerBackendsIT {

  @Test
  void routesToContainersFromTheInJvmProxy() throws Exception {
    try (PostgreSQLContainer v17 = new PostgreSQLContainer(TestImages.postgres17());
        PostgreSQLContainer v15 = new PostgreSQLContainer(TestImages.postgres15()).withPassword("other")) {
      assertThatThrownBy(() -> ContainerBackends.of(v17))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("is not running: start it first");
      v17.start();
      v15.start();
      StaticRouter router =
          new StaticRouter().put("alice", ContainerBackends.of(v17)).put("bob", ContainerBackends.of(v15));
      try (ProxyServer proxy = new ProxyServer("127.0.0.1:0", router).start()) {
        String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/any";
        assertThat(version(url, "alice", v17.getPassword())).startsWith("17");
        assertThat(version(url, "bob", "other")).startsWith("15");
      }
    }
  }

  private static String version(String url, String user, String password) throws Exception {
    try (Connection c = DriverManager.getConnection(url, user, password);
        ResultSet rs = c.createStatement().executeQuery("SHOW server_version_num")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
