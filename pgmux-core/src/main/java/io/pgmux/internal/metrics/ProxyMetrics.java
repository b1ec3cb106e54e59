package io.pgmux.internal.metrics;

import io.pgmux.ExecutedStatement;
import io.pgmux.ProxyListener;
import io.pgmux.ProxyStats;
import io.pgmux.RouteRequest;
import io.pgmux.Router;
import io.pgmux.SessionInfo;
import io.pgmux.internal.proxy.BackendConnects;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A proxy's metrics in the Prometheus text format (version 0.0.4): counters the engine keeps
 * ({@link ProxyStats}), what a {@link ProxyListener} hears, the router's latency measured
 * around every call, and how long backends took to connect ({@link BackendConnects}).
 *
 * <p>It is the proxy's listener: it counts an event, then hands it on to the listener the user
 * configured, if any. Counting is lock-free, for it runs on the I/O threads.
 */
public final class ProxyMetrics implements ProxyListener, BackendConnects {
  /** The content type of the text format this class writes. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Refusals that exist from the start, so that their series read 0 rather than being absent. */
  private static final String[] KNOWN_REFUSALS = {"08001", "08004", "08P01", "28000", "53300", "57P01"};

  private final ProxyListener next;
  private final LongAdder sessionsStarted = new LongAdder();
  private final LongAdder sessionsEnded = new LongAdder();
  private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
  private final Histogram routerDuration = new Histogram();
  private final Histogram connectDuration = new Histogram();
  /** Statements and failed ones by user; null when the journal is off and no statement is seen. */
  private final Map<String, LongAdder> statements;
  private final Map<List<String>, LongAdder> statementErrors;

  /** Creates metrics that pass every event on to {@code next} ({@code null}: to nobody). */
  public ProxyMetrics(ProxyListener next) {
    this(next, false);
  }

  /**
   * Creates metrics that pass every event on to {@code next} ({@code null}: to nobody), counting
   * statements per user if {@code statements} (the journal is on, so statements are followed).
   */
  public ProxyMetrics(ProxyListener next, boolean statements) {
    this.next = next;
    this.statements = statements ? new ConcurrentHashMap<>() : null;
    this.statementErrors = statements ? new ConcurrentHashMap<>() : null;
    for (String sqlState : KNOWN_REFUSALS) {
      refusals.put(sqlState, new LongAdder());
    }
  }

  /** Returns a router that asks {@code router} and records how long each call took. */
  public Router timed(Router router) {
    return new Router() {
      @Override
      public io.pgmux.BackendConfig route(RouteRequest request) throws Exception {
        long start = System.nanoTime();
        try {
          return router.route(request);
        } finally {
          routerDuration.observeNanos(System.nanoTime() - start);
        }
      }

      @Override
      public String toString() {
        return router.toString();
      }
    };
  }

  @Override
  public void backendConnected(long nanos) {
    connectDuration.observeNanos(nanos);
  }

  @Override
  public void sessionStarted(SessionInfo session) {
    sessionsStarted.increment();
    if (next != null) {
      next.sessionStarted(session);
    }
  }

  @Override
  public void sessionEnded(SessionInfo session) {
    sessionsEnded.increment();
    if (next != null) {
      next.sessionEnded(session);
    }
  }

  @Override
  public void clientRefused(RouteRequest request, String sqlState, String message) {
    refusals.computeIfAbsent(sqlState, key -> new LongAdder()).increment();
    if (next != null) {
      next.clientRefused(request, sqlState, message);
    }
  }

  @Override
  public void statementCompleted(ExecutedStatement statement) {
    if (statements != null) {
      statements.computeIfAbsent(statement.user(), key -> new LongAdder()).increment();
      if (statement.sqlState() != null) {
        statementErrors
            .computeIfAbsent(List.of(statement.user(), statement.sqlState()), key -> new LongAdder())
            .increment();
      }
    }
    if (next != null) {
      next.statementCompleted(statement);
    }
  }

  /** Writes every metric, with {@code stats} for the engine's counters. */
  public String scrape(ProxyStats stats) {
    // Ended before started: a session that starts between the two reads is then counted as
    // active rather than the gauge dipping below the truth.
    long ended = sessionsEnded.sum();
    long started = sessionsStarted.sum();
    StringBuilder out = new StringBuilder(4096);
    family(out, "pgmux_client_connections_active", "gauge",
        "Client connections open now, those still starting up included.");
    sample(out, "pgmux_client_connections_active", stats.active());
    family(out, "pgmux_client_connections_total", "counter",
        "Client connections accepted, cancel requests and refused clients included.");
    sample(out, "pgmux_client_connections_total", stats.accepted());
    family(out, "pgmux_sessions_active", "gauge", "Sessions connected to a backend now.");
    sample(out, "pgmux_sessions_active", Math.max(0, started - ended));
    family(out, "pgmux_sessions_total", "counter", "Sessions that reached a backend.");
    sample(out, "pgmux_sessions_total", stats.sessions());
    family(out, "pgmux_refusals_total", "counter",
        "Clients refused with an error of pgMux's own, by the SQLSTATE they were sent.");
    new TreeMap<>(refusals)
        .forEach((sqlState, count) ->
            sample(out, "pgmux_refusals_total{sqlstate=\"" + escape(sqlState) + "\"}", count.sum()));
    family(out, "pgmux_bytes_received_total", "counter",
        "Bytes relayed, by the side they were received from.");
    sample(out, "pgmux_bytes_received_total{side=\"client\"}", stats.bytesFromClients());
    sample(out, "pgmux_bytes_received_total{side=\"backend\"}", stats.bytesFromBackends());
    family(out, "pgmux_cancels_forwarded_total", "counter", "Cancel requests forwarded to a backend.");
    sample(out, "pgmux_cancels_forwarded_total", stats.cancelsForwarded());
    family(out, "pgmux_router_duration_seconds", "histogram",
        "Time the router took per client, answers of no route and failures included.");
    routerDuration.writeSamples(out, "pgmux_router_duration_seconds");
    family(out, "pgmux_backend_connect_duration_seconds", "histogram",
        "Time from starting the TCP connect to a backend to being connected, per session.");
    connectDuration.writeSamples(out, "pgmux_backend_connect_duration_seconds");
    if (statements != null) {
      family(out, "pgmux_statements_total", "counter",
          "Statements that finished, by the user the client logged in as (the journal is on).");
      new TreeMap<>(statements)
          .forEach((user, count) ->
              sample(out, "pgmux_statements_total{user=\"" + escape(user) + "\"}", count.sum()));
      family(out, "pgmux_statement_errors_total", "counter",
          "Statements that failed, by user and the SQLSTATE of their error.");
      statementErrors.entrySet().stream()
          .sorted(Map.Entry.comparingByKey(
              java.util.Comparator.<List<String>, String>comparing(k -> k.get(0))
                  .thenComparing(k -> k.get(1))))
          .forEach(e ->
              sample(out, "pgmux_statement_errors_total{user=\"" + escape(e.getKey().get(0))
                  + "\",sqlstate=\"" + escape(e.getKey().get(1)) + "\"}", e.getValue().sum()));
    }
    return out.toString();
  }

  private static void family(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder out, String series, long value) {
    out.append(series).append(' ').append(value).append('\n');
  }

  /** Escapes a label value as the text format requires. */
  static String escape(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
