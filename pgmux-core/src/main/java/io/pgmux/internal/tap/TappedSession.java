package io.pgmux.internal.tap;

import io.pgmux.SessionInfo;

/**
 * The session a {@link MessageTap} was opened for, as the tap's owner may act on it. Every method
 * may be called from any thread; the work is done on the session's event loop.
 */
public interface TappedSession {
  /** Returns who the session is and where it goes, as {@code ProxyServer.sessions()} does. */
  SessionInfo info();

  /** Releases a {@link TapAction.Hold}; does nothing if no message is held. */
  void resume();

  /**
   * Ends the session as {@link TapAction.Terminate} does, at the next boundary between the
   * backend's messages (at once if the session is idle).
   */
  void terminate(String sqlState, String message);

  /** Closes both sockets now, as {@link TapAction.Cut} does. */
  void cut();
}
