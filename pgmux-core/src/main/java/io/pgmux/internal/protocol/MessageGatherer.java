package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;

/**
 * Gathers a backend's bytes into whole messages while the proxy follows its login, where
 * messages may arrive split across reads or several in one. Feed it with {@link #add}, take
 * messages with {@link #next} until it returns null, then {@link #keepRest} what is incomplete for
 * the next read, or {@link #takeRest} once the login is over and the bytes flow through unread.
 *
 * <p>Not thread-safe: one per login.
 */
public final class MessageGatherer {
  /** Largest message accepted during a login (notices, errors, parameter status). */
  private static final int MAX_MESSAGE = 1 << 20;

  /** One whole message: {@code whole} from its type byte, {@code body} after its length. */
  public record Message(byte type, int length, ByteBuffer whole, ByteBuffer body) {}

  /** Bytes not yet taken as messages. Filling between reads, draining inside one; null after takeRest. */
  private ByteBuffer partial = ByteBuffer.allocate(8192);

  /** Adds the next bytes read; {@link #next} then drains them. */
  public void add(ByteBuffer in) {
    if (partial.remaining() < in.remaining()) {
      int needed = partial.position() + in.remaining();
      partial = ByteBuffer.allocate(Math.max(needed, partial.capacity() * 2)).put(partial.flip());
    }
    partial.put(in);
    partial.flip();
  }

  /** Returns how many bytes wait to be taken. */
  public int available() {
    return partial.remaining();
  }

  /**
   * Returns the next whole message, or null if the rest is incomplete. Its buffers are views of
   * the gatherer's and are valid until the next {@link #add}.
   *
   * @throws ProtocolException if a length is out of bounds
   */
  public Message next() throws ProtocolException {
    if (partial.remaining() < 5) {
      return null;
    }
    int at = partial.position();
    byte type = partial.get(at);
    int length = partial.getInt(at + 1);
    if (length < 4 || length > MAX_MESSAGE) {
      throw new ProtocolException("message of invalid length " + length);
    }
    if (partial.remaining() < 1 + length) {
      return null;
    }
    partial.position(at + 1 + length);
    return new Message(type, length, partial.slice(at, 1 + length), partial.slice(at + 5, length - 4));
  }

  /** Keeps the incomplete rest for the next {@link #add}. */
  public void keepRest() {
    partial.compact();
  }

  /** Returns the bytes after the last message taken, and stops gathering: the login is over. */
  public ByteBuffer takeRest() {
    ByteBuffer rest = partial;
    partial = null;
    return rest;
  }

  /** Returns whether no incomplete message is held back, so the proxy may send one of its own. */
  public boolean betweenMessages() {
    return partial == null || partial.position() == 0;
  }
}
