package io.pgmux.internal.auth;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * The {@code tls-server-end-point} channel binding of RFC 5929, section 4.1: a hash of the
 * server's certificate, with the hash of the certificate's signature algorithm, except that MD5
 * and SHA-1 become SHA-256. PostgreSQL supports no other type.
 *
 * <p>Signature algorithms without a single hash of their own (RSASSA-PSS, EdDSA) have no binding
 * here, as in PostgreSQL, which then does not offer {@code SCRAM-SHA-256-PLUS}.
 */
public final class ChannelBinding {
  private ChannelBinding() {}

  /**
   * Returns the binding data for a server certificate, or null when its signature algorithm has
   * no usable hash.
   */
  public static byte[] tlsServerEndPoint(X509Certificate certificate) {
    String digest = digestOf(certificate.getSigAlgName());
    if (digest == null) {
      return null;
    }
    try {
      return MessageDigest.getInstance(digest).digest(certificate.getEncoded());
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      return null;
    }
  }

  /** Maps a JCA signature name such as {@code SHA384withECDSA} to the binding's digest. */
  static String digestOf(String signatureAlgorithm) {
    String name = signatureAlgorithm.toUpperCase(Locale.ROOT);
    int with = name.indexOf("WITH");
    if (with <= 0) {
      return null; // RSASSA-PSS, Ed25519, Ed448: no hash named in the algorithm
    }
    switch (name.substring(0, with)) {
      case "MD5":
      case "SHA1":
      case "SHA256":
        return "SHA-256";
      case "SHA224":
        return "SHA-224";
      case "SHA384":
        return "SHA-384";
      case "SHA512":
        return "SHA-512";
      case "SHA3-224":
      case "SHA3-256":
      case "SHA3-384":
      case "SHA3-512":
        return name.substring(0, with);
      default:
        return null;
    }
  }
}
