package io.pgmux.internal.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Builds a server {@link SSLContext} from the PEM files that {@code openssl} writes. */
public final class PemFiles {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  /** DER of the AlgorithmIdentifier for rsaEncryption (1.2.840.113549.1.1.1) with NULL params. */
  private static final byte[] RSA_ALGORITHM = {
    0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01,
    0x01, 0x05, 0x00
  };

  /** DER of the OID id-ecPublicKey (1.2.840.10045.2.1). */
  private static final byte[] EC_PUBLIC_KEY_OID = {
    0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01
  };

  private PemFiles() {}

  public static SSLContext serverContext(Path certificateChain, Path privateKey)
      throws IOException, GeneralSecurityException {
    Certificate[] chain = readCertificates(certificateChain);
    PrivateKey key = readPrivateKey(privateKey);
    char[] password = new char[0];
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("pgmux", key, password, chain);
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(store, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), null, new SecureRandom());
    return context;
  }

  static Certificate[] readCertificates(Path file) throws IOException, GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    Collection<? extends Certificate> certificates =
        factory.generateCertificates(new ByteArrayInputStream(Files.readAllBytes(file)));
    if (certificates.isEmpty()) {
      throw new GeneralSecurityException(file + " holds no certificate");
    }
    return certificates.toArray(new Certificate[0]);
  }

  static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher block = BLOCK.matcher(text);
    while (block.find()) {
      String type = block.group(1);
      byte[] der = Base64.getMimeDecoder().decode(block.group(2).trim());
      switch (type) {
        case "PRIVATE KEY":
          return pkcs8(der);
        case "RSA PRIVATE KEY":
          return pkcs8(wrapPkcs8(RSA_ALGORITHM, der));
        case "EC PRIVATE KEY":
          return pkcs8(wrapPkcs8(ecAlgorithm(der), der));
        case "ENCRYPTED PRIVATE KEY":
          throw new GeneralSecurityException(
              file + " holds an encrypted key: decrypt it first (openssl pkey -in F -out F2)");
        default:
          // Skip other blocks (EC PARAMETERS, certificates in the same file).
      }
    }
    throw new GeneralSecurityException(
        file + " holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
  }

  private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"RSA", "EC", "EdDSA", "RSASSA-PSS"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        last = e;
      }
    }
    throw new GeneralSecurityException("unsupported private key type", last);
  }

  /** Builds the AlgorithmIdentifier of an EC key from the curve named in its SEC1 encoding. */
  private static byte[] ecAlgorithm(byte[] sec1) throws GeneralSecurityException {
    Der outer = new Der(sec1, 0);
    if (outer.tag != 0x30) {
      throw new GeneralSecurityException("EC PRIVATE KEY is not a DER sequence");
    }
    int at = outer.contentStart;
    while (at < outer.end) {
      Der field = new Der(sec1, at);
      if (field.tag == (byte) 0xa0) {
        Der oid = new Der(sec1, field.contentStart);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(EC_PUBLIC_KEY_OID);
        body.write(sec1, oid.start, oid.end - oid.start);
        return tlv(0x30, body.toByteArray());
      }
      at = field.end;
    }
    throw new GeneralSecurityException("EC PRIVATE KEY does not name its curve");
  }

  private static byte[] wrapPkcs8(byte[] algorithm, byte[] key) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {0x02, 0x01, 0x00});
    body.writeBytes(algorithm);
    body.writeBytes(tlv(0x04, key));
    return tlv(0x30, body.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = length > 0xffff ? 3 : length > 0xff ? 2 : 1;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  /** One DER tag-length-value, located in a byte array. */
  private static final class Der {
    final byte tag;
    final int start;
    final int contentStart;
    final int end;

    Der(byte[] der, int start) throws GeneralSecurityException {
      if (start + 2 > der.length) {
        throw new GeneralSecurityException("truncated DER");
      }
      this.start = start;
      this.tag = der[start];
      int length = der[start + 1] & 0xff;
      int at = start + 2;
      if (length >= 0x80) {
        int bytes = length & 0x7f;
        if (bytes > 3 || at + bytes > der.length) {
          throw new GeneralSecurityException("bad DER length");
        }
        length = 0;
        for (int i = 0; i < bytes; i++) {
          length = (length << 8) | (der[at++] & 0xff);
        }
      }
      this.contentStart = at;
      this.end = at + length;
      if (end > der.length) {
        throw new GeneralSecurityException("truncated DER");
      }
    }
  }
}
