package io.pgmux.internal.proxy;

import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.SessionInfo;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.SessionTaps;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * Moves bytes between a client and its backend, both ways, with back-pressure: a direction stops
 * reading while its sink cannot take more. Buffers come from the loop's pool and are held only
 * while bytes are in flight.
 *
 * <p>Until the backend's first ReadyForQuery, the backend's bytes go through the {@link
 * BackendLogin}; after that the relay moves them blind ({@link BlindRelay}), or through a message
 * tap ({@link Tapping}) when the session has one. It never calls the session: the session asks
 * what happened ({@link #loginFailure()}, {@link #finished()}) after each call, and after the
 * relay's own deferred work it is told through {@code settle}.
 *
 * <p>All methods run on the session's event loop.
 */
final class Relay {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  private final EventLoop loop;
  private final Transport client;
  private final Transport backend;
  private final Runnable settle;
  /** Follows the backend's messages until its first ReadyForQuery. */
  private final BackendLogin login;
  /** The relay without a tap: all of it until the session is established, then without a tap. */
  private final BlindRelay blind;
  /** The relay through a message tap, once the session is established with one; else null. */
  private Tapping tapping;

  /**
   * @param startup the startup message for the backend; flip mode
   * @param rest what the client sent after its startup message; flip mode
   * @param settle run after the relay's own deferred work, so the session can look at the outcome
   */
  Relay(
      EventLoop loop,
      Transport client,
      Transport backend,
      BackendLogin login,
      ByteBuffer startup,
      ByteBuffer rest,
      Runnable settle) {
    this.loop = loop;
    this.client = client;
    this.backend = backend;
    this.login = login;
    this.settle = settle;
    this.blind = new BlindRelay(loop, client, backend, login, startup, rest, this::resume);
  }

  /** Sends the first bytes and starts relaying. */
  void start() throws IOException {
    blind.start();
  }

  long bytesFromClient() {
    Tapping tapped = tapping;
    return blind.bytesFromClient() + (tapped != null ? tapped.bytesFromClient() : 0);
  }

  long bytesFromBackend() {
    Tapping tapped = tapping;
    return blind.bytesFromBackend() + (tapped != null ? tapped.bytesFromBackend() : 0);
  }

  /**
   * The login is through: from here the relay moves bytes blind, or through the tap that {@code
   * taps} opens for the session ({@code info} tells the tap who it is). Call once.
   */
  void established(SessionTaps taps, Supplier<SessionInfo> info) {
    ByteBuffer afterLogin = login.takeAfterLogin();
    if (taps != null) {
      Tapping tapped = new Tapping(loop, client, backend, info, this::resume);
      MessageTap tap = null;
      try {
        tap = taps.open(tapped);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "opening a message tap failed; the session goes untapped", e);
      }
      if (tap != null) {
        blind.handOver(tapped, tap, afterLogin);
        tapping = tapped;
        loop.defer(this::resume); // bytes that came with ReadyForQuery wait for no socket event
        return;
      }
    }
    blind.untapped(afterLogin);
  }

  /** Returns why the backend's side of the login failed, or null. */
  ProxyError loginFailure() {
    return blind.loginFailure();
  }

  /** Returns whether the relay is over: one side closed and what it sent is delivered. */
  boolean finished() {
    return blind.finished() || (tapping != null && tapping.finished());
  }

  /**
   * Returns whether the backend waits for the client outside a transaction (its last message a
   * ReadyForQuery with status I) and the client has sent nothing since.
   */
  boolean idle() {
    return tapping != null ? tapping.idle() : blind.idle();
  }

  /** Returns since when (System.nanoTime) the session is {@link #idle()}. */
  long idleSince() {
    return tapping != null ? tapping.idleSince() : blind.idleSince();
  }

  /** Sends the client {@code error} (its stream must be between messages), then the relay ends. */
  void endWith(ProxyError error) {
    if (tapping != null) {
      tapping.endWith(error);
      return;
    }
    blind.endWith(error);
  }

  /** Returns whether the session ends by a tap's cut: no goodbye of any kind. */
  boolean wasCut() {
    return tapping != null && tapping.wasCut();
  }

  /**
   * Returns whether the client's stream is between two messages with nothing queued, so the
   * proxy may send one of its own.
   */
  boolean clientAtBoundary() {
    return tapping != null ? tapping.clientAtBoundary() : blind.clientAtBoundary();
  }

  // ------------------------------------------------------------------------------------ events

  void clientReadable() throws IOException {
    if (tapping != null) {
      tapping.clientReadable();
      return;
    }
    blind.clientReadable();
  }

  void clientWritable() throws IOException {
    if (tapping != null) {
      tapping.clientWritable();
      return;
    }
    blind.clientWritable();
  }

  void backendReady(boolean writable, boolean readable) throws IOException {
    if (tapping != null) {
      tapping.backendReady(writable, readable);
      return;
    }
    blind.backendReady(writable, readable);
  }

  int clientOps() {
    return tapping != null ? tapping.clientOps() : blind.clientOps();
  }

  int backendOps() {
    return tapping != null ? tapping.backendOps() : blind.backendOps();
  }

  /** Gives the buffers back to the pool; the session closes the sockets. */
  void release() {
    blind.release();
    if (tapping != null) {
      tapping.release();
    }
  }

  private void resume() {
    if (blind.finished()) {
      return; // released
    }
    try {
      if (tapping != null) {
        tapping.drive();
      } else {
        blind.pumpBoth();
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.DEBUG, () -> "relay failed: " + e, e);
      blind.fail();
    }
    settle.run();
  }
}
