package io.pgmux.internal.route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.BackendConfig;
import io.pgmux.BackendTls;
import io.pgmux.ClientAuth;
import io.pgmux.test.TestTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteOptionsTest {
  @TempDir Path dir;

  private static BackendConfig parse(String route) {
    Routes routes = new Routes();
    routes.add(route);
    return routes.users().values().iterator().next();
  }

  @Test
  void tlsOptionsInLibpqSpelling() {
    BackendConfig c =
        parse("alice=app@db.example.test:5432/app?sslmode=verify-full&sslrootcert="
            + TestTls.file("rsa.crt") + "&sslnegotiation=direct&channel_binding=require");
    assertThat(c.user()).isEqualTo("app");
    assertThat(c.database()).isEqualTo("app");
    assertThat(c.tls().mode()).isEqualTo(BackendTls.Mode.VERIFY_FULL);
    assertThat(c.tls().negotiation()).isEqualTo(BackendTls.Negotiation.DIRECT);
    assertThat(c.tls().channelBindingRequired()).isTrue();
    assertThat(c.clientAuth()).isNull();
    assertThat(parse("bob=db:5432?sslmode=require").tls()).isEqualTo(BackendTls.require());
  }

  @Test
  void sslrootcertSystemMeansTheJdkTrustStoreAndVerifyFullAsLibpq16() {
    BackendConfig c = parse("alice=db.example.test:5432?sslrootcert=system");
    assertThat(c.tls().mode()).isEqualTo(BackendTls.Mode.VERIFY_FULL);
    assertThat(c.tls().systemRoots()).isTrue();
    assertThat(c.tls()).hasToString("verify-full root=system");
    assertThatThrownBy(() -> parse("alice=db:5432?sslmode=verify-ca&sslrootcert=system"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "weak backend TLS mode verify-ca may not be used with the system's roots (sslrootcert=system): use verify-full");
  }

  @Test
  void verifyModesWithoutRootsTakeTheDefaultFileOrFailNamingIt() throws Exception {
    String home = System.getProperty("user.home");
    System.setProperty("user.home", dir.toString());
    try {
      Path file = dir.resolve(".postgresql").resolve("root.crt");
      assertThatThrownBy(() -> parse("alice=db:5432?sslmode=verify-ca"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("root certificate file \"" + file + "\" does not exist")
          .hasMessageContaining("sslrootcert=system");
      Files.createDirectories(file.getParent());
      Files.copy(TestTls.file("rsa.crt"), file);
      assertThat(parse("alice=db:5432?sslmode=verify-full").tls().rootCertificate()).isEqualTo(file);
    } finally {
      System.setProperty("user.home", home);
    }
  }

  @Test
  void proxySideAuthenticationReadsSecretsFromFiles() throws Exception {
    Path backend = Files.writeString(dir.resolve("backend.pw"), "b-secret\n");
    Path client = Files.writeString(dir.resolve("client.pw"), "c-secret\n");
    BackendConfig c =
        parse("alice=db:5432?auth=md5&auth_password_file=" + client + "&password_file=" + backend);
    assertThat(c.clientAuth().method()).isEqualTo(ClientAuth.Method.MD5);
    assertThat(new String(c.password().get())).isEqualTo("b-secret");
    assertThat(c.toString()).doesNotContain("secret");

    Path verifier =
        Files.writeString(
            dir.resolve("v"),
            "SCRAM-SHA-256$4096:akg9qxI7B+yFGW5WUKnkbA==$5pW+BZWLVgLMDEEv4+selcTJuK+AqZDQCheetEak7Yg=:xtrTeR15WgGkvOlk1/CMIFVhO7s7G+zlPAA7aEztiPI=\n");
    assertThat(parse("alice=db:5432?auth=scram-sha-256&auth_verifier_file=" + verifier).clientAuth().method())
        .isEqualTo(ClientAuth.Method.SCRAM_SHA_256);
    assertThat(parse("alice=db:5432?auth=trust").clientAuth().method()).isEqualTo(ClientAuth.Method.TRUST);
  }

  @Test
  void badOptionsSayWhatIsAllowed() {
    for (List<String> c :
        List.of(
            List.of("a=db:5432?sslmode=allow", "is not one of disable, prefer, require, verify-ca, verify-full"),
            List.of("a=db:5432?sslmode=prefer&sslnegotiation=direct", "needs mode require"),
            List.of("a=db:5432?auth=md5", "auth=md5 needs auth_password_file or auth_password_env"),
            List.of("a=db:5432?password_env=X", "passwords need auth="),
            List.of("a=db:5432?auth=md5&auth_password_env=PGMUX_SURELY_UNSET_VARIABLE", "is not set"),
            List.of("a=db:5432?auth=kerberos", "is not trust, password, md5 or scram-sha-256"),
            List.of("a=db:5432?colour=blue", "unknown option colour"),
            List.of("a=db:5432?auth=md5&auth_password_file=/nonexistent/pw", "cannot be read"))) {
      assertThatThrownBy(() -> parse(c.get(0)))
          .as(c.get(0))
          .hasMessageStartingWith("route \"" + c.get(0) + "\": ")
          .hasMessageContaining(c.get(1));
    }
  }
}
