package io.pgmux;

import io.pgmux.internal.inspect.FaultRegistry;
import java.util.List;
import java.util.Objects;

/**
 * The faults of a {@link ProxyServer} started {@link ProxyServer#withFaults() with faults}: add
 * them to a user's route while the proxy runs, remove them by handle or all at once. Thread-safe.
 */
public final class Faults {
  private final FaultRegistry registry;

  Faults(FaultRegistry registry) {
    this.registry = registry;
  }

  /**
   * Adds {@code fault} to the route of the clients that log in as {@code user}. It acts on their
   * sessions, live and new, until removed; {@link Fault#terminateSessions()} acts on the live ones
   * at once.
   *
   * @return the handle that removes it
   */
  public FaultHandle add(String user, Fault fault) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(fault, "fault");
    return new FaultHandle(registry.add(user, fault), registry);
  }

  /** Returns the faults still acting, in the order they were added. */
  public List<FaultHandle> active() {
    return registry.active().stream().map(f -> new FaultHandle(f, registry)).toList();
  }

  /** Removes every fault; stalled sessions go on. */
  public void clear() {
    registry.clear();
  }

  @Override
  public String toString() {
    return "Faults" + active();
  }
}
