package io.pgmux.internal.proxy;

import io.pgmux.BackendConfig;
import io.pgmux.RouteRequest;
import io.pgmux.SessionInfo;
import io.pgmux.internal.protocol.StartupPacket.StartupMessage;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * Who a session is and where it goes, as {@link SessionInfo} and the log lines tell it. Written
 * on the session's loop; other threads read it only once the session has started.
 */
final class SessionFacts {
  final long id;
  final InetSocketAddress clientAddress;
  final Instant startedAt = Instant.now();
  /** The client's startup message; null before it arrived. */
  StartupMessage startup;
  /** The backend the router chose; null before routing, or if it chose none. */
  BackendConfig backend;

  SessionFacts(long id, InetSocketAddress clientAddress) {
    this.id = id;
    this.clientAddress = clientAddress;
  }

  /** What the router is asked for this client, once its startup message arrived. */
  RouteRequest routeRequest(boolean tls, String serverName) {
    return new RouteRequest(
        startup.user(),
        startup.database(),
        startup.parameters(),
        clientAddress,
        tls,
        serverName);
  }

  /**
   * The address a Unix-domain client is known by: such a client has no IP address and its socket
   * usually no name, so it shows as the unresolved host {@code local}, port 0, as PostgreSQL
   * shows it as {@code [local]}.
   */
  static final InetSocketAddress LOCAL = InetSocketAddress.createUnresolved("local", 0);

  /** A TCP client's address as is, and {@link #LOCAL} for any other kind (a Unix socket's). */
  static InetSocketAddress clientAddress(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet ? inet : LOCAL;
  }

  SessionInfo info(boolean tls, long bytesFromClient, long bytesFromBackend) {
    return new SessionInfo(
        id,
        clientAddress,
        startup.user(),
        database(),
        backend,
        tls,
        startedAt,
        bytesFromClient,
        bytesFromBackend);
  }

  /**
   * The database the client asked for or, if it named none, PostgreSQL's default: the user name
   * the backend sees, which a route may have rewritten.
   */
  private String database() {
    String database = startup.parameters().get("database");
    if (database != null && !database.isEmpty()) {
      return database;
    }
    return backend != null && backend.user() != null ? backend.user() : startup.user();
  }

  /** Names the client for log lines: {@code session 7 "alice"@/127.0.0.1:50312}. */
  String client() {
    String who = startup != null ? "\"" + startup.user() + "\"@" : "";
    return "session " + id + " " + who + clientAddress;
  }

  /** The line logged when a session ends. */
  String ended(SessionInfo info) {
    return client()
        + " -> "
        + backend.address()
        + " as "
        + info.backendUser()
        + "/"
        + info.backendDatabase()
        + ": "
        + info.bytesFromClient()
        + " bytes in, "
        + info.bytesFromBackend()
        + " bytes out, "
        + Duration.between(startedAt, Instant.now()).toMillis()
        + " ms";
  }
}
