package io.pgmux.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The few backend messages the proxy writes or rewrites. Everything else passes through as
 * opaque frames: a type byte, a length that counts itself, a body.
 */
public final class BackendMessages {
  public static final byte AUTHENTICATION = 'R';
  public static final byte BACKEND_KEY_DATA = 'K';
  public static final byte ERROR_RESPONSE = 'E';
  public static final byte READY_FOR_QUERY = 'Z';

  /** The Authentication subtype that lists SASL mechanisms. */
  public static final int AUTH_SASL = 10;

  private static final String SCRAM_PLUS = "SCRAM-SHA-256-PLUS";

  private BackendMessages() {}

  /**
   * Encodes a FATAL ErrorResponse. Both the localized ({@code S}) and the non-localized ({@code
   * V}) severity are sent, as PostgreSQL 9.6 and later do.
   */
  public static ByteBuffer fatal(String sqlState, String message) {
    return error("FATAL", sqlState, message);
  }

  /** Encodes an ErrorResponse of any severity the way PostgreSQL 9.6 and later write one. */
  public static ByteBuffer error(String severity, String sqlState, String message) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 + message.length());
    field(body, 'S', severity);
    field(body, 'V', severity);
    field(body, 'C', sqlState);
    field(body, 'M', message);
    body.write(0);
    return errorResponse(body.toByteArray());
  }

  /** Frames an ErrorResponse around {@code body}: its fields and the closing zero byte. */
  static ByteBuffer errorResponse(byte[] body) {
    return ByteBuffer.allocate(5 + body.length)
        .put(ERROR_RESPONSE)
        .putInt(4 + body.length)
        .put(body)
        .flip();
  }

  private static void field(ByteArrayOutputStream out, char type, String value) {
    out.write(type);
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  /**
   * Returns an AuthenticationSASL message without {@code SCRAM-SHA-256-PLUS}, or {@code null} if
   * the message does not offer it. Channel binding ties SCRAM to the TLS session it runs in, and a
   * client's TLS session ends at the proxy, so a client that chose {@code -PLUS} could never log in.
   *
   * @param body the message body after the length word, starting with the subtype
   */
  public static ByteBuffer withoutChannelBinding(ByteBuffer body) throws ProtocolException {
    ByteBuffer in = body.duplicate();
    in.getInt(); // subtype, AUTH_SASL
    ByteArrayOutputStream mechanisms = new ByteArrayOutputStream();
    boolean stripped = false;
    while (true) {
      String mechanism = CStrings.read(in, "AuthenticationSASL message");
      if (mechanism.isEmpty()) {
        break;
      }
      if (mechanism.equals(SCRAM_PLUS)) {
        stripped = true;
      } else {
        mechanisms.writeBytes(mechanism.getBytes(StandardCharsets.UTF_8));
        mechanisms.write(0);
      }
    }
    if (!stripped) {
      return null;
    }
    mechanisms.write(0);
    byte[] list = mechanisms.toByteArray();
    return ByteBuffer.allocate(9 + list.length)
        .put(AUTHENTICATION)
        .putInt(8 + list.length)
        .putInt(AUTH_SASL)
        .put(list)
        .flip();
  }
}
