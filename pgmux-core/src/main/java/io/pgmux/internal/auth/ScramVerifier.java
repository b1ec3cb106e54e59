package io.pgmux.internal.auth;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a server stores to check SCRAM-SHA-256 logins without knowing the password: the salt, the
 * iteration count, StoredKey and ServerKey (RFC 5802, section 3). Its text form is PostgreSQL's
 * {@code rolpassword}: {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}, all
 * base64.
 *
 * <p>The keys let anyone who reads them impersonate the server, and StoredKey plus a captured
 * exchange reveal ClientKey, so {@link #toString()} shows neither.
 */
public record ScramVerifier(int iterations, byte[] salt, byte[] storedKey, byte[] serverKey) {
  /** PostgreSQL's default scram_iterations. */
  public static final int DEFAULT_ITERATIONS = 4096;

  /** PostgreSQL's salt length (SCRAM_DEFAULT_SALT_LEN). */
  static final int SALT_LENGTH = 16;

  private static final Pattern TEXT =
      Pattern.compile("SCRAM-SHA-256\\$(\\d{1,10}):([A-Za-z0-9+/=]+)\\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)");

  public ScramVerifier {
    if (iterations < 1) {
      throw new IllegalArgumentException("SCRAM iteration count " + iterations + " is below 1");
    }
    if (salt.length == 0) {
      throw new IllegalArgumentException("SCRAM salt is empty");
    }
    if (storedKey.length != 32 || serverKey.length != 32) {
      throw new IllegalArgumentException("SCRAM-SHA-256 keys must be 32 bytes each");
    }
    salt = salt.clone();
    storedKey = storedKey.clone();
    serverKey = serverKey.clone();
  }

  /**
   * Reads PostgreSQL's text form, as {@code SELECT rolpassword FROM pg_authid} shows it.
   *
   * @throws IllegalArgumentException if the text is not a SCRAM-SHA-256 verifier; the message
   *     never repeats the text
   */
  public static ScramVerifier parse(String text) {
    Matcher m = TEXT.matcher(text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "not a SCRAM-SHA-256 verifier: expected SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>"
              + " as in pg_authid.rolpassword");
    }
    try {
      long iterations = Long.parseLong(m.group(1));
      if (iterations > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("SCRAM iteration count is too large");
      }
      java.util.Base64.Decoder b64 = java.util.Base64.getDecoder();
      return new ScramVerifier(
          (int) iterations, b64.decode(m.group(2)), b64.decode(m.group(3)), b64.decode(m.group(4)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a valid SCRAM-SHA-256 verifier: " + e.getMessage());
    }
  }

  /**
   * Derives a verifier from a password with a fresh random salt and PostgreSQL's default count,
   * as {@code CREATE ROLE ... PASSWORD} does. The password array is left to the caller.
   */
  public static ScramVerifier derive(char[] password) {
    return derive(password, Scram.random(SALT_LENGTH), DEFAULT_ITERATIONS);
  }

  /** Derives a verifier from a password, a salt and an iteration count. */
  public static ScramVerifier derive(char[] password, byte[] salt, int iterations) {
    byte[] prepared = SaslPrep.prepare(password);
    byte[] salted = Scram.saltedPassword(prepared, salt, iterations);
    byte[] clientKey = Scram.clientKey(salted);
    try {
      return new ScramVerifier(iterations, salt, Scram.sha256(clientKey), Scram.serverKey(salted));
    } finally {
      Arrays.fill(prepared, (byte) 0);
      Arrays.fill(salted, (byte) 0);
      Arrays.fill(clientKey, (byte) 0);
    }
  }

  /**
   * Returns whether {@code password} is the one this verifier was made from: how PostgreSQL
   * checks a cleartext password against a SCRAM secret.
   */
  public boolean matches(char[] password) {
    ScramVerifier other = derive(password, salt, iterations);
    return MessageDigest.isEqual(storedKey, other.storedKey)
        && MessageDigest.isEqual(serverKey, other.serverKey);
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  @Override
  public byte[] storedKey() {
    return storedKey.clone();
  }

  @Override
  public byte[] serverKey() {
    return serverKey.clone();
  }

  /** Returns PostgreSQL's text form, which holds the keys: treat it as a secret. */
  public String toText() {
    return "SCRAM-SHA-256$"
        + iterations
        + ":"
        + Scram.base64(salt)
        + "$"
        + Scram.base64(storedKey)
        + ":"
        + Scram.base64(serverKey);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ScramVerifier
        && ((ScramVerifier) o).iterations == iterations
        && Arrays.equals(((ScramVerifier) o).salt, salt)
        && MessageDigest.isEqual(((ScramVerifier) o).storedKey, storedKey)
        && MessageDigest.isEqual(((ScramVerifier) o).serverKey, serverKey);
  }

  @Override
  public int hashCode() {
    return iterations * 31 + Arrays.hashCode(salt);
  }

  @Override
  public String toString() {
    return "ScramVerifier[iterations=" + iterations + ", keys=<redacted>]";
  }
}
