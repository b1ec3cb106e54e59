package io.pgmux.junit5;

import java.sql.Connection;

/**
 * Prepares a tenant's database: creates its schema and seed data. pgMux runs it once per JVM (per
 * server) into a template database, and gives tests clones of that template, so the work is not
 * repeated for every class or test.
 *
 * <pre>{@code
 * PgMuxExtension.builder()
 *     .route("alice", "tenant_a")
 *     .template("alice", connection -> connection.createStatement().execute("CREATE TABLE t (id int)"))
 * }</pre>
 *
 * <p>The connection is to the template database, logged in as a superuser that has done {@code
 * SET ROLE} to the database's owner (the route's backend user), so what it creates belongs to that
 * user, as if the application had created it. It is in auto-commit mode; the connection is closed
 * afterwards. A migration that throws fails the test classes that need it, with its message.
 */
@FunctionalInterface
public interface Migration {

  /**
   * Creates the schema and data of the database behind {@code connection}.
   *
   * @throws Exception to fail the classes that need this database
   */
  void migrate(Connection connection) throws Exception;
}
