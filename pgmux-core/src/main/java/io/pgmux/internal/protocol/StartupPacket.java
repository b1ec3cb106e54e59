package io.pgmux.internal.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The first packet a client sends: a length, a 32-bit request code, a body. No type byte.
 *
 * @see <a href="https://www.postgresql.org/docs/current/protocol-message-formats.html">Message
 *     Formats</a>
 */
public sealed interface StartupPacket {

  /** PostgreSQL's limit on a startup packet, length word included (MAX_STARTUP_PACKET_LENGTH). */
  int MAX_LENGTH = 10_000;

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

  /** Opens a session: protocol version and parameters such as user, database, options. */
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
        strings[i] = e.getKey().getBytes(StandardCharsets.UTF_8);
        strings[i + 1] = e.getValue().getBytes(StandardCharsets.UTF_8);
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
   * Decodes the body of a startup packet whose length word said {@code length}.
   *
   * @param body the bytes after the length word, exactly {@code length - 4} of them
   * @throws ProtocolException if the packet is malformed
   */
  static StartupPacket decode(ByteBuffer body) throws ProtocolException {
    if (body.remaining() < 4) {
      throw new ProtocolException("invalid length of startup packet");
    }
    int code = body.getInt();
    switch (code) {
      case SSL_REQUEST_CODE:
        requireEmpty(body, "SSLRequest");
        return new SslRequest();
      case GSSENC_REQUEST_CODE:
        requireEmpty(body, "GSSENCRequest");
        return new GssEncRequest();
      case CANCEL_REQUEST_CODE:
        int keyLength = body.remaining() - 4;
        if (keyLength < 4 || keyLength > MAX_CANCEL_KEY_LENGTH) {
          throw new ProtocolException("invalid length of cancel request packet");
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
              "unsupported frontend protocol " + major + "." + minor + ": server supports 3.0 to 3.2");
        }
        return new StartupMessage(major, minor, parameters(body));
    }
  }

  private static void requireEmpty(ByteBuffer body, String what) throws ProtocolException {
    if (body.hasRemaining()) {
      throw new ProtocolException("invalid length of " + what + " packet");
    }
  }

  private static Map<String, String> parameters(ByteBuffer body) throws ProtocolException {
    Map<String, String> parameters = new LinkedHashMap<>();
    while (true) {
      String name = cString(body);
      if (name.isEmpty()) {
        break;
      }
      String value = cString(body);
      if (parameters.put(name, value) != null) {
        throw new ProtocolException("startup packet repeats parameter \"" + name + "\"");
      }
    }
    if (body.hasRemaining()) {
      throw new ProtocolException("invalid startup packet layout: expected terminator as last byte");
    }
    String user = parameters.get("user");
    if (user == null || user.isEmpty()) {
      throw new ProtocolException("no PostgreSQL user name specified in startup packet");
    }
    return parameters;
  }

  private static String cString(ByteBuffer body) throws ProtocolException {
    return CStrings.read(body, "startup packet");
  }
}
