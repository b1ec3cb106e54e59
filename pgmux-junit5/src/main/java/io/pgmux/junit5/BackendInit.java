package io.pgmux.junit5;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Prepares a new embedded server before any test sees it, in code: given to {@link
 * PgMuxExtension.Builder#initBackend(String, BackendInit)}, it runs once per server, as {@link
 * PgMux#init()} scripts do, after them.
 */
@FunctionalInterface
public interface BackendInit {

  /**
   * Prepares the server through {@code superuser}, a connection as the superuser {@code postgres}
   * to the database {@code template1}, before the routes' databases are created from it. The
   * connection is closed afterwards; an exception fails the test class.
   */
  void prepare(Connection superuser) throws SQLException;
}
