package io.pgmux;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A snapshot of one client session: who connected, where the proxy sent it, how many bytes went
 * each way up to the moment the snapshot was taken, and whether it has ended.
 *
 * @param id a number unique within one {@link ProxyServer}, in order of connection
 * @param clientAddress the client's socket address; for a client on the proxy's Unix-domain socket,
 *     which has none, the unresolved address {@code local}, port 0
 * @param user the user name the client sent
 * @param database the database the client asked for or, if it named none, the default PostgreSQL
 *     picks: the user name the backend sees (the route's, when it rewrites the user)
 * @param backend the backend the router chose, with its rewrites
 * @param tls whether the client connected over TLS
 * @param startedAt when the client connected
 * @param bytesFromClient bytes relayed from the client to the backend
 * @param bytesFromBackend bytes relayed from the backend to the client
 * @param endedAt when the session ended, or {@code null} while it is open; a session reported
 *     ended ({@link ProxyListener#sessionEnded}) has its end time and final byte counts
 */
public record SessionInfo(
    long id,
    InetSocketAddress clientAddress,
    String user,
    String database,
    BackendConfig backend,
    boolean tls,
    Instant startedAt,
    long bytesFromClient,
    long bytesFromBackend,
    Instant endedAt) {

  /** Creates the snapshot of an open session. */
  public SessionInfo(
      long id,
      InetSocketAddress clientAddress,
      String user,
      String database,
      BackendConfig backend,
      boolean tls,
      Instant startedAt,
      long bytesFromClient,
      long bytesFromBackend) {
    this(
        id, clientAddress, user, database, backend, tls, startedAt, bytesFromClient,
        bytesFromBackend, null);
  }

  /** Returns whether the session is still open: it has no {@link #endedAt() end time}. */
  public boolean isOpen() {
    return endedAt == null;
  }

  /** Returns this snapshot as that of a session that ended at {@code at}. */
  SessionInfo ended(Instant at) {
    return new SessionInfo(
        id, clientAddress, user, database, backend, tls, startedAt, bytesFromClient,
        bytesFromBackend, at);
  }

  /** Returns the user name the backend sees: the rewritten one, or the client's own. */
  public String backendUser() {
    return backend.user() != null ? backend.user() : user;
  }

  /** Returns the database the backend sees: the rewritten one, or the client's own. */
  public String backendDatabase() {
    return backend.database() != null ? backend.database() : database;
  }
}
