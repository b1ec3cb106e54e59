package io.pgmux.internal.auth;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The authentication messages of the protocol: the backend's {@code R} messages and the
 * frontend's {@code p} messages (PasswordMessage, SASLInitialResponse, SASLResponse), which share
 * one type byte and are told apart by what the server asked.
 *
 * @see <a href="https://www.postgresql.org/docs/current/sasl-authentication.html">SASL
 *     Authentication</a>
 */
public final class AuthMessages {
  public static final byte AUTHENTICATION = 'R';
  public static final byte PASSWORD = 'p';

  public static final int OK = 0;
  public static final int CLEARTEXT = 3;
  public static final int MD5 = 5;
  public static final int SASL = 10;
  public static final int SASL_CONTINUE = 11;
  public static final int SASL_FINAL = 12;

  /** PostgreSQL's limit on an authentication response (PG_MAX_AUTH_TOKEN_LENGTH). */
  public static final int MAX_RESPONSE = 65535;

  private AuthMessages() {}

  public static ByteBuffer ok() {
    return authentication(OK, new byte[0]);
  }

  public static ByteBuffer cleartext() {
    return authentication(CLEARTEXT, new byte[0]);
  }

  public static ByteBuffer md5(byte[] salt) {
    return authentication(MD5, salt);
  }

  public static ByteBuffer sasl(List<String> mechanisms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String m : mechanisms) {
      out.writeBytes(m.getBytes(StandardCharsets.US_ASCII));
      out.write(0);
    }
    out.write(0);
    return authentication(SASL, out.toByteArray());
  }

  public static ByteBuffer saslContinue(String data) {
    return authentication(SASL_CONTINUE, data.getBytes(StandardCharsets.UTF_8));
  }

  public static ByteBuffer saslFinal(String data) {
    return authentication(SASL_FINAL, data.getBytes(StandardCharsets.UTF_8));
  }

  private static ByteBuffer authentication(int code, byte[] payload) {
    return ByteBuffer.allocate(9 + payload.length)
        .put(AUTHENTICATION)
        .putInt(8 + payload.length)
        .putInt(code)
        .put(payload)
        .flip();
  }

  /** PasswordMessage carrying a cleartext password or an MD5 answer; wipe it once written. */
  public static ByteBuffer password(byte[] secret) {
    return ByteBuffer.allocate(6 + secret.length)
        .put(PASSWORD)
        .putInt(5 + secret.length)
        .put(secret)
        .put((byte) 0)
        .flip();
  }

  public static ByteBuffer saslInitialResponse(String mechanism, String data) {
    byte[] name = mechanism.getBytes(StandardCharsets.US_ASCII);
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(10 + name.length + bytes.length)
        .put(PASSWORD)
        .putInt(9 + name.length + bytes.length)
        .put(name)
        .put((byte) 0)
        .putInt(bytes.length)
        .put(bytes)
        .flip();
  }

  public static ByteBuffer saslResponse(String data) {
    byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + bytes.length)
        .put(PASSWORD)
        .putInt(4 + bytes.length)
        .put(bytes)
        .flip();
  }

  /** A SASLInitialResponse: the mechanism the client chose and its first message. */
  public record InitialResponse(String mechanism, String data) {
    @Override
    public String toString() {
      return "InitialResponse[" + mechanism + ", <" + data.length() + " chars>]";
    }
  }

  /**
   * Reads the body of a PasswordMessage: a NUL-terminated secret, returned as bytes the caller
   * wipes.
   */
  public static byte[] readPassword(ByteBuffer body) throws AuthException {
    int end = body.limit() - 1;
    if (end < body.position() || body.get(end) != 0) {
      throw AuthException.protocol("invalid password packet size");
    }
    for (int i = body.position(); i < end; i++) {
      if (body.get(i) == 0) {
        throw AuthException.protocol("invalid password packet size");
      }
    }
    byte[] secret = new byte[end - body.position()];
    body.get(secret);
    return secret;
  }

  public static InitialResponse readInitialResponse(ByteBuffer body) throws AuthException {
    int nul = -1;
    for (int i = body.position(); i < body.limit(); i++) {
      if (body.get(i) == 0) {
        nul = i;
        break;
      }
    }
    if (nul < 0 || body.limit() - nul - 1 < 4) {
      throw AuthException.protocol("malformed SASLInitialResponse message");
    }
    byte[] name = new byte[nul - body.position()];
    body.get(name).get();
    int length = body.getInt();
    if (length < 0 ? body.hasRemaining() : length != body.remaining()) {
      throw AuthException.protocol("malformed SASLInitialResponse message");
    }
    byte[] data = new byte[body.remaining()];
    body.get(data);
    return new InitialResponse(
        new String(name, StandardCharsets.UTF_8), new String(data, StandardCharsets.UTF_8));
  }

  public static String readResponse(ByteBuffer body) {
    byte[] data = new byte[body.remaining()];
    body.get(data);
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Reads the mechanism list of an AuthenticationSASL body (after the code). */
  public static List<String> readMechanisms(ByteBuffer payload) throws AuthException {
    List<String> mechanisms = new ArrayList<>();
    while (true) {
      int start = payload.position();
      int nul = -1;
      for (int i = start; i < payload.limit(); i++) {
        if (payload.get(i) == 0) {
          nul = i;
          break;
        }
      }
      if (nul < 0) {
        throw AuthException.protocol("malformed AuthenticationSASL message");
      }
      byte[] name = new byte[nul - start];
      payload.get(name).get();
      if (name.length == 0) {
        return mechanisms;
      }
      mechanisms.add(new String(name, StandardCharsets.US_ASCII));
    }
  }

  /** Reads the rest of a SASLContinue or SASLFinal body (after the code) as text. */
  public static String readData(ByteBuffer payload) {
    return readResponse(payload);
  }
}
