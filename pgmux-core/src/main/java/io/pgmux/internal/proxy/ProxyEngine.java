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
import java.util.List;

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
  private volatile boolean closed;

  private ProxyEngine(ServerSocketChannel server, EventLoop[] loops, ProxyHost host) {
    this.server = server;
    this.loops = loops;
    this.host = host;
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
    ProxyHost host = new ProxyHost(settings);
    Acceptor acceptor = new Acceptor(server::accept, loops[0], loops, host);
    server.register(loops[0].selector(), SelectionKey.OP_ACCEPT, acceptor);
    for (EventLoop loop : loops) {
      loop.start();
    }
    return new ProxyEngine(server, loops, host);
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
