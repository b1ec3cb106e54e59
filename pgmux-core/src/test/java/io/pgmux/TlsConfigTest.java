package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.TestTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TlsConfigTest {

  @ParameterizedTest
  @CsvSource({"rsa.crt, rsa-pkcs8.key", "rsa.crt, rsa-pkcs1.key", "ec.crt, ec-sec1.key"})
  void readsEveryKeyEncodingOpensslWrites(String certificate, String key) {
    TlsConfig tls = TlsConfig.pem(TestTls.file(certificate), TestTls.file(key));
    SSLEngine engine = tls.newServerEngine();
    assertThat(engine.getUseClientMode()).isFalse();
    assertThat(engine.getEnabledProtocols()).containsOnly("TLSv1.3", "TLSv1.2");
    assertThat(engine.getSSLParameters().getApplicationProtocols()).containsExactly("postgresql");
    assertThat(tls.isRequired()).isFalse();
    assertThat(tls.required().isRequired()).isTrue();
  }

  @Test
  void rejectsEncryptedKeyWithAHint(@TempDir Path dir) throws IOException {
    Path key = dir.resolve("encrypted.key");
    Files.writeString(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> TlsConfig.pem(TestTls.file("rsa.crt"), key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("encrypted key")
        .hasMessageContaining("openssl pkey");
  }

  @Test
  void rejectsFileWithoutKey() {
    assertThatThrownBy(() -> TlsConfig.pem(TestTls.file("rsa.crt"), TestTls.file("rsa.crt")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds no PEM private key");
  }

  @Test
  void rejectsFileWithoutCertificate() {
    assertThatThrownBy(() -> TlsConfig.pem(TestTls.file("rsa-pkcs8.key"), TestTls.file("rsa-pkcs8.key")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
