package io.pgmux;

import io.pgmux.internal.inspect.ActiveFault;
import io.pgmux.internal.inspect.FaultRegistry;

/**
 * A fault added to a user's route by {@link Faults#add}. Closing it removes the fault: from then
 * on the user's sessions are left alone, and stalled ones go on. Thread-safe; {@link #close()} is
 * idempotent.
 */
public final class FaultHandle implements AutoCloseable {
  private final ActiveFault active;
  private final FaultRegistry registry;

  FaultHandle(ActiveFault active, FaultRegistry registry) {
    this.active = active;
    this.registry = registry;
  }

  /** Returns the user whose sessions the fault acts on. */
  public String user() {
    return active.user();
  }

  /** Returns the fault. */
  public Fault fault() {
    return active.fault();
  }

  /**
   * Returns how many times the fault has acted: logins refused, statements failed or delayed,
   * sessions terminated, connections dropped, messages held.
   */
  public int fired() {
    return active.fired();
  }

  /** Returns whether the fault still acts: not removed, and not used up (its times, a one-off). */
  public boolean isActive() {
    return active.isActive();
  }

  /** Removes the fault. */
  @Override
  public void close() {
    registry.remove(active);
  }

  @Override
  public String toString() {
    return "FaultHandle[" + user() + ": " + fault() + ", fired " + fired()
        + (isActive() ? "" : ", inactive") + "]";
  }
}
