package io.pgmux.internal.auth;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Arrays;

/**
 * Prepares a password for SCRAM the way PostgreSQL does (src/common/saslprep.c): SASLprep of RFC
 * 4013 when it succeeds, else the password's own bytes.
 *
 * <p>A pure-ASCII password is used as it is, with no further step, as in PostgreSQL. Otherwise the
 * stringprep steps run: non-ASCII spaces become U+0020, "commonly mapped to nothing" characters
 * go, NFKC normalizes, and prohibited characters (RFC 3454 tables C.1.2 to C.9) or a bidi
 * violation make it fall back to the raw UTF-8 bytes, which is what PostgreSQL then hashes too.
 * One difference: unassigned code points (table A.1, Unicode 3.2) are judged by the JDK's newer
 * Unicode, so a character assigned after 3.2 is prepared here where PostgreSQL would take the raw
 * bytes; NFKC leaves nearly all such characters unchanged, so both give the same bytes.
 */
public final class SaslPrep {
  private SaslPrep() {}

  /** Returns the bytes SCRAM hashes for {@code password}; the caller wipes them after use. */
  public static byte[] prepare(char[] password) {
    byte[] raw = utf8(password);
    boolean ascii = true;
    for (byte b : raw) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii || raw.length == 0) {
      return raw;
    }
    String prepared = stringprep(password);
    if (prepared == null) {
      return raw;
    }
    Arrays.fill(raw, (byte) 0);
    return prepared.getBytes(StandardCharsets.UTF_8);
  }

  /** UTF-8 of {@code chars}; a lone surrogate (not UTF-8 at all) becomes '?', as Java does. */
  static byte[] utf8(char[] chars) {
    try {
      ByteBuffer encoded =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPLACE)
              .onUnmappableCharacter(CodingErrorAction.REPLACE)
              .encode(CharBuffer.wrap(chars));
      byte[] bytes = new byte[encoded.remaining()];
      encoded.get(bytes);
      Arrays.fill(encoded.array(), (byte) 0);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalStateException(e); // REPLACE never throws
    }
  }

  /** The stringprep steps; null when the result is prohibited. */
  private static String stringprep(char[] password) {
    StringBuilder mapped = new StringBuilder(password.length);
    for (int i = 0; i < password.length; ) {
      int cp = Character.codePointAt(password, i);
      i += Character.charCount(cp);
      if (Character.isSurrogate((char) cp)) {
        return null; // lone surrogate: not valid UTF-8, PostgreSQL uses the bytes as they are
      }
      if (mappedToNothing(cp)) {
        continue;
      }
      mapped.appendCodePoint(nonAsciiSpace(cp) ? ' ' : cp);
    }
    String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
    if (normalized.isEmpty()) {
      return null;
    }
    boolean randAl = false;
    boolean l = false;
    int[] cps = normalized.codePoints().toArray();
    for (int cp : cps) {
      if (prohibited(cp)) {
        return null;
      }
      byte direction = Character.getDirectionality(cp);
      randAl |=
          direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT
              || direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
      l |= direction == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
    }
    if (randAl && (l || !rightToLeft(cps[0]) || !rightToLeft(cps[cps.length - 1]))) {
      return null;
    }
    return normalized;
  }

  private static boolean rightToLeft(int cp) {
    byte direction = Character.getDirectionality(cp);
    return direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT
        || direction == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
  }

  /** RFC 3454 table B.1. */
  private static boolean mappedToNothing(int cp) {
    return cp == 0x00AD
        || cp == 0x034F
        || cp == 0x1806
        || (cp >= 0x180B && cp <= 0x180D)
        || (cp >= 0x200B && cp <= 0x200D)
        || cp == 0x2060
        || (cp >= 0xFE00 && cp <= 0xFE0F)
        || cp == 0xFEFF;
  }

  /** RFC 3454 table C.1.2. */
  private static boolean nonAsciiSpace(int cp) {
    return cp == 0x00A0
        || cp == 0x1680
        || (cp >= 0x2000 && cp <= 0x200B)
        || cp == 0x202F
        || cp == 0x205F
        || cp == 0x3000;
  }

  /** RFC 3454 tables C.1.2 to C.9, and A.1 as the JDK knows it. */
  private static boolean prohibited(int cp) {
    return nonAsciiSpace(cp)
        || cp < 0x20
        || (cp >= 0x7F && cp <= 0x9F)
        || cp == 0x06DD
        || cp == 0x070F
        || cp == 0x180E
        || (cp >= 0x200C && cp <= 0x200F)
        || (cp >= 0x2028 && cp <= 0x202E)
        || (cp >= 0x2060 && cp <= 0x2063)
        || (cp >= 0x206A && cp <= 0x206F)
        || (cp >= 0x2FF0 && cp <= 0x2FFB)
        || cp == 0x0340
        || cp == 0x0341
        || cp == 0xFEFF
        || (cp >= 0xFFF9 && cp <= 0xFFFD)
        || (cp >= 0x1D173 && cp <= 0x1D17A)
        || (cp >= 0xE000 && cp <= 0xF8FF)
        || cp >= 0xF0000
        || (cp >= 0xFDD0 && cp <= 0xFDEF)
        || (cp & 0xFFFE) == 0xFFFE
        || (cp >= 0xD800 && cp <= 0xDFFF)
        || cp == 0xE0001
        || (cp >= 0xE0020 && cp <= 0xE007F)
        || Character.getType(cp) == Character.UNASSIGNED;
  }
}
