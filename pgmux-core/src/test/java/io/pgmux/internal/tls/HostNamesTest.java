package io.pgmux.internal.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.TestTls;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class HostNamesTest {
  private static X509Certificate read(String name) throws Exception {
    try (InputStream in = Files.newInputStream(TestTls.file(name))) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  @Test
  void commonNameComesFromTheSubject() throws Exception {
    assertThat(HostNames.commonName(read("rsa.crt"))).isEqualTo("localhost");
    assertThat(HostNames.commonName(read("other.crt"))).isEqualTo("db.example.test");
  }

  @Test
  void addressesAndNamesMatchTheirOwnKindOfEntry() throws Exception {
    X509Certificate local = read("rsa.crt"); // DNS:localhost, IP:127.0.0.1
    assertThat(HostNames.mismatch(local, "127.0.0.1")).isNull();
    assertThat(HostNames.mismatch(local, "localhost")).isNull();
    assertThat(HostNames.mismatch(local, "127.0.0.2")).contains("does not match host name \"127.0.0.2\"");
    assertThat(HostNames.mismatch(local, "::1")).isNotNull();
    assertThat(HostNames.isAddress("::1")).isTrue();
    assertThat(HostNames.isAddress("db.example.test")).isFalse();
  }

  @Test
  void aDottedQuadOutOfRangeIsNoAddress() {
    assertThat(HostNames.isAddress("255.255.255.255")).isTrue();
    assertThat(HostNames.isAddress("999.1.1.1")).isFalse();
    assertThat(HostNames.isAddress("10.0.0.256")).isFalse();
    assertThat(HostNames.isAddress("[::1]")).isTrue();
  }
}
