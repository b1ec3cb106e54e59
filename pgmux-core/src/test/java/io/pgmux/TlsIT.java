package io.pgmux;

import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgmux.test.Await;
import io.pgmux.test.Backends;
import io.pgmux.test.Jdbc;
import io.pgmux.test.Psql;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestTls;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TLS terminates at the proxy: real clients negotiate it, the backend link stays plain. */
@ExtendWith(Backends.Resolver.class)
class TlsIT {
  private ProxyServer proxy;

  private ProxyServer start(Backends backends, TlsConfig tls) {
    proxy = new ProxyServer("127.0.0.1:0", backends.router()).withTls(tls).start();
    return proxy;
  }

  @AfterEach
  void stopProxy() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private static Properties tls(String mode) {
    Properties properties = new Properties();
    properties.setProperty("sslmode", mode);
    return properties;
  }

  @ParameterizedTest
  @ValueSource(strings = {"scram_user", "clear_user"})
  void pgjdbcWithSslmodeRequire(String user, Backends backends) throws SQLException {
    start(backends, TestTls.rsa());
    try (Connection c = Jdbc.connect(proxy, user, PASSWORD, "postgres", tls("require"))) {
      assertThat(Jdbc.queryString(c, "SELECT current_user")).isEqualTo(user);
      assertThat(proxy.sessions()).singleElement().satisfies(s -> assertThat(s.tls()).isTrue());
    }
  }

  @Test
  void pgjdbcVerifiesTheProxyCertificate(Backends backends) throws SQLException {
    start(backends, TlsConfig.pem(TestTls.file("ec.crt"), TestTls.file("ec-sec1.key")));
    Properties properties = tls("verify-full");
    properties.setProperty("sslrootcert", TestTls.file("ec.crt").toString());
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", properties)) {
      assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void directTlsWithAlpnAsPostgres17Clients(Backends backends) throws SQLException {
    start(backends, TestTls.rsa());
    Properties properties = tls("require");
    properties.setProperty("sslNegotiation", "direct");
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", properties)) {
      assertThat(Jdbc.queryString(c, "SELECT current_user")).isEqualTo("scram_user");
    }
  }

  @Test
  void handshakeStepsRunOffTheEventLoop(Backends backends) throws Exception {
    // One event loop, and a key manager that holds the TLS handshake in the middle: if the
    // handshake ran on the loop, the plain session on the same loop could not answer.
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<String> handshakeThread = new AtomicReference<>();
    SSLContext context = TestTls.contextHoldingHandshakes(release, handshakeThread);
    proxy =
        new ProxyServer("127.0.0.1:0", backends.router())
            .withTls(TlsConfig.of(context))
            .withEventLoops(1)
            .start();
    Properties bounded = new Properties();
    bounded.setProperty("socketTimeout", "10");
    try (Connection plain = Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", bounded)) {
      CompletableFuture<String> tlsLogin =
          CompletableFuture.supplyAsync(
              () -> {
                try (Connection c =
                    Jdbc.connect(proxy, "clear_user", PASSWORD, "postgres", tls("require"))) {
                  return Jdbc.queryString(c, "SELECT current_user");
                } catch (SQLException e) {
                  throw new IllegalStateException(e);
                }
              });
      Await.until(
          "the TLS handshake to reach the key manager",
          Duration.ofSeconds(10),
          () -> handshakeThread.get() != null);

      assertThat(Jdbc.queryString(plain, "SELECT 1")).isEqualTo("1");

      release.countDown();
      assertThat(tlsLogin.get(10, TimeUnit.SECONDS)).isEqualTo("clear_user");
    } finally {
      release.countDown();
    }
    assertThat(handshakeThread.get()).startsWith("pgmux-tls-");
  }

  @Test
  void plainClientsStillWorkWhenTlsIsOptional(Backends backends) throws SQLException {
    start(backends, TestTls.rsa());
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD)) {
      assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void requiredTlsRefusesPlainClients(Backends backends) throws Exception {
    start(backends, TestTls.rsa().required());
    assertThatThrownBy(() -> Jdbc.connect(proxy, "scram_user", PASSWORD))
        .isInstanceOfSatisfying(
            SQLException.class,
            e -> {
              assertThat(e.getSQLState()).isEqualTo("28000");
              assertThat(e.getMessage()).contains("pgmux: TLS is required");
            });
    try (Connection c = Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", tls("require"))) {
      assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void withoutTlsTheProxyAnswersNo(Backends backends) throws Exception {
    proxy = new ProxyServer("127.0.0.1:0", r -> backends.current().backend()).start();
    try (RawClient raw = new RawClient(proxy.port())) {
      raw.send(new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f});
      assertThat(raw.readByte()).isEqualTo('N');
      raw.login(0, "postgres", "postgres");
    }
    assertThatThrownBy(() -> Jdbc.connect(proxy, "scram_user", PASSWORD, "postgres", tls("require")))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("does not support SSL");
  }

  @ParameterizedTest
  @ValueSource(strings = {"scram_user", "clear_user"})
  void psqlWithSslmodeRequire(String user, Backends backends) throws Exception {
    start(backends, TestTls.rsa());
    Psql.Result result =
        Psql.run(
            "host=127.0.0.1 port=" + proxy.port() + " user=" + user + " dbname=postgres sslmode=require",
            PASSWORD,
            "SELECT current_user");
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).isEqualTo(user);
    assertThat(result.exitCode()).isZero();
  }

  @Test
  void psqlRoutesByUser(Backends backends) throws Exception {
    start(backends, TestTls.rsa());
    for (String user : new String[] {"scram_user", "clear_user"}) {
      Psql.Result result =
          Psql.run(
              "host=127.0.0.1 port=" + proxy.port() + " user=" + user + " dbname=postgres sslmode=disable",
              PASSWORD,
              "SHOW server_version_num");
      assertThat(result.out()).startsWith(user.equals("scram_user") ? "18" : "14");
    }
  }
}
