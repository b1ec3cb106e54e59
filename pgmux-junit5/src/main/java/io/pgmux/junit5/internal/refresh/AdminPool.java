package io.pgmux.junit5.internal.refresh;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;

/**
 * A few superuser connections to the database {@code postgres} of one server, reused: opening a
 * connection costs a backend process, several milliseconds on a busy machine. Thread-safe.
 */
final class AdminPool implements AutoCloseable {
  private static final int KEEP = 4;

  private final Admin admin;
  private final String setup;
  private final ArrayDeque<Connection> idle = new ArrayDeque<>();
  private boolean closed;

  /** {@code setup} is run on each new connection, or {@code null}. */
  AdminPool(Admin admin, String setup) {
    this.admin = admin;
    this.setup = setup;
  }

  /** Returns a connection, to be closed (returned) by the caller. */
  Lease lease() throws SQLException {
    Connection connection;
    synchronized (idle) {
      connection = idle.poll();
    }
    if (connection == null || connection.isClosed()) {
      connection = admin.connect("postgres");
      if (setup != null) {
        TemplateManager.execute(connection, setup);
      }
    }
    return new Lease(connection);
  }

  /** A pooled connection, returned to the pool when closed. */
  final class Lease implements AutoCloseable {
    private final Connection connection;

    private Lease(Connection connection) {
      this.connection = connection;
    }

    Connection connection() {
      return connection;
    }

    @Override
    public void close() {
      boolean keep;
      synchronized (idle) {
        keep = !closed && idle.size() < KEEP;
        if (keep) {
          idle.push(connection);
        }
      }
      if (!keep) {
        closeQuietly(connection);
      }
    }
  }

  @Override
  public void close() {
    synchronized (idle) {
      closed = true;
      idle.forEach(AdminPool::closeQuietly);
      idle.clear();
    }
  }

  private static void closeQuietly(Connection connection) {
    try {
      connection.close();
    } catch (SQLException e) {
      // Closing: nothing to do about it.
    }
  }
}
