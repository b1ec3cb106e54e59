package io.pgmux;

import static io.pgmux.test.SqlErrors.assertFails;
import static io.pgmux.test.TestPostgres.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgmux.internal.auth.ScramVerifier;
import io.pgmux.test.Jdbc;
import io.pgmux.test.Psql;
import io.pgmux.test.Psycopg;
import io.pgmux.test.RawClient;
import io.pgmux.test.TestPostgres;
import io.pgmux.test.TestTls;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

/**
 * Proxy-side authentication against real PostgreSQL 18 and 15 servers with TLS on: the proxy
 * checks the client with each method, then logs in to the backend with each method PostgreSQL
 * asks for, over each TLS mode, with pgjdbc, psql and psycopg2.
 */
class ProxySideAuthIT {
  static final String CLIENT_PASSWORD = "client-Pa55";
  static TestPostgres pg18;
  static TestPostgres pg15;
  static ProxyServer proxy;
  static int unusedPort;

  /** Route name, client method, backend user, backend TLS. */
  record Case(String route, ClientAuth auth, String backendUser, BackendTls tls) {}

  static List<Case> cases() {
    char[] pw = CLIENT_PASSWORD.toCharArray();
    return List.of(
        new Case("trust", ClientAuth.trust(), "tls_user", BackendTls.verifyFull(TestTls.file("rsa.crt"))),
        new Case("cleartext", ClientAuth.password(pw), "clear_user", BackendTls.disable()),
        new Case("md5", ClientAuth.md5(pw), "md5_user", BackendTls.require()),
        new Case("scram", ClientAuth.scram(pw), "scram_user", BackendTls.prefer()),
        new Case(
            "verifier",
            ClientAuth.scramVerifier(ScramVerifier.derive(pw).toText()),
            "tls_user",
            BackendTls.verifyFull(TestTls.file("rsa.crt")).requireChannelBinding()));
  }

  @BeforeAll
  static void start() throws Exception {
    CompletableFuture<TestPostgres> v15 =
        CompletableFuture.supplyAsync(() -> TestPostgres.withTls(TestPostgres.V15, "rsa"));
    pg18 = TestPostgres.withTls(TestPostgres.CURRENT, "rsa");
    pg15 = v15.join();
    try (ServerSocket s = new ServerSocket(0)) {
      unusedPort = s.getLocalPort();
    }
    StaticRouter router = new StaticRouter();
    for (TestPostgres server : List.of(pg18, pg15)) {
      for (Case c : cases()) {
        router.put(
            c.route() + "_" + server.majorVersion(),
            new BackendConfig(server.host(), server.port(), c.backendUser(), "postgres")
                .withTls(c.tls())
                .withPassword(PASSWORD.toCharArray())
                .withClientAuth(c.auth()));
      }
    }
    router.put(
        "ghost",
        new BackendConfig("127.0.0.1", unusedPort, "nobody", null)
            .withClientAuth(ClientAuth.md5(CLIENT_PASSWORD.toCharArray())));
    router.put(
        "needs_binding",
        new BackendConfig(pg18.host(), pg18.port(), "md5_user", "postgres")
            .withTls(BackendTls.require().requireChannelBinding())
            .withPassword(PASSWORD.toCharArray())
            .withClientAuth(ClientAuth.trust()));
    router.put(
        "raw_trust_15",
        new BackendConfig(pg15.host(), pg15.port(), "postgres", "postgres")
            .withClientAuth(ClientAuth.trust()));
    proxy = new ProxyServer("127.0.0.1:0", router).withTls(TestTls.rsa()).start();
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    for (TestPostgres server : new TestPostgres[] {pg18, pg15}) {
      if (server != null) {
        server.close();
      }
    }
  }

  private static Properties ssl(String mode) {
    Properties p = new Properties();
    p.setProperty("sslmode", mode);
    return p;
  }

  private static final String WHO =
      "SELECT current_user || ' ' || coalesce((SELECT ssl::text FROM pg_stat_ssl WHERE pid = pg_backend_pid()), '?')"
          + " || ' ' || current_setting('server_version_num')::int / 10000";

  @Test
  void pgjdbcLogsInWithEveryMethodOverEachTlsMode() throws SQLException {
    for (TestPostgres server : List.of(pg18, pg15)) {
      for (Case c : cases()) {
        String user = c.route() + "_" + server.majorVersion();
        for (String sslmode : List.of("disable", "require")) {
          try (Connection conn = Jdbc.connect(proxy, user, CLIENT_PASSWORD, "postgres", ssl(sslmode))) {
            assertThat(Jdbc.queryString(conn, WHO))
                .as("%s %s", user, sslmode)
                .isEqualTo(c.backendUser() + " " + c.tls().enabled() + " " + server.majorVersion());
          }
        }
      }
    }
  }

  @Test
  void psqlAndPsycopgLogInWithEveryMethod() throws Exception {
    for (TestPostgres server : List.of(pg18, pg15)) {
      for (Case c : cases()) {
        String user = c.route() + "_" + server.majorVersion();
        String conninfo =
            "host=127.0.0.1 port=" + proxy.port() + " user=" + user + " dbname=postgres sslmode=require";
        String expected = c.backendUser() + " " + c.tls().enabled() + " " + server.majorVersion();
        Psql.Result psql = Psql.run(conninfo, CLIENT_PASSWORD, WHO);
        assertThat(psql.out()).as("psql %s: %s", user, psql.err()).isEqualTo(expected);
        assertThat(Psycopg.query(conninfo.replace("require", "disable"), CLIENT_PASSWORD, WHO))
            .as("psycopg2 %s", user)
            .isEqualTo(expected);
      }
    }
  }

  @Test
  void md5WorksWithARewrittenUser() throws SQLException {
    try (Connection c = Jdbc.connect(proxy, "md5_18", CLIENT_PASSWORD)) {
      assertThat(Jdbc.queryString(c, "SELECT current_user")).isEqualTo("md5_user");
    }
  }

  @Test
  void clientChannelBindingRequireWorksAgainstTheProxysCertificate() throws Exception {
    Properties p = ssl("require");
    p.setProperty("channelBinding", "require");
    for (String user : List.of("scram_18", "verifier_15")) {
      try (Connection c = Jdbc.connect(proxy, user, CLIENT_PASSWORD, "postgres", p)) {
        assertThat(Jdbc.queryString(c, "SELECT 1")).isEqualTo("1");
      }
      Psql.Result psql =
          Psql.run(
              "host=127.0.0.1 port=" + proxy.port() + " user=" + user
                  + " dbname=postgres sslmode=require channel_binding=require",
              CLIENT_PASSWORD,
              "SELECT 1");
      assertThat(psql.out()).as(psql.err()).isEqualTo("1");
    }
    // Without TLS there is nothing to bind to, and the client refuses, as with PostgreSQL.
    Psql.Result plain =
        Psql.run(
            "host=127.0.0.1 port=" + proxy.port() + " user=scram_18 dbname=postgres sslmode=disable channel_binding=require",
            CLIENT_PASSWORD,
            "SELECT 1");
    assertThat(plain.exitCode()).isNotZero();
  }

  @Test
  void proxyRequiringChannelBindingRefusesABackendWithoutIt() {
    assertFails(
        () -> Jdbc.connect(proxy, "needs_binding", "any"),
        "08001",
        "channel binding is required, but the backend asks for an MD5 password");
  }

  @Test
  void wrongPasswordIs28P01WithoutABackendConnection() throws Exception {
    // "ghost" routes to a port nobody listens on: only a right password makes the proxy try it.
    long sessionsBefore = proxy.stats().sessions();
    for (String user : List.of("ghost", "scram_18", "md5_15", "cleartext_18", "verifier_15")) {
      assertFails(
          () -> Jdbc.connect(proxy, user, "wrong"),
          "28P01",
          "pgmux: password authentication failed for user \"" + user + "\"");
    }
    Psql.Result psql =
        Psql.run("host=127.0.0.1 port=" + proxy.port() + " user=verifier_18 dbname=postgres", "wrong", "SELECT 1");
    assertThat(psql.err()).contains("password authentication failed for user \"verifier_18\"");
    assertThat(Psycopg.query("host=127.0.0.1 port=" + proxy.port() + " user=md5_18 dbname=postgres", "wrong", "SELECT 1"))
        .contains("pgmux: password authentication failed for user \"md5_18\"");
    // No session reached a backend: the proxy counts every backend connection it opens.
    assertThat(proxy.stats().sessions()).isEqualTo(sessionsBefore);
    assertFails(() -> Jdbc.connect(proxy, "ghost", CLIENT_PASSWORD), "08001");
  }

  @Test
  void cancelWorksWithTheProxysKeys() throws Exception {
    for (String user : List.of("scram_18", "md5_15")) {
      try (Connection c = Jdbc.connect(proxy, user, CLIENT_PASSWORD);
          Statement statement = c.createStatement()) {
        // The proxy's key keeps the backend's process id.
        assertThat(String.valueOf(c.unwrap(PGConnection.class).getBackendPID()))
            .isEqualTo(Jdbc.queryString(c, "SELECT pg_backend_pid()"));
        CompletableFuture<Void> cancel =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    try (Connection watcher = Jdbc.connect(proxy, user, CLIENT_PASSWORD)) {
                      Jdbc.awaitActive(watcher, "SELECT pg_sleep(30)");
                    }
                    statement.cancel();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        long start = System.nanoTime();
        assertFails(() -> statement.execute("SELECT pg_sleep(30)"), "57014");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        cancel.get(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void protocol32ClientGetsALongKeyFromTheProxyEvenFromPostgres15() throws Exception {
    try (RawClient session = new RawClient(proxy.port()).login(2, "raw_trust_15", "postgres")) {
      assertThat(session.secretKey()).hasSize(32);
      session.query("SELECT pg_sleep(30)");
      RawClient.Message error =
          session.cancelUntilEnded(proxy.port());
      assertThat(error).isNotNull();
      assertThat(error.fields().get('C')).isEqualTo("57014");
    }
  }

}
