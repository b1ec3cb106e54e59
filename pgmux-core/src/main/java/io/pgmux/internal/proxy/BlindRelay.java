package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.internal.net.BufferPool;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.FrameTracker;
import io.pgmux.internal.protocol.ProtocolException;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.tap.MessageTap;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The {@link Relay} without a tap: moves bytes blind between a client and its backend, both ways,
 * with back-pressure, and passes the backend's bytes through the {@link BackendLogin} until its
 * first ReadyForQuery. When the session gets a tap, it {@link #handOver hands} what is in flight
 * to the {@link Tapping} and moves nothing more.
 *
 * <p>It never calls the relay: the relay asks what happened ({@link #loginFailure()}, {@link
 * #finished()}), and the relay's {@code resume} is deferred for bytes that no socket event will
 * announce. All methods run on the session's event loop.
 */
final class BlindRelay {
  /** Reads per readiness event before letting other sessions run. */
  private static final int READS_PER_EVENT = 16;

  /** One direction of the relay. */
  private static final class Pipe {
    final Transport from;
    final Transport to;
    /** Bytes read from the source that the sink has not taken. Draining mode; null when none. */
    ByteBuffer pending;
    /** The source reached the end of its stream. */
    boolean sourceDone;

    Pipe(Transport from, Transport to) {
      this.from = from;
      this.to = to;
    }
  }

  private final EventLoop loop;
  private final BufferPool pool;
  private final Transport client;
  private final Transport backend;
  private final Pipe toBackend;
  private final Pipe toClient;
  /** Where messages to the client begin and end, so the proxy can say goodbye between two. */
  private final FrameTracker toClientFrames = new FrameTracker();
  /** Where the client's messages begin and end during the login, so a tap can start between two. */
  private final FrameTracker toBackendFrames = new FrameTracker();
  /** Deferred to take up bytes that no socket event will announce. */
  private final Runnable resume;
  /** Follows the backend's messages until its first ReadyForQuery. */
  private final BackendLogin login;
  /** True until the backend's first ReadyForQuery passed. */
  private boolean loggingIn;
  /** Why the login failed on the backend's side, or null. */
  private ProxyError loginFailure;
  /** Both directions are through (or broken): the session ends. */
  private boolean finished;
  /** The proxy's last words are queued to the client: nothing more is read. */
  private boolean ending;
  /** When the backend last said ReadyForQuery (System.nanoTime), and the client's count then. */
  private long readyAt;
  private long clientBytesAtReady = -1;

  private volatile long bytesFromClient;
  private volatile long bytesFromBackend;

  /**
   * @param startup the startup message for the backend; flip mode
   * @param rest what the client sent after its startup message; flip mode
   * @param resume deferred to the loop when bytes wait that no socket event will announce
   */
  BlindRelay(
      EventLoop loop,
      Transport client,
      Transport backend,
      BackendLogin login,
      ByteBuffer startup,
      ByteBuffer rest,
      Runnable resume) {
    this.loop = loop;
    this.pool = loop.pool();
    this.client = client;
    this.backend = backend;
    this.login = login;
    this.resume = resume;
    this.toBackend = new Pipe(client, backend);
    this.toClient = new Pipe(backend, client);
    // Under proxy-side authentication the proxy's own login is over before the relay starts.
    this.loggingIn = !login.done();
    toBackendFrames.feed(rest);
    toBackend.pending =
        ByteBuffer.allocate(startup.remaining() + rest.remaining()).put(startup).put(rest).flip();
  }

  /** Sends the first bytes and starts relaying. */
  void start() throws IOException {
    writable(toBackend);
  }

  long bytesFromClient() {
    return bytesFromClient;
  }

  long bytesFromBackend() {
    return bytesFromBackend;
  }

  /**
   * Gives {@code tapped} what is in flight, with {@code afterLogin} (the backend's bytes that
   * came with its first ReadyForQuery), and starts it with {@code tap}; from here the tap relays.
   */
  void handOver(Tapping tapped, MessageTap tap, ByteBuffer afterLogin) {
    tapped.start(
        tap,
        toBackend.pending,
        toBackend.sourceDone,
        toBackendFrames,
        toClient.pending,
        afterLogin,
        toClient.sourceDone);
    toBackend.pending = toClient.pending = null;
  }

  /** Queues {@code afterLogin} (the backend's bytes after its first ReadyForQuery) for the client. */
  void untapped(ByteBuffer afterLogin) {
    if (afterLogin != null && afterLogin.hasRemaining()) {
      ByteBuffer waiting = toClient.pending;
      toClient.pending =
          waiting == null
              ? afterLogin
              : ByteBuffer.allocate(waiting.remaining() + afterLogin.remaining())
                  .put(waiting)
                  .put(afterLogin)
                  .flip();
      pool.release(waiting);
      toClientFrames.feed(afterLogin.duplicate().position(0));
    }
  }

  /** Returns why the backend's side of the login failed, or null. */
  ProxyError loginFailure() {
    return loginFailure;
  }

  /** Returns whether the relay is over (one side closed and what it sent is delivered), or released. */
  boolean finished() {
    return finished;
  }

  /** The relay broke: it is over. */
  void fail() {
    finished = true;
  }

  /**
   * Returns whether the backend waits for the client outside a transaction (its last message a
   * ReadyForQuery with status I) and the client has sent nothing since.
   */
  boolean idle() {
    return toClientFrames.readyStatus() == 'I'
        && bytesFromClient == clientBytesAtReady
        && toClient.pending == null
        && toBackend.pending == null
        && !client.hasQueuedOutput()
        && !ending;
  }

  /** Returns when (System.nanoTime) the backend last said ReadyForQuery. */
  long idleSince() {
    return readyAt;
  }

  /** Sends the client {@code error} (its stream must be between messages), then the relay ends. */
  void endWith(ProxyError error) {
    ending = true;
    toClient.pending = error.encode();
    try {
      writable(toClient);
    } catch (IOException | RuntimeException e) {
      finished = true;
    }
  }

  /**
   * Returns whether the client's stream is between two messages with nothing queued, so the
   * proxy may send one of its own.
   */
  boolean clientAtBoundary() {
    return toClientFrames.atBoundary() && toClient.pending == null && !client.hasQueuedOutput();
  }

  // ------------------------------------------------------------------------------------ events

  void clientReadable() throws IOException {
    pump(toBackend);
  }

  void clientWritable() throws IOException {
    writable(toClient);
    if (client.hasBufferedInput()) {
      pump(toBackend); // a TLS read waited for this flush; its data needs no socket event
    }
  }

  void backendReady(boolean writable, boolean readable) throws IOException {
    if (writable) {
      writable(toBackend);
    }
    if (readable && !over()) {
      pump(toClient);
    }
  }

  /** Moves what the sockets hold, both ways, as far as the sinks take it. */
  void pumpBoth() throws IOException {
    pump(toBackend);
    pump(toClient);
  }

  int clientOps() {
    return (canRead(toBackend) ? OP_READ : 0) | (toClient.pending != null ? OP_WRITE : 0);
  }

  int backendOps() {
    int ops = (canRead(toClient) ? OP_READ : 0) | (toBackend.pending != null ? OP_WRITE : 0);
    return backend.hasQueuedOutput() ? ops | OP_WRITE : ops;
  }

  /** Gives the buffers back to the pool; the session closes the sockets. */
  void release() {
    pool.release(toBackend.pending);
    pool.release(toClient.pending);
    toBackend.pending = toClient.pending = null;
    finished = true;
  }

  // ------------------------------------------------------------------------------------- pump

  private boolean over() {
    return finished || loginFailure != null || ending;
  }

  private boolean canRead(Pipe pipe) {
    return pipe.pending == null && !pipe.sourceDone && !pipe.to.hasQueuedOutput() && !over();
  }

  /** Moves bytes from the pipe's source to its sink until one of them has to wait. */
  private void pump(Pipe pipe) throws IOException {
    Transport from = pipe.from;
    Transport to = pipe.to;
    for (int i = 0; i < READS_PER_EVENT; i++) {
      if (pipe.pending != null || pipe.sourceDone || to.hasQueuedOutput() || over()) {
        return;
      }
      ByteBuffer buffer = pool.acquire();
      int room = buffer.remaining();
      int n;
      try {
        n = from.read(buffer);
      } catch (IOException | RuntimeException e) {
        pool.release(buffer);
        throw e;
      }
      if (n <= 0) {
        pool.release(buffer);
        if (n < 0) {
          sourceEnded(pipe);
        }
        return;
      }
      buffer.flip();
      boolean loginEnded = false;
      if (pipe == toBackend) {
        bytesFromClient += n;
        if (loggingIn) {
          toBackendFrames.feed(buffer);
        }
      } else {
        bytesFromBackend += n;
        if (loggingIn) {
          buffer = throughLogin(buffer);
          loginEnded = !loggingIn;
          if (buffer == null) {
            if (over()) {
              return;
            }
            continue;
          }
        }
        toClientFrames.feed(buffer);
        if (toClientFrames.readyStatus() != 0) {
          readyAt = System.nanoTime(); // once per query: the backend waits for the client now
          clientBytesAtReady = bytesFromClient;
        }
      }
      send(pipe, buffer);
      if (loginEnded) {
        return; // the session takes the established session over before more bytes flow
      }
      if (n < room && !from.hasBufferedInput()) {
        // A short read took all there was, so another read would only return 0: one syscall
        // saved per message. The selector is level-triggered and reports later bytes itself.
        return;
      }
    }
    if (from.hasBufferedInput()) {
      // TLS may hold decrypted records that no socket event will announce.
      loop.defer(resume);
    }
  }

  private void send(Pipe pipe, ByteBuffer buffer) throws IOException {
    try {
      pipe.to.write(buffer);
    } catch (IOException | RuntimeException e) {
      pool.release(buffer); // the session ends; the buffer must not go with it
      throw e;
    }
    if (buffer.hasRemaining()) {
      pipe.pending = buffer;
    } else {
      pool.release(buffer);
    }
  }

  private void sourceEnded(Pipe pipe) {
    if (pipe == toClient && loggingIn && !login.sawError()) {
      loginFailure = ProxyError.backendClosedDuringStartup(login.backend().address());
      return;
    }
    pipe.sourceDone = true;
    finishIfDrained(pipe);
  }

  /** Passes backend bytes through the login; returns what goes to the client, or null. */
  private ByteBuffer throughLogin(ByteBuffer in) {
    ByteBuffer out;
    try {
      out = login.fromBackend(in);
    } catch (ProtocolException e) {
      loginFailure = ProxyError.backendBrokeProtocol(login.backend().address(), e.getMessage());
      return null;
    } finally {
      pool.release(in);
    }
    loggingIn = !login.done();
    return out;
  }


  /** The pipe's sink can take bytes again: hand it what waits, then read on. */
  private void writable(Pipe pipe) throws IOException {
    Transport to = pipe.to;
    if (!to.flush()) {
      return;
    }
    if (pipe.pending != null) {
      to.write(pipe.pending);
      if (pipe.pending.hasRemaining()) {
        return;
      }
      pool.release(pipe.pending);
      pipe.pending = null;
    }
    if (to.hasQueuedOutput()) {
      return;
    }
    if (ending) {
      finished |= pipe == toClient; // the last words are out
      return;
    }
    if (pipe.sourceDone) {
      finishIfDrained(pipe);
    } else {
      pump(pipe);
    }
  }

  /** One side closed: once what it sent is delivered, the relay is over. */
  private void finishIfDrained(Pipe pipe) {
    if (pipe.pending == null && !pipe.to.hasQueuedOutput()) {
      finished = true;
    }
  }
}
