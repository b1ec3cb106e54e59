package io.pgmux.test;

import io.pgmux.internal.tap.TapMessage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Protocol messages written byte by byte, as a tap is shown them: scripts of client and backend
 * messages for testing taps without a server.
 */
public final class Frames {
  private Frames() {}

  /** A whole message of {@code type} with {@code body}. */
  public static TapMessage message(char type, byte[] body) {
    return new TapMessage((byte) type, body.length + 4, ByteBuffer.wrap(body).asReadOnlyBuffer(), true);
  }

  /** The message's bytes on the wire: type, length, body. */
  public static byte[] wire(TapMessage m) {
    ByteBuffer body = m.body().duplicate();
    ByteBuffer out = ByteBuffer.allocate(5 + body.remaining()).put(m.type()).putInt(m.length()).put(body);
    return out.array();
  }

  /** Splits {@code bytes} into messages (type, length, body). */
  public static List<TapMessage> split(ByteBuffer bytes) {
    ByteBuffer in = bytes.duplicate();
    List<TapMessage> messages = new ArrayList<>();
    while (in.hasRemaining()) {
      byte type = in.get();
      int length = in.getInt();
      byte[] body = new byte[length - 4];
      in.get(body);
      messages.add(message((char) type, body));
    }
    return messages;
  }

  public static TapMessage query(String sql) {
    return message('Q', new Body().cstring(sql).bytes());
  }

  public static TapMessage parse(String statement, String sql, int... parameterTypes) {
    Body body = new Body().cstring(statement).cstring(sql).int16(parameterTypes.length);
    for (int type : parameterTypes) {
      body.int32(type);
    }
    return message('P', body.bytes());
  }

  /** A Bind with text parameters (null for SQL NULL) and text results. */
  public static TapMessage bind(String portal, String statement, String... parameters) {
    Body body = new Body().cstring(portal).cstring(statement).int16(0).int16(parameters.length);
    for (String p : parameters) {
      if (p == null) {
        body.int32(-1);
      } else {
        byte[] value = p.getBytes(StandardCharsets.UTF_8);
        body.int32(value.length).raw(value);
      }
    }
    return message('B', body.int16(0).bytes());
  }

  public static TapMessage execute(String portal) {
    return execute(portal, 0);
  }

  public static TapMessage execute(String portal, int maxRows) {
    return message('E', new Body().cstring(portal).int32(maxRows).bytes());
  }

  public static TapMessage describe(char kind, String name) {
    return message('D', new Body().int8(kind).cstring(name).bytes());
  }

  public static TapMessage close(char kind, String name) {
    return message('C', new Body().int8(kind).cstring(name).bytes());
  }

  public static TapMessage sync() {
    return message('S', new byte[0]);
  }

  public static TapMessage flush() {
    return message('H', new byte[0]);
  }

  public static TapMessage functionCall(int oid) {
    return message('F', new Body().int32(oid).int16(0).int16(0).int16(0).bytes());
  }

  public static TapMessage copyData(String data) {
    return message('d', data.getBytes(StandardCharsets.UTF_8));
  }

  public static TapMessage copyDone() {
    return message('c', new byte[0]);
  }

  public static TapMessage terminate() {
    return message('X', new byte[0]);
  }

  // Backend messages

  public static TapMessage parseComplete() {
    return message('1', new byte[0]);
  }

  public static TapMessage bindComplete() {
    return message('2', new byte[0]);
  }

  public static TapMessage closeComplete() {
    return message('3', new byte[0]);
  }

  public static TapMessage noData() {
    return message('n', new byte[0]);
  }

  public static TapMessage parameterDescription() {
    return message('t', new Body().int16(0).bytes());
  }

  public static TapMessage rowDescription() {
    return message('T', new Body().int16(0).bytes());
  }

  public static TapMessage dataRow(String value) {
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    return message('D', new Body().int16(1).int32(v.length).raw(v).bytes());
  }

  public static TapMessage commandComplete(String tag) {
    return message('C', new Body().cstring(tag).bytes());
  }

  public static TapMessage emptyQuery() {
    return message('I', new byte[0]);
  }

  public static TapMessage portalSuspended() {
    return message('s', new byte[0]);
  }

  public static TapMessage copyInResponse() {
    return message('G', new Body().int8('\0').int16(0).bytes());
  }

  public static TapMessage copyOutResponse() {
    return message('H', new Body().int8('\0').int16(0).bytes());
  }

  public static TapMessage functionCallResponse() {
    return message('V', new Body().int32(-1).bytes());
  }

  public static TapMessage error(String sqlState, String message) {
    return errorWithFields('E', "ERROR", sqlState, message);
  }

  public static TapMessage fatal(String sqlState, String message) {
    return errorWithFields('E', "FATAL", sqlState, message);
  }

  public static TapMessage notice(String message) {
    return errorWithFields('N', "NOTICE", "00000", message);
  }

  private static TapMessage errorWithFields(char type, String severity, String sqlState, String message) {
    return message(
        type,
        new Body()
            .int8('S').cstring(severity)
            .int8('V').cstring(severity)
            .int8('C').cstring(sqlState)
            .int8('M').cstring(message)
            .int8('\0')
            .bytes());
  }

  public static TapMessage ready(char status) {
    return message('Z', new byte[] {(byte) status});
  }

  /** A message body under construction. */
  public static final class Body {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Body cstring(String s) {
      out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
      out.write(0);
      return this;
    }

    public Body int8(char c) {
      out.write(c);
      return this;
    }

    public Body int16(int v) {
      out.write(v >>> 8);
      out.write(v);
      return this;
    }

    public Body int32(int v) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(v).array());
      return this;
    }

    public Body raw(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    public byte[] bytes() {
      return out.toByteArray();
    }
  }
}
