package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendTls;
import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.containers.Network;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.MountableFile;

/**
 * The proxy in its container reaches PostgreSQL 15 containers over TLS only: their pg_hba.conf
 * has {@code hostssl} lines and nothing else for TCP.
 */
@ExtendWith(DockerRequired.class)
class BackendTlsContainerIT {
  /** The certificate names db.example.test and *.db.example.test. */
  private static final String NAMED_HOST = "pg.db.example.test";

  private static final String WHO =
      "SELECT current_user || ' ' || (SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid())"
          + " || ' ' || current_setting('server_version_num')::int / 10000";

  /**
   * A PostgreSQL 15 container with {@code ssl = on}, the test certificate for db.example.test and
   * a pg_hba.conf that takes TCP clients over TLS only. The key must belong to the server's user,
   * so the container copies it before handing over to the image's entry point.
   */
  @SuppressWarnings("resource")
  private static PostgreSQLContainer tlsOnly(Network network) {
    return new PostgreSQLContainer(TestImages.postgres15())
        .withNetwork(network)
        .withCopyFileToContainer(MountableFile.forHostPath(TestTls.file("other.crt")), "/tls-in/server.crt")
        .withCopyFileToContainer(MountableFile.forHostPath(TestTls.file("other-pkcs8.key")), "/tls-in/server.key")
        .withCommand(
            "bash",
            "-c",
            "mkdir -p /tls && cp /tls-in/* /tls/"
                + " && printf 'local all all trust\\nhostssl all all all scram-sha-256\\n' > /tls/pg_hba.conf"
                + " && chown -R postgres /tls && chmod 600 /tls/server.key"
                + " && exec docker-entrypoint.sh postgres -c fsync=off -c ssl=on"
                + " -c ssl_cert_file=/tls/server.crt -c ssl_key_file=/tls/server.key"
                + " -c hba_file=/tls/pg_hba.conf");
  }

  @Test
  void routesReachTlsOnlyBackendsAndVerifyFullChecksTheHostName() throws Exception {
    try (Network network = Network.newNetwork();
        PostgreSQLContainer named = tlsOnly(network);
        PostgreSQLContainer unnamed = tlsOnly(network)) {
      // The proxy reaches a container by its first alias: the one its certificate names.
      named.setNetworkAliases(new ArrayList<>(List.of(NAMED_HOST)));
      try (PgMuxContainer mux =
          new PgMuxContainer(TestImages.jre())
              .withNetwork(network)
              .withRoute("plain", named)
              .withRoute("required", named)
              .withBackendTls("required", BackendTls.require())
              .withRoute("verified", named)
              .withBackendTls("verified", BackendTls.verifyFull(TestTls.file("other.crt")))
              .withRoute("wrong_host", unnamed)
              .withBackendTls("wrong_host", BackendTls.verifyFull(TestTls.file("other.crt")))) {
        mux.start();
        for (String route : List.of("required", "verified")) {
          try (Connection c = DriverManager.getConnection(mux.getJdbcUrl(route), route, named.getPassword());
              ResultSet rs = c.createStatement().executeQuery(WHO)) {
            rs.next();
            assertThat(rs.getString(1)).as(route).isEqualTo(named.getUsername() + " true 15");
          }
        }
        assertThat(String.join(" ", mux.getCommandParts()))
            .contains("sslmode=verify-full&sslrootcert=/opt/pgmux/backend-tls/route-1-root.crt");
        // Without TLS the backend's pg_hba.conf has no line for the proxy.
        assertThatThrownBy(() -> DriverManager.getConnection(mux.getJdbcUrl("plain"), "plain", named.getPassword()))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("28000");
                  assertThat(e.getMessage()).contains("no encryption");
                });
        String alias = unnamed.getNetworkAliases().get(0);
        assertThatThrownBy(
                () -> DriverManager.getConnection(mux.getJdbcUrl("wrong_host"), "wrong_host", unnamed.getPassword()))
            .isInstanceOfSatisfying(
                SQLException.class,
                e -> {
                  assertThat(e.getSQLState()).isEqualTo("08001");
                  assertThat(e.getMessage())
                      .contains("server certificate for \"db.example.test\"")
                      .contains("does not match host name \"" + alias + "\"");
                });
      }
    }
  }

  @Test
  void needsARouteFirstAndAFileNotAnSslContext() throws Exception {
    try (PgMuxContainer mux = new PgMuxContainer(TestImages.jre())) {
      assertThatThrownBy(() -> mux.withBackendTls("bob", BackendTls.require()))
          .hasMessage("pgmux: user \"bob\" has no route: call withRoute before withBackendTls");
      try (Network network = Network.newNetwork();
          PostgreSQLContainer db = new PostgreSQLContainer(TestImages.postgres15()).withNetwork(network)) {
        mux.withRoute("bob", db);
        assertThatThrownBy(
                () -> mux.withBackendTls("bob", BackendTls.require().withContext(TestTls.clientContext())))
            .hasMessageContaining("cannot be handed to the container");
      }
    }
  }
}
