package io.pgmux.internal.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.test.TestTls;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class ChannelBindingTest {
  @Test
  void hashFollowsSignatureAlgorithmWithSha256ForWeakOnes() {
    assertThat(ChannelBinding.digestOf("SHA256withRSA")).isEqualTo("SHA-256");
    assertThat(ChannelBinding.digestOf("SHA1withRSA")).isEqualTo("SHA-256");
    assertThat(ChannelBinding.digestOf("MD5withRSA")).isEqualTo("SHA-256");
    assertThat(ChannelBinding.digestOf("SHA384withECDSA")).isEqualTo("SHA-384");
    assertThat(ChannelBinding.digestOf("SHA512withRSA")).isEqualTo("SHA-512");
    assertThat(ChannelBinding.digestOf("RSASSA-PSS")).isNull();
    assertThat(ChannelBinding.digestOf("Ed25519")).isNull();
  }

  @Test
  void bindingIsTheCertificateHash() throws Exception {
    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(TestTls.file("rsa.crt"))) {
      certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    String digest = ChannelBinding.digestOf(certificate.getSigAlgName());
    assertThat(ChannelBinding.tlsServerEndPoint(certificate))
        .isEqualTo(MessageDigest.getInstance(digest).digest(certificate.getEncoded()));
  }
}
