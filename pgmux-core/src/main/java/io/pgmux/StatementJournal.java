package io.pgmux;

import java.util.List;
import java.util.Objects;

/**
 * The statements a proxy's clients ran, oldest first, as {@link ExecutedStatement} entries. A
 * {@link ProxyServer} keeps one once {@link ProxyServer#withJournal(int)} turns it on; off by
 * default, and then the proxy does no work per message. A proxy in a container offers the same
 * view through its admin console.
 *
 * <p>Memory is bounded: the journal keeps the latest {@link #capacity()} entries and counts the
 * older ones it let go in {@link #dropped()}. An entry is added when the backend's answer to the
 * statement's batch is complete (its {@code ReadyForQuery}), or when the session ends.
 *
 * <p>Thread-safe. Each read returns a snapshot that later statements do not change.
 *
 * <p>Implemented by pgMux only; not meant to be implemented or mocked.
 */
public interface StatementJournal {

  /** Returns every entry kept, oldest first. */
  List<ExecutedStatement> all();

  /** Returns the entries of the clients that logged in as {@code user}, oldest first. */
  default List<ExecutedStatement> ofUser(String user) {
    Objects.requireNonNull(user, "user");
    return all().stream().filter(s -> s.user().equals(user)).toList();
  }

  /**
   * Returns the entries run on {@code backend}, oldest first: those whose backend has the same
   * host and port and, if {@code backend} names a database, ran in that database.
   */
  default List<ExecutedStatement> onBackend(BackendConfig backend) {
    Objects.requireNonNull(backend, "backend");
    return all().stream()
        .filter(
            s ->
                s.backend().host().equals(backend.host())
                    && s.backend().port() == backend.port()
                    && (backend.database() == null
                        || backend.database().equals(s.backendDatabase())))
        .toList();
  }

  /** Returns how many entries the journal keeps at most. */
  int capacity();

  /** Returns how many entries were let go to stay within the capacity since the last clear. */
  long dropped();

  /** Forgets every entry and resets {@link #dropped()}. */
  void clear();
}
