package io.pgmux.internal.proxy;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyListener;
import io.pgmux.ProxyStats;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.StaticRouter;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import io.pgmux.internal.tap.SessionTaps;
import io.pgmux.internal.tls.HostNames;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The server's side of its sessions: routing (on router threads, or in place for a {@link
 * StaticRouter}), the per-backend limit, the cancel keys, the live sessions and the counters, and
 * the listener. Sessions see it as their {@link SessionHost}; the engine reads the sessions and
 * counters through it.
 */
final class ProxyHost implements SessionHost {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** Logins that may wait for a router thread, per thread; beyond it logins are refused. */
  static final int ROUTER_QUEUE_PER_THREAD = 16;

  private final Settings settings;
  private final ThreadPoolExecutor routerPool;
  /**
   * Runs the CPU-heavy steps of TLS handshakes (key exchange, signatures) off the event loops, so
   * a burst of new TLS clients does not stall the relaying of established sessions.
   */
  private final ThreadPoolExecutor tlsPool;
  private final CancelRegistry cancels = new CancelRegistry();
  private final CancelForwarder cancelForwarder;
  private final ConcurrentHashMap<Long, Session> connections = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> perBackend = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder sessions = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder bytesFromClients = new LongAdder();
  private final LongAdder bytesFromBackends = new LongAdder();
  private final Object statsLock = new Object();
  private volatile boolean closed;

  ProxyHost(Settings settings) {
    this.settings = settings;
    int threads = settings.routerThreads();
    this.routerPool = Pools.daemonPool("pgmux-router-", threads, threads * ROUTER_QUEUE_PER_THREAD);
    this.tlsPool = Pools.daemonPool("pgmux-tls-", Runtime.getRuntime().availableProcessors(), 0);
    this.cancelForwarder =
        new CancelForwarder(cancels, (int) settings.connectTimeout().toMillis());
  }

  @Override
  public Settings settings() {
    return settings;
  }

  @Override
  public Executor tlsTasks() {
    return tlsPool;
  }

  // ----------------------------------------------------------------------------------- routing

  /** A routing whose cancel interrupts the router call. */
  private static final class RouteCall extends CompletableFuture<Route> {
    volatile Future<?> task;

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      Future<?> running = task;
      if (running != null) {
        running.cancel(true);
      }
      return super.cancel(mayInterruptIfRunning);
    }
  }

  @Override
  public CompletableFuture<Route> route(RouteRequest request) {
    if (settings.router() instanceof StaticRouter router) {
      // A map lookup never blocks: asked here, on the session's loop, it saves the two thread
      // hand-offs of a router thread. Only a host name to resolve goes to the router threads.
      BackendConfig config = router.route(request);
      if (config == null || HostNames.isAddress(config.host())) {
        return CompletableFuture.completedFuture(routeTo(request, config));
      }
    }
    RouteCall call = new RouteCall();
    long timeout = settings.routeTimeout().toMillis();
    Route timedOut = new Route.Refused(null, ProxyError.routerTimeout(timeout));
    call.completeOnTimeout(timedOut, timeout, TimeUnit.MILLISECONDS);
    call.thenAccept(
        route -> {
          if (route == timedOut) {
            LOG.log(
                Level.WARNING,
                () -> "router did not answer for \"" + request.user() + "\"@" + request.clientAddress());
            Future<?> running = call.task;
            if (running != null) {
              running.cancel(true);
            }
          }
        });
    try {
      call.task = routerPool.submit(() -> call.complete(routeNow(request)));
    } catch (RejectedExecutionException e) {
      call.complete(
          new Route.Refused(
              null,
              closed
                  ? ProxyError.shuttingDown()
                  : ProxyError.routerBusy(routerPool.getQueue().size())));
    }
    return call;
  }

  /** Runs on a router thread: asks the router and resolves the backend's address. */
  private Route routeNow(RouteRequest request) {
    BackendConfig config;
    try {
      config = settings.router().route(request);
    } catch (InterruptedException e) {
      return new Route.Refused(null, ProxyError.shuttingDown()); // the session gave up on us
    } catch (Exception e) {
      LOG.log(
          Level.WARNING,
          () -> "router failed for \"" + request.user() + "\"@" + request.clientAddress(),
          e);
      return new Route.Refused(null, ProxyError.routerFailed(request.user()));
    }
    return routeTo(request, config);
  }

  /** Resolves the backend's address and admits the client to it; {@code config} null: no route. */
  private Route routeTo(RouteRequest request, BackendConfig config) {
    if (config == null) {
      return new Route.Refused(null, ProxyError.noRoute(request.user()));
    }
    InetSocketAddress address = new InetSocketAddress(config.host(), config.port());
    if (address.isUnresolved()) {
      return new Route.Refused(config, ProxyError.unresolvedBackend(config.host()));
    }
    SessionTaps taps = settings.taps();
    if (taps != null) {
      SessionTaps.Refusal refusal;
      try {
        refusal = taps.admit(request, config);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, () -> "admitting \"" + request.user() + "\" failed", e);
        return new Route.Refused(config, ProxyError.routerFailed(request.user()));
      }
      if (refusal != null) {
        return new Route.Refused(config, new ProxyError(refusal.sqlState(), refusal.message()));
      }
    }
    return new Route.To(config, address);
  }

  @Override
  public boolean acquireBackend(BackendConfig backend) {
    int limit = settings.maxConnectionsPerBackend();
    if (limit == 0) {
      return true;
    }
    AtomicInteger count = perBackend.computeIfAbsent(backend.address(), key -> new AtomicInteger());
    if (count.incrementAndGet() > limit) {
      count.decrementAndGet();
      return false;
    }
    return true;
  }

  @Override
  public void releaseBackend(BackendConfig backend) {
    if (settings.maxConnectionsPerBackend() != 0) {
      perBackend.get(backend.address()).decrementAndGet();
    }
  }

  // ----------------------------------------------------------------------------------- cancels

  @Override
  public void cancelKeyIssued(byte[] key, InetSocketAddress backend, byte[] backendKey) {
    cancels.register(key, backend, backendKey);
  }

  @Override
  public void cancelKeyRetired(byte[] key, InetSocketAddress backend) {
    cancels.unregister(key, backend);
  }

  @Override
  public void forwardCancel(CancelRequest request) {
    cancelForwarder.forward(request);
  }

  // ------------------------------------------------------------------------ sessions and events

  /**
   * Counts a connection the acceptor took; returns true if it is beyond the limit and must be
   * refused. Pair with {@link #sessionEnded}, or {@link #connectionDropped} if no session came.
   */
  boolean connectionAccepted() {
    accepted.increment();
    return active.incrementAndGet() > settings.maxConnections();
  }

  void connectionDropped() {
    active.decrementAndGet();
  }

  void add(Session session) {
    connections.put(session.id(), session);
  }

  boolean isClosed() {
    return closed;
  }

  Collection<Session> live() {
    return connections.values();
  }

  @Override
  public void backendConnected(long nanos) {
    if (settings.listener() instanceof BackendConnects connects) {
      try {
        connects.backendConnected(nanos);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "proxy listener failed", e);
      }
    }
  }

  @Override
  public void sessionStarted(SessionInfo info) {
    sessions.increment();
    notify(listener -> listener.sessionStarted(info));
  }

  @Override
  public void clientRefused(RouteRequest request, String sqlState, String message) {
    refused.increment();
    notify(listener -> listener.clientRefused(request, sqlState, message));
  }

  @Override
  public void sessionEnded(long id, SessionInfo info) {
    // Under the lock, so that stats() sees a closing session's bytes exactly once: either as a
    // live session or in the totals.
    synchronized (statsLock) {
      connections.remove(id);
      if (info != null) {
        bytesFromClients.add(info.bytesFromClient());
        bytesFromBackends.add(info.bytesFromBackend());
      }
    }
    active.decrementAndGet();
    if (info != null) {
      notify(listener -> listener.sessionEnded(info));
    }
  }

  private void notify(Consumer<ProxyListener> event) {
    ProxyListener listener = settings.listener();
    if (listener == null) {
      return;
    }
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "proxy listener failed", e);
    }
  }

  /** Returns the sessions connected to a backend now. */
  List<SessionInfo> sessions() {
    List<SessionInfo> result = new ArrayList<>();
    for (Session session : connections.values()) {
      if (session.isStarted()) {
        result.add(session.info());
      }
    }
    result.sort(Comparator.comparingLong(SessionInfo::id));
    return result;
  }

  ProxyStats stats() {
    long fromClients;
    long fromBackends;
    synchronized (statsLock) {
      fromClients = bytesFromClients.sum();
      fromBackends = bytesFromBackends.sum();
      for (Session session : connections.values()) {
        if (session.isStarted()) {
          SessionInfo info = session.info();
          fromClients += info.bytesFromClient();
          fromBackends += info.bytesFromBackend();
        }
      }
    }
    return new ProxyStats(
        accepted.sum(),
        active.get(),
        sessions.sum(),
        refused.sum(),
        cancelForwarder.forwarded(),
        fromClients,
        fromBackends);
  }

  /** Stops the threads; waits up to {@code millis} for each pool. */
  void close(long millis) throws InterruptedException {
    closed = true;
    routerPool.shutdownNow();
    tlsPool.shutdownNow();
    if (!routerPool.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
      LOG.log(Level.WARNING, "a router call did not end within " + millis + " ms");
    }
    if (!tlsPool.awaitTermination(millis, TimeUnit.MILLISECONDS)) {
      LOG.log(Level.WARNING, "a TLS handshake step did not end within " + millis + " ms");
    }
    if (!cancelForwarder.shutdown(millis)) {
      LOG.log(Level.WARNING, "a cancel request did not end within " + millis + " ms");
    }
  }

  /** Marks the host closed before the sessions are told, so late logins hear "shutting down". */
  void closing() {
    closed = true;
  }
}
