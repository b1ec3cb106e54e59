package io.pgmux;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A snapshot of one client session: who connected, where the proxy sent it, and how many bytes
 * went each way up to the moment the snapshot was taken.
 *
 * @param id a number unique within one {@link ProxyServer}, in order of connection
 * @param clientAddress the client's socket address
 * @param user the user name the client sent
 * @param database the database the client asked for or, if it named none, the default PostgreSQL
 *     picks: the user name the backend sees (the route's, when it rewrites the user)
 * @param backend the backend the router chose, with its rewrites
 * @param tls whether the client connected over TLS
 * @param startedAt when the client connected
 * @param bytesFromClient bytes relayed from the client to the backend
 * @param bytesFromBackend bytes relayed from the backend to the client
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
    long bytesFromBackend) {

  /** Returns the user name the backend sees: the rewritten one, or the client's own. */
  public String backendUser() {
    return backend.user() != null ? backend.user() : user;
  }

  /** Returns the database the backend sees: the rewritten one, or the client's own. */
  public String backendDatabase() {
    return backend.database() != null ? backend.database() : database;
  }
}
