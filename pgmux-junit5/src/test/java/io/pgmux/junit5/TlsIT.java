package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.SessionInfo;
import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With TLS configured, the extension's proxy terminates TLS and its URLs ask for it. */
class TlsIT {
  @RegisterExtension
  static PgMuxExtension mux =
      PgMuxExtension.builder().tls(TestTls.rsa().required()).route("alice", "tenant_a").build();

  @Test
  void urlsUseTlsAndPlainClientsAreRefused(PgMuxProxy proxy) throws SQLException {
    assertThat(proxy.jdbcUrl("alice")).endsWith("&sslmode=require");
    try (Connection c = DriverManager.getConnection(proxy.jdbcUrl("alice"));
        ResultSet rs = c.createStatement().executeQuery("SELECT current_user")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("alice");
    }
    assertThat(proxy.sessions()).extracting(SessionInfo::tls).containsExactly(true);
    String plain = proxy.jdbcUrl("alice").replace("sslmode=require", "sslmode=disable");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> DriverManager.getConnection(plain))
        .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28000"));
  }
}
