package io.pgmux;

import io.pgmux.internal.inspect.StatementLog;
import java.util.List;
import java.util.Objects;

/**
 * The statements a {@link ProxyServer}'s clients ran, oldest first, as {@link ExecutedStatement}
 * entries. Turned on with {@link ProxyServer#withJournal(int)}; off by default, and then the
 * proxy does no work per message.
 *
 * <p>Memory is bounded: the journal keeps the latest {@link #capacity()} entries and counts the
 * older ones it let go in {@link #dropped()}. An entry is added when the backend's answer to the
 * statement's batch is complete (its {@code ReadyForQuery}), or when the session ends.
 *
 * <p>Thread-safe. Each read returns a snapshot that later statements do not change.
 */
public final class StatementJournal {
  private final StatementLog log;

  StatementJournal(StatementLog log) {
    this.log = log;
  }

  /** Returns every entry kept, oldest first. */
  public List<ExecutedStatement> all() {
    return log.snapshot(s -> true);
  }

  /** Returns the entries of the clients that logged in as {@code user}, oldest first. */
  public List<ExecutedStatement> ofUser(String user) {
    Objects.requireNonNull(user, "user");
    return log.snapshot(s -> s.user().equals(user));
  }

  /**
   * Returns the entries run on {@code backend}, oldest first: those whose backend has the same
   * host and port and, if {@code backend} names a database, ran in that database.
   */
  public List<ExecutedStatement> onBackend(BackendConfig backend) {
    Objects.requireNonNull(backend, "backend");
    return log.snapshot(
        s ->
            s.backend().host().equals(backend.host())
                && s.backend().port() == backend.port()
                && (backend.database() == null || backend.database().equals(s.backendDatabase())));
  }

  /** Returns how many entries the journal keeps at most. */
  public int capacity() {
    return log.capacity();
  }

  /** Returns how many entries were let go to stay within the capacity since the last clear. */
  public long dropped() {
    return log.dropped();
  }

  /** Forgets every entry and resets {@link #dropped()}. */
  public void clear() {
    log.clear();
  }

  @Override
  public String toString() {
    return "StatementJournal[" + log.size() + " of " + capacity() + ", dropped " + dropped() + "]";
  }
}
