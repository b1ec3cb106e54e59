package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;

/**
 * Cuts the bytes a client sends after its login into whole messages, for a server that reads
 * them itself (the admin console). Messages longer than the limit are refused rather than
 * buffered. Not thread-safe: one per connection, on its event loop.
 */
public final class ClientFrames {
  /** A whole message: its type byte and its body (without the length word). */
  public record Frame(byte type, ByteBuffer body) {}

  private final int maxLength;
  /** Bytes received but not yet cut into messages. Filling mode. */
  private ByteBuffer buffer = ByteBuffer.allocate(1024);

  /** @param maxLength the longest message accepted, its length word included */
  public ClientFrames(int maxLength) {
    this.maxLength = maxLength;
  }

  /** Adds what was read. */
  public void add(ByteBuffer in) {
    if (buffer.remaining() < in.remaining()) {
      int needed = buffer.position() + in.remaining();
      ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, buffer.capacity() * 2));
      buffer.flip();
      bigger.put(buffer);
      buffer = bigger;
    }
    buffer.put(in);
  }

  /**
   * Returns the next whole message, or null until more bytes arrive.
   *
   * @throws ProtocolException if a length is invalid or beyond the limit
   */
  public Frame next() throws ProtocolException {
    if (buffer.position() < 5) {
      return null;
    }
    int length = buffer.getInt(1);
    if (length < 4 || length > maxLength) {
      throw new ProtocolException("invalid message length " + length);
    }
    if (buffer.position() < 1 + length) {
      return null;
    }
    byte type = buffer.get(0);
    byte[] body = new byte[length - 4];
    buffer.get(5, body);
    buffer.flip();
    buffer.position(1 + length);
    buffer.compact();
    return new Frame(type, ByteBuffer.wrap(body));
  }
}
