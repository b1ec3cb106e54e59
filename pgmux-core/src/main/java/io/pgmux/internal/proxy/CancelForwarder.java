package io.pgmux.internal.proxy;

import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Sends cancel requests on to backends on threads of their own, so a cancel never waits behind
 * routing (a router that hangs must not make Ctrl-C hang too). Each forward connects with its own
 * timeout and writes a few bytes; a full queue drops the cancel, as a lost cancel packet would.
 */
final class CancelForwarder implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  /** Cancels connecting at once; more wait in the queue. */
  static final int THREADS = 2;

  /** Cancels waiting for a thread; beyond this they are dropped. */
  static final int QUEUE = 256;

  private final ThreadPoolExecutor pool = Pools.daemonPool("pgmux-cancel-", THREADS, QUEUE);
  private final CancelRegistry registry;
  private final int timeoutMillis;
  private final LongAdder forwarded = new LongAdder();

  CancelForwarder(CancelRegistry registry, int timeoutMillis) {
    this.registry = registry;
    this.timeoutMillis = timeoutMillis;
  }

  void forward(CancelRequest cancel) {
    InetSocketAddress backend = registry.backendFor(cancel.keyBytes());
    if (backend == null) {
      LOG.log(Level.DEBUG, "cancel request with an unknown key dropped");
      return;
    }
    byte[] packet = cancel.encode().array();
    try {
      pool.execute(() -> send(backend, packet));
    } catch (RejectedExecutionException e) {
      LOG.log(Level.DEBUG, "cancel request dropped: too many waiting, or the proxy is closing");
    }
  }

  long forwarded() {
    return forwarded.sum();
  }

  private void send(InetSocketAddress backend, byte[] packet) {
    try (Socket socket = new Socket()) {
      socket.connect(backend, timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(packet);
      out.flush();
      forwarded.increment();
    } catch (IOException e) {
      LOG.log(Level.INFO, "forwarding a cancel request to " + backend + " failed: " + e);
    }
  }

  /** Stops forwarding; returns whether the threads ended within {@code millis}. */
  boolean shutdown(long millis) throws InterruptedException {
    pool.shutdownNow();
    return pool.awaitTermination(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
