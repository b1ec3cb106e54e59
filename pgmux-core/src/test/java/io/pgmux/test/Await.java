package io.pgmux.test;

import io.pgmux.ProxyServer;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded waits for conditions that other threads or processes make true. */
public final class Await {
  private static final Duration DEFAULT = Duration.ofSeconds(10);

  private Await() {}

  /**
   * Polls {@code condition} until it holds; fails naming {@code what} if it does not within
   * {@code timeout}.
   */
  public static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
      }
      Thread.onSpinWait();
    }
  }

  /** Waits until the proxy has no client connection open, as after every client has left. */
  public static void noConnections(ProxyServer proxy) {
    until("proxy has no open connections, has " + proxy.stats().active(), DEFAULT,
        () -> proxy.stats().active() == 0);
  }

  /** Waits until the proxy has taken at least one connection. */
  public static void someConnection(ProxyServer proxy) {
    until("proxy has an open connection", DEFAULT, () -> proxy.stats().active() > 0);
  }
}
