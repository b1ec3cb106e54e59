package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Reading helpers for message bodies after the proxy is relaying: lenient where a journal only
 * shows text (bad UTF-8 becomes U+FFFD, a body cut at {@code MessageTap.WHOLE_BODY_LIMIT} yields
 * the text seen so far), strict about lengths, which must lie inside the body.
 */
final class Wire {
  private Wire() {}

  /**
   * Reads the NUL-terminated string at the buffer's position and moves past the terminator. If
   * the body is not whole, a missing terminator means the string was cut: what is there is
   * returned and the buffer is left at its limit.
   */
  static String cstring(ByteBuffer body, boolean whole, String context) throws ProtocolException {
    int start = body.position();
    int end = start;
    while (end < body.limit() && body.get(end) != 0) {
      end++;
    }
    if (end == body.limit()) {
      if (whole) {
        throw new ProtocolException("invalid " + context + ": string without terminator");
      }
      body.position(end);
    } else {
      body.position(end + 1);
    }
    return text(body.slice(start, end - start));
  }

  /** Decodes UTF-8, replacing what is malformed with U+FFFD rather than failing. */
  static String text(ByteBuffer bytes) {
    int length = bytes.remaining();
    if (length == 0) {
      return ""; // the unnamed statement and portal: most names are empty
    }
    if (bytes.hasArray()) {
      return new String(bytes.array(), bytes.arrayOffset() + bytes.position(), length, StandardCharsets.UTF_8);
    }
    byte[] copy = new byte[length];
    bytes.duplicate().get(copy);
    return new String(copy, StandardCharsets.UTF_8);
  }

  static int int16(ByteBuffer body, String context) throws ProtocolException {
    need(body, 2, context);
    return body.getShort() & 0xffff;
  }

  static int int32(ByteBuffer body, String context) throws ProtocolException {
    need(body, 4, context);
    return body.getInt();
  }

  static byte int8(ByteBuffer body, String context) throws ProtocolException {
    need(body, 1, context);
    return body.get();
  }

  static void need(ByteBuffer body, long bytes, String context) throws ProtocolException {
    if (bytes < 0 || body.remaining() < bytes) {
      throw new ProtocolException("invalid " + context + ": message is too short");
    }
  }
}
