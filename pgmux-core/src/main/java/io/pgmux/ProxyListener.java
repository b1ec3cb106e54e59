package io.pgmux;

/**
 * Observes the sessions of a {@link ProxyServer}, for tests and logs.
 *
 * <p>Methods run on the proxy's I/O threads: they must return quickly and must not block. They
 * may be called concurrently for different sessions. An exception thrown from a listener is
 * logged and otherwise ignored.
 */
public interface ProxyListener {

  /** Called when a routed client has been connected to its backend. */
  default void sessionStarted(SessionInfo session) {}

  /**
   * Called once when a session that {@link #sessionStarted started} has ended, with its final byte
   * counts and its {@link SessionInfo#endedAt() end time}.
   */
  default void sessionEnded(SessionInfo session) {}

  /**
   * Called when the proxy refused a client with an error of its own, before or while connecting
   * it to a backend.
   *
   * @param request what the client asked for, or {@code null} if it never sent a startup message
   * @param sqlState the SQLSTATE the client was sent, such as {@code 28000} for "no route"
   * @param message the message the client was sent
   */
  default void clientRefused(RouteRequest request, String sqlState, String message) {}
}
