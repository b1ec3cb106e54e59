package io.pgmux.internal.proxy;

import io.pgmux.internal.net.EventLoop;
import io.pgmux.internal.protocol.ProxyError;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Ends a session that has waited for its client, outside a transaction, for longer than the
 * idle-session timeout, as PostgreSQL's {@code idle_session_timeout} does: the client gets FATAL
 * 57P05, then both sides close. A query that runs long is not idle, nor is an open transaction.
 *
 * <p>One timer per idle period, not per message: when it fires early it sleeps for what is left.
 */
final class IdleWatch {
  private final EventLoop loop;
  private final Relay relay;
  private final long timeoutNanos;
  private final Runnable settle;
  private EventLoop.Timer timer;

  /** @param settle run after the watch ended the session, so the session closes */
  IdleWatch(EventLoop loop, Relay relay, Duration timeout, Runnable settle) {
    this.loop = loop;
    this.relay = relay;
    this.timeoutNanos = timeout.toNanos();
    this.settle = settle;
  }

  void start() {
    schedule(timeoutNanos);
  }

  void stop() {
    if (timer != null) {
      timer.cancel();
    }
  }

  private void schedule(long nanos) {
    timer = loop.schedule(nanos, TimeUnit.NANOSECONDS, this::check);
  }

  private void check() {
    timer = null;
    if (relay.finished()) {
      return;
    }
    long now = System.nanoTime();
    if (!relay.idle()) {
      schedule(timeoutNanos);
    } else if (now - relay.idleSince() < timeoutNanos) {
      schedule(timeoutNanos - (now - relay.idleSince()));
    } else {
      relay.endWith(ProxyError.idleSessionTimeout());
      settle.run();
    }
  }
}
