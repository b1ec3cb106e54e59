package io.pgmux.testcontainers;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.SessionInfo;
import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxBackend;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Route;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.postgresql.PostgreSQLContainer;

/** {@code @PgMux} routing to {@code @Container} fields, found through the backend SPI. */
@ExtendWith(DockerRequired.class)
@Testcontainers
@PgMux(routes = {@Route(user = "alice", backend = "eu"), @Route(user = "bob", backend = "us")})
class PgMuxAnnotationIT {
  @Container @PgMuxBackend("eu")
  static PostgreSQLContainer eu = new PostgreSQLContainer(TestImages.postgres17());

  @Container @PgMuxBackend("us")
  static PostgreSQLContainer us = new PostgreSQLContainer(TestImages.postgres15());

  @Test
  void routesEachTenantToItsContainer(PgMuxProxy mux) throws SQLException {
    assertThat(version(mux.jdbcUrl("alice"), eu.getPassword())).startsWith("17");
    assertThat(version(mux.jdbcUrl("bob"), us.getPassword())).startsWith("15");
    assertThat(mux.sessions("us")).extracting(SessionInfo::user).containsExactly("bob");
  }

  private static String version(String url, String password) throws SQLException {
    try (Connection c = DriverManager.getConnection(url + "&password=" + password);
        ResultSet rs = c.createStatement().executeQuery("SHOW server_version_num")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
