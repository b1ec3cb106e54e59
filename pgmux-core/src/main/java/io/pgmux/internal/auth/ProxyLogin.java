package io.pgmux.internal.auth;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Follows a backend's messages from the startup message to the first ReadyForQuery when the proxy
 * logs in itself (proxy-side authentication). The client already has the proxy's
 * AuthenticationOk, so the backend's Authentication requests are answered here and never reach it,
 * and neither does the backend's NegotiateProtocolVersion (the proxy negotiated with the client
 * itself). ParameterStatus, NoticeResponse, ErrorResponse and ReadyForQuery pass to the client;
 * BackendKeyData passes with the proxy's own secret in place of the backend's.
 *
 * <p>Not thread-safe: one per login.
 */
public final class ProxyLogin {
  private static final int MAX_MESSAGE = 1 << 20;

  /** What one call produced: bytes for the backend and for the client, each null if none. */
  public record Output(ByteBuffer toBackend, ByteBuffer toClient) {}

  private final BackendAuthenticator authenticator;
  private final CancelKeys.Issuer keys;
  /** Bytes of incomplete messages. Filling mode; null once ready. */
  private ByteBuffer partial = ByteBuffer.allocate(8192);
  private byte[] backendKey;
  private byte[] proxyKey;
  private boolean sawError;
  private boolean ready;

  /**
   * @param keys makes the key the client gets for the backend's BackendKeyData
   */
  public ProxyLogin(BackendAuthenticator authenticator, CancelKeys.Issuer keys) {
    this.authenticator = authenticator;
    this.keys = keys;
  }

  /**
   * Takes the next bytes from the backend.
   *
   * @throws AuthException if the login cannot go on: the backend broke the protocol ({@code
   *     08P01}) or its authentication request cannot be answered
   */
  public Output accept(ByteBuffer in) throws AuthException {
    if (ready) {
      throw new IllegalStateException("the login is over: relay the bytes as they are");
    }
    if (partial.remaining() < in.remaining()) {
      int needed = partial.position() + in.remaining();
      partial = ByteBuffer.allocate(Math.max(needed, partial.capacity() * 2)).put(partial.flip());
    }
    partial.put(in);
    partial.flip();
    ByteArrayOutputStream toBackend = new ByteArrayOutputStream();
    ByteArrayOutputStream toClient = new ByteArrayOutputStream();
    while (partial.remaining() >= 5) {
      int at = partial.position();
      byte type = partial.get(at);
      int length = partial.getInt(at + 1);
      if (length < 4 || length > MAX_MESSAGE) {
        throw AuthException.protocol("backend sent a message of invalid length " + length);
      }
      if (partial.remaining() < 1 + length) {
        break;
      }
      ByteBuffer body = partial.slice(at + 5, length - 4);
      partial.position(at + 1 + length);
      switch (type) {
        case AuthMessages.AUTHENTICATION:
          ByteBuffer answer = authenticator.accept(body);
          if (answer != null) {
            write(toBackend, answer);
            answer.clear();
            while (answer.hasRemaining()) {
              answer.put((byte) 0); // it may hold a password: gone once copied
            }
          }
          break;
        case 'v': // NegotiateProtocolVersion: the proxy's business with this backend alone
          break;
        case 'K':
          if (length < 12) {
            throw AuthException.protocol("backend sent an invalid BackendKeyData message");
          }
          backendKey = new byte[length - 4];
          body.get(0, backendKey);
          proxyKey = keys.issue(backendKey);
          ByteBuffer key = ByteBuffer.allocate(5 + proxyKey.length);
          key.put((byte) 'K').putInt(4 + proxyKey.length).put(proxyKey).flip();
          write(toClient, key);
          break;
        case 'E':
          sawError = true;
          write(toClient, partial.slice(at, 1 + length));
          break;
        case 'S':
        case 'N':
          write(toClient, partial.slice(at, 1 + length));
          break;
        case 'Z':
          if (!authenticator.authenticated()) {
            throw AuthException.protocol("backend became ready without authenticating the proxy");
          }
          write(toClient, partial.slice(at, 1 + length));
          write(toClient, partial); // whatever follows is the session's
          ready = true;
          partial = null;
          return output(toBackend, toClient);
        default:
          throw AuthException.protocol(
              "backend sent message type \"" + (char) type + "\" during the proxy's login");
      }
    }
    partial.compact();
    return output(toBackend, toClient);
  }

  private static void write(ByteArrayOutputStream out, ByteBuffer message) {
    ByteBuffer copy = message.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    out.writeBytes(bytes);
  }

  private static Output output(ByteArrayOutputStream toBackend, ByteArrayOutputStream toClient) {
    ByteBuffer backend = null;
    if (toBackend.size() > 0) {
      byte[] bytes = toBackend.toByteArray();
      backend = ByteBuffer.wrap(bytes);
    }
    ByteBuffer client = toClient.size() > 0 ? ByteBuffer.wrap(toClient.toByteArray()) : null;
    return new Output(backend, client);
  }

  /** Returns the backend's real cancel key (process id then secret), or null before it came. */
  public byte[] backendKey() {
    return backendKey;
  }

  /** Returns the key the client got in its place, or null. */
  public byte[] proxyKey() {
    return proxyKey;
  }

  /** Returns whether the backend sent an ErrorResponse, which explains a close that follows. */
  public boolean sawError() {
    return sawError;
  }

  /** Returns whether ReadyForQuery passed: the session is established. */
  public boolean ready() {
    return ready;
  }

  /** Returns whether no incomplete message is held back, so the proxy may send one of its own. */
  public boolean betweenMessages() {
    return partial == null || partial.position() == 0;
  }

  /** Returns whether the proxy's login bound to the backend's TLS channel (SCRAM-SHA-256-PLUS). */
  public boolean channelBound() {
    return authenticator.channelBound();
  }

  /** Wipes what an unfinished login holds. */
  public void dispose() {
    authenticator.dispose();
  }
}
