package io.pgmux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.TestTls;
import org.junit.jupiter.api.Test;

class BackendConfigTest {
  @Test
  void fourComponentFormKeepsItsMeaningAndText() {
    BackendConfig plain = new BackendConfig("db", 5432, "u", null);
    assertThat(plain).isEqualTo(BackendConfig.of("db", 5432).withUser("u"));
    assertThat(plain.tls()).isEqualTo(BackendTls.disable());
    assertThat(plain.password()).isNull();
    assertThat(plain.clientAuth()).isNull();
    assertThat(plain.toString()).isEqualTo("BackendConfig[host=db, port=5432, user=u, database=null]");
  }

  @Test
  void secretsNeverShow() {
    char[] password = "hunter2-backend".toCharArray();
    BackendConfig config =
        BackendConfig.of("db", 5432)
            .withTls(BackendTls.verifyFull(TestTls.file("rsa.crt")))
            .withPassword(password)
            .withClientAuth(ClientAuth.md5("hunter2-client".toCharArray()));
    java.util.Arrays.fill(password, '\0');
    assertThat(new String(config.password().get())).isEqualTo("hunter2-backend"); // copied
    assertThat(config.toString())
        .doesNotContain("hunter2")
        .contains("password=<set>", "clientAuth=md5", "tls=verify-full root=");
    assertThat(config.password().toString()).doesNotContain("hunter2");
    assertThat(ClientAuth.scram("hunter2".toCharArray()).toString()).isEqualTo("scram-sha-256");
  }

  @Test
  void scramVerifierIsCheckedWithoutEchoingIt() {
    assertThatThrownBy(() -> ClientAuth.scramVerifier("md5abcdef0123"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("abcdef0123");
  }

  @Test
  void tlsModesReadAndRefuseAsLibpqSpellsThem() {
    assertThat(BackendTls.Mode.parse("verify-ca")).isEqualTo(BackendTls.Mode.VERIFY_CA);
    assertThat(BackendTls.Mode.VERIFY_FULL.toString()).isEqualTo("verify-full");
    assertThatThrownBy(() -> BackendTls.Mode.parse("allow"))
        .hasMessage(
            "backend TLS mode \"allow\" is not one of disable, prefer, require, verify-ca, verify-full");
    assertThatThrownBy(() -> BackendTls.prefer().withNegotiation(BackendTls.Negotiation.DIRECT))
        .hasMessageContaining("needs mode require");
    assertThatThrownBy(() -> BackendTls.disable().withRootCertificate(TestTls.file("rsa.crt")))
        .hasMessageContaining("disable takes no a root certificate");
    assertThat(BackendTls.require().verifiesChain()).isFalse();
    assertThat(BackendTls.of(BackendTls.Mode.VERIFY_CA).verifiesChain()).isTrue();
    assertThatThrownBy(() -> BackendTls.require().withSystemRoots())
        .hasMessageContaining("weak backend TLS mode require may not be used with the system's roots");
    BackendTls system = BackendTls.of(BackendTls.Mode.VERIFY_FULL).withSystemRoots();
    assertThat(system.systemRoots()).isTrue();
    assertThat(system).isEqualTo(BackendTls.of(BackendTls.Mode.VERIFY_FULL).withSystemRoots());
    assertThat(BackendConfig.of("db", 5432).withTls(system).tls()).isSameAs(system);
  }
}
