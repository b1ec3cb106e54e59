package io.pgmux.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The backend messages of a server that answers queries itself, as the admin console does: the
 * session's start (ParameterStatus, BackendKeyData, ReadyForQuery) and a simple query's answers
 * (RowDescription, DataRow, CommandComplete, EmptyQueryResponse, ErrorResponse with a hint).
 * Every value is sent in text format, as PostgreSQL answers a simple query.
 */
public final class ResultMessages {
  /** The type oids the console's columns use, as in {@code pg_type}. */
  public static final int TEXT = 25;
  public static final int INT8 = 20;
  public static final int BOOL = 16;

  private ResultMessages() {}

  /** A column of a result: its name and type oid ({@link #TEXT}, {@link #INT8}, {@link #BOOL}). */
  public record Column(String name, int typeOid) {}

  /** Encodes a RowDescription of text-format columns that belong to no table. */
  public static ByteBuffer rowDescription(List<Column> columns) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(16 + 32 * columns.size());
    int16(body, columns.size());
    for (Column c : columns) {
      cstring(body, c.name());
      int32(body, 0); // table oid
      int16(body, 0); // attribute number
      int32(body, c.typeOid());
      int16(body, switch (c.typeOid()) { // typlen, as pg_type has it
        case INT8 -> 8;
        case BOOL -> 1;
        default -> -1;
      });
      int32(body, -1); // type modifier
      int16(body, 0); // text format
    }
    return frame('T', body);
  }

  /** Encodes a DataRow; a null value is SQL NULL. */
  public static ByteBuffer dataRow(List<String> values) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(64);
    int16(body, values.size());
    for (String v : values) {
      if (v == null) {
        int32(body, -1);
      } else {
        byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
        int32(body, bytes.length);
        body.writeBytes(bytes);
      }
    }
    return frame('D', body);
  }

  public static ByteBuffer commandComplete(String tag) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(16);
    cstring(body, tag);
    return frame('C', body);
  }

  public static ByteBuffer emptyQueryResponse() {
    return frame('I', new ByteArrayOutputStream(0));
  }

  public static ByteBuffer parameterStatus(String name, String value) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(32);
    cstring(body, name);
    cstring(body, value);
    return frame('S', body);
  }

  public static ByteBuffer backendKeyData(int processId, int secret) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(8);
    int32(body, processId);
    int32(body, secret);
    return frame('K', body);
  }

  /** Encodes ReadyForQuery with the transaction status {@code I}, {@code T} or {@code E}. */
  public static ByteBuffer readyForQuery(char status) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(1);
    body.write(status);
    return frame('Z', body);
  }

  /** Encodes an ErrorResponse of severity ERROR, with a hint when {@code hint} is not null. */
  public static ByteBuffer error(String sqlState, String message, String hint) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 + message.length());
    field(body, 'S', "ERROR");
    field(body, 'V', "ERROR");
    field(body, 'C', sqlState);
    field(body, 'M', message);
    if (hint != null) {
      field(body, 'H', hint);
    }
    body.write(0);
    return BackendMessages.errorResponse(body.toByteArray());
  }

  private static void field(ByteArrayOutputStream out, char type, String value) {
    out.write(type);
    cstring(out, value);
  }

  private static void cstring(ByteArrayOutputStream out, String value) {
    // A NUL would end the string early on the client's side: the console's own texts hold none,
    // and values from clients (SQL, names) cannot hold one either, for they arrived as C strings.
    out.writeBytes(value.replace('\0', ' ').getBytes(StandardCharsets.UTF_8));
    out.write(0);
  }

  private static void int16(ByteArrayOutputStream out, int v) {
    out.write(v >>> 8);
    out.write(v);
  }

  private static void int32(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static ByteBuffer frame(char type, ByteArrayOutputStream body) {
    return ByteBuffer.allocate(5 + body.size())
        .put((byte) type)
        .putInt(4 + body.size())
        .put(body.toByteArray())
        .flip();
  }
}
