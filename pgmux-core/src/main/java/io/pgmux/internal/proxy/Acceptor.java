package io.pgmux.internal.proxy;

import io.pgmux.internal.net.EventLoop;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes new connections off the listening socket and deals them to the event loops in turn, where
 * each becomes a {@link Session}.
 *
 * <p>When accepting fails (most often: the process is out of file descriptors) the connection
 * stays in the kernel's backlog and the socket stays ready, so trying again at once would spin.
 * The acceptor pauses instead, for an interval that doubles on each failure in a row up to {@link
 * #MAX_PAUSE_MILLIS}, logs one line per pause, and accepts again by itself afterwards.
 */
final class Acceptor implements EventLoop.Handler {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  static final long FIRST_PAUSE_MILLIS = 10;
  static final long MAX_PAUSE_MILLIS = 1_000;

  /** Where connections come from: the listening socket, or a test's stand-in. */
  interface Source {
    /** Returns the next pending connection, or null when none is pending. */
    SocketChannel accept() throws IOException;
  }

  private final Source source;
  /** The loop the listening socket is registered with. */
  private final EventLoop loop;
  private final EventLoop[] loops;
  private final ProxyHost host;
  /** Session ids, shared by every acceptor of one engine so that ids stay unique. */
  private final AtomicLong ids;
  /** Whether the source is a TCP socket: Unix-domain channels have no TCP options. */
  private final boolean tcp;
  private int nextLoop;
  /** The current pause after a failed accept; 0 while accepting works. */
  private long pauseMillis;

  Acceptor(
      Source source,
      EventLoop loop,
      EventLoop[] loops,
      ProxyHost host) {
    this(source, loop, loops, host, new AtomicLong(), true);
  }

  Acceptor(
      Source source,
      EventLoop loop,
      EventLoop[] loops,
      ProxyHost host,
      AtomicLong ids,
      boolean tcp) {
    this.source = source;
    this.loop = loop;
    this.loops = loops;
    this.host = host;
    this.ids = ids;
    this.tcp = tcp;
  }

  @Override
  public void ready(SelectionKey key) throws IOException {
    while (true) {
      SocketChannel channel;
      try {
        channel = source.accept();
      } catch (ClosedChannelException e) {
        return; // the proxy is closing
      } catch (IOException e) {
        pause(key, e);
        return;
      }
      if (channel == null) {
        return;
      }
      pauseMillis = 0;
      boolean overLimit = host.connectionAccepted();
      try {
        channel.configureBlocking(false);
        if (tcp) {
          channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
          channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
        }
      } catch (IOException e) {
        host.connectionDropped();
        channel.close();
        continue;
      }
      EventLoop target = loops[nextLoop];
      nextLoop = (nextLoop + 1) % loops.length;
      target.execute(() -> open(target, channel, overLimit));
    }
  }

  private void pause(SelectionKey key, IOException cause) {
    pauseMillis = pauseMillis == 0 ? FIRST_PAUSE_MILLIS : Math.min(MAX_PAUSE_MILLIS, pauseMillis * 2);
    long pause = pauseMillis;
    LOG.log(
        Level.WARNING,
        () -> "accepting connections failed (" + cause + "); trying again in " + pause + " ms");
    key.interestOps(0);
    loop.schedule(
        pause,
        TimeUnit.MILLISECONDS,
        () -> {
          if (key.isValid()) {
            key.interestOps(SelectionKey.OP_ACCEPT);
          }
        });
  }

  /** Returns the current pause, for tests: 0 while accepting works. */
  long pauseMillis() {
    return pauseMillis;
  }

  private void open(EventLoop loop, SocketChannel channel, boolean overLimit) {
    Session session;
    try {
      session = new Session(host, loop, ids.incrementAndGet(), channel);
    } catch (IOException | RuntimeException e) {
      host.connectionDropped();
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
      return;
    }
    host.add(session);
    if (host.isClosed()) {
      session.shutdown(); // accepted just before close(): tell the client why it ends
      return;
    }
    session.open(overLimit);
  }

  @Override
  public void failed(Exception cause) {
    LOG.log(Level.WARNING, "accepting connections failed", cause);
  }

  @Override
  public void loopClosing() {}
}
