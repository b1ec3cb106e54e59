package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;

/**
 * An error the proxy itself sends a client before closing: a SQLSTATE and a message that starts
 * with {@code pgmux:}. Every such text is written here, so the same cause reads the same wherever
 * it is found.
 *
 * @param sqlState the five-character SQLSTATE
 * @param message the message, starting with {@code pgmux:}
 */
public record ProxyError(String sqlState, String message) {

  /** Encodes this error as a FATAL ErrorResponse. */
  public ByteBuffer encode() {
    return BackendMessages.fatal(sqlState, message);
  }

  // ------------------------------------------------------------------- the client's startup

  /** The client broke the startup protocol; {@code detail} comes from the decoder. */
  public static ProxyError protocol(String detail) {
    return new ProxyError("08P01", "pgmux: " + detail);
  }

  /**
   * An SSLRequest or GSSENCRequest after the first, or after TLS began: PostgreSQL reads its code
   * as a protocol version, and refuses that.
   */
  public static ProxyError repeatedRequest(int code) {
    return new ProxyError(
        "0A000",
        "pgmux: unsupported frontend protocol "
            + (code >>> 16)
            + "."
            + (code & 0xffff)
            + ": server supports 3.0 to 3.2");
  }

  /** CVE-2021-23214: bytes sent before the handshake must not be read as if encrypted. */
  public static ProxyError dataAfterSslRequest() {
    return protocol("received unencrypted data after SSL request");
  }

  public static ProxyError dataAfterGssRequest() {
    return protocol("received unencrypted data after GSSAPI encryption request");
  }

  public static ProxyError tlsRequired() {
    return new ProxyError("28000", "pgmux: TLS is required: connect with sslmode=require");
  }

  public static ProxyError startupTimeout(long millis) {
    return protocol("startup did not complete within " + millis + " ms");
  }

  public static ProxyError authenticationTimeout(long millis) {
    return protocol("authentication did not complete within " + millis + " ms");
  }

  // ------------------------------------------------------------------------ the proxy's work

  public static ProxyError tooManyConnections(int limit) {
    return new ProxyError("53300", "pgmux: too many connections (the limit is " + limit + ")");
  }

  public static ProxyError tooManyBackendConnections(String backend, int limit) {
    return new ProxyError(
        "53300",
        "pgmux: too many connections to backend " + backend + " (the limit is " + limit + ")");
  }

  /** The text and SQLSTATE of PostgreSQL's idle_session_timeout. */
  public static ProxyError idleSessionTimeout() {
    return new ProxyError("57P05", "pgmux: terminating connection due to idle-session timeout");
  }

  public static ProxyError shuttingDown() {
    return new ProxyError("57P01", "pgmux: proxy shutting down");
  }

  /** A user other than the admin user asked for the admin console's database. */
  public static ProxyError notConsoleUser(String user) {
    return new ProxyError("28000", "pgmux: user \"" + user + "\" may not use the admin console");
  }

  public static ProxyError noRoute(String user) {
    return new ProxyError("28000", "pgmux: no route for user \"" + user + "\"");
  }

  public static ProxyError routerFailed(String user) {
    return new ProxyError("08004", "pgmux: routing user \"" + user + "\" failed");
  }

  /** The router threads are all busy and the queue of logins waiting for them is full. */
  public static ProxyError routerBusy(int waiting) {
    return new ProxyError(
        "53300", "pgmux: too many logins waiting for the router (" + waiting + " queued)");
  }

  public static ProxyError routerTimeout(long millis) {
    return new ProxyError("08004", "pgmux: router did not answer within " + millis + " ms");
  }

  public static ProxyError unresolvedBackend(String host) {
    return new ProxyError("08001", "pgmux: cannot resolve backend host \"" + host + "\"");
  }

  public static ProxyError connectTimeout(String backend, long millis) {
    return new ProxyError(
        "08001",
        "pgmux: backend " + backend + " did not accept the connection within " + millis + " ms");
  }

  public static ProxyError cannotConnect(String backend, String cause) {
    return new ProxyError("08001", "pgmux: cannot connect to backend " + backend + ": " + cause);
  }

  public static ProxyError backendClosedDuringStartup(String backend) {
    return new ProxyError(
        "08006", "pgmux: backend " + backend + " closed the connection during startup");
  }

  public static ProxyError backendBrokeProtocol(String backend, String detail) {
    return new ProxyError("08P01", "pgmux: backend " + backend + " broke the protocol: " + detail);
  }
}
