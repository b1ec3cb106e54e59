package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The builder's backendAuth without backend TLS, and a route made at run time. */
class BackendSecurityBuilderIT {
  @RegisterExtension
  static PgMuxExtension mux =
      PgMuxExtension.builder().backendAuth(BackendAuth.SCRAM_SHA_256).route("alice", "scram_only").build();

  @Test
  void scramOnPlainTcp(PgMuxProxy proxy) throws SQLException {
    try (Connection c = DriverManager.getConnection(proxy.jdbcUrl("alice"))) {
      assertThat(BackendSecurityIT.query(c, BackendSecurityIT.WHO)).isEqualTo("alice scram-sha-256:alice false");
    }
    proxy.route("dave", "scram_only");
    try (Connection c = proxy.dataSource("dave").getConnection()) {
      assertThat(BackendSecurityIT.query(c, BackendSecurityIT.WHO)).isEqualTo("dave scram-sha-256:dave false");
    }
  }
}
