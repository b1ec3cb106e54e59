package io.pgmux;

import io.pgmux.internal.inspect.LocalFaults;
import io.pgmux.internal.inspect.LocalJournal;
import io.pgmux.internal.net.Addresses;
import io.pgmux.internal.server.RunningServer;
import io.pgmux.internal.server.ServerOptions;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
  static {
    // The command line, in an internal package, sets options the API does not show.
    ServerOptions.access(proxy -> ((ProxyServer) proxy).options);
  }

  private final ServerOptions options;
  private TlsConfig tls;
  private StatementJournal journal;
  private Faults faults;
  private volatile RunningServer running;
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
    this.options = new ServerOptions(listen, router);
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
    options.startupTimeout(timeout);
    return this;
  }

  /** Sets how long one call of the router may take (default 10 s); then the client gets 08004. */
  public ProxyServer withRouteTimeout(Duration timeout) {
    checkNotStarted();
    options.routeTimeout(timeout);
    return this;
  }

  /** Sets how long connecting to a backend may take (default 10 s); then the client gets 08001. */
  public ProxyServer withConnectTimeout(Duration timeout) {
    checkNotStarted();
    options.connectTimeout(timeout);
    return this;
  }

  /**
   * Sets how many client connections may be open at once (default 10 000); clients beyond it get
   * SQLSTATE 53300.
   */
  public ProxyServer withMaxConnections(int maxConnections) {
    checkNotStarted();
    options.maxConnections(maxConnections);
    return this;
  }

  /**
   * Sets how many sessions one backend ({@code host:port}) may carry at once (default: no limit
   * but the backend's own {@code max_connections}); clients beyond it get SQLSTATE 53300 from the
   * proxy before the backend is contacted.
   */
  public ProxyServer withMaxConnectionsPerBackend(int maxConnections) {
    checkNotStarted();
    options.maxConnectionsPerBackend(maxConnections);
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
    options.idleSessionTimeout(timeout);
    return this;
  }

  /** Sets how many I/O threads move bytes (default: one per available processor). */
  public ProxyServer withEventLoops(int eventLoops) {
    checkNotStarted();
    options.eventLoops(eventLoops);
    return this;
  }

  /** Sets how many router calls may run at once (default 32); more wait their turn. */
  public ProxyServer withRouterThreads(int routerThreads) {
    checkNotStarted();
    options.routerThreads(routerThreads);
    return this;
  }

  /** Sets the listener told of sessions starting, ending and being refused. */
  public ProxyServer withListener(ProxyListener listener) {
    checkNotStarted();
    options.listener(listener);
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
    options.unixDirectory(directory);
    return this;
  }

  /**
   * Returns the Unix-domain socket file the proxy listens on.
   *
   * @throws IllegalStateException before {@link #start()}, or if there is none
   */
  public Path unixSocket() {
    Path socket = running().engine().unixSocket();
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
    return withMetrics(address == null ? null : Addresses.parse("metrics address", address));
  }

  /** Serves Prometheus metrics on {@code address}, as {@link #withMetrics(String)} does. */
  public ProxyServer withMetrics(InetSocketAddress address) {
    checkNotStarted();
    options.metrics(address);
    return this;
  }

  /**
   * Returns the address the metrics endpoint listens on.
   *
   * @throws IllegalStateException before {@link #start()}, or if metrics are off
   */
  public InetSocketAddress metricsAddress() {
    InetSocketAddress address = running().metricsAddress();
    if (address == null) {
      throw new IllegalStateException("metrics are off: call withMetrics(address) before start()");
    }
    return address;
  }

  /**
   * Turns the {@link StatementJournal statement journal} on, keeping the latest {@code capacity}
   * statements; without it the proxy does no work per message. Parameter values are not recorded.
   *
   * @throws IllegalArgumentException if {@code capacity} is below 1
   */
  public ProxyServer withJournal(int capacity) {
    return withJournal(capacity, false);
  }

  /**
   * Turns the {@link StatementJournal statement journal} on, keeping the latest {@code capacity}
   * statements, with the values of their Bind parameters if {@code parameters} is true.
   *
   * @throws IllegalArgumentException if {@code capacity} is below 1
   */
  public ProxyServer withJournal(int capacity, boolean parameters) {
    checkNotStarted();
    journal = new LocalJournal(options.journal(capacity, parameters));
    return this;
  }

  /**
   * Lets {@link #faults()} add faults to users' routes while the proxy runs. Every session is
   * then followed message by message, so that a fault added later reaches it.
   */
  public ProxyServer withFaults() {
    checkNotStarted();
    if (faults == null) {
      faults = new LocalFaults(options.faults());
    }
    return this;
  }

  /**
   * Turns the admin console on: a client that logs in as {@code adminUser} to the {@link
   * #withAdminDatabase admin database} (default {@code pgmux}) is authenticated by the proxy
   * itself and served commands such as {@code SHOW SESSIONS}, {@code SET ROUTE}, {@code PAUSE}
   * and {@code FAULT} over the simple query protocol ({@code psql}, or pgjdbc with {@code
   * preferQueryMode=simple}); it never reaches a backend. Any other user asking for that database
   * is refused with SQLSTATE 28000. {@link #withFaults() Faults} come on with the console.
   *
   * @param auth {@link ClientAuth#scram} or {@link ClientAuth#scramVerifier}
   * @throws IllegalArgumentException if {@code auth} is not SCRAM-SHA-256
   */
  public ProxyServer withAdminConsole(String adminUser, ClientAuth auth) {
    checkNotStarted();
    options.adminConsole(adminUser, auth);
    withFaults();
    return this;
  }

  /**
   * Sets the database name that leads to the admin console (default {@code pgmux}); while the
   * console is on, that name is never routed.
   */
  public ProxyServer withAdminDatabase(String database) {
    checkNotStarted();
    options.adminDatabase(database);
    return this;
  }

  /**
   * Returns the statement journal.
   *
   * @throws IllegalStateException unless {@link #withJournal(int)} turned it on
   */
  public StatementJournal journal() {
    if (journal == null) {
      throw new IllegalStateException("the journal is off: call withJournal(capacity) before start()");
    }
    return journal;
  }

  /**
   * Returns the faults on users' routes.
   *
   * @throws IllegalStateException unless {@link #withFaults()} turned them on
   */
  public Faults faults() {
    if (faults == null) {
      throw new IllegalStateException("faults are off: call withFaults() before start()");
    }
    return faults;
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
    ProxyListener listener = options.listener();
    running =
        RunningServer.start(
            options,
            listener == null ? null : new EndStamping(listener),
            tls == null ? null : () -> tls.newServerEngine(),
            tls != null && tls.isRequired(),
            this::stats);
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
    return running().engine().address();
  }

  /** Returns the sessions connected to a backend now, oldest first. */
  public List<SessionInfo> sessions() {
    return running().engine().sessions();
  }

  /** Returns the proxy's counters since start. */
  public ProxyStats stats() {
    return running().engine().stats();
  }

  /** Returns whether the proxy has started and is not closed. */
  public boolean isRunning() {
    return running != null && !closed;
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
    RunningServer started = running;
    if (started != null) {
      started.close();
    }
  }

  private RunningServer running() {
    RunningServer started = running;
    if (started == null) {
      throw new IllegalStateException("proxy is not started: call start() first");
    }
    return started;
  }

  private void checkNotStarted() {
    if (running != null) {
      throw new IllegalStateException("proxy is already started: configure it before start()");
    }
  }

  static InetSocketAddress parseListen(String listen) {
    return Addresses.parse("listen address", listen);
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

    @Override
    public void statementCompleted(ExecutedStatement statement) {
      listener.statementCompleted(statement);
    }
  }
}
