package io.pgmux.test;

import io.pgmux.ProxyServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** pgjdbc connections through a proxy, and one-line queries. */
public final class Jdbc {
  private Jdbc() {}

  public static String url(ProxyServer proxy, String database) {
    return "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database;
  }

  /** Connects through {@code proxy} without TLS. */
  public static Connection connect(ProxyServer proxy, String user, String password)
      throws SQLException {
    return connect(proxy, user, password, "postgres", new Properties());
  }

  public static Connection connect(
      ProxyServer proxy, String user, String password, String database, Properties extra)
      throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    properties.setProperty("password", password);
    properties.setProperty("sslmode", "disable");
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("socketTimeout", "60");
    properties.putAll(extra);
    return DriverManager.getConnection(url(proxy, database), properties);
  }

  /**
   * Waits, at most 10 s, until some session on {@code watcher}'s server is running {@code query}
   * (as {@code pg_stat_activity} shows it, state {@code active}): a cancel sent before it runs
   * would be a no-op, as in PostgreSQL.
   *
   * @throws IllegalStateException if it never started
   */
  public static void awaitActive(Connection watcher, String query) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (PreparedStatement active =
        watcher.prepareStatement(
            "SELECT count(*) FROM pg_stat_activity WHERE query = ? AND state = 'active'")) {
      active.setString(1, query);
      while (System.nanoTime() < deadline) {
        try (ResultSet rows = active.executeQuery()) {
          if (rows.next() && rows.getLong(1) > 0) {
            return;
          }
        }
        Thread.onSpinWait();
      }
    }
    throw new IllegalStateException("the query never started: " + query);
  }

  /** Returns the first column of the first row of {@code sql}. */
  public static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
