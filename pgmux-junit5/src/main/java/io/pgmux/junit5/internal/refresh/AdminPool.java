package io.pgmux.junit5.internal.refresh;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.sql.PreparedStatement;

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
        Sql.execute(connection, setup);
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

  /**
   * Ends every session on {@code databases} and waits, at most {@code timeout}, until the server
   * shows none, so clients see their connections closed before the caller goes on.
   */
  void endSessions(Collection<String> databases, Duration timeout) {
    if (databases.isEmpty()) {
      return;
    }
    String[] names = databases.toArray(String[]::new);
    long deadline = System.nanoTime() + timeout.toNanos();
    try (AdminPool.Lease lease = lease();
        PreparedStatement terminate =
            lease.connection().prepareStatement(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE datname = ANY (?) AND pid <> pg_backend_pid()");
        PreparedStatement count =
            lease.connection().prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = ANY (?) AND pid <> pg_backend_pid()")) {
      terminate.setArray(1, lease.connection().createArrayOf("text", names));
      if (Sql.single(terminate) == 0) {
        return;
      }
      count.setArray(1, lease.connection().createArrayOf("text", names));
      // A terminated backend leaves pg_stat_activity as it exits, within milliseconds. The
      // server's own wait (pg_terminate_backend with a timeout) polls every 100 ms, too slow here.
      while (Sql.single(count) > 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "pgMux: sessions on " + databases + " did not end within " + timeout.toSeconds() + " s");
        }
        Thread.sleep(2);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("pgMux: cannot end the sessions on " + databases + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
