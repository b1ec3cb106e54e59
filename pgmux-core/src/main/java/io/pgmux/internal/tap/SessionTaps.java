package io.pgmux.internal.tap;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;

/**
 * The proxy-wide source of taps: consulted once per login and once per session. Without one
 * (the default) sessions are never tapped. Implementations must be thread-safe.
 */
public interface SessionTaps {
  /**
   * Called after routing, before the backend is connected, off the event loops. Returns a refusal
   * to refuse the login with, or null to let it go on.
   */
  Refusal admit(RouteRequest request, BackendConfig backend);

  /**
   * Called on the session's event loop when it starts relaying. Returns the tap for it, or null to
   * keep the session a blind byte pump.
   */
  MessageTap open(TappedSession session);

  /** A login refused by {@link #admit}: the client gets FATAL {@code sqlState} {@code message}. */
  record Refusal(String sqlState, String message) {}
}
