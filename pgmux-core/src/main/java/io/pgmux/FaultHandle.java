package io.pgmux;

/**
 * A fault added to a user's route by {@link Faults#add}. Closing it removes the fault: from then
 * on the user's sessions are left alone, and stalled ones go on. Thread-safe; {@link #close()} is
 * idempotent.
 *
 * <p>Implemented by pgMux only; not meant to be implemented or mocked.
 */
public interface FaultHandle extends AutoCloseable {

  /** Returns the user whose sessions the fault acts on. */
  String user();

  /** Returns the fault. */
  Fault fault();

  /**
   * Returns how many times the fault has acted: logins refused, statements failed or delayed,
   * sessions terminated, connections dropped, messages held.
   */
  int fired();

  /** Returns whether the fault still acts: not removed, and not used up (its times, a one-off). */
  boolean isActive();

  /** Removes the fault. */
  @Override
  void close();
}
