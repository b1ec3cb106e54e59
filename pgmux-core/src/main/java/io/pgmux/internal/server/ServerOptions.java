package io.pgmux.internal.server;

import io.pgmux.ClientAuth;
import io.pgmux.ProxyListener;
import io.pgmux.Router;
import io.pgmux.internal.inspect.FaultRegistry;
import io.pgmux.internal.inspect.Inspection;
import io.pgmux.internal.console.Console;
import io.pgmux.internal.inspect.StatementLog;
import io.pgmux.internal.proxy.ConsoleSettings;
import io.pgmux.internal.proxy.Settings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/**
 * The options of a proxy that has not started yet, each checked as it is set, with the defaults
 * the public API documents. Not thread-safe: the proxy sets them from one thread before start.
 */
public final class ServerOptions {
  private final InetSocketAddress listen;
  private final Router router;
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
  private StatementLog journalLog;
  private boolean journalParameters;
  private FaultRegistry faultRegistry;
  private Path unixDirectory;
  private String adminUser;
  private ClientAuth adminAuth;
  private String adminDatabase = "pgmux";
  private Supplier<String> routesReload;
  /** How the public API hands its options to internal callers (the command line). */
  private static volatile Function<Object, ServerOptions> access;

  public ServerOptions(InetSocketAddress listen, Router router) {
    this.listen = Objects.requireNonNull(listen, "listen");
    this.router = Objects.requireNonNull(router, "router");
  }

  public void startupTimeout(Duration timeout) {
    this.startupTimeout = positive("startup timeout", timeout);
  }

  public void routeTimeout(Duration timeout) {
    this.routeTimeout = positive("route timeout", timeout);
  }

  public void connectTimeout(Duration timeout) {
    this.connectTimeout = positive("connect timeout", timeout);
  }

  public void maxConnections(int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("max connections " + maxConnections + " is below 1");
    }
    this.maxConnections = maxConnections;
  }

  public void maxConnectionsPerBackend(int maxConnections) {
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "max connections per backend " + maxConnections + " is below 1");
    }
    this.maxConnectionsPerBackend = maxConnections;
  }

  public void idleSessionTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "idle session timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException(
          "idle session timeout " + timeout + " is negative: use a positive duration, or ZERO for none");
    }
    this.idleSessionTimeout = timeout.isZero() ? null : timeout;
  }

  public void eventLoops(int eventLoops) {
    if (eventLoops < 1 || eventLoops > 256) {
      throw new IllegalArgumentException("event loops " + eventLoops + " is outside 1..256");
    }
    this.eventLoops = eventLoops;
  }

  public void routerThreads(int routerThreads) {
    if (routerThreads < 1) {
      throw new IllegalArgumentException("router threads " + routerThreads + " is below 1");
    }
    this.routerThreads = routerThreads;
  }

  public void listener(ProxyListener listener) {
    this.listener = listener;
  }

  /** Returns the listener as configured, or null. */
  public ProxyListener listener() {
    return listener;
  }

  public void unixDirectory(Path directory) {
    this.unixDirectory = directory;
  }

  public void metrics(InetSocketAddress address) {
    this.metricsListen = address;
  }

  /** Turns the journal on and returns the log it keeps. */
  public StatementLog journal(int capacity, boolean parameters) {
    if (capacity < 1) {
      throw new IllegalArgumentException("journal capacity " + capacity + " is below 1");
    }
    journalLog = new StatementLog(capacity);
    journalParameters = parameters;
    return journalLog;
  }

  /** Turns faults on and returns their registry, the same one if they were on already. */
  public FaultRegistry faults() {
    if (faultRegistry == null) {
      faultRegistry = new FaultRegistry();
    }
    return faultRegistry;
  }

  /**
   * Turns the admin console on for {@code user}, whom the proxy checks with {@code auth}
   * (SCRAM-SHA-256 only); faults come on with it, for PAUSE, KILL and FAULT act through them.
   */
  public void adminConsole(String user, ClientAuth auth) {
    Objects.requireNonNull(user, "adminUser");
    Objects.requireNonNull(auth, "auth");
    if (user.isEmpty()) {
      throw new IllegalArgumentException("admin user is empty");
    }
    if (auth.method() != ClientAuth.Method.SCRAM_SHA_256) {
      throw new IllegalArgumentException(
          "the admin console authenticates with SCRAM-SHA-256 only, not " + auth.method()
              + ": use ClientAuth.scram(password) or ClientAuth.scramVerifier(verifier)");
    }
    adminUser = user;
    adminAuth = auth;
    faults();
  }

  public void adminDatabase(String database) {
    Objects.requireNonNull(database, "adminDatabase");
    if (database.isEmpty() || database.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("admin database \"" + database + "\" is empty or holds NUL");
    }
    adminDatabase = database;
  }

  /**
   * Lets the console's RELOAD re-read a routes file: {@code reload} applies it and describes the
   * routes now in force, or throws IllegalArgumentException naming the file and line.
   */
  public void routesReload(Supplier<String> reload) {
    this.routesReload = reload;
  }

  /** Registers how {@link #of} reaches a proxy's options; the public API calls it once. */
  public static void access(Function<Object, ServerOptions> options) {
    access = options;
  }

  /** Returns the options of a proxy not started yet, for the command line's internal settings. */
  public static ServerOptions of(Object proxy) {
    return access.apply(proxy);
  }

  boolean journalOn() {
    return journalLog != null;
  }

  InetSocketAddress listen() {
    return listen;
  }

  Router router() {
    return router;
  }

  InetSocketAddress metricsListen() {
    return metricsListen;
  }

  Path unixDirectory() {
    return unixDirectory;
  }

  /**
   * Returns the source of session taps, or null if nothing needs to see messages.
   *
   * @param listening told of each finished statement: the metrics, then the configured listener
   */
  Inspection sessionTaps(ProxyListener listening) {
    if (journalLog == null && faultRegistry == null) {
      return null;
    }
    return new Inspection(journalLog, journalParameters, listening, faultRegistry);
  }

  /** Returns what the admin console works on, or null when it is off. */
  ServerConsole console() {
    return adminUser == null ? null : new ServerConsole(router, journalLog, faultRegistry, routesReload);
  }

  /** Seals the options, with the router and listener the proxy wired around the configured ones. */
  Settings settings(
      Router routing,
      ProxyListener listening,
      Supplier<SSLEngine> tls,
      boolean tlsRequired,
      ServerConsole console) {
    return new Settings(
        listen,
        routing,
        tls,
        tlsRequired,
        startupTimeout,
        routeTimeout,
        connectTimeout,
        maxConnections,
        maxConnectionsPerBackend,
        eventLoops,
        routerThreads,
        listening,
        sessionTaps(listening),
        idleSessionTimeout,
        console == null
            ? null
            : new ConsoleSettings(adminUser, adminAuth, adminDatabase, new Console(console)));
  }

  private static Duration positive(String what, Duration value) {
    Objects.requireNonNull(value, what);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " " + value + " is not positive");
    }
    return value;
  }
}
