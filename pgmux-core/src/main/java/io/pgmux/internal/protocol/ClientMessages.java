package io.pgmux.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Encodes the client messages the proxy sends in a client's name (a fault's statement). */
public final class ClientMessages {
  private ClientMessages() {}

  /** Encodes a Query message. */
  public static ByteBuffer query(String sql) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(sql.length() + 8);
    cstring(body, sql);
    return frame(ClientMessage.QUERY, body);
  }

  /** Encodes a Parse message with no parameter types. */
  public static ByteBuffer parse(String statement, String sql) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(sql.length() + 16);
    cstring(body, statement);
    cstring(body, sql);
    body.write(0);
    body.write(0); // no parameter types
    return frame(ClientMessage.PARSE, body);
  }

  /** Encodes a Bind message with no parameters and default (text) result formats. */
  public static ByteBuffer bind(String portal, String statement) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(16);
    cstring(body, portal);
    cstring(body, statement);
    body.writeBytes(new byte[] {0, 0, 0, 0, 0, 0}); // no formats, no values, no result formats
    return frame(ClientMessage.BIND, body);
  }

  /** Encodes an Execute message that fetches all rows. */
  public static ByteBuffer execute(String portal) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(8);
    cstring(body, portal);
    body.writeBytes(new byte[] {0, 0, 0, 0});
    return frame(ClientMessage.EXECUTE, body);
  }

  /** Joins whole messages into one buffer, ready to read. */
  public static ByteBuffer concat(ByteBuffer... messages) {
    int size = 0;
    for (ByteBuffer m : messages) {
      size += m.remaining();
    }
    ByteBuffer all = ByteBuffer.allocate(size);
    for (ByteBuffer m : messages) {
      all.put(m.duplicate());
    }
    return all.flip();
  }

  private static void cstring(ByteArrayOutputStream out, String value) {
    out.writeBytes(value.getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  private static ByteBuffer frame(byte type, ByteArrayOutputStream body) {
    byte[] bytes = body.toByteArray();
    return ByteBuffer.allocate(5 + bytes.length).put(type).putInt(4 + bytes.length).put(bytes).flip();
  }
}
