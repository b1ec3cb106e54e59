package io.pgmux.internal.console;

import static io.pgmux.internal.protocol.ResultMessages.BOOL;
import static io.pgmux.internal.protocol.ResultMessages.INT8;
import static io.pgmux.internal.protocol.ResultMessages.TEXT;

import io.pgmux.BackendConfig;
import io.pgmux.ExecutedStatement;
import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.internal.inspect.ActiveFault;
import io.pgmux.internal.inspect.FaultRegistry;
import io.pgmux.internal.inspect.StatementLog;
import io.pgmux.internal.protocol.ResultMessages.Column;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The result sets of the console's SHOW commands, built from snapshots of the proxy's state. */
final class Reports {
  static final List<String> HELP =
      List.of(
          "SHOW HELP",
          "SHOW ROUTES",
          "SHOW SESSIONS",
          "SHOW STATS",
          "SHOW STATEMENTS [user]",
          "CLEAR STATEMENTS",
          "SHOW FAULTS",
          "SET ROUTE user = '[backend_user@]host:port[/db][?options]'",
          "DROP ROUTE user",
          "PAUSE user",
          "RESUME user",
          "KILL user",
          "FAULT user REFUSE LOGINS SQLSTATE 'xxxxx' [MESSAGE '...']",
          "FAULT user LATENCY 'duration' [JITTER 'duration']",
          "FAULT user BANDWIDTH bytes_per_second",
          "FAULT user FAIL STATEMENTS {LIKE 'pattern' | MATCHING 'regex'} SQLSTATE 'xxxxx' [MESSAGE '...'] [TIMES n]",
          "FAULT user TERMINATE SESSIONS [AFTER n STATEMENTS] [CUT]",
          "FAULT user DROP AFTER COMMIT [TIMES n]",
          "FAULT user STALL",
          "DROP FAULT id",
          "CLEAR FAULTS [user]",
          "RELOAD");

  private Reports() {}

  static Result help() {
    List<List<String>> rows = new ArrayList<>();
    for (String form : HELP) {
      rows.add(List.of(form));
    }
    return Result.rows(List.of(text("command")), rows);
  }

  static Result routes(Map<String, BackendConfig> routes, BackendConfig fallback) {
    List<List<String>> rows = new ArrayList<>();
    routes.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> rows.add(route(e.getKey(), e.getValue())));
    if (fallback != null) {
      rows.add(route("*", fallback));
    }
    return Result.rows(
        List.of(text("user"), text("host"), int8("port"), text("database"), text("backend_user"),
            text("tls"), bool("proxy_auth")),
        rows);
  }

  private static List<String> route(String user, BackendConfig b) {
    return Arrays.asList(user, b.host(), String.valueOf(b.port()), b.database(), b.user(),
        b.tls().mode().toString(), bool(b.clientAuth() != null));
  }

  static Result sessions(List<SessionInfo> sessions, FaultRegistry faults) {
    List<List<String>> rows = new ArrayList<>();
    for (SessionInfo s : sessions) {
      BackendConfig b = s.backend();
      rows.add(
          Arrays.asList(
              String.valueOf(s.id()), s.user(), s.database(), b.host(), String.valueOf(b.port()),
              b.user() != null ? b.user() : s.user(), b.database() != null ? b.database() : s.database(),
              address(s.clientAddress()), bool(s.tls()), s.startedAt().toString(),
              String.valueOf(s.bytesFromClient()), String.valueOf(s.bytesFromBackend()),
              bool(faults.isPaused(s.user()))));
    }
    return Result.rows(
        List.of(int8("id"), text("user"), text("database"), text("host"), int8("port"),
            text("backend_user"), text("backend_database"), text("client_address"), bool("tls"),
            text("started_at"), int8("bytes_from_client"), int8("bytes_from_backend"),
            bool("paused")),
        rows);
  }

  static Result stats(ProxyStats stats, StatementLog journal) {
    List<String> row =
        Arrays.asList(
            String.valueOf(stats.accepted()), String.valueOf(stats.active()),
            String.valueOf(stats.sessions()), String.valueOf(stats.refused()),
            String.valueOf(stats.cancelsForwarded()), String.valueOf(stats.bytesFromClients()),
            String.valueOf(stats.bytesFromBackends()),
            journal == null ? null : String.valueOf(journal.added()),
            journal == null ? null : String.valueOf(journal.errors()),
            journal == null ? null : String.valueOf(journal.dropped()));
    return Result.rows(
        List.of(int8("accepted"), int8("active"), int8("sessions"), int8("refused"),
            int8("cancels_forwarded"), int8("bytes_from_clients"), int8("bytes_from_backends"),
            int8("statements"), int8("statement_errors"), int8("journal_dropped")),
        List.of(row));
  }

  static Result statements(StatementLog journal, String user) {
    List<List<String>> rows = new ArrayList<>();
    for (StatementLog.Numbered n : journal.numbered(s -> user == null || user.equals(s.user()))) {
      ExecutedStatement s = n.statement();
      BackendConfig b = s.backend();
      rows.add(
          Arrays.asList(
              String.valueOf(n.id()), String.valueOf(s.sessionId()), s.user(), s.database(),
              b.host(), String.valueOf(b.port()),
              b.database() != null ? b.database() : s.database(), s.sql(), s.command(),
              String.valueOf(s.rows()), s.sqlState(), s.errorMessage(),
              s.transactionStatus().name(), s.startedAt().toString(),
              String.valueOf(s.duration().toNanos() / 1000), textArray(s.parameters())));
    }
    return Result.rows(
        List.of(int8("id"), int8("session_id"), text("user"), text("database"), text("host"),
            int8("port"), text("backend_database"), text("sql"), text("command"), int8("rows"),
            text("sqlstate"), text("error_message"), text("transaction_status"),
            text("started_at"), int8("duration_us"), text("parameters")),
        rows);
  }

  static Result faults(List<ActiveFault> faults) {
    List<List<String>> rows = new ArrayList<>();
    for (ActiveFault f : faults) {
      rows.add(
          Arrays.asList(String.valueOf(f.id()), f.user(), FaultKinds.kind(f.fault()),
              f.fault().toString(), String.valueOf(f.fired()), bool(f.isActive())));
    }
    return Result.rows(
        List.of(int8("id"), text("user"), text("kind"), text("description"), int8("fired"),
            bool("active")),
        rows);
  }

  /** A text[] literal as PostgreSQL prints one: {@code {a,"b c",NULL}}; null for none. */
  static String textArray(List<String> values) {
    if (values == null) {
      return null;
    }
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      String v = values.get(i);
      if (v == null) {
        out.append("NULL");
      } else if (!v.isEmpty() && !v.equalsIgnoreCase("null") && v.chars().noneMatch(c ->
          c == '"' || c == '\\' || c == ',' || c == '{' || c == '}' || Character.isWhitespace(c))) {
        out.append(v);
      } else {
        out.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
    }
    return out.append('}').toString();
  }

  private static String address(InetSocketAddress a) {
    if (a.isUnresolved()) {
      return a.getHostString();
    }
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  static String bool(boolean b) {
    return b ? "t" : "f";
  }

  static Column text(String name) {
    return new Column(name, TEXT);
  }

  static Column int8(String name) {
    return new Column(name, INT8);
  }

  static Column bool(String name) {
    return new Column(name, BOOL);
  }
}
