package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** NUL-terminated strings, as the protocol writes every name and value. */
final class CStrings {
  private CStrings() {}

  /**
   * Reads the string at the buffer's position and moves past its terminator.
   *
   * @param context what holds the string, for error messages ("startup packet")
   * @throws ProtocolException without a terminator, or if the bytes are not UTF-8
   */
  static String read(ByteBuffer buffer, String context) throws ProtocolException {
    int start = buffer.position();
    int end = start;
    while (end < buffer.limit() && buffer.get(end) != 0) {
      end++;
    }
    if (end == buffer.limit()) {
      throw new ProtocolException("invalid " + context + " layout: expected terminator as last byte");
    }
    ByteBuffer bytes = buffer.slice(start, end - start);
    buffer.position(end + 1);
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes)
          .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException("invalid UTF-8 in " + context);
    }
  }
}
