package io.pgmux.internal.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The SCRAM-SHA-256 primitives of RFC 5802 and RFC 7677, over bytes. Hi() is written out rather
 * than taken from {@code PBKDF2WithHmacSHA256}, whose password is a {@code char[]} that the JDK
 * encodes itself: the bytes must be exactly what SASLprep produced (or, for a password SASLprep
 * rejects, the raw UTF-8, as PostgreSQL uses it).
 */
final class Scram {
  static final String MECHANISM = "SCRAM-SHA-256";
  static final String MECHANISM_PLUS = "SCRAM-SHA-256-PLUS";
  static final String CHANNEL_BINDING_TYPE = "tls-server-end-point";

  /** Bytes of randomness in a nonce, as libpq and PostgreSQL use (SCRAM_RAW_NONCE_LEN). */
  static final int NONCE_BYTES = 18;

  private static final SecureRandom RANDOM = new SecureRandom();

  private Scram() {}

  /** Returns a printable nonce: base64 of fresh random bytes (never contains ','). */
  static String nonce() {
    byte[] raw = new byte[NONCE_BYTES];
    RANDOM.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  static byte[] random(int length) {
    byte[] bytes = new byte[length];
    RANDOM.nextBytes(bytes);
    return bytes;
  }

  /** Hi(password, salt, i): PBKDF2 with HMAC-SHA-256 and one block of output. */
  static byte[] saltedPassword(byte[] password, byte[] salt, int iterations) {
    Mac mac = hmac(password);
    mac.update(salt);
    mac.update(new byte[] {0, 0, 0, 1});
    byte[] u = mac.doFinal();
    byte[] result = u.clone();
    for (int i = 1; i < iterations; i++) {
      u = mac.doFinal(u);
      for (int j = 0; j < result.length; j++) {
        result[j] ^= u[j];
      }
    }
    Arrays.fill(u, (byte) 0);
    return result;
  }

  static byte[] hmac(byte[] key, String text) {
    return hmac(key).doFinal(text.getBytes(StandardCharsets.UTF_8));
  }

  private static Mac hmac(byte[] key) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      // An empty key is legal in HMAC but not in SecretKeySpec: a single zero byte is the same
      // key, since HMAC pads keys with zeros to the block size.
      mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks HmacSHA256", e);
    }
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  static byte[] clientKey(byte[] saltedPassword) {
    return hmac(saltedPassword, "Client Key");
  }

  static byte[] serverKey(byte[] saltedPassword) {
    return hmac(saltedPassword, "Server Key");
  }

  static byte[] xor(byte[] a, byte[] b) {
    byte[] out = new byte[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = (byte) (a[i] ^ b[i]);
    }
    return out;
  }

  static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** Decodes base64, or throws a protocol error naming what was malformed. */
  static byte[] unbase64(String text, String what) throws AuthException {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw AuthException.protocol("malformed SCRAM message: invalid base64 in " + what);
    }
  }

  /** A nonce is printable ASCII except ',' (RFC 5802, section 7). */
  static boolean printable(String nonce) {
    if (nonce.isEmpty()) {
      return false;
    }
    for (int i = 0; i < nonce.length(); i++) {
      char c = nonce.charAt(i);
      if (c < 0x21 || c > 0x7e || c == ',') {
        return false;
      }
    }
    return true;
  }
}
