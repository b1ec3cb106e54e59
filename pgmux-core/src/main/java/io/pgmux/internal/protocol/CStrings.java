package io.pgmux.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** NUL-terminated strings, as the protocol writes every name and value. */
final class CStrings {
  /** Where the escapes of undecodable bytes start: byte b becomes U+DC00 + b. */
  private static final int ESCAPE_BASE = 0xDC00;

  private CStrings() {}

  /**
   * Reads the string at the buffer's position and moves past its terminator.
   *
   * @param context what holds the string, for error messages ("startup packet")
   * @throws ProtocolException without a terminator, or if the bytes are not UTF-8
   */
  static String read(ByteBuffer buffer, String context) throws ProtocolException {
    ByteBuffer bytes = next(buffer, context);
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

  /**
   * Reads the string at the buffer's position as {@link #read} does, but takes any bytes, as
   * PostgreSQL takes any bytes in a startup packet: UTF-8 decodes as usual, and each byte that is
   * not part of valid UTF-8 becomes the lone surrogate {@code U+DC80..U+DCFF} (the "surrogate
   * escape" of PEP 383), which {@link #encodePreserving} turns back into that byte.
   *
   * @throws ProtocolException without a terminator
   */
  static String readPreserving(ByteBuffer buffer, String context) throws ProtocolException {
    ByteBuffer bytes = next(buffer, context);
    CharBuffer chars = CharBuffer.allocate(bytes.remaining());
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    while (true) {
      CoderResult result = decoder.decode(bytes, chars, true);
      if (result.isUnderflow()) {
        break;
      }
      for (int i = 0; i < result.length(); i++) {
        chars.put((char) (ESCAPE_BASE | (bytes.get() & 0xff)));
      }
    }
    decoder.flush(chars);
    return chars.flip().toString();
  }

  /**
   * Encodes a string as UTF-8, except that each lone surrogate {@code U+DC80..U+DCFF} becomes the
   * byte {@link #readPreserving} read it from; so a string read that way encodes to its original
   * bytes.
   */
  static byte[] encodePreserving(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length() + 8);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp >= ESCAPE_BASE && cp <= ESCAPE_BASE + 0xff) {
        out.write(cp & 0xff);
      } else if (cp < 0x80) {
        out.write(cp);
      } else if (cp < 0x800) {
        out.write(0xc0 | cp >> 6);
        out.write(0x80 | cp & 0x3f);
      } else if (cp >= Character.MIN_SURROGATE && cp <= Character.MAX_SURROGATE) {
        out.write('?'); // a lone surrogate has no UTF-8 form; String.getBytes writes '?' too
      } else if (cp < 0x10000) {
        out.write(0xe0 | cp >> 12);
        out.write(0x80 | cp >> 6 & 0x3f);
        out.write(0x80 | cp & 0x3f);
      } else {
        out.write(0xf0 | cp >> 18);
        out.write(0x80 | cp >> 12 & 0x3f);
        out.write(0x80 | cp >> 6 & 0x3f);
        out.write(0x80 | cp & 0x3f);
      }
    }
    return out.toByteArray();
  }

  /** Returns the bytes of the string at the buffer's position and moves past its terminator. */
  private static ByteBuffer next(ByteBuffer buffer, String context) throws ProtocolException {
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
    return bytes;
  }
}
