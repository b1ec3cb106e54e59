package io.pgmux.internal.net;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;

/**
 * What PostgreSQL refuses of a TLS client that a JDK {@link SSLEngine} would allow.
 *
 * <ul>
 *   <li>Direct TLS (ClientHello first) without the ALPN protocol {@code postgresql}. A client
 *       offering only other protocols already gets the engine's fatal {@code
 *       no_application_protocol} alert; one offering none completes the handshake, and PostgreSQL
 *       17 and later then send {@code close_notify} and close ("received direct SSL connection
 *       request without ALPN protocol negotiation extension").
 *   <li>Renegotiation on TLS 1.2: PostgreSQL sets OpenSSL's {@code SSL_OP_NO_RENEGOTIATION}. The
 *       JDK refuses it only JVM-wide (the system property {@code
 *       jdk.tls.rejectClientInitiatedRenegotiation}), which a proxy running inside a user's test
 *       JVM must not set.
 * </ul>
 *
 * <p>Asked before every step of the handshake loop, it sees a second handshake before the engine
 * runs any of it.
 */
final class HandshakeGuard {
  /** The ALPN protocol PostgreSQL requires on direct TLS (its PG_ALPN_PROTOCOL). */
  static final String ALPN_PROTOCOL = "postgresql";

  private final boolean direct;
  /** Set once the first handshake has completed and passed the ALPN check. */
  private boolean established;
  /** Whether the established session is TLS 1.2, the last version with renegotiation. */
  private boolean renegotiable;

  /** @param direct whether the client opened with a ClientHello rather than SSLRequest */
  HandshakeGuard(boolean direct) {
    this.direct = direct;
  }

  /**
   * Returns why the session must end, or null while it may go on.
   *
   * @param status the engine's handshake status before the next step
   */
  String check(SSLEngine engine, HandshakeStatus status) {
    boolean handshaking =
        status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED;
    if (!established) {
      if (handshaking) {
        return null;
      }
      if (direct && !ALPN_PROTOCOL.equals(engine.getApplicationProtocol())) {
        return "direct TLS without the ALPN protocol \"" + ALPN_PROTOCOL + "\"";
      }
      established = true;
      renegotiable = "TLSv1.2".equals(engine.getSession().getProtocol());
      return null;
    }
    // A TLS 1.2 server handshakes again only when the client sent a ClientHello. TLS 1.3 has
    // post-handshake messages (KeyUpdate, tickets) that are no renegotiation: they go on.
    return handshaking && renegotiable ? "the client tried to renegotiate TLS" : null;
  }
}
