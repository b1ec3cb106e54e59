package io.pgmux;

import io.pgmux.internal.metrics.MetricsEndpoint;
import io.pgmux.internal.metrics.ProxyMetrics;
import io.pgmux.internal.proxy.ProxyEngine;
import io.pgmux.internal.proxy.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A PostgreSQL proxy that sends each client to the backend its {@link Router} picks by user name.
 *
 * <pre>{@code
 * var router = new StaticRouter(Map.of("alice", BackendConfig.of("10.0.1.50", 5432)));
 * try (var proxy = new ProxyServer("127.0.0.1:0", router).start()) {
 *   String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/app";
 *   ...
 * }
 * }</pre>
 *
 * <p>Configure with the {@code with*} methods, then {@link #start()}; the settings are sealed at
 * start. After start, the methods that read state are thread-safe. {@link #close()} is idempotent.
 *
 * <p>The proxy answers {@code SSLRequest} with TLS when {@link #withTls TLS} is configured, and
 * with "no" otherwise; it refuses GSSAPI encryption, forwards cancel requests to the backend that
 * issued the key, and passes authentication through to the backend. Clients it refuses get a
 * FATAL {@code ErrorResponse} whose message starts with {@code pgmux:}.
 */
public final class ProxyServer implements AutoCloseable {
  private final InetSocketAddress listen;
  private final Router router;
  private TlsConfig tls;
  private Duration startupTimeout = Duration.ofSeconds(60);
  private Duration routeTimeout = Duration.ofSeconds(10);
  private Duration connectTimeout = Duration.ofSeconds(10);
  private int maxConnections = 10_000;
  private int maxConnectionsPerBackend;
  private int eventLoops = Runtime.getRuntime().availableProcessors();
  private int routerThreads = 32;
  private ProxyListener listener;
  private Duration idleSessionTimeout;
  private InetSocketAddress metricsListen;
  private Path unixDirectory;
  private volatile MetricsEndpoint metrics;
  private volatile ProxyEngine engine;
  private volatile boolean closed;

  /**
   * Creates a proxy that will listen on {@code listen}: {@code host:port}, {@code [ipv6]:port}, or
   * {@code :port} for every interface. Port 0 picks a free port when the proxy starts, which
   * spares tests from colliding over ports; {@link #port()} then tells which.
   *
   * @throws IllegalArgumentException if the address cannot be parsed
   */
  public ProxyServer(String listen, Router router) {
    this(parseListen(listen), router);
  }

  /** Creates a proxy that will listen on {@code listen}. */
  public ProxyServer(InetSocketAddress listen, Router router) {
    this.listen = Objects.requireNonNull(listen, "listen");
    this.router = Objects.requireNonNull(router, "router");
  }

  /** Terminates TLS for clients that ask for it; {@code null} turns TLS off. */
  public ProxyServer withTls(TlsConfig tls) {
    checkNotStarted();
    this.tls = tls;
    return this;
  }

  /**
   * Sets how long a client has from connecting to finishing authentication (default 60 s, as
   * PostgreSQL's {@code authentication_timeout}). Slower clients are dropped.
   */
  public ProxyServer withStartupTimeout(Duration timeout) {
    checkNotStarted();
    this.startupTimeout = positive("startup timeout", timeout);
    return this;
  }

  /** Sets how long one call of the router may take (default 10 s); then the client gets 08004. */
  public ProxyServer withRouteTimeout(Duration timeout) {
    checkNotStarted();
    this.routeTimeout = positive("route timeout", timeout);
    return this;
  }

  /** Sets how long connecting to a backend may take (default 10 s); then the client gets 08001. */
  public ProxyServer withConnectTimeout(Duration timeout) {
    checkNotStarted();
    this.connectTimeout = positive("connect timeout", timeout);
    return this;
  }

  /**
   * Sets how many client connections may be open at once (default 10 000); clients beyond it get
   * SQLSTATE 53300.
   */
  public ProxyServer withMaxConnections(int maxConnections) {
    checkNotStarted();
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max connections " + maxConnections + " is below 1");
    }
    this.maxConnections = maxConnections;
    return this;
  }

  /**
   * Sets how many sessions one backend ({@code host:port}) may carry at once (default: no limit
   * but the backend's own {@code max_connections}); clients beyond it get SQLSTATE 53300 from the
   * proxy before the backend is contacted.
   */
  public ProxyServer withMaxConnectionsPerBackend(int maxConnections) {
    checkNotStarted();
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "max connections per backend " + maxConnections + " is below 1");
    }
    this.maxConnectionsPerBackend = maxConnections;
    return this;
  }

  /**
   * Ends sessions that wait for their client, outside a transaction, for longer than {@code
   * timeout}, as PostgreSQL's {@code idle_session_timeout} does: the client gets a FATAL {@code
   * ErrorResponse} with SQLSTATE 57P05, then the proxy closes both connections. A query that runs
   * long, or an open transaction, is not idle. Off by default; {@link Duration#ZERO} turns it off.
   */
  public ProxyServer withIdleSessionTimeout(Duration timeout) {
    checkNotStarted();
    Objects.requireNonNull(timeout, "idle session timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "idle session timeout " + timeout + " is negative: use a positive duration, or ZERO for none");
    }
    this.idleSessionTimeout = timeout.isZero() ? null : timeout;
    return this;
  }

  /** Sets how many I/O threads move bytes (default: one per available processor). */
  public ProxyServer withEventLoops(int eventLoops) {
    checkNotStarted();
    if (eventLoops < 1 || eventLoops > 256) {
      throw new IllegalArgumentException("event loops " + eventLoops + " is outside 1..256");
    }
    this.eventLoops = eventLoops;
    return this;
  }

  /** Sets how many router calls may run at once (default 32); more wait their turn. */
  public ProxyServer withRouterThreads(int routerThreads) {
    checkNotStarted();
    if (routerThreads < 1) {
      throw new IllegalArgumentException("router threads " + routerThreads + " is below 1");
    }
    this.routerThreads = routerThreads;
    return this;
  }

  /** Sets the listener told of sessions starting, ending and being refused. */
  public ProxyServer withListener(ProxyListener listener) {
    checkNotStarted();
    this.listener = listener;
    return this;
  }

  /**
   * Also listens on a Unix-domain socket in {@code directory}, named as PostgreSQL names its own:
   * {@code directory/.s.PGSQL.PORT}, where PORT is the TCP port the proxy listens on (the one
   * picked, for port 0). So {@code psql -h directory -p PORT} and clients that look in a socket
   * directory reach the proxy; {@code null} (the default) listens on TCP only.
   *
   * <p>A client on the socket is routed as a TCP client is; its {@link RouteRequest#clientAddress()
   * clientAddress} and {@link SessionInfo#clientAddress()} are the unresolved address {@code
   * local}, port 0 (PostgreSQL's {@code [local]}). If a server answers on the socket file at start,
   * start fails; a file nobody answers on is left over from a process that died, and is replaced.
   * {@link #close()} removes the file.
   */
  public ProxyServer withUnixSocket(Path directory) {
    checkNotStarted();
    this.unixDirectory = directory;
    return this;
  }

  /**
   * Returns the Unix-domain socket file the proxy listens on.
   *
   * @throws IllegalStateException before {@link #start()}, or if there is none
   */
  public Path unixSocket() {
    Path socket = running().unixSocket();
    if (socket == null) {
      throw new IllegalStateException(
          "no Unix-domain socket: call withUnixSocket(directory) before start()");
    }
    return socket;
  }

  /**
   * Serves Prometheus metrics at {@code http://ADDRESS/metrics} while the proxy runs, on a port of
   * their own ({@code host:port}, {@code [ipv6]:port} or {@code :port}; port 0 picks a free one,
   * which {@link #metricsAddress()} tells). The endpoint is plain HTTP without authentication:
   * bind it to loopback or a network you trust. The metrics are {@code pgmux_sessions_active},
   * {@code pgmux_sessions_total}, {@code pgmux_client_connections_active}, {@code
   * pgmux_client_connections_total}, {@code pgmux_refusals_total{sqlstate}}, {@code
   * pgmux_bytes_received_total{side="client"|"backend"}}, {@code pgmux_cancels_forwarded_total}
   * and the histograms {@code pgmux_router_duration_seconds} and {@code
   * pgmux_backend_connect_duration_seconds}; {@code null} turns metrics off (the default).
   *
   * @throws IllegalArgumentException if the address cannot be parsed
   */
  public ProxyServer withMetrics(String address) {
    return withMetrics(address == null ? null : parseAddress("metrics address", address));
  }

  /** Serves Prometheus metrics on {@code address}, as {@link #withMetrics(String)} does. */
  public ProxyServer withMetrics(InetSocketAddress address) {
    checkNotStarted();
    this.metricsListen = address;
    return this;
  }

  /**
   * Returns the address the metrics endpoint listens on.
   *
   * @throws IllegalStateException before {@link #start()}, or if metrics are off
   */
  public InetSocketAddress metricsAddress() {
    running();
    MetricsEndpoint endpoint = metrics;
    if (endpoint == null) {
      throw new IllegalStateException("metrics are off: call withMetrics(address) before start()");
    }
    return endpoint.address();
  }

  /**
   * Binds the listening socket and starts serving; returns once clients can connect.
   *
   * @return this proxy
   * @throws UncheckedIOException if the address cannot be bound
   * @throws IllegalStateException if the proxy was started or closed before
   */
  public synchronized ProxyServer start() {
    checkNotStarted();
    if (closed) {
      throw new IllegalStateException("proxy was closed; create a new one");
    }
    // Metrics: bound first, so that a taken port fails the start before clients can connect;
    // they time the router and hear every event before the configured listener does.
    Router routing = router;
    ProxyListener listening = listener == null ? null : new EndStamping(listener);
    if (metricsListen != null) {
      ProxyMetrics proxyMetrics = new ProxyMetrics(listening);
      routing = proxyMetrics.timed(router);
      listening = proxyMetrics;
      try {
        metrics = MetricsEndpoint.start(metricsListen, () -> proxyMetrics.scrape(stats()));
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot serve metrics on " + metricsListen + ": " + e.getMessage(), e);
      }
    }
    Settings settings =
        new Settings(
            listen,
            routing,
            tls == null ? null : () -> tls.newServerEngine(),
            tls != null && tls.isRequired(),
            startupTimeout,
            routeTimeout,
            connectTimeout,
            maxConnections,
            maxConnectionsPerBackend,
            eventLoops,
            routerThreads,
            listening,
            null,
            idleSessionTimeout);
    try {
      engine = ProxyEngine.start(settings, unixDirectory);
    } catch (IOException e) {
      closeMetrics();
      throw new UncheckedIOException("cannot listen on " + listen + ": " + e.getMessage(), e);
    }
    return this;
  }

  /**
   * Returns the port the proxy listens on.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public int port() {
    return address().getPort();
  }

  /**
   * Returns the address the proxy listens on.
   *
   * @throws IllegalStateException before {@link #start()}
   */
  public InetSocketAddress address() {
    return running().address();
  }

  /** Returns the sessions connected to a backend now, oldest first. */
  public List<SessionInfo> sessions() {
    return running().sessions();
  }

  /** Returns the proxy's counters since start. */
  public ProxyStats stats() {
    return running().stats();
  }

  /** Returns whether the proxy has started and is not closed. */
  public boolean isRunning() {
    return engine != null && !closed;
  }

  /**
   * Stops accepting clients, ends every session and frees the port and threads. A client is sent
   * a FATAL {@code ErrorResponse} with SQLSTATE 57P01 wherever that cannot corrupt its stream:
   * while it is still starting up, and in a session that is between two of the backend's
   * messages (an idle session, say). A session in the middle of a message is disconnected
   * without one.
   */
  @Override
  public synchronized void close() {
    closed = true;
    closeMetrics();
    if (engine != null) {
      engine.close();
    }
  }

  private void closeMetrics() {
    MetricsEndpoint endpoint = metrics;
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private ProxyEngine running() {
    ProxyEngine running = engine;
    if (running == null) {
      throw new IllegalStateException("proxy is not started: call start() first");
    }
    return running;
  }

  private void checkNotStarted() {
    if (engine != null) {
      throw new IllegalStateException("proxy is already started: configure it before start()");
    }
  }

  private static Duration positive(String what, Duration value) {
    Objects.requireNonNull(value, what);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " " + value + " is not positive");
    }
    return value;
  }

  static InetSocketAddress parseListen(String listen) {
    return parseAddress("listen address", listen);
  }

  /** Parses {@code host:port}, {@code [ipv6]:port} or {@code :port}; {@code what} names it in errors. */
  static InetSocketAddress parseAddress(String what, String listen) {
    Objects.requireNonNull(listen, what);
    int colon = listen.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          what + " \"" + listen + "\" has no port: use host:port or :port");
    }
    String host = listen.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          what + " \"" + listen + "\": port is not a number", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          what + " \"" + listen + "\": port " + port + " is outside 0..65535");
    }
    return host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
  }

  /** Stamps the end time on sessions as they are reported ended, for {@link SessionInfo#endedAt}. */
  private record EndStamping(ProxyListener listener) implements ProxyListener {
    @Override
    public void sessionStarted(SessionInfo session) {
      listener.sessionStarted(session);
    }

    @Override
    public void sessionEnded(SessionInfo session) {
      listener.sessionEnded(session.endedAt() != null ? session : session.ended(Instant.now()));
    }

    @Override
    public void clientRefused(RouteRequest request, String sqlState, String message) {
      listener.clientRefused(request, sqlState, message);
    }
  }
}
