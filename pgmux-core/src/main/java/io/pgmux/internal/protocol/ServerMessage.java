package io.pgmux.internal.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * The backend messages the statement journal and faults act on once the session is relaying. See
 * <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message
 * Formats</a>. Others stay opaque frames: {@link #decode} returns null for them.
 */
public sealed interface ServerMessage {
  byte COMMAND_COMPLETE = 'C';
  byte ERROR_RESPONSE = 'E';
  byte READY_FOR_QUERY = 'Z';
  byte COPY_IN_RESPONSE = 'G';
  byte COPY_OUT_RESPONSE = 'H';
  byte COPY_BOTH_RESPONSE = 'W';
  byte PARSE_COMPLETE = '1';
  byte BIND_COMPLETE = '2';
  byte CLOSE_COMPLETE = '3';
  byte EMPTY_QUERY_RESPONSE = 'I';
  byte PORTAL_SUSPENDED = 's';
  byte NO_DATA = 'n';
  byte PARAMETER_DESCRIPTION = 't';
  byte ROW_DESCRIPTION = 'T';
  byte DATA_ROW = 'D';
  byte FUNCTION_CALL_RESPONSE = 'V';

  /**
   * A statement finished.
   *
   * @param tag the command tag as sent, e.g. {@code INSERT 0 3}
   * @param command the tag without its row count, e.g. {@code INSERT}, {@code CREATE TABLE}
   * @param rows the row count the tag carries, or -1 if it carries none
   */
  record CommandComplete(String tag, String command, long rows) implements ServerMessage {
    /** Splits a command tag into command and row count. */
    public static CommandComplete of(String tag) {
      int space = tag.lastIndexOf(' ');
      if (space > 0 && space < tag.length() - 1 && digits(tag, space + 1)) {
        String head = tag.substring(0, space);
        String command = head.startsWith("INSERT ") ? "INSERT" : head; // INSERT oid rows
        if (COUNTED.contains(" " + command + " ")) {
          try {
            return new CommandComplete(tag, command, Long.parseLong(tag.substring(space + 1)));
          } catch (NumberFormatException e) {
            // more digits than a long holds: keep the tag whole
          }
        }
      }
      return new CommandComplete(tag, tag, -1);
    }

    private static final String COUNTED = " INSERT SELECT UPDATE DELETE MERGE FETCH MOVE COPY ";

    private static boolean digits(String s, int from) {
      for (int i = from; i < s.length(); i++) {
        if (s.charAt(i) < '0' || s.charAt(i) > '9') {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * An error or a FATAL end of the session.
   *
   * @param severity the non-localized severity ({@code ERROR}, {@code FATAL}, {@code PANIC}),
   *     or the localized one if the backend (before 9.6) sent no other
   */
  record ErrorResponse(String severity, String sqlState, String message) implements ServerMessage {
    /** Returns whether the backend ends the session after this error. */
    public boolean isFatal() {
      return "FATAL".equals(severity) || "PANIC".equals(severity);
    }
  }

  /** The backend is ready for a new query; {@code status} is {@code I}, {@code T} or {@code E}. */
  record ReadyForQuery(char status) implements ServerMessage {}

  /** COPY FROM STDIN started: the backend now reads CopyData from the client. */
  record CopyInResponse() implements ServerMessage {}

  /** COPY TO STDOUT started: CopyData from the backend follows. */
  record CopyOutResponse() implements ServerMessage {}

  /** A Parse succeeded. */
  record ParseComplete() implements ServerMessage {}

  /** A Bind succeeded. */
  record BindComplete() implements ServerMessage {}

  /**
   * Decodes one backend message. The body is read from its position without moving it.
   *
   * @return the message, or null for types not listed here
   * @throws ProtocolException if the body does not hold what its type needs
   */
  static ServerMessage decode(byte type, ByteBuffer body) throws ProtocolException {
    ByteBuffer in = body.duplicate();
    return switch (type) {
      case COMMAND_COMPLETE -> CommandComplete.of(Wire.cstring(in, true, "CommandComplete message"));
      case ERROR_RESPONSE -> decodeError(in);
      case READY_FOR_QUERY -> {
        char status = (char) Wire.int8(in, "ReadyForQuery message");
        if (status != 'I' && status != 'T' && status != 'E') {
          throw new ProtocolException("invalid ReadyForQuery message: status " + status);
        }
        yield new ReadyForQuery(status);
      }
      case COPY_IN_RESPONSE -> new CopyInResponse();
      case COPY_OUT_RESPONSE -> new CopyOutResponse();
      case PARSE_COMPLETE -> new ParseComplete();
      case BIND_COMPLETE -> new BindComplete();
      default -> null;
    };
  }

  private static ErrorResponse decodeError(ByteBuffer in) throws ProtocolException {
    String localized = null;
    String severity = null;
    String sqlState = null;
    String message = null;
    while (true) {
      byte field = Wire.int8(in, "ErrorResponse message");
      if (field == 0) {
        break;
      }
      String value = Wire.cstring(in, true, "ErrorResponse message");
      switch (field) {
        case 'S' -> localized = value;
        case 'V' -> severity = value;
        case 'C' -> sqlState = value;
        case 'M' -> message = value;
        default -> {} // detail, hint, position, context, source location: not needed
      }
    }
    return new ErrorResponse(severity != null ? severity : localized, sqlState, message);
  }

  /**
   * Re-encodes an ErrorResponse body without the fields of types {@code drop}, such as the
   * context ({@code W}) a PL/pgSQL {@code RAISE} adds.
   */
  static ByteBuffer errorWithout(ByteBuffer body, String drop) throws ProtocolException {
    ByteBuffer in = body.duplicate();
    ByteArrayOutputStream out = new ByteArrayOutputStream(in.remaining());
    while (true) {
      byte field = Wire.int8(in, "ErrorResponse message");
      if (field == 0) {
        break;
      }
      int start = in.position();
      Wire.cstring(in, true, "ErrorResponse message");
      if (drop.indexOf(field) < 0) {
        byte[] value = new byte[in.position() - start];
        in.get(start, value);
        out.write(field);
        out.writeBytes(value);
      }
    }
    out.write(0);
    return BackendMessages.errorResponse(out.toByteArray());
  }
}
