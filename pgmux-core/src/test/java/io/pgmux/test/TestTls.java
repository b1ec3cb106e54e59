package io.pgmux.test;

import io.pgmux.TlsConfig;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test certificates in {@code src/test/resources/tls}. */
public final class TestTls {
  private TestTls() {}

  public static Path file(String name) {
    try {
      return Path.of(TestTls.class.getResource("/tls/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource tls/" + name + " is missing", e);
    }
  }

  /** An RSA certificate for localhost with a PKCS#8 key. */
  public static TlsConfig rsa() {
    return TlsConfig.pem(file("rsa.crt"), file("rsa-pkcs8.key"));
  }
}
