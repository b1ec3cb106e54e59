package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;

/**
 * Reads a backend's messages from the startup message to the first ReadyForQuery, the only part
 * of a session the proxy looks into: it learns the cancel key (BackendKeyData), notes whether the
 * backend refused the client (ErrorResponse), and removes SCRAM channel binding from the offered
 * mechanisms. Every message is passed on whole; bytes after ReadyForQuery are passed on as they
 * come.
 */
public final class BackendStartup {
  /** Largest message accepted before ReadyForQuery (notices, errors, parameter status). */
  private static final int MAX_MESSAGE = 1 << 20;

  /** Bytes of incomplete messages. Filling mode. */
  private ByteBuffer partial = ByteBuffer.allocate(8192);

  private byte[] cancelKey;
  private boolean sawError;
  private boolean ready;

  /**
   * Takes the next bytes from the backend and returns what to pass to the client, or null if no
   * message is complete yet.
   *
   * @throws ProtocolException if the backend does not speak the protocol
   */
  public ByteBuffer accept(ByteBuffer in) throws ProtocolException {
    if (ready) {
      throw new IllegalStateException("startup is over: relay the bytes as they are");
    }
    if (partial.remaining() < in.remaining()) {
      int needed = partial.position() + in.remaining();
      partial = ByteBuffer.allocate(Math.max(needed, partial.capacity() * 2)).put(partial.flip());
    }
    partial.put(in);
    partial.flip();
    // Removing SCRAM-SHA-256-PLUS only shrinks a message, so the input's size bounds the output.
    ByteBuffer out = ByteBuffer.allocate(partial.remaining());
    while (partial.remaining() >= 5) {
      int at = partial.position();
      byte type = partial.get(at);
      int length = partial.getInt(at + 1);
      if (length < 4 || length > MAX_MESSAGE) {
        throw new ProtocolException("message of invalid length " + length);
      }
      if (partial.remaining() < 1 + length) {
        break;
      }
      ByteBuffer message = partial.slice(at, 1 + length);
      ByteBuffer body = partial.slice(at + 5, length - 4);
      partial.position(at + 1 + length);
      if (type == BackendMessages.AUTHENTICATION
          && length >= 8
          && body.getInt(0) == BackendMessages.AUTH_SASL) {
        ByteBuffer stripped = BackendMessages.withoutChannelBinding(body);
        out.put(stripped != null ? stripped : message);
        continue;
      }
      out.put(message);
      if (type == BackendMessages.BACKEND_KEY_DATA && length >= 12) {
        cancelKey = new byte[length - 4];
        body.get(0, cancelKey);
      } else if (type == BackendMessages.ERROR_RESPONSE) {
        sawError = true;
      } else if (type == BackendMessages.READY_FOR_QUERY) {
        ready = true;
        out.put(partial);
        partial = null;
        return out.flip();
      }
    }
    partial.compact();
    out.flip();
    return out.hasRemaining() ? out : null;
  }

  /** Returns the process id and secret key from BackendKeyData, or null before it came. */
  public byte[] cancelKey() {
    return cancelKey;
  }

  /** Returns whether the backend sent an ErrorResponse, which explains a close that follows. */
  public boolean sawError() {
    return sawError;
  }

  /** Returns whether ReadyForQuery has passed: the session is established. */
  public boolean ready() {
    return ready;
  }

  /** Returns whether no incomplete message is held back, so the proxy may send one of its own. */
  public boolean betweenMessages() {
    return partial == null || partial.position() == 0;
  }
}
