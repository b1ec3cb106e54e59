package io.pgmux.testcontainers.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * One connection to a proxy's admin console, opened on first use and reopened after it broke.
 * Thread-safe: commands run one at a time, since a console session, like any PostgreSQL session,
 * answers one query after another.
 *
 * <p>Errors the console answers become {@link IllegalArgumentException} (the command named
 * something that is not there or not valid: SQLSTATE classes 22 and 42) or {@link
 * IllegalStateException} (the proxy cannot do it now), carrying the console's own {@code pgmux:}
 * message.
 */
public final class Console implements AutoCloseable {
  /** Reads one row of an answer. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet row) throws SQLException;
  }

  private final Supplier<String> url;
  private final String user;
  private final String password;
  private final String name;
  /** Null until the first command, and again after close or a broken connection. */
  private Connection connection;

  /**
   * @param url gives the console's JDBC URL when a connection is opened (the mapped port is only
   *     known once the container runs); it throws IllegalStateException before that
   * @param name what the errors call the proxy, e.g. the container
   */
  public Console(Supplier<String> url, String user, String password, String name) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.name = name;
  }

  /** Runs {@code command} and returns its rows. */
  public synchronized <T> List<T> query(String command, Row<T> row) {
    try (Statement statement = connection().createStatement();
        ResultSet rows = statement.executeQuery(command)) {
      List<T> out = new ArrayList<>();
      while (rows.next()) {
        out.add(row.read(rows));
      }
      return out;
    } catch (SQLException e) {
      throw translate(command, e);
    }
  }

  /** Runs {@code command}, whatever its answer. */
  public synchronized void execute(String command) {
    try (Statement statement = connection().createStatement()) {
      statement.execute(command);
    } catch (SQLException e) {
      throw translate(command, e);
    }
  }

  /** Closes the connection; the next command opens a new one. */
  @Override
  public synchronized void close() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException e) {
        // Closing a console connection whose proxy is gone: nothing is left to release.
      }
      connection = null;
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null) {
      Properties properties = new Properties();
      properties.setProperty("user", user);
      properties.setProperty("password", password);
      // The console speaks the simple query protocol only.
      properties.setProperty("preferQueryMode", "simple");
      properties.setProperty("ApplicationName", "pgmux-testcontainers");
      // Bounded, so a wedged proxy fails the test instead of hanging it.
      properties.setProperty("connectTimeout", "10");
      properties.setProperty("socketTimeout", "60");
      // The driver itself rather than DriverManager, which misses drivers of other class loaders.
      connection = new org.postgresql.Driver().connect(url.get(), properties);
    }
    return connection;
  }

  private RuntimeException translate(String command, SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String message = serverMessage(e);
    if (state.startsWith("08") || connectionBroken()) {
      close();
      return new IllegalStateException(
          "pgmux: cannot reach the admin console of " + name + ": " + message, e);
    }
    if (state.startsWith("22") || state.startsWith("42")) {
      return new IllegalArgumentException(message + " (" + state + ", in: " + command + ")", e);
    }
    return new IllegalStateException(message + " (" + state + ", in: " + command + ")", e);
  }

  private boolean connectionBroken() {
    try {
      return connection == null || connection.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  /** The server's own text ({@code pgmux: ...}) without pgjdbc's {@code ERROR:} framing. */
  private static String serverMessage(SQLException e) {
    if (e instanceof PSQLException p) {
      ServerErrorMessage server = p.getServerErrorMessage();
      if (server != null && server.getMessage() != null) {
        return server.getMessage();
      }
    }
    return String.valueOf(e.getMessage());
  }

  @Override
  public String toString() {
    return "Console[" + name + "]";
  }
}
