package io.pgmux.testcontainers.internal;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.ExecutedStatement;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.TransactionStatus;
import java.net.InetSocketAddress;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The rows of the admin console's answers as pgMux's API types. Columns are read by name, so
 * columns the console adds later are ignored.
 */
public final class ConsoleRows {
  private ConsoleRows() {}

  /** A row of {@code SHOW SESSIONS}: a live session, so without an end time. */
  public static SessionInfo session(ResultSet row) throws SQLException {
    return new SessionInfo(
        row.getLong("id"),
        clientAddress(row.getString("client_address")),
        row.getString("user"),
        row.getString("database"),
        new BackendConfig(
            row.getString("host"),
            (int) row.getLong("port"),
            row.getString("backend_user"),
            row.getString("backend_database")),
        row.getBoolean("tls"),
        Instant.parse(row.getString("started_at")),
        row.getLong("bytes_from_client"),
        row.getLong("bytes_from_backend"));
  }

  /** A row of {@code SHOW STATEMENTS}. */
  public static ExecutedStatement statement(ResultSet row) throws SQLException {
    long rows = row.getLong("rows");
    if (row.wasNull()) {
      rows = -1;
    }
    return new ExecutedStatement(
        row.getLong("session_id"),
        row.getString("user"),
        row.getString("database"),
        new BackendConfig(
            row.getString("host"), (int) row.getLong("port"), null, row.getString("backend_database")),
        row.getString("sql"),
        textArray(row.getString("parameters")),
        row.getString("command"),
        rows,
        row.getString("sqlstate"),
        row.getString("error_message"),
        TransactionStatus.valueOf(row.getString("transaction_status")),
        Instant.parse(row.getString("started_at")),
        Duration.ofNanos(row.getLong("duration_us") * 1_000));
  }

  /** The row of {@code SHOW STATS}. */
  public static ProxyStats stats(ResultSet row) throws SQLException {
    return new ProxyStats(
        row.getLong("accepted"),
        (int) row.getLong("active"),
        row.getLong("sessions"),
        row.getLong("refused"),
        row.getLong("cancels_forwarded"),
        row.getLong("bytes_from_clients"),
        row.getLong("bytes_from_backends"));
  }

  /** {@code journal_dropped} of {@code SHOW STATS}: 0 when the journal is off (NULL). */
  public static long journalDropped(ResultSet row) throws SQLException {
    return row.getLong("journal_dropped");
  }

  /** A row of {@code SHOW ROUTES}: where and as whom; the proxy-side password is not shown. */
  public static BackendConfig route(ResultSet row) throws SQLException {
    String tls = row.getString("tls");
    return new BackendConfig(
        row.getString("host"),
        (int) row.getLong("port"),
        row.getString("backend_user"),
        row.getString("database"),
        tls == null ? null : BackendTls.of(BackendTls.Mode.parse(tls)),
        null,
        null);
  }

  /** What a row of {@code SHOW FAULTS}, or the answer to {@code FAULT}, says of one fault. */
  public record FaultRow(long id, int fired, boolean active) {}

  /** A row of {@code SHOW FAULTS} or of a {@code FAULT}'s answer (fired 0, active if absent). */
  public static FaultRow fault(ResultSet row) throws SQLException {
    ResultSetMetaData columns = row.getMetaData();
    boolean hasFired = false;
    boolean hasActive = false;
    for (int i = 1; i <= columns.getColumnCount(); i++) {
      hasFired |= columns.getColumnLabel(i).equals("fired");
      hasActive |= columns.getColumnLabel(i).equals("active");
    }
    return new FaultRow(
        row.getLong("id"),
        hasFired ? (int) row.getLong("fired") : 0,
        !hasActive || row.getBoolean("active"));
  }

  /**
   * A {@code client_address}: {@code host:port}, {@code [v6]:port}, {@code /host:port} as Java
   * prints a socket address, or {@code local} for a Unix-domain client. Unresolved: only shown.
   */
  static InetSocketAddress clientAddress(String text) {
    if (text == null || text.equals("local")) {
      return InetSocketAddress.createUnresolved("local", 0);
    }
    String address = text.substring(text.indexOf('/') + 1);
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      return InetSocketAddress.createUnresolved(address, 0);
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return InetSocketAddress.createUnresolved(host, Integer.parseInt(address.substring(colon + 1)));
  }

  /**
   * A one-dimensional PostgreSQL {@code text[]} literal ({@code {a,"b c",NULL}}) as a list with
   * nulls; null for SQL NULL.
   */
  static List<String> textArray(String literal) {
    if (literal == null) {
      return null;
    }
    if (!literal.startsWith("{") || !literal.endsWith("}")) {
      throw new IllegalArgumentException("pgmux: not a text[] literal: " + literal);
    }
    List<String> out = new ArrayList<>();
    String body = literal.substring(1, literal.length() - 1);
    if (body.isEmpty()) {
      return out;
    }
    int i = 0;
    while (true) {
      if (body.charAt(i) == '"') {
        StringBuilder element = new StringBuilder();
        i++;
        while (body.charAt(i) != '"') {
          if (body.charAt(i) == '\\') {
            i++;
          }
          element.append(body.charAt(i++));
        }
        out.add(element.toString());
        i++;
      } else {
        int end = body.indexOf(',', i);
        String element = body.substring(i, end < 0 ? body.length() : end);
        out.add(element.equals("NULL") ? null : element);
        i = end < 0 ? body.length() : end;
      }
      if (i >= body.length()) {
        return Collections.unmodifiableList(out);
      }
      if (body.charAt(i) != ',') {
        throw new IllegalArgumentException("pgmux: not a text[] literal: " + literal);
      }
      i++;
    }
  }
}
