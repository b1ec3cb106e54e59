package io.pgmux.internal.proxy;

import io.pgmux.internal.net.EventLoop;
import java.util.concurrent.TimeUnit;

/**
 * A session's timers: the startup timeout until the session is established, then the {@link
 * IdleWatch} when an idle-session timeout is set, or the short wait for a refused client to read
 * its error. They run what the session gives them; what a timeout means is the session's to say.
 *
 * <p>All methods run on the session's event loop.
 */
final class SessionTimers {
  /** The longest a refused client may take to read its error before it is closed anyway. */
  static final long REFUSAL_WAIT_MILLIS = 5_000;

  private final EventLoop loop;
  private final Settings settings;
  private EventLoop.Timer startupTimer;
  private IdleWatch idleWatch;

  SessionTimers(EventLoop loop, Settings settings) {
    this.loop = loop;
    this.settings = settings;
  }

  /** Runs {@code timedOut} once the startup timeout has passed. */
  void startup(Runnable timedOut) {
    long timeout = settings.startupTimeout().toMillis();
    startupTimer = loop.schedule(timeout, TimeUnit.MILLISECONDS, timedOut);
  }

  /**
   * The session is established: the startup timeout stops, and with an idle-session timeout the
   * relay is watched ({@code settle} runs after the watch ended the session).
   */
  void established(Relay relay, Runnable settle) {
    startupTimer.cancel();
    if (settings.idleSessionTimeout() != null) {
      idleWatch = new IdleWatch(loop, relay, settings.idleSessionTimeout(), settle);
      idleWatch.start();
    }
  }

  /** The admin console took the client over: the startup timeout stops. */
  void console() {
    startupTimer.cancel();
  }

  /**
   * The client is refused: instead of the startup timeout, {@code close} runs when the client has
   * not read its error in time.
   */
  void refusing(Runnable close) {
    startupTimer.cancel();
    long wait = Math.min(REFUSAL_WAIT_MILLIS, settings.startupTimeout().toMillis());
    startupTimer = loop.schedule(wait, TimeUnit.MILLISECONDS, close);
  }

  void stop() {
    if (startupTimer != null) {
      startupTimer.cancel();
    }
    if (idleWatch != null) {
      idleWatch.stop();
    }
  }
}
