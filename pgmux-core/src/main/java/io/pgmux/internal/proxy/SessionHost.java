package io.pgmux.internal.proxy;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.protocol.StartupPacket.CancelRequest;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * What a {@link Session} needs from the server that runs it: the settings, routing, the
 * per-backend limit, the cancel keys, and the events it reports. Sessions call the host; the host
 * never calls a session back, so a session's calls run one way.
 *
 * <p>Implementations are thread-safe: every session on every loop shares one host.
 */
interface SessionHost {
  Settings settings();

  /** Runs the CPU-heavy steps of TLS handshakes, off the event loops. */
  Executor tlsTasks();

  /**
   * Asks the router, off the event loops, where {@code request} goes, within the route timeout
   * (then the answer is a refusal). The future completes on another thread; cancelling it
   * interrupts the router call.
   */
  CompletableFuture<Route> route(RouteRequest request);

  /**
   * Takes one of the backend's places under the per-backend limit; returns false when it has none
   * left. Every true must be paired with {@link #releaseBackend}.
   */
  boolean acquireBackend(BackendConfig backend);

  void releaseBackend(BackendConfig backend);

  /** Records that {@code backend} issued the cancel {@code key} (process id then secret). */
  void cancelKeyIssued(byte[] key, InetSocketAddress backend);

  void cancelKeyRetired(byte[] key, InetSocketAddress backend);

  /** Sends a cancel request on to the backend that issued its key; unknown keys are dropped. */
  void forwardCancel(CancelRequest request);

  /** A session's connection to its backend came up {@code nanos} after connecting began. */
  default void backendConnected(long nanos) {}

  /** A session reached its backend: it counts and is listed from now on. */
  void sessionStarted(SessionInfo info);

  /** A client got one of the proxy's own errors; {@code request} is null before routing. */
  void clientRefused(RouteRequest request, String sqlState, String message);

  /**
   * A session ended and released everything it held.
   *
   * @param info its last snapshot, or null if it never reached a backend
   */
  void sessionEnded(long id, SessionInfo info);
}
