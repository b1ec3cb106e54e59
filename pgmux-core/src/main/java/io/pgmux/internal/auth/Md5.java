package io.pgmux.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * PostgreSQL's MD5 password method: the client answers {@code "md5" + md5hex(md5hex(password +
 * user) + salt)}, where the inner hash is what {@code pg_authid} stores (with its own {@code md5}
 * prefix) and the salt is the 4 random bytes of AuthenticationMD5Password.
 */
public final class Md5 {
  private Md5() {}

  /** Returns the answer to an MD5 challenge for {@code user} with {@code password}. */
  public static String response(char[] password, String user, byte[] salt) {
    byte[] secret = SaslPrep.utf8(password);
    byte[] userBytes = user.getBytes(StandardCharsets.UTF_8);
    byte[] inner = Arrays.copyOf(secret, secret.length + userBytes.length);
    System.arraycopy(userBytes, 0, inner, secret.length, userBytes.length);
    Arrays.fill(secret, (byte) 0);
    String stored = hex(md5(inner));
    Arrays.fill(inner, (byte) 0);
    return responseFromStored("md5" + stored, salt);
  }

  /** Returns the answer to an MD5 challenge from the stored {@code md5...} hash. */
  static String responseFromStored(String stored, byte[] salt) {
    byte[] hash = stored.substring(3).getBytes(StandardCharsets.US_ASCII);
    byte[] outer = Arrays.copyOf(hash, hash.length + salt.length);
    System.arraycopy(salt, 0, outer, hash.length, salt.length);
    return "md5" + hex(md5(outer));
  }

  /** Returns whether a client's answer is the right one, in constant time. */
  public static boolean matches(String response, char[] password, String user, byte[] salt) {
    byte[] expected = response(password, user, salt).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, response.getBytes(StandardCharsets.UTF_8));
  }

  /** Four random bytes for AuthenticationMD5Password. */
  public static byte[] salt() {
    return Scram.random(4);
  }

  private static byte[] md5(byte[] data) {
    try {
      return MessageDigest.getInstance("MD5").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks MD5", e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
