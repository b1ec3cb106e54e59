package io.pgmux.internal.proxy;

import io.pgmux.ProxyStats;
import io.pgmux.SessionInfo;
import io.pgmux.internal.net.EventLoop;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The running proxy: a listening socket and its {@link Acceptor}, event loops that own the
 * sessions, and the {@link ProxyHost} that routes them and counts them.
 */
public final class ProxyEngine implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** How long close() waits for each thread to end. */
  private static final long STOP_WAIT_MILLIS = 5_000;

  private final ServerSocketChannel server;
  private final EventLoop[] loops;
  private final ProxyHost host;
  /** The Unix-domain listening socket and its file, or null without one. */
  private final ServerSocketChannel unixServer;
  private final Path unixSocket;
  private volatile boolean closed;

  private ProxyEngine(
      ServerSocketChannel server,
      EventLoop[] loops,
      ProxyHost host,
      ServerSocketChannel unixServer,
      Path unixSocket) {
    this.server = server;
    this.loops = loops;
    this.host = host;
    this.unixServer = unixServer;
    this.unixSocket = unixSocket;
  }

  /** Binds the listening socket and starts the event loops. */
  public static ProxyEngine start(Settings settings) throws IOException {
    return start(settings, null);
  }

  /**
   * Binds the TCP listening socket and, unless {@code unixDirectory} is null, a Unix-domain one in
   * that directory named after the TCP port ({@code .s.PGSQL.PORT}); then starts the event loops.
   * Both feed the same loops.
   */
  public static ProxyEngine start(Settings settings, Path unixDirectory) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    EventLoop[] loops = new EventLoop[settings.eventLoops()];
    ServerSocketChannel unixServer = null;
    Path unixSocket = null;
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(settings.listen(), 1024);
      server.configureBlocking(false);
      if (unixDirectory != null) {
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        unixSocket = UnixSocket.file(unixDirectory, port);
        unixServer = UnixSocket.bind(unixSocket, 1024);
      }
      for (int i = 0; i < loops.length; i++) {
        loops[i] = new EventLoop("pgmux-loop-" + i);
      }
    } catch (IOException | RuntimeException e) {
      server.close();
      if (unixServer != null) {
        try {
          UnixSocket.close(unixServer, unixSocket);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      for (EventLoop loop : loops) {
        if (loop != null) {
          loop.selector().close();
        }
      }
      throw e;
    }
    ProxyHost host = new ProxyHost(settings);
    AtomicLong ids = new AtomicLong();
    Acceptor acceptor = new Acceptor(server::accept, loops[0], loops, host, ids, true);
    server.register(loops[0].selector(), SelectionKey.OP_ACCEPT, acceptor);
    if (unixServer != null) {
      Acceptor local = new Acceptor(unixServer::accept, loops[0], loops, host, ids, false);
      unixServer.register(loops[0].selector(), SelectionKey.OP_ACCEPT, local);
    }
    for (EventLoop loop : loops) {
      loop.start();
    }
    return new ProxyEngine(server, loops, host, unixServer, unixSocket);
  }

  /** Returns the Unix-domain socket file the proxy listens on, or null if it has none. */
  public Path unixSocket() {
    return unixSocket;
  }

  public InetSocketAddress address() {
    try {
      return (InetSocketAddress) server.getLocalAddress();
    } catch (IOException e) {
      throw new IllegalStateException("proxy is closed", e);
    }
  }

  /** Returns the sessions connected to a backend now. */
  public List<SessionInfo> sessions() {
    return host.sessions();
  }

  public ProxyStats stats() {
    return host.stats();
  }

  /**
   * Stops accepting and ends every session: a client is sent 57P01 when that cannot corrupt its
   * stream (before its backend speaks, or between two of the backend's messages). Then waits for
   * the proxy's threads to end.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    host.closing();
    try {
      server.close();
    } catch (IOException e) {
      LOG.log(Level.DEBUG, "closing listening socket", e);
    }
    if (unixServer != null) {
      try {
        UnixSocket.close(unixServer, unixSocket);
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot remove the socket file " + unixSocket, e);
      }
    }
    for (Session session : host.live()) {
      session.loop().execute(session::shutdown);
    }
    for (EventLoop loop : loops) {
      loop.shutdown();
    }
    try {
      host.close(STOP_WAIT_MILLIS);
      for (EventLoop loop : loops) {
        if (!loop.awaitTermination(STOP_WAIT_MILLIS)) {
          LOG.log(Level.WARNING, "event loop did not stop within " + STOP_WAIT_MILLIS + " ms");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
