package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first packet a client sends: a length, a 32-bit request code, a body. No type byte.
 *
 * <p>What {@link #decode} accepts and refuses follows PostgreSQL's {@code ProcessStartupPacket}
 * (src/backend/tcop/backend_startup.c); each refusal's {@link ProtocolException#sqlState()} is
 * PostgreSQL's answer to it, {@code null} where PostgreSQL closes without a word.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message
 *     Formats</a>
 */
public sealed interface StartupPacket {

  /**
   * PostgreSQL's limit on a startup packet, length word included: its MAX_STARTUP_PACKET_LENGTH
   * (10 000) counts the bytes after the length word.
   */
  int MAX_LENGTH = 10_000 + 4;

  /** The shortest startup packet: the length word and a request code. */
  int MIN_LENGTH = 8;

  /** PostgreSQL's ERRCODE_FEATURE_NOT_SUPPORTED, for an unsupported protocol version. */
  String FEATURE_NOT_SUPPORTED = "0A000";

  /** PostgreSQL's ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION, for a startup without a user. */
  String INVALID_AUTHORIZATION_SPECIFICATION = "28000";

  int SSL_REQUEST_CODE = 80877103;
  int GSSENC_REQUEST_CODE = 80877104;
  int CANCEL_REQUEST_CODE = 80877102;

  /** A cancel key is 4 bytes in protocol 3.0 and at most 256 bytes from 3.2 on. */
  int MAX_CANCEL_KEY_LENGTH = 256;

  /** Asks to switch to TLS. */
  record SslRequest() implements StartupPacket {}

  /** Asks to switch to GSSAPI encryption. */
  record GssEncRequest() implements StartupPacket {}

  /** Asks to cancel the query running in the backend process that issued this key. */
  record CancelRequest(int processId, byte[] secretKey) implements StartupPacket {
    /** Returns the bytes that identify the backend session: process id then secret key. */
    public byte[] keyBytes() {
      return ByteBuffer.allocate(4 + secretKey.length).putInt(processId).put(secretKey).array();
    }

    /** Encodes this request as a client sends it, length word first. */
    public ByteBuffer encode() {
      return ByteBuffer.allocate(12 + secretKey.length)
          .putInt(12 + secretKey.length)
          .putInt(CANCEL_REQUEST_CODE)
          .putInt(processId)
          .put(secretKey)
          .flip();
    }

    @Override
    public String toString() {
      return "CancelRequest[processId=" + processId + ", secretKey=<" + secretKey.length + " bytes>]";
    }
  }

  /**
   * Opens a session: protocol version and parameters such as user, database, options.
   *
   * <p>Names and values are bytes to PostgreSQL, in whatever encoding the client uses. They decode
   * as UTF-8; a byte that is not part of valid UTF-8 (a Latin-1 {@code application_name}) becomes
   * the lone surrogate {@code U+DC80..U+DCFF}, and {@link #encode} writes it back as that byte, so
   * the backend gets what the client sent.
   */
  record StartupMessage(int majorVersion, int minorVersion, Map<String, String> parameters)
      implements StartupPacket {
    public String user() {
      return parameters.get("user");
    }

    /** The database, defaulting to the user name as PostgreSQL does. */
    public String database() {
      String database = parameters.get("database");
      return database == null || database.isEmpty() ? user() : database;
    }

    /** Encodes this message, with every parameter in its original order. */
    public ByteBuffer encode() {
      int length = 8 + 1;
      byte[][] strings = new byte[parameters.size() * 2][];
      int i = 0;
      for (Map.Entry<String, String> e : parameters.entrySet()) {
        strings[i] = CStrings.encodePreserving(e.getKey());
        strings[i + 1] = CStrings.encodePreserving(e.getValue());
        length += strings[i].length + strings[i + 1].length + 2;
        i += 2;
      }
      ByteBuffer out = ByteBuffer.allocate(length);
      out.putInt(length).putShort((short) majorVersion).putShort((short) minorVersion);
      for (byte[] s : strings) {
        out.put(s).put((byte) 0);
      }
      out.put((byte) 0);
      return out.flip();
    }

    @Override
    public String toString() {
      return "StartupMessage[" + majorVersion + "." + minorVersion + ", " + parameters + "]";
    }
  }

  /**
   * Checks the length word of a startup packet before its body is read. PostgreSQL closes without
   * a word when it is out of range (a client that writes Terminate where the startup belongs, as
   * node-postgres does on {@code connect(); end()}, lands here).
   *
   * @throws ProtocolException with no SQLSTATE if {@code length} is outside {@value #MIN_LENGTH}
   *     to {@link #MAX_LENGTH}
   */
  static void checkLength(int length) throws ProtocolException {
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      throw ProtocolException.silent("invalid length of startup packet");
    }
  }

  /**
   * Decodes the body of a startup packet whose length word said {@code length}.
   *
   * @param body the bytes after the length word, exactly {@code length - 4} of them
   * @throws ProtocolException if the packet is malformed; its SQLSTATE is PostgreSQL's answer
   */
  static StartupPacket decode(ByteBuffer body) throws ProtocolException {
    if (body.remaining() < 4) {
      throw ProtocolException.silent("invalid length of startup packet");
    }
    int code = body.getInt();
    switch (code) {
      case SSL_REQUEST_CODE:
        // PostgreSQL answers an SSLRequest whatever follows the code; so does the proxy.
        body.position(body.limit());
        return new SslRequest();
      case GSSENC_REQUEST_CODE:
        body.position(body.limit());
        return new GssEncRequest();
      case CANCEL_REQUEST_CODE:
        int keyLength = body.remaining() - 4;
        if (keyLength < 4 || keyLength > MAX_CANCEL_KEY_LENGTH) {
          throw ProtocolException.silent("invalid length of cancel request packet");
        }
        int processId = body.getInt();
        byte[] key = new byte[keyLength];
        body.get(key);
        return new CancelRequest(processId, key);
      default:
        int major = code >>> 16;
        int minor = code & 0xffff;
        if (major != 3) {
          throw new ProtocolException(
              FEATURE_NOT_SUPPORTED,
              "unsupported frontend protocol " + major + "." + minor + ": server supports 3.0 to 3.2");
        }
        return new StartupMessage(major, minor, parameters(body));
    }
  }

  /**
   * Reads the name/value pairs. A repeated name keeps its first place and its last value: what
   * PostgreSQL uses, since it reads {@code user}, {@code database}, {@code options} and {@code
   * replication} into one field each and applies settings in order.
   */
  private static Map<String, String> parameters(ByteBuffer body) throws ProtocolException {
    Map<String, String> parameters = new LinkedHashMap<>();
    while (true) {
      String name = cString(body);
      if (name.isEmpty()) {
        break;
      }
      parameters.put(name, cString(body));
    }
    if (body.hasRemaining()) {
      throw new ProtocolException("invalid startup packet layout: expected terminator as last byte");
    }
    String user = parameters.get("user");
    if (user == null || user.isEmpty()) {
      throw new ProtocolException(
          INVALID_AUTHORIZATION_SPECIFICATION, "no PostgreSQL user name specified in startup packet");
    }
    return parameters;
  }

  private static String cString(ByteBuffer body) throws ProtocolException {
    return CStrings.readPreserving(body, "startup packet");
  }
}
