package io.pgmux.internal.server;

import io.pgmux.ProxyListener;
import io.pgmux.Router;
import io.pgmux.internal.inspect.FaultRegistry;
import io.pgmux.internal.inspect.Inspection;
import io.pgmux.internal.inspect.StatementLog;
import io.pgmux.internal.proxy.Settings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
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

  /** Returns the source of session taps, or null if nothing needs to see messages. */
  Inspection sessionTaps() {
    if (journalLog == null && faultRegistry == null) {
      return null;
    }
    return new Inspection(journalLog, journalParameters, listener, faultRegistry);
  }

  /** Seals the options, with the router and listener the proxy wired around the configured ones. */
  Settings settings(
      Router routing, ProxyListener listening, Supplier<SSLEngine> tls, boolean tlsRequired) {
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
        sessionTaps(),
        idleSessionTimeout);
  }

  private static Duration positive(String what, Duration value) {
    Objects.requireNonNull(value, what);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(what + " " + value + " is not positive");
    }
    return value;
  }
}
