package io.pgmux.test;

import io.pgmux.TlsConfig;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The test certificates in {@code src/test/resources/tls}. */
public final class TestTls {
  private TestTls() {}

  /**
   * Returns a file holding the named resource: the resource itself in a build directory, a copy
   * when it comes from the test jar (other modules share these certificates through it).
   */
  public static Path file(String name) {
    java.net.URL url = TestTls.class.getResource("/tls/" + name);
    if (url == null) {
      throw new IllegalStateException("test resource tls/" + name + " is missing");
    }
    try {
      if (url.getProtocol().equals("file")) {
        return Path.of(url.toURI());
      }
      Path copy = java.nio.file.Files.createTempFile("pgmux-test-", "-" + name);
      copy.toFile().deleteOnExit();
      try (java.io.InputStream in = url.openStream()) {
        java.nio.file.Files.copy(in, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      return copy;
    } catch (URISyntaxException | java.io.IOException e) {
      throw new IllegalStateException("cannot read test resource tls/" + name, e);
    }
  }

  /** An RSA certificate for localhost with a PKCS#8 key. */
  public static TlsConfig rsa() {
    return TlsConfig.pem(file("rsa.crt"), file("rsa-pkcs8.key"));
  }
}
