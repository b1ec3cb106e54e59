package io.pgmux.test;

import io.pgmux.ProxyServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

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

  /** Returns the first column of the first row of {@code sql}. */
  public static String queryString(Connection connection, String sql) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
