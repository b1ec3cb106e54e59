package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Embedded servers prepared in code, per backend, before tests see them. */
@ExtendWith(NoLeftovers.class)
class InitIT {
  @RegisterExtension
  static PgMuxExtension mux =
      PgMuxExtension.builder()
          .route("alice", "tenant_a")
          .route("bob", "tenant_b")
          .init("/io/pgmux/junit5/handle-init.sql")
          .initBackend("tenant_a", superuser -> execute(superuser, "CREATE TABLE only_a (x int)"))
          .build();

  @Test
  void scriptsRunEverywhereAndCallbacksOnlyInTheirBackend() throws SQLException {
    try (Connection alice = DriverManager.getConnection(mux.proxy().jdbcUrl("alice"));
        Connection bob = DriverManager.getConnection(mux.proxy().jdbcUrl("bob"))) {
      assertThat(count(alice, "seeded")).isEqualTo(1);
      assertThat(count(bob, "seeded")).isEqualTo(1);
      assertThat(tableExists(alice, "only_a")).isTrue();
      assertThat(tableExists(bob, "only_a")).isFalse();
    }
  }

  static void execute(Connection connection, String sql) throws SQLException {
    try (Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }

  private static int count(Connection connection, String table) throws SQLException {
    try (ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM " + table)) {
      rows.next();
      return rows.getInt(1);
    }
  }

  private static boolean tableExists(Connection connection, String table) throws SQLException {
    try (ResultSet rows = connection.getMetaData().getTables(null, null, table, null)) {
      return rows.next();
    }
  }
}
