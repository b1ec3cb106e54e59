package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Shows a Bind parameter as PostgreSQL would print it: text values as they are, binary values of
 * the common types (bool, integers, floats, text, uuid, date, timestamps) decoded by the type the
 * client declared in Parse, other binary values as {@code bytea} hex ({@code \x...}).
 */
public final class ParameterText {
  private static final LocalDateTime EPOCH = LocalDateTime.of(2000, 1, 1, 0, 0);

  private ParameterText() {}

  /** Returns the text of {@code p}, or null for SQL NULL; {@code typeOid} 0 if unknown. */
  public static String of(ClientMessage.Parameter p, int typeOid) {
    byte[] v = p.value();
    if (v == null) {
      return null;
    }
    if (!p.binary()) {
      return Wire.text(ByteBuffer.wrap(v));
    }
    ByteBuffer b = ByteBuffer.wrap(v);
    return switch (typeOid) {
      case 16 -> v.length == 1 ? (v[0] != 0 ? "t" : "f") : hex(v);
      case 21 -> v.length == 2 ? Short.toString(b.getShort()) : hex(v);
      case 23, 26 -> v.length == 4 ? (typeOid == 26 ? Integer.toUnsignedString(b.getInt()) : Integer.toString(b.getInt())) : hex(v);
      case 20 -> v.length == 8 ? Long.toString(b.getLong()) : hex(v);
      case 700 -> v.length == 4 ? Float.toString(b.getFloat()) : hex(v);
      case 701 -> v.length == 8 ? Double.toString(b.getDouble()) : hex(v);
      case 25, 1043, 1042, 19, 114, 3802 -> Wire.text(b);
      case 2950 -> v.length == 16 ? new UUID(b.getLong(), b.getLong()).toString() : hex(v);
      case 1082 -> v.length == 4 ? LocalDate.of(2000, 1, 1).plusDays(b.getInt()).toString() : hex(v);
      case 1114 -> v.length == 8 ? EPOCH.plusNanos(b.getLong() * 1000).toString() : hex(v);
      case 1184 -> v.length == 8 ? OffsetDateTime.of(EPOCH.plusNanos(b.getLong() * 1000), ZoneOffset.UTC).toString() : hex(v);
      default -> hex(v);
    };
  }

  private static String hex(byte[] v) {
    return "\\x" + HexFormat.of().formatHex(v);
  }
}
