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
  private final MessageGatherer messages = new MessageGatherer();

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
    messages.add(in);
    // Removing SCRAM-SHA-256-PLUS only shrinks a message, so the input's size bounds the output.
    ByteBuffer out = ByteBuffer.allocate(messages.available());
    for (MessageGatherer.Message m; (m = messages.next()) != null; ) {
      byte type = m.type();
      int length = m.length();
      ByteBuffer message = m.whole();
      ByteBuffer body = m.body();
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
        out.put(messages.takeRest());
        return out.flip();
      }
    }
    messages.keepRest();
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
    return messages.betweenMessages();
  }
}
