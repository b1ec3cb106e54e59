package io.pgmux;

import java.util.List;

/**
 * The faults of a proxy: add them to a user's route while the proxy runs, remove them by handle
 * or all at once. A {@link ProxyServer} has them once started {@link ProxyServer#withFaults() with
 * faults}; a proxy in a container offers the same through its admin console. Thread-safe.
 *
 * <p>Implemented by pgMux only; not meant to be implemented or mocked.
 */
public interface Faults {

  /**
   * Adds {@code fault} to the route of the clients that log in as {@code user}. It acts on their
   * sessions, live and new, until removed; {@link Fault#terminateSessions()} acts on the live ones
   * at once.
   *
   * @return the handle that removes it
   */
  FaultHandle add(String user, Fault fault);

  /** Returns the faults still acting, in the order they were added. */
  List<FaultHandle> active();

  /** Removes every fault; stalled sessions go on. */
  void clear();
}
