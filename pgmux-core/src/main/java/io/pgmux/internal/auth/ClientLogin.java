package io.pgmux.internal.auth;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The client's side of a login under proxy-side authentication, over bytes: answers the startup
 * message as PostgreSQL would (NegotiateProtocolVersion when due, then the route's challenge),
 * frames what the client sends back and hands it to the {@link ClientAuthenticator}. Bytes after
 * the last authentication message are kept for the backend.
 *
 * <p>Not thread-safe: one per login.
 */
public final class ClientLogin {
  /** Largest message accepted during authentication, length word included. */
  private static final int MAX_MESSAGE = AuthMessages.MAX_RESPONSE + 4;

  private final ClientAuthenticator authenticator;
  private final int minor;
  private final Map<String, String> parameters;
  /** Bytes of incomplete messages. Filling mode. */
  private ByteBuffer partial = ByteBuffer.allocate(1024);

  /**
   * @param minor the protocol minor version the client asked for
   * @param parameters the startup message's parameters ({@code _pq_.*} options get refused)
   */
  public ClientLogin(ClientAuthenticator authenticator, int minor, Map<String, String> parameters) {
    this.authenticator = authenticator;
    this.minor = minor;
    this.parameters = parameters;
  }

  /** Returns what the proxy sends first: NegotiateProtocolVersion if due, then the challenge. */
  public ByteBuffer start() {
    ByteBuffer negotiation = CancelKeys.negotiation(minor, parameters);
    ByteBuffer challenge = authenticator.start();
    if (negotiation == null) {
      return challenge;
    }
    return ByteBuffer.allocate(negotiation.remaining() + challenge.remaining())
        .put(negotiation)
        .put(challenge)
        .flip();
  }

  /**
   * Takes bytes from the client and returns what to send back, or null if nothing yet.
   *
   * @throws AuthException if the client failed authentication or broke the protocol
   */
  public ByteBuffer accept(ByteBuffer in) throws AuthException {
    if (partial.remaining() < in.remaining()) {
      int needed = partial.position() + in.remaining();
      partial = ByteBuffer.allocate(Math.max(needed, partial.capacity() * 2)).put(partial.flip());
    }
    partial.put(in);
    partial.flip();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      while (!authenticator.done() && partial.remaining() >= 5) {
        int at = partial.position();
        byte type = partial.get(at);
        int length = partial.getInt(at + 1);
        if (length < 4 || length > MAX_MESSAGE) {
          throw AuthException.protocol("invalid message length " + length + " during authentication");
        }
        if (partial.remaining() < 1 + length) {
          break;
        }
        ByteBuffer body = partial.slice(at + 5, length - 4);
        partial.position(at + 1 + length);
        ByteBuffer reply = authenticator.accept(type, body);
        byte[] bytes = new byte[reply.remaining()];
        reply.get(bytes);
        out.writeBytes(bytes);
      }
    } finally {
      // What the client sent may be its password: keep only what is still unread.
      int unread = partial.remaining();
      int from = partial.position();
      for (int i = 0; i < from; i++) {
        partial.put(i, (byte) 0);
      }
      partial.compact();
      if (unread == 0) {
        partial.clear();
      }
    }
    return out.size() > 0 ? ByteBuffer.wrap(out.toByteArray()) : null;
  }

  /** Returns whether the client is authenticated (the last reply ended with AuthenticationOk). */
  public boolean done() {
    return authenticator.done();
  }

  /** Returns what the client sent after its last authentication message, for the backend. */
  public ByteBuffer rest() {
    ByteBuffer copy = ByteBuffer.allocate(partial.position());
    copy.put(partial.duplicate().flip());
    return copy.flip();
  }
}
