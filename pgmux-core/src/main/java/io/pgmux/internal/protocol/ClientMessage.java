package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The messages a client sends after startup that the statement journal and faults act on. See
 * <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message
 * Formats</a>. Other messages stay opaque frames: {@link #decode} returns null for them.
 */
public sealed interface ClientMessage {
  byte QUERY = 'Q';
  byte PARSE = 'P';
  byte BIND = 'B';
  byte EXECUTE = 'E';
  byte DESCRIBE = 'D';
  byte CLOSE = 'C';
  byte SYNC = 'S';
  byte FLUSH = 'H';
  byte FUNCTION_CALL = 'F';
  byte COPY_DATA = 'd';
  byte COPY_DONE = 'c';
  byte COPY_FAIL = 'f';
  byte TERMINATE = 'X';

  /** A simple query: one or more statements separated by semicolons. */
  record Query(String sql) implements ClientMessage {}

  /**
   * Prepares {@code sql} as {@code statement}; the empty name is the unnamed statement.
   *
   * @param parameterTypes the parameter type OIDs the client declared (0: unspecified), or null
   *     when parameters were not asked for
   */
  record Parse(String statement, String sql, List<Integer> parameterTypes) implements ClientMessage {
    public Parse(String statement, String sql) {
      this(statement, sql, null);
    }
  }

  /**
   * Binds {@code statement} into {@code portal}.
   *
   * @param parameters the parameter values, or null when they were not asked for
   */
  record Bind(String portal, String statement, List<Parameter> parameters) implements ClientMessage {}

  /**
   * One Bind parameter value.
   *
   * @param binary whether it is in binary format (else text)
   * @param value its bytes, or null for SQL NULL
   */
  record Parameter(boolean binary, byte[] value) {
    /** Returns a text parameter, or SQL NULL for null. */
    public static Parameter text(String value) {
      return new Parameter(false, value == null ? null : value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Parameter p && p.binary == binary && java.util.Arrays.equals(p.value, value);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(value) * 31 + (binary ? 1 : 0);
    }

    @Override
    public String toString() {
      return ParameterText.of(this, 0);
    }
  }

  /** Runs {@code portal}, at most {@code maxRows} rows (0: all). */
  record Execute(String portal, int maxRows) implements ClientMessage {}

  /** Asks for the description of a prepared statement ({@code S}) or a portal ({@code P}). */
  record Describe(char kind, String name) implements ClientMessage {}

  /** Closes a prepared statement ({@code S}) or a portal ({@code P}). */
  record Close(char kind, String name) implements ClientMessage {}

  /** Ends an extended-query batch: the backend answers with ReadyForQuery. */
  record Sync() implements ClientMessage {}

  /** Asks the backend to send what it has; no reply of its own. */
  record Flush() implements ClientMessage {}

  /** A fast-path function call by object id. */
  record FunctionCall(int functionOid) implements ClientMessage {}

  /** COPY FROM STDIN data (only the length is kept). */
  record CopyData(int length) implements ClientMessage {}

  /** The end of COPY FROM STDIN data. */
  record CopyDone() implements ClientMessage {}

  /** Aborts COPY FROM STDIN with {@code message}. */
  record CopyFail(String message) implements ClientMessage {}

  /** The client is leaving. */
  record Terminate() implements ClientMessage {}

  Sync SYNC_MESSAGE = new Sync();
  Flush FLUSH_MESSAGE = new Flush();
  CopyDone COPY_DONE_MESSAGE = new CopyDone();
  Terminate TERMINATE_MESSAGE = new Terminate();

  /**
   * Decodes one client message. The body is read from its position without moving it.
   *
   * @param whole false if {@code body} is only the start of the message: a SQL text is then cut
   *     short, and parameters are not decoded
   * @param withParameters whether to decode Bind parameter values
   * @return the message, or null for types the proxy does not follow
   * @throws ProtocolException if the body does not hold what its type needs
   */
  static ClientMessage decode(byte type, ByteBuffer body, boolean whole, boolean withParameters)
      throws ProtocolException {
    ByteBuffer in = body.duplicate();
    return switch (type) {
      case QUERY -> new Query(Wire.cstring(in, whole, "Query message"));
      case PARSE -> {
        String statement = Wire.cstring(in, whole, "Parse message");
        String sql = Wire.cstring(in, whole, "Parse message");
        List<Integer> types = null;
        if (withParameters && whole) {
          int count = Wire.int16(in, "Parse message");
          Wire.need(in, 4L * count, "Parse message");
          Integer[] oids = new Integer[count];
          for (int i = 0; i < count; i++) {
            oids[i] = in.getInt();
          }
          types = List.of(oids);
        }
        yield new Parse(statement, sql, types);
      }
      case BIND -> decodeBind(in, whole, withParameters);
      case EXECUTE -> {
        String portal = Wire.cstring(in, true, "Execute message");
        yield new Execute(portal, Wire.int32(in, "Execute message"));
      }
      case DESCRIBE, CLOSE -> {
        String context = type == DESCRIBE ? "Describe message" : "Close message";
        char kind = (char) Wire.int8(in, context);
        if (kind != 'S' && kind != 'P') {
          throw new ProtocolException("invalid " + context + ": kind " + kind + " is not S or P");
        }
        String name = Wire.cstring(in, true, context);
        yield type == DESCRIBE ? new Describe(kind, name) : new Close(kind, name);
      }
      case SYNC -> SYNC_MESSAGE;
      case FLUSH -> FLUSH_MESSAGE;
      case FUNCTION_CALL -> new FunctionCall(Wire.int32(in, "FunctionCall message"));
      case COPY_DATA -> new CopyData(in.remaining());
      case COPY_DONE -> COPY_DONE_MESSAGE;
      case COPY_FAIL -> new CopyFail(Wire.cstring(in, whole, "CopyFail message"));
      case TERMINATE -> TERMINATE_MESSAGE;
      default -> null;
    };
  }

  private static Bind decodeBind(ByteBuffer in, boolean whole, boolean withParameters)
      throws ProtocolException {
    String context = "Bind message";
    String portal = Wire.cstring(in, true, context);
    String statement = Wire.cstring(in, true, context);
    if (!withParameters || !whole) {
      return new Bind(portal, statement, null);
    }
    int formatCount = Wire.int16(in, context);
    Wire.need(in, 2L * formatCount, context);
    short[] formats = new short[formatCount];
    for (int i = 0; i < formatCount; i++) {
      formats[i] = in.getShort();
    }
    int count = Wire.int16(in, context);
    if (formatCount > 1 && formatCount != count) {
      throw new ProtocolException(
          "invalid Bind message: " + formatCount + " parameter formats for " + count + " values");
    }
    List<Parameter> values = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      boolean binary = formatCount == 1 ? formats[0] == 1 : formatCount > 1 && formats[i] == 1;
      int length = Wire.int32(in, context);
      if (length == -1) {
        values.add(new Parameter(binary, null));
        continue;
      }
      Wire.need(in, length, context);
      byte[] value = new byte[length];
      in.get(value);
      values.add(new Parameter(binary, value));
    }
    return new Bind(portal, statement, Collections.unmodifiableList(values));
  }
}
