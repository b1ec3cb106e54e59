package io.pgmux.junit5.internal.refresh;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.List;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Runs Flyway; loaded only once Flyway is known to be on the classpath. */
final class FlywayRunner {
  private FlywayRunner() {}

  static void migrate(TemplateSource.Connections connections, List<String> locations, ClassLoader loader) {
    Flyway.configure(loader)
        .dataSource(new OwnerDataSource(connections))
        .locations(locations.toArray(String[]::new))
        .load()
        .migrate();
  }

  /** Flyway asks a DataSource for its connections; each is the template's owner's. */
  private record OwnerDataSource(TemplateSource.Connections connections) implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      return connections.open();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
      return connections.open();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> type) {
      return false;
    }
  }
}
