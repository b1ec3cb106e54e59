package io.pgmux;

import io.pgmux.test.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Two tenants on one real PostgreSQL: {@code alice} in database {@code tenant_a}, {@code bob} in
 * {@code tenant_b}, each with an {@code invoices} table, behind a proxy with the statement journal
 * and faults on.
 */
final class Tenants implements AutoCloseable {
  final TestPostgres postgres;
  final StatementJournal journal;
  final Faults faults;
  final ProxyServer proxy;

  Tenants(TestPostgres postgres, boolean withParameters) {
    this.postgres = postgres;
    prepare(postgres);
    proxy =
        new ProxyServer("127.0.0.1:0", router(postgres))
            .withJournal(1000, withParameters)
            .withFaults()
            .withEventLoops(1)
            .start();
    journal = proxy.journal();
    faults = proxy.faults();
  }

  /** Routes each tenant to its own database on {@code postgres}, prepared by {@link #prepare}. */
  static StaticRouter router(TestPostgres postgres) {
    return new StaticRouter()
        .put("alice", postgres.backend().withDatabase(database("alice")))
        .put("bob", postgres.backend().withDatabase(database("bob")));
  }

  static String database(String user) {
    return user.equals("alice") ? "tenant_a" : "tenant_b";
  }

  static void prepare(TestPostgres postgres) {
    try (Connection c = postgres.superuser(); Statement s = c.createStatement()) {
      for (String user : new String[] {"alice", "bob"}) {
        try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + user + "'")) {
          if (!rs.next()) {
            s.execute("CREATE ROLE " + user + " LOGIN");
          }
        }
        String db = database(user);
        try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + db + "'")) {
          if (!rs.next()) {
            s.execute("CREATE DATABASE " + db + " OWNER " + user);
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    for (String user : new String[] {"alice", "bob"}) {
      try (Connection c = direct(postgres, user); Statement s = c.createStatement()) {
        s.execute("DROP TABLE IF EXISTS invoices");
        s.execute("CREATE TABLE invoices (id int PRIMARY KEY, amount int NOT NULL)");
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Connects straight to the tenant's database, past the proxy. */
  static Connection direct(TestPostgres postgres, String user) throws SQLException {
    return DriverManager.getConnection(
        "jdbc:postgresql://" + postgres.host() + ":" + postgres.port() + "/" + database(user), user, "");
  }

  /** Counts the rows of the tenant's invoices, past the proxy. */
  long invoices(String user) throws SQLException {
    try (Connection c = direct(postgres, user);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM invoices")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Connects through the proxy as {@code user}; {@code properties} are {@code key=value}. */
  Connection connect(String user, String... properties) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", "");
    p.setProperty("sslmode", "disable");
    p.setProperty("connectTimeout", "10");
    p.setProperty("socketTimeout", "30");
    for (String kv : properties) {
      int eq = kv.indexOf('=');
      p.setProperty(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return DriverManager.getConnection(
        "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database(user), p);
  }

  @Override
  public void close() {
    faults.clear();
    proxy.close();
  }
}
