package io.pgmux.junit5;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An older major version, beside the classpath's: its binaries jar is found through
 * -Dpgmux.postgres.binaries (set by the pom), and the default version runs in the same JVM.
 */
@ExtendWith(NoLeftovers.class)
@PgMux(routes = @Route(user = "alice", backend = "legacy"), postgresVersion = "14")
class PostgresVersionIT {

  @Test
  void runsTheRequestedMajorVersion(PgMuxProxy mux) throws SQLException {
    try (Connection alice = DriverManager.getConnection(mux.jdbcUrl("alice"));
        ResultSet rows = alice.createStatement().executeQuery("SHOW server_version")) {
      rows.next();
      assertThat(rows.getString(1))
          .startsWith(System.getProperty("pgmux.test.oldPostgresVersion", "14.").replaceAll("\\.0$", ""));
    }
  }
}
