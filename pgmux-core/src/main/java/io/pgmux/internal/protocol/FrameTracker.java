package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;

/**
 * Follows message boundaries in a stream of backend messages (type byte, length, body) without
 * copying or keeping them: the proxy may only inject a message of its own, such as "shutting
 * down", between two messages.
 */
public final class FrameTracker {
  /** Bytes of the current 5-byte header seen so far; 0 at a boundary or inside a body. */
  private int headerSeen;
  /** The length word as read so far. */
  private int length;
  /** Bytes of the current body still to come. */
  private long bodyLeft;
  /** Set on a length below 4: the stream cannot be followed any more. */
  private boolean lost;
  /** The type byte of the message being followed. */
  private byte type;
  /** The status byte of a ReadyForQuery that is the last message so far; 0 otherwise. */
  private byte readyStatus;

  /** Follows {@code bytes} from position to limit; does not move the buffer's position. */
  public void feed(ByteBuffer bytes) {
    int at = bytes.position();
    int end = bytes.limit();
    while (at < end && !lost) {
      if (bodyLeft > 0) {
        if (type == BackendMessages.READY_FOR_QUERY && bodyLeft == 1) {
          readyStatus = bytes.get(at); // ReadyForQuery's one body byte: the transaction status
        }
        int skip = (int) Math.min(bodyLeft, end - at);
        at += skip;
        bodyLeft -= skip;
      } else if (headerSeen == 0) {
        headerSeen = 1;
        type = bytes.get(at++);
        readyStatus = 0;
      } else {
        length = (length << 8) | (bytes.get(at++) & 0xff);
        if (++headerSeen == 5) {
          lost = length < 4;
          bodyLeft = length - 4L;
          headerSeen = 0;
          length = 0;
        }
      }
    }
  }

  /**
   * Returns the transaction status ({@code I}, {@code T} or {@code E}) if the backend's last
   * message so far is a complete ReadyForQuery, the backend waiting for the client; else 0.
   */
  public byte readyStatus() {
    return atBoundary() ? readyStatus : 0;
  }

  /**
   * Follows {@code bytes} from position up to the end of the current message, or to the limit if
   * it ends later; returns how many bytes that took. Does not move the buffer's position. Returns
   * 0 at a boundary.
   */
  public int feedToBoundary(ByteBuffer bytes) {
    int at = bytes.position();
    int end = bytes.limit();
    while (at < end && !lost && !atBoundary()) {
      if (bodyLeft > 0) {
        int skip = (int) Math.min(bodyLeft, end - at);
        at += skip;
        bodyLeft -= skip;
      } else {
        length = (length << 8) | (bytes.get(at++) & 0xff); // inside a header: its length word
        if (++headerSeen == 5) {
          lost = length < 4;
          bodyLeft = length - 4L;
          headerSeen = 0;
          length = 0;
        }
      }
    }
    return at - bytes.position();
  }

  /** Returns whether a length below 4 broke the framing, so boundaries are unknown from here. */
  public boolean lost() {
    return lost;
  }

  /** Returns whether everything fed so far ends with a complete message. */
  public boolean atBoundary() {
    return !lost && headerSeen == 0 && bodyLeft == 0;
  }
}
