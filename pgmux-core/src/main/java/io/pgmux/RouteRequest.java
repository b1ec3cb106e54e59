package io.pgmux;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;

/**
 * What a client asked for in its startup message, and how it connected: everything a {@link
 * Router} may route on.
 *
 * @param user the user name the client sent (never {@code null})
 * @param database the database the client asked for; PostgreSQL's default when the client sent
 *     none is the user name, and so it is here
 * @param parameters every startup parameter as sent, {@code user} and {@code database} included,
 *     in the client's order; unmodifiable
 * @param clientAddress the client's socket address; for a client on the proxy's Unix-domain socket,
 *     which has none, the unresolved address {@code local}, port 0
 * @param tls whether the client connected over TLS
 * @param serverName the host name the client named in TLS SNI, or {@code null} without TLS or SNI
 */
public record RouteRequest(
    String user,
    String database,
    Map<String, String> parameters,
    InetSocketAddress clientAddress,
    boolean tls,
    String serverName) {

  /** Copies the parameters and checks that the required components are present. */
  public RouteRequest {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(clientAddress, "clientAddress");
    parameters = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(parameters));
  }
}
