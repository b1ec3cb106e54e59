package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxBackend;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Refresh;
import io.pgmux.junit5.Route;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Templates and per-test refresh on a container backend: the container's user is its superuser,
 * so clones are made there under names of their own, and routes rewrite to them.
 */
@ExtendWith(DockerRequired.class)
@Testcontainers
@PgMux(
    refresh = Refresh.EACH_TEST,
    routes = @Route(user = "alice", backend = "eu", template = "classpath:refresh/orders.sql"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RefreshContainerIT {
  @Container @PgMuxBackend("eu")
  static PostgreSQLContainer eu = new PostgreSQLContainer(TestImages.postgres17());

  @Test
  @Order(1)
  void writes(PgMuxProxy mux) throws SQLException {
    try (Connection alice = connect(mux)) {
      alice.createStatement().execute("DELETE FROM orders");
      assertThat(count(alice, "SELECT count(*) FROM orders")).isZero();
    }
  }

  @Test
  @Order(2)
  void getsAFreshCloneOfTheTemplate(PgMuxProxy mux) throws SQLException {
    try (Connection alice = connect(mux);
        Statement s = alice.createStatement();
        ResultSet rows = s.executeQuery("SELECT current_database()")) {
      assertThat(count(alice, "SELECT count(*) FROM orders")).isEqualTo(100);
      rows.next();
      assertThat(rows.getString(1)).startsWith("pgmux_").isNotEqualTo(eu.getDatabaseName());
    }
  }

  @AfterAll
  static void theContainersOwnDatabaseIsUntouched() throws SQLException {
    try (Connection direct = DriverManager.getConnection(eu.getJdbcUrl(), eu.getUsername(), eu.getPassword())) {
      assertThat(count(direct, "SELECT count(*) FROM pg_tables WHERE tablename = 'orders'")).isZero();
    }
  }

  private static Connection connect(PgMuxProxy mux) throws SQLException {
    return DriverManager.getConnection(mux.jdbcUrl("alice") + "&password=" + eu.getPassword());
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }
}
