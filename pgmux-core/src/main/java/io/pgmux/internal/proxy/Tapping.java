package io.pgmux.internal.proxy;

import static java.nio.channels.SelectionKey.OP_READ;
import static java.nio.channels.SelectionKey.OP_WRITE;

import io.pgmux.SessionInfo;
import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.net.Transport;
import io.pgmux.internal.protocol.FrameTracker;
import io.pgmux.internal.protocol.ProxyError;
import io.pgmux.internal.tap.MessageTap;
import io.pgmux.internal.tap.TappedSession;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.function.Supplier;

/**
 * The relay of a session that a {@link MessageTap} watches: both directions as {@link
 * TappedPipe}s, and the actions that end the session ({@code Terminate}, {@code Cut}) asked by
 * the tap or by whoever holds this {@link TappedSession}.
 *
 * <p>The {@link TappedSession} methods may be called from any thread: they queue their work on
 * the session's loop and then run {@code wake}, which drives the pipes again. Everything else
 * runs on the loop.
 */
final class Tapping implements TappedSession {
  private static final System.Logger LOG = System.getLogger("io.pgmux");

  private final EventLoop loop;
  private final Transport client;
  private final Supplier<SessionInfo> info;
  private final Runnable wake;
  private final TappedPipe toBackend;
  private final TappedPipe toClient;
  private MessageTap tap;
  /** The FATAL the client gets once the backend's current message is through; null if none. */
  private ProxyError terminating;
  /** The FATAL is queued to the client. */
  private boolean finishing;
  private boolean cut;
  private boolean ended;

  Tapping(
      EventLoop loop,
      Transport client,
      Transport backend,
      Supplier<SessionInfo> info,
      Runnable wake) {
    this.loop = loop;
    this.client = client;
    this.info = info;
    this.wake = wake;
    this.toBackend = new TappedPipe(loop, client, backend, false, wake);
    this.toClient = new TappedPipe(loop, backend, client, true, wake);
  }

  /**
   * Starts tapping where the blind relay stops: its unsent bytes go first, and the client's
   * stream may be inside a message ({@code clientFrames} follows it).
   */
  void start(
      MessageTap tap,
      ByteBuffer unsentToBackend,
      boolean clientDone,
      FrameTracker clientFrames,
      ByteBuffer unsentToClient,
      ByteBuffer unreadFromBackend,
      boolean backendDone) {
    this.tap = tap;
    toBackend.start(tap, unsentToBackend, null, clientFrames, clientDone);
    toClient.start(tap, unsentToClient, unreadFromBackend, null, backendDone);
  }

  long bytesFromClient() {
    return toBackend.bytesRead();
  }

  long bytesFromBackend() {
    return toClient.bytesRead();
  }

  // ------------------------------------------------------------------------------- the relay

  void clientReadable() throws IOException {
    toBackend.drive();
    settle();
  }

  void clientWritable() throws IOException {
    noteTerminate();
    toClient.drive();
    if (client.hasBufferedInput()) {
      toBackend.drive(); // a TLS read waited for this flush; its data needs no socket event
    }
    settle();
  }

  void backendReady(boolean writable, boolean readable) throws IOException {
    if (writable) {
      toBackend.drive();
    }
    if (readable) {
      noteTerminate();
      toClient.drive();
    }
    settle();
  }

  /** Drives both directions: after a delay, a resume, or a read that TLS had buffered. */
  void drive() throws IOException {
    toBackend.drive();
    noteTerminate();
    toClient.drive();
    settle();
  }

  /** Once a Terminate is asked, the backend's messages go no further than the current one. */
  private void noteTerminate() {
    if (terminating == null) {
      terminating = toClient.terminate() != null ? toClient.terminate() : toBackend.terminate();
    }
    if (terminating != null) {
      toClient.pauseAtBoundary();
    }
  }

  /** Acts on what the pipes report: the tap's Cut and Terminate, and TLS bytes left unread. */
  private void settle() throws IOException {
    cut |= toBackend.cut() || toClient.cut();
    noteTerminate();
    if (terminating != null && !finishing && !cut) {
      toBackend.stop();
      if (toClient.atBoundary()) {
        toClient.finishWith(terminating.encode());
        finishing = true;
        toClient.drive();
      }
    }
    if (client.hasBufferedInput() && toBackend.wantsRead()) {
      loop.defer(wake); // TLS holds decrypted records that no socket event will announce
    }
  }

  /** Returns whether the session is over: cut, terminated, or one side closed and drained. */
  boolean finished() {
    return cut || (finishing && toClient.closed()) || toBackend.drained() || toClient.drained();
  }

  /** See {@link Relay#idle()}. */
  boolean idle() {
    return toClient.readyIdle()
        && toClient.atBoundary()
        && toBackend.quietSince(toClient.readyIdleAt())
        && !client.hasQueuedOutput()
        && terminating == null;
  }

  long idleSince() {
    return toClient.readyIdleAt();
  }

  /** Ends the session with {@code error} at the next boundary of the backend's messages. */
  void endWith(ProxyError error) {
    if (terminating == null) {
      terminating = error;
    }
    try {
      settle();
    } catch (IOException | RuntimeException e) {
      cut = true;
    }
  }

  /** Returns whether the session ends by a cut: no goodbye of any kind. */
  boolean wasCut() {
    return cut;
  }

  boolean clientAtBoundary() {
    return toClient.atBoundary() && !client.hasQueuedOutput() && !finishing;
  }

  int clientOps() {
    return (toBackend.wantsRead() ? OP_READ : 0) | (toClient.wantsWrite() ? OP_WRITE : 0);
  }

  int backendOps() {
    return (toClient.wantsRead() ? OP_READ : 0) | (toBackend.wantsWrite() ? OP_WRITE : 0);
  }

  /** Gives the buffers back and tells the tap the session ended; call once, on close. */
  void release() {
    toBackend.release();
    toClient.release();
    if (!ended) {
      ended = true;
      try {
        tap.ended();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "message tap failed at the end of a session", e);
      }
    }
  }

  // --------------------------------------------------------------------------- TappedSession

  @Override
  public SessionInfo info() {
    return info.get();
  }

  @Override
  public void resume() {
    loop.defer(
        () -> {
          if (ended) {
            return;
          }
          boolean any = toBackend.resume();
          any |= toClient.resume();
          if (any) {
            wake.run();
          }
        });
  }

  @Override
  public void terminate(String sqlState, String message) {
    ProxyError error = new ProxyError(sqlState, message);
    loop.defer(
        () -> {
          if (ended) {
            return;
          }
          if (terminating == null) {
            terminating = error;
          }
          wake.run();
        });
  }

  @Override
  public void cut() {
    loop.defer(
        () -> {
          if (ended) {
            return;
          }
          cut = true;
          wake.run();
        });
  }
}
