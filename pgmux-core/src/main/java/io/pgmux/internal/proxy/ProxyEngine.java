package io.pgmux.internal.proxy;

import io.pgmux.BackendConfig;
import io.pgmux.ProxyListener;
import io.pgmux.ProxyStats;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.StartupPacket;
import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The running proxy: a listening socket, event loops that own the sessions, and a pool of router
 * threads for the work that may block (routing, name lookups, forwarding cancel requests).
 */
public final class ProxyEngine implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** How long close() waits for each thread to end. */
  private static final long STOP_WAIT_MILLIS = 5_000;

  private final Settings settings;
  private final ServerSocketChannel server;
  private final EventLoop[] loops;
  private final ThreadPoolExecutor routerPool;
  /**
   * Runs the CPU-heavy steps of TLS handshakes (key exchange, signatures) off the event loops, so
   * a burst of new TLS clients does not stall the relaying of established sessions.
   */
  private final ThreadPoolExecutor tlsPool;
  private final CancelRegistry cancels = new CancelRegistry();
  private final ConcurrentHashMap<Long, Session> connections = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> perBackend = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger active = new AtomicInteger();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder sessions = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private final LongAdder cancelsForwarded = new LongAdder();
  private final LongAdder bytesFromClients = new LongAdder();
  private final LongAdder bytesFromBackends = new LongAdder();
  private final Object statsLock = new Object();
  private int nextLoop;
  private volatile boolean closed;

  private ProxyEngine(Settings settings, ServerSocketChannel server, EventLoop[] loops) {
    this.settings = settings;
    this.server = server;
    this.loops = loops;
    this.routerPool = daemonPool("pgmux-router-", settings.routerThreads());
    this.tlsPool = daemonPool("pgmux-tls-", Runtime.getRuntime().availableProcessors());
  }

  /** A fixed-size pool of daemon threads that end after 30 s without work. */
  private static ThreadPoolExecutor daemonPool(String namePrefix, int threads) {
    AtomicInteger ids = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            task -> {
              Thread thread = new Thread(task, namePrefix + ids.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** Binds the listening socket and starts the event loops. */
  public static ProxyEngine start(Settings settings) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    EventLoop[] loops = new EventLoop[settings.eventLoops()];
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(settings.listen(), 1024);
      server.configureBlocking(false);
      for (int i = 0; i < loops.length; i++) {
        loops[i] = new EventLoop("pgmux-loop-" + i);
      }
    } catch (IOException | RuntimeException e) {
      server.close();
      for (EventLoop loop : loops) {
        if (loop != null) {
          loop.selector().close();
        }
      }
      throw e;
    }
    ProxyEngine engine = new ProxyEngine(settings, server, loops);
    server.register(loops[0].selector(), SelectionKey.OP_ACCEPT, engine.new Acceptor());
    for (EventLoop loop : loops) {
      loop.start();
    }
    return engine;
  }

  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("proxy is closed", e);
    }
  }

  Settings settings() {
    return settings;
  }

  ExecutorService routerPool() {
    return routerPool;
  }

  Executor tlsPool() {
    return tlsPool;
  }

  CancelRegistry cancels() {
    return cancels;
  }

  /** Takes new connections off the listening socket and deals them to the loops in turn. */
  private final class Acceptor implements EventLoop.Handler {
    @Override
    public void ready(SelectionKey key) throws IOException {
      SocketChannel channel;
      while ((channel = server.accept()) != null) {
        accepted.increment();
        boolean overLimit = active.incrementAndGet() > settings.maxConnections();
        try {
          channel.configureBlocking(false);
          channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
          active.decrementAndGet();
          channel.close();
          continue;
        }
        EventLoop loop = loops[nextLoop];
        nextLoop = (nextLoop + 1) % loops.length;
        SocketChannel accepted = channel;
        loop.execute(() -> open(loop, accepted, overLimit));
      }
    }

    @Override
    public void failed(Exception cause) {
      LOG.log(Level.WARNING, "accepting connections failed", cause);
    }

    @Override
    public void loopClosing() {}
  }

  private void open(EventLoop loop, SocketChannel channel, boolean overLimit) {
    Session session;
    try {
      session = new Session(this, loop, ids.incrementAndGet(), channel);
    } catch (IOException | RuntimeException e) {
      active.decrementAndGet();
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
      return;
    }
    connections.put(session.id(), session);
    if (closed) {
      session.shutdown(); // accepted just before close(): tell the client why it ends
      return;
    }
    session.open(overLimit);
  }

  /** Called on a router thread: asks the router, resolves the backend, reports to the loop. */
  void route(RouteRequest request, RouteCallback callback, EventLoop loop) {
    BackendConfig config = null;
    InetSocketAddress address = null;
    Exception failure = null;
    try {
      config = settings.router().route(request);
      if (config != null) {
        address = new InetSocketAddress(config.host(), config.port());
      }
    } catch (InterruptedException e) {
      return; // the session gave up on us
    } catch (Exception e) {
      failure = e;
    }
    BackendConfig routed = config;
    InetSocketAddress resolved = address;
    Exception cause = failure;
    loop.execute(() -> callback.routed(routed, resolved, cause));
  }

  /** The router's answer, delivered on the session's loop. */
  interface RouteCallback {
    void routed(BackendConfig config, InetSocketAddress address, Throwable failure);
  }

  /**
   * Takes one of the backend's places under the per-backend limit; returns false when it has
   * none left. Every true must be paired with {@link #releaseBackend}.
   */
  boolean acquireBackend(BackendConfig backend) {
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

  void releaseBackend(BackendConfig backend) {
    if (settings.maxConnectionsPerBackend() != 0) {
      perBackend.get(backend.address()).decrementAndGet();
    }
  }

  /** Sends a cancel request on to the backend that issued its key; unknown keys are dropped. */
  void forwardCancel(CancelRequest cancel) {
    byte[] key = cancel.keyBytes();
    InetSocketAddress backend = cancels.backendFor(key);
    if (backend == null) {
      LOG.log(Level.DEBUG, "cancel request with an unknown key dropped");
      return;
    }
    ByteBuffer packet =
        ByteBuffer.allocate(8 + key.length)
            .putInt(8 + key.length)
            .putInt(StartupPacket.CANCEL_REQUEST_CODE)
            .put(key);
    try {
      routerPool.execute(() -> sendCancel(backend, packet.array()));
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "cancel request dropped: proxy closing");
    }
  }

  private void sendCancel(InetSocketAddress backend, byte[] packet) {
    try (Socket socket = new Socket()) {
      socket.connect(backend, (int) settings.connectTimeout().toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(packet);
      out.flush();
      cancelsForwarded.increment();
    } catch (IOException e) {
      LOG.log(Level.INFO, "forwarding a cancel request to " + backend + " failed: " + e);
    }
  }

  void sessionStarted(Session session) {
    sessions.increment();
    SessionInfo info = session.info();
    notify(listener -> listener.sessionStarted(info));
  }

  void clientRefused(RouteRequest request, String sqlState, String message) {
    refused.increment();
    notify(listener -> listener.clientRefused(request, sqlState, message));
  }

  void sessionClosed(Session session) {
    SessionInfo info = session.isStarted() ? session.info() : null;
    // Under the lock, so that stats() sees a closing session's bytes exactly once: either as a
    // live session or in the totals.
    synchronized (statsLock) {
      connections.remove(session.id());
      if (info != null) {
        bytesFromClients.add(info.bytesFromClient());
        bytesFromBackends.add(info.bytesFromBackend());
      }
    }
    active.decrementAndGet();
    if (info != null) {
      LOG.log(Level.INFO, session::describe);
      notify(listener -> listener.sessionEnded(info));
    }
  }

  private void notify(java.util.function.Consumer<ProxyListener> event) {
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
  public List<SessionInfo> sessions() {
    List<SessionInfo> result = new ArrayList<>();
    for (Session session : connections.values()) {
      if (session.isStarted()) {
        result.add(session.info());
      }
    }
    result.sort(java.util.Comparator.comparingLong(SessionInfo::id));
    return result;
  }

  public ProxyStats stats() {
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
        cancelsForwarded.sum(),
        fromClients,
        fromBackends);
  }

  /**
   * Stops accepting, ends every session (clients still in startup are told the proxy is shutting
   * down), and waits for the proxy's threads to end.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing listening socket", e);
    }
    for (Session session : connections.values()) {
      session.loop().execute(session::shutdown);
    }
    for (EventLoop loop : loops) {
      loop.shutdown();
    }
    routerPool.shutdownNow();
    tlsPool.shutdownNow();
    try {
      for (EventLoop loop : loops) {
        if (!loop.awaitTermination(STOP_WAIT_MILLIS)) {
          LOG.log(Level.WARNING, "event loop did not stop within " + STOP_WAIT_MILLIS + " ms");
        }
      }
      if (!routerPool.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "a router call did not end within " + STOP_WAIT_MILLIS + " ms");
      }
      if (!tlsPool.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "a TLS handshake step did not end within " + STOP_WAIT_MILLIS + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
